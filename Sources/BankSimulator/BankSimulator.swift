import BankFormats
import Foundation
import PayHubDomain

/// A bank for tests, demos and customers' own testing: it answers pain.001 and NACHA files with a
/// pain.002 at once, books the accepted payments on their execution date with a camt.054 each, writes a
/// camt.053 per account at the end of each simulated day, and sends some payments back days later.
///
/// Everything it decides comes from its configuration, its seed and the files it receives, in order:
/// the same seed, configuration and inputs give byte-identical outputs. Time is the simulated day; a
/// report's creation time takes only the time of day from the `now` its caller passes. Its state lives
/// in the state directory and is saved after every change, so a restarted simulator carries on where it
/// stopped; see docs/bank-simulator.md.
public actor BankSimulator {
    public nonisolated let configuration: BankSimulatorConfiguration
    private var core: SimulatorCore

    /// Opens the simulator over its directories, creating them if needed, and reloads its saved state.
    public init(
        configuration: BankSimulatorConfiguration, stateDirectory: URL, outgoingDirectory: URL
    ) throws(BankSimulatorError) {
        let settings = try configuration.validated()
        let store = try SimulatorStore(stateDirectory: stateDirectory, outgoingDirectory: outgoingDirectory)
        var state = try store.loadState() ?? SimulatorState.initial(settings)
        state.addMissingAccounts(settings)
        try store.saveState(state)
        self.configuration = configuration
        core = SimulatorCore(settings: settings, store: store, state: state)
    }

    /// The simulated day.
    public var today: LocalDate { core.state.today }

    /// An account's booked balance, or nil for an account the bank does not keep.
    public func balance(of account: String) -> Money? {
        let key = AccountKey(account)
        guard let known = core.settings.account(key), let book = core.state.accounts[key.value] else { return nil }
        return Money(minorUnits: book.balanceMinorUnits, currency: known.currency)
    }

    /// Receives a file: answers it with a pain.002 at once, and books what is due today.
    ///
    /// A file that cannot be read is answered with group status `RJCT`, reason `FF01`. A message id
    /// received before is not processed again: the first pain.002 is written again, and the log shows
    /// the file's transactions as duplicates.
    /// - Parameter now: only its time of day is used, for the reports' creation times.
    @discardableResult
    public func receive(
        fileName: String, contents: Data, transport: SimulatorTransport, now: Date
    ) throws(BankSimulatorError) -> SimulatorReceipt {
        var working = core
        let receipt = try working.receive(fileName: fileName, contents: contents, transport: transport, now: now)
        core = working
        return receipt
    }

    /// Ends the simulated day: a camt.053 per open account, then the next weekday begins with the
    /// returns and bookings due on it. Returns the names of the reports written, in order.
    @discardableResult
    public func closeDay(now: Date) throws(BankSimulatorError) -> [String] {
        var working = core
        let names = try working.closeDay(now: now)
        core = working
        return names
    }

    /// The answer to a message received before, or nil.
    public func instruction(messageID: String) -> SimulatorReceipt? {
        core.state.instructions[messageID]?.receipt
    }

    /// The names of the reports in the outgoing directory, in the order they were written.
    public func reports() throws(BankSimulatorError) -> [String] { try core.store.reportNames() }

    public func report(named name: String) throws(BankSimulatorError) -> Data { try core.store.report(named: name) }

    /// Removes a report that its reader has fetched.
    public func removeReport(named name: String) throws(BankSimulatorError) { try core.store.removeReport(named: name) }

    /// For the folder driver: moves a received file into the state directory's archive.
    func archive(_ file: URL) throws(BankSimulatorError) { try core.store.archive(file) }
}

/// The simulator's logic over its state; every change is made on a copy that the actor keeps only
/// once the change's files and state have been written.
struct SimulatorCore: Sendable {
    let settings: ValidatedConfiguration
    let store: SimulatorStore
    var state: SimulatorState
    /// Lines for `received.jsonl`, written with the state.
    private var log: [LogLine] = []
    /// The reports written by the change under way, in order.
    private var written: [String] = []

    init(settings: ValidatedConfiguration, store: SimulatorStore, state: SimulatorState) {
        self.settings = settings
        self.store = store
        self.state = state
    }

    enum ReportKind: String {
        case pain002, camt054, camt053

        var idPrefix: String {
            switch self {
            case .pain002: "P002"
            case .camt054: "C054"
            case .camt053: "C053"
            }
        }
    }

    // MARK: receiving

    mutating func receive(
        fileName: String, contents: Data, transport: SimulatorTransport, now: Date
    ) throws(BankSimulatorError) -> SimulatorReceipt {
        let submitted: SubmittedFile
        do {
            submitted = try SubmissionFormat.read(contents)
        } catch {
            return try refuse(error, fileName: fileName, transport: transport, now: now)
        }
        if let record = state.instructions[submitted.messageID] {
            return try answerAgain(
                record, transactions: submitted.blocks.flatMap(\.transactions), fileName: fileName,
                transport: transport)
        }

        var payments: [PaymentStatus] = []
        var acceptedCount = 0
        var total = 0
        var bookings: [PendingBooking] = []
        for block in submitted.blocks {
            let debtor = debtorAccount(of: block)
            var statuses: [TransactionStatus] = []
            var accepted: [AcceptedTransaction] = []
            for transaction in block.transactions {
                total += 1
                let line = LogLine(
                    event: "received", date: state.today.iso8601, fileName: fileName, transport: transport.rawValue,
                    messageID: submitted.messageID, endToEndID: transaction.endToEndID,
                    amount: transaction.amount.description, currency: transaction.currency, duplicate: false)
                switch decide(transaction, debtor: debtor) {
                case .accepted(let acceptance):
                    acceptedCount += 1
                    accepted.append(acceptance)
                    statuses.append(TransactionStatus(originalEndToEndID: transaction.endToEndID, status: "ACSP"))
                    log.append(line.with(outcome: "ACSP", reason: nil))
                case .rejected(let reason):
                    statuses.append(
                        TransactionStatus(
                            originalEndToEndID: transaction.endToEndID, status: "RJCT", reason: reason,
                            additionalInfo: Self.reasonText[reason]))
                    log.append(line.with(outcome: "RJCT", reason: reason))
                }
            }
            payments.append(
                PaymentStatus(
                    originalPaymentID: block.id,
                    status: Self.groupStatus(accepted: accepted.count, of: block.transactions.count),
                    transactions: statuses))
            if let debtor, !accepted.isEmpty {
                bookings.append(
                    PendingBooking(
                        messageID: submitted.messageID, blockID: block.id, account: debtor.key,
                        executionDate: block.requestedExecutionDate ?? state.today,
                        transactionCode: block.transactionCode, transactions: accepted))
            }
        }

        let status = Self.groupStatus(accepted: acceptedCount, of: total)
        let (messageID, name) = nextReport(.pain002)
        let report = PaymentStatusReport(
            format: "pain.002.001.10", messageID: messageID, originalMessageID: submitted.messageID,
            originalMessageName: submitted.format, groupStatus: status, payments: payments)
        let data: Data
        do {
            data = try Pain002Writer.write(report, createdAt: timestamp(now))
        } catch {
            throw BankSimulatorError(
                .internalInconsistency, at: name, "the pain.002 cannot be written", detail: error.description)
        }
        try emit(data, named: name)
        try store.keepAnswer(data, named: name)
        let receipt = SimulatorReceipt(
            messageID: submitted.messageID, fileName: fileName, status: status, duplicate: false, statusReport: name)
        state.instructions[submitted.messageID] = InstructionRecord(receipt: receipt, answerFile: name)
        state.pendingBookings += bookings
        try bookDue(now: now)
        try commit()
        return receipt
    }

    /// A file that cannot be processed: one pain.002 `RJCT` for the whole group.
    private mutating func refuse(
        _ refusal: SubmissionRefusal, fileName: String, transport: SimulatorTransport, now: Date
    ) throws(BankSimulatorError) -> SimulatorReceipt {
        if let id = refusal.messageID, let record = state.instructions[id] {
            return try answerAgain(record, transactions: [], fileName: fileName, transport: transport)
        }
        let (messageID, name) = nextReport(.pain002)
        let report = PaymentStatusReport(
            format: "pain.002.001.10", messageID: messageID, originalMessageID: refusal.messageID ?? "NOTPROVIDED",
            originalMessageName: refusal.format, groupStatus: "RJCT",
            payments: [
                PaymentStatus(
                    transactions: [
                        TransactionStatus(
                            status: "RJCT", reason: refusal.reason,
                            additionalInfo: "The file cannot be processed: \(refusal.detail)")
                    ])
            ])
        let data: Data
        do {
            data = try Pain002Writer.write(report, createdAt: timestamp(now))
        } catch {
            throw BankSimulatorError(
                .internalInconsistency, at: name, "the pain.002 cannot be written", detail: error.description)
        }
        try emit(data, named: name)
        let receipt = SimulatorReceipt(
            messageID: refusal.messageID, fileName: fileName, status: "RJCT", reason: refusal.reason, duplicate: false,
            statusReport: name)
        if let id = refusal.messageID {
            try store.keepAnswer(data, named: name)
            state.instructions[id] = InstructionRecord(receipt: receipt, answerFile: name)
        }
        log.append(
            LogLine(
                event: "rejected_file", date: state.today.iso8601, fileName: fileName, transport: transport.rawValue,
                messageID: refusal.messageID, outcome: "RJCT", reason: refusal.reason, duplicate: false, report: name))
        try commit()
        return receipt
    }

    /// A message id received before: the first pain.002 again, under a new name; nothing is processed.
    private mutating func answerAgain(
        _ record: InstructionRecord, transactions: [SubmittedTransaction], fileName: String,
        transport: SimulatorTransport
    ) throws(BankSimulatorError) -> SimulatorReceipt {
        let data = try store.answer(named: record.answerFile)
        state.fileSequence += 1
        // The same message id in the name as the first answer's, which these bytes are.
        let name = Self.sequenceText(state.fileSequence) + String(record.answerFile.dropFirst(7))
        try emit(data, named: name)
        let messageID = record.receipt.messageID
        let base = LogLine(
            event: "received", date: state.today.iso8601, fileName: fileName, transport: transport.rawValue,
            messageID: messageID, outcome: "duplicate", duplicate: true, report: name)
        if transactions.isEmpty {
            var line = base
            line.event = "rejected_file"
            log.append(line)
        }
        for transaction in transactions {
            var line = base
            line.endToEndID = transaction.endToEndID
            line.amount = transaction.amount.description
            line.currency = transaction.currency
            log.append(line)
        }
        try commit()
        var receipt = record.receipt
        receipt.fileName = fileName
        receipt.duplicate = true
        receipt.statusReport = name
        return receipt
    }

    enum Decision {
        case accepted(AcceptedTransaction)
        case rejected(String)
    }

    /// The debtor account of a block: the one it names, or for NACHA the one of its company.
    private func debtorAccount(of block: SubmittedBlock) -> ValidatedConfiguration.KnownAccount? {
        if let account = block.debtorAccount { return settings.account(AccountKey(account)) }
        if let company = block.nachaCompanyID, !company.isEmpty {
            return settings.accounts.first { $0.nachaCompanyID == company }
        }
        return nil
    }

    /// Whether a transfer is accepted, and with which reason it is not. Funds are reserved for an
    /// accepted one until it is booked, so later transfers see what is really left.
    private mutating func decide(
        _ transaction: SubmittedTransaction, debtor: ValidatedConfiguration.KnownAccount?
    ) -> Decision {
        if let refusal = transaction.refusal { return .rejected(refusal) }
        guard let debtor, var book = state.accounts[debtor.key.value] else { return .rejected("AC02") }
        guard debtor.isOpen else { return .rejected("AC04") }
        guard transaction.currency == debtor.currency.code else { return .rejected("AM03") }
        let amount: Money
        do {
            amount = try Money(parsing: transaction.amount.description, currency: debtor.currency)
        } catch {
            return .rejected("AM12")
        }
        guard amount.isPositive else { return .rejected("AM01") }
        let creditor = AccountKey(transaction.creditorAccount ?? "")
        guard !creditor.value.isEmpty, !settings.unknownCreditors.contains(creditor.value) else {
            return .rejected("AC01")
        }
        if settings.closedCreditors.contains(creditor.value) || settings.account(creditor)?.isOpen == false {
            return .rejected("AC04")
        }
        let draws = Self.draws(for: transaction.endToEndID, settings: settings)
        if draws.rejected { return .rejected(settings.source.randomRejectionReason) }
        let fee = settings.fees[debtor.currency.code]?.minorUnits ?? 0
        let (charged, overflow) = amount.minorUnits.addingReportingOverflow(fee)
        guard !overflow, charged <= book.availableMinorUnits else { return .rejected("AM04") }
        book.reservedMinorUnits += charged
        state.accounts[debtor.key.value] = book
        return .accepted(
            AcceptedTransaction(
                endToEndID: transaction.endToEndID, uetr: transaction.uetr, amountMinorUnits: amount.minorUnits,
                feeMinorUnits: fee, creditor: Self.party(transaction), remittance: Self.remittance(transaction),
                returnReason: draws.returnReason))
    }

    /// The random outcomes of one payment, from the seed and its end-to-end id alone, so that they do not
    /// depend on the order payments arrive in.
    static func draws(for endToEndID: String, settings: ValidatedConfiguration) -> (
        rejected: Bool, returnReason: String?
    ) {
        var generator = SplitMix64(seed: settings.source.seed ^ fnv1a(endToEndID))
        let rejection = generator.next() % 1000
        let returning = generator.next() % 1000
        let pick = generator.next()
        let reasons = settings.source.returnReasons
        let returnReason =
            returning < UInt64(settings.source.returnRatePerMille)
            ? reasons[Int(pick % UInt64(reasons.count))] : nil
        return (rejection < UInt64(settings.source.rejectionRatePerMille), returnReason)
    }

    /// FNV-1a over the UTF-8 bytes: a hash that, unlike `Hasher`, is the same in every process.
    static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return hash
    }

    /// The creditor as the statements show it, cut to what the camt schema takes (the file came from
    /// outside and may not keep to it).
    static func party(_ transaction: SubmittedTransaction) -> BookedParty {
        let name = transaction.creditorName.flatMap { $0.isEmpty ? nil : String($0.prefix(140)) }
        let account = transaction.creditorAccount.flatMap { (1...34).contains($0.count) ? $0 : nil }
        let bic = transaction.creditorBIC.flatMap { (try? BIC($0)) == nil ? nil : $0 }
        return BookedParty(name: name, account: account, bic: bic)
    }

    static func remittance(_ transaction: SubmittedTransaction) -> String? {
        transaction.remittance.flatMap { $0.isEmpty ? nil : String($0.prefix(140)) }
    }

    static func groupStatus(accepted: Int, of total: Int) -> String {
        accepted == total && total > 0 ? "ACCP" : accepted == 0 ? "RJCT" : "PART"
    }

    /// The words a pain.002 adds to a reason code.
    static let reasonText: [String: String] = [
        "AC01": "Creditor account number unknown",
        "AC02": "Debtor account number unknown",
        "AC04": "Account closed",
        "AG01": "Transaction forbidden: debit entries are not executed",
        "AM01": "Zero amount",
        "AM03": "Currency not allowed for the account",
        "AM04": "Insufficient funds",
        "AM12": "Invalid amount",
        "MS03": "Reason not specified",
    ]

    // MARK: booking

    /// Books every accepted payment whose execution date has come, in the order they were accepted.
    private mutating func bookDue(now: Date) throws(BankSimulatorError) {
        var waiting: [PendingBooking] = []
        let pending = state.pendingBookings
        state.pendingBookings = []
        for booking in pending {
            if booking.executionDate <= state.today {
                try book(booking, now: now)
            } else {
                waiting.append(booking)
            }
        }
        state.pendingBookings = waiting
    }

    private mutating func book(_ booking: PendingBooking, now: Date) throws(BankSimulatorError) {
        let (account, currency) = try knownAccount(booking.account)
        var entries: [BookedEntry] = []
        if settings.source.batchBooking {
            let total = booking.transactions.reduce(Int64(0)) { $0 + $1.amountMinorUnits }
            entries.append(
                BookedEntry(
                    kind: .payment, amountMinorUnits: -total, currency: currency.code, bookingDate: state.today,
                    bankReference: nextBankReference(), customerReference: booking.blockID,
                    transactionCode: booking.transactionCode,
                    transactions: booking.transactions.map { transaction in
                        BookedTransaction(
                            endToEndID: transaction.endToEndID, uetr: transaction.uetr,
                            amountMinorUnits: -transaction.amountMinorUnits, counterparty: transaction.creditor,
                            remittance: transaction.remittance)
                    }))
        } else {
            for transaction in booking.transactions {
                entries.append(
                    BookedEntry(
                        kind: .payment, amountMinorUnits: -transaction.amountMinorUnits, currency: currency.code,
                        bookingDate: state.today, bankReference: nextBankReference(),
                        transactionCode: booking.transactionCode, remittance: transaction.remittance,
                        counterparty: transaction.creditor,
                        transactions: [
                            BookedTransaction(
                                endToEndID: transaction.endToEndID, uetr: transaction.uetr,
                                counterparty: transaction.creditor, remittance: transaction.remittance)
                        ]))
            }
        }
        for transaction in booking.transactions where transaction.feeMinorUnits > 0 {
            entries.append(
                BookedEntry(
                    kind: .fee, amountMinorUnits: -transaction.feeMinorUnits, currency: currency.code,
                    bookingDate: state.today, bankReference: nextBankReference(), transactionCode: "ACMT-MDOP-CHRG",
                    remittance: "Charges for \(transaction.endToEndID)", transactions: []))
        }
        let charged = booking.transactions.reduce(Int64(0)) { $0 + $1.amountMinorUnits + $1.feeMinorUnits }
        guard var book = state.accounts[account.key.value] else {
            throw BankSimulatorError(.internalInconsistency, "a booking names an account without books")
        }
        book.balanceMinorUnits -= charged
        book.reservedMinorUnits -= charged
        book.dayEntries += entries
        state.accounts[account.key.value] = book

        let name = try writeNotification(account: account, currency: currency, entries: entries, now: now)
        let dueDate = try Self.adding(businessDays: settings.source.returnDelayBusinessDays, to: state.today)
        for transaction in booking.transactions {
            log.append(
                LogLine(
                    event: "booked", date: state.today.iso8601, messageID: booking.messageID,
                    endToEndID: transaction.endToEndID,
                    amount: Money(minorUnits: transaction.amountMinorUnits, currency: currency).decimalString,
                    currency: currency.code,
                    fee: transaction.feeMinorUnits > 0
                        ? Money(minorUnits: transaction.feeMinorUnits, currency: currency).decimalString : nil,
                    report: name))
            if let reason = transaction.returnReason {
                state.pendingReturns.append(
                    PendingReturn(
                        dueDate: dueDate, account: account.key, messageID: booking.messageID,
                        endToEndID: transaction.endToEndID, uetr: transaction.uetr,
                        amountMinorUnits: transaction.amountMinorUnits, reason: reason, creditor: transaction.creditor,
                        remittance: transaction.remittance))
            }
        }
    }

    /// Credits back every return due by today, one camt.054 each, in the order they were booked.
    private mutating func returnDue(now: Date) throws(BankSimulatorError) {
        let pending = state.pendingReturns
        state.pendingReturns = []
        var waiting: [PendingReturn] = []
        for payment in pending {
            guard payment.dueDate <= state.today else {
                waiting.append(payment)
                continue
            }
            let (account, currency) = try knownAccount(payment.account)
            let entry = BookedEntry(
                kind: .return, amountMinorUnits: payment.amountMinorUnits, currency: currency.code,
                bookingDate: state.today, bankReference: nextBankReference(), transactionCode: "PMNT-ICDT-RRTN",
                returnReason: payment.reason, remittance: payment.remittance, counterparty: payment.creditor,
                transactions: [
                    BookedTransaction(
                        endToEndID: payment.endToEndID, uetr: payment.uetr, counterparty: payment.creditor,
                        remittance: payment.remittance)
                ])
            guard var book = state.accounts[account.key.value] else {
                throw BankSimulatorError(.internalInconsistency, "a return names an account without books")
            }
            book.balanceMinorUnits += payment.amountMinorUnits
            book.dayEntries.append(entry)
            state.accounts[account.key.value] = book
            let name = try writeNotification(account: account, currency: currency, entries: [entry], now: now)
            log.append(
                LogLine(
                    event: "returned", date: state.today.iso8601, messageID: payment.messageID,
                    endToEndID: payment.endToEndID,
                    amount: Money(minorUnits: payment.amountMinorUnits, currency: currency).decimalString,
                    currency: currency.code, reason: payment.reason, report: name))
        }
        state.pendingReturns = waiting
    }

    // MARK: the end of the day

    mutating func closeDay(now: Date) throws(BankSimulatorError) -> [String] {
        written = []
        for account in settings.accounts {
            guard var book = state.accounts[account.key.value], account.isOpen || !book.dayEntries.isEmpty else {
                continue
            }
            let entries = book.dayEntries.map { $0.statementEntry(currency: account.currency) }
            // The statement must add up; the books are PayHub's own, so a difference is a bug.
            let moved = book.dayEntries.reduce(Int64(0)) { $0 + $1.amountMinorUnits }
            guard book.dayOpeningMinorUnits + moved == book.balanceMinorUnits else {
                throw BankSimulatorError(
                    .internalInconsistency, at: "state.json", "an account's entries do not add up to its balance")
            }
            let (messageID, name) = nextReport(.camt053)
            let date = state.today.iso8601
            let document = StatementDocument(
                format: "camt.053.001.08", messageID: messageID,
                statements: [
                    Statement(
                        id: messageID, account: statementAccount(account), currency: account.currency.code,
                        openingBalance: StatementBalance(
                            amount: ExactDecimal(
                                Money(minorUnits: book.dayOpeningMinorUnits, currency: account.currency)),
                            date: date),
                        closingBalance: StatementBalance(
                            amount: ExactDecimal(Money(minorUnits: book.balanceMinorUnits, currency: account.currency)),
                            date: date),
                        entries: entries)
                ])
            try write(document, as: .statement053, named: name, now: now)
            book.dayOpeningMinorUnits = book.balanceMinorUnits
            book.dayEntries = []
            state.accounts[account.key.value] = book
        }
        state.today = try Self.nextWeekday(after: state.today)
        try returnDue(now: now)
        try bookDue(now: now)
        try commit()
        return written
    }

    // MARK: writing

    private mutating func writeNotification(
        account: ValidatedConfiguration.KnownAccount, currency: Currency, entries: [BookedEntry], now: Date
    ) throws(BankSimulatorError) -> String {
        let (messageID, name) = nextReport(.camt054)
        let document = StatementDocument(
            format: "camt.054.001.08", messageID: messageID,
            statements: [
                Statement(
                    id: messageID, account: statementAccount(account), currency: currency.code,
                    entries: entries.map { $0.statementEntry(currency: currency) })
            ])
        try write(document, as: .notification054, named: name, now: now)
        return name
    }

    private mutating func write(
        _ document: StatementDocument, as message: CamtWriter.Message, named name: String, now: Date
    ) throws(BankSimulatorError) {
        let data: Data
        do {
            data = try CamtWriter.write(document, as: message, createdAt: timestamp(now))
        } catch {
            throw BankSimulatorError(
                .internalInconsistency, at: name, "the report cannot be written", detail: error.description)
        }
        try emit(data, named: name)
    }

    private mutating func emit(_ data: Data, named name: String) throws(BankSimulatorError) {
        try store.writeReport(data, named: name)
        written.append(name)
    }

    private func statementAccount(_ account: ValidatedConfiguration.KnownAccount) -> StatementAccount {
        let isIBAN = (try? IBAN(account.written)) != nil
        return StatementAccount(
            iban: isIBAN ? account.key.value : nil, number: isIBAN ? nil : account.key.value,
            bic: settings.source.bank.bic, name: account.name.map { String($0.prefix(70)) })
    }

    private func knownAccount(
        _ key: AccountKey
    ) throws(BankSimulatorError) -> (ValidatedConfiguration.KnownAccount, Currency) {
        guard let account = settings.account(key) else {
            // The configuration lost an account that has payments waiting.
            throw BankSimulatorError(
                .invalidConfiguration, at: "accounts", "an account with pending bookings is no longer configured")
        }
        return (account, account.currency)
    }

    /// The next report's message id and file name: `0000001-pain002-P002-20240304-0000001.xml`, so that
    /// names sort in the order the reports were made.
    private mutating func nextReport(_ kind: ReportKind) -> (messageID: String, name: String) {
        state.fileSequence += 1
        let sequence = Self.sequenceText(state.fileSequence)
        let messageID = "\(kind.idPrefix)-\(Self.compact(state.today))-\(sequence)"
        return (messageID, "\(sequence)-\(kind.rawValue)-\(messageID).xml")
    }

    private mutating func nextBankReference() -> String {
        state.bookingSequence += 1
        return "SIM\(Self.compact(state.today))\(Self.sequenceText(state.bookingSequence))"
    }

    /// Saves what this change did: the log's new lines, then the state.
    private mutating func commit() throws(BankSimulatorError) {
        try store.appendLog(log)
        log = []
        try store.saveState(state)
    }

    /// The simulated day with the time of day of `now`, in UTC: `2024-03-04T09:30:00Z`.
    private func timestamp(_ now: Date) -> String {
        let interval = now.timeIntervalSince1970
        let seconds = interval.isFinite ? Int64(max(min(interval, 1e15), -1e15).rounded(.down)) : 0
        let ofDay = ((seconds % 86_400) + 86_400) % 86_400
        let parts = [ofDay / 3600, ofDay % 3600 / 60, ofDay % 60].map { $0 < 10 ? "0\($0)" : "\($0)" }
        return "\(state.today.iso8601)T\(parts.joined(separator: ":"))Z"
    }

    static func sequenceText(_ number: Int) -> String {
        let digits = String(number)
        return digits.count >= 7 ? digits : String(repeating: "0", count: 7 - digits.count) + digits
    }

    static func compact(_ date: LocalDate) -> String { date.iso8601.replacingOccurrences(of: "-", with: "") }

    static func nextWeekday(after date: LocalDate) throws(BankSimulatorError) -> LocalDate {
        var day = date
        repeat {
            do {
                day = try day.adding(days: 1)
            } catch {
                throw BankSimulatorError(.internalInconsistency, "the simulated day is out of the calendar's range")
            }
        } while day.weekday == .saturday || day.weekday == .sunday
        return day
    }

    static func adding(businessDays: Int, to date: LocalDate) throws(BankSimulatorError) -> LocalDate {
        var day = date
        for _ in 0..<businessDays { day = try nextWeekday(after: day) }
        return day
    }
}

extension LogLine {
    func with(outcome: String, reason: String?) -> LogLine {
        var line = self
        line.outcome = outcome
        line.reason = reason
        return line
    }
}
