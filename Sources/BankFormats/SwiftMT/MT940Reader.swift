import Foundation
import PayHubDomain

/// Reads SWIFT MT940 customer statements and MT942 interim transaction reports into a
/// ``StatementDocument`` (`../shared/spec/format-json.md`).
///
/// What it accepts: files with or without the FIN envelope `{1:}{2:}{4: … -}` (several messages in one
/// file too), several statements per file, `:28C:` with or without a sequence number (and the old
/// `:28:`), `:60M:`/`:62M:`, `:64:`/`:65:` (checked, not reported), `:61:` in all its variants (entry
/// date across a year end, funds code, `RC`/`RD` reversals, type codes, references, supplementary
/// details), `:86:` in the German `?nn`, Dutch `/TAG/` and free-text layouts (see ``MT940Details``),
/// HBCI's `:NS:` fields (skipped), lines wrapped anywhere, UTF-8 or ISO-8859-1, CR, LF or CRLF, and a
/// missing final line break.
///
/// Decisions, so that the JSON reads the same whatever the bank:
/// - **Statement id** is `:20:` and `:28C:` joined by `/` (`STARTUMS/00027/00001`), `:20:` alone when
///   there is no `:28C:`. Many banks write the same `:20:` on every statement (`STARTUMS`,
///   `0000000000`); the statement number is what tells them apart.
/// - **Account** (`:25:`): `iban` when the value has an IBAN's shape (country, check digits, the
///   country's length; the check digits are not verified), otherwise `number` exactly as written
///   (`12345678/1020304050`). A trailing currency code is dropped; `BIC/IBAN` fills `bic` too.
/// - **Currency**: of `:60F:`/`:60M:`, else of `:62F:`, `:34F:` (MT942) or `:90D:`/`:90C:`. Entries take
///   the statement's.
/// - **message_id** is null: an MT file has no id of its own, and each message's `:20:` is in its
///   statement's id.
/// - **Counterparty**: German `?32`/`?33` name, `?31` account (`?38` when that is the IBAN), `?30` as
///   `bic` when it is a BIC, else kept with a national account as `BLZ/account`; Dutch `/CNTP/` or
///   `/NAME/`, `/IBAN/`, `/BIC/`; an IBAN in the `:61:` supplementary details (Rabobank). Free text
///   gives none: all of it is the remittance.
/// - **Remittance**: `SVWZ+`, `/REMI/`, else the German purpose or the free text. `end_to_end_ids`:
///   `EREF+` and `/EREF/` values but `NOTPROVIDED`. `return_reason`: `/RTRN/`.
/// - `:86:` that belongs to no entry (statement information after `:62F:`) and `:NS:` have no place in
///   the JSON and are skipped.
/// - **Dates**: `booking_date` is the `:61:` entry date (null when the bank leaves it out), `value_date`
///   the value date. Two-digit years `00`–`79` are 20xx, `80`–`99` 19xx. A day past the month's end
///   (`160230`, which real banks send) is read as the month's last day with a `lenient_date` warning.
/// - **Amounts** are exact decimals (``ExactDecimal``), signed: `D` and `RC` (reversal of a credit)
///   negative, `C` and `RD` positive. Every entry is `booked`, MT942 included (an MT942 lists entries
///   booked since the last statement).
/// - **MT942**: no opening or closing balance unless the file has them; `:13D:` is the document's
///   `created_at`; `:90D:`/`:90C:` are checked against the entries (`record_count_mismatch`,
///   `control_sum_mismatch`). `format` is `mt942` when the envelope says 942 or a statement has
///   `:34F:` (or `:13D:` without an opening balance).
/// - **Leniency, reported**: text outside any field is skipped (bank transmission headers such as
///   Rabobank's `:940:`, ING's `0000 01INGBNL2AXXXX00001` or a lone BIC silently, anything else with a
///   `schema_deviation` warning); a statement missing a mandatory field (`:20:`, `:25:`, `:28C:`,
///   `:60F:`, `:62F:`; for MT942 `:34F:`, `:13D:` instead of the balances) is read with a
///   `schema_deviation` warning; an opening balance after a statement's entries or balances starts a
///   new statement even without `:20:`.
/// - **Errors** name the line and field (`line 6: a second :25: …`): an unreadable date, amount or
///   mark, a second `:25:`/`:28C:`/closing balance in one statement, an envelope for another message
///   type, or a file without any MT940/MT942 field. Nothing in the input can make the reader trap.
public enum MT940Reader {
    /// Reads every statement with its entries. Balances are left to ``StatementDocument/checkBalances()``,
    /// as for every reader (``BankFileReader`` calls it).
    public static func read(_ data: Data) throws(FormatError) -> StatementDocument {
        let source = MTSource(data)
        var scanner = MTScanner(source)
        var assembler = MTStatementAssembler(source: source, keepsEntries: true) { _ in }
        while let event = scanner.next() { try assembler.apply(event) }
        return try assembler.finish()
    }

    /// Reads a file whose entries are too many to keep: each statement's header (at its first entry)
    /// and each entry is handed to `handle` as soon as it is read, and not kept. The document returned
    /// holds the statements without entries, and every warning — `balance_mismatch` included, which
    /// this reader checks itself since the entries are gone. An error `handle` throws ends the reading
    /// and is rethrown.
    public static func stream(_ data: Data, _ handle: (StatementStreamEvent) throws -> Void) throws -> StatementDocument {
        try withoutActuallyEscaping(handle) { handle in
            let source = MTSource(data)
            var scanner = MTScanner(source)
            var assembler = MTStatementAssembler(source: source, keepsEntries: false, handle: handle)
            do {
                while let event = scanner.next() { try assembler.apply(event) }
                return try assembler.finish()
            } catch {
                throw assembler.handlerError ?? error
            }
        }
    }
}

/// Builds statements from the scanner's fields.
struct MTStatementAssembler {
    private struct OpenEntry {
        let line: Int
        let statementLine: MTStatementLine
        var details: [MTLine] = []
    }

    private struct Draft {
        let line: Int
        var hasContent = false
        var reference: String?
        var statementNumber: String?
        var account: StatementAccount?
        var opening: (balance: MTBalance, field: String, line: Int)?
        var closing: (balance: MTBalance, field: String, line: Int)?
        var floorLimitCurrency: String?
        var hasFloorLimit = false
        var hasDateTime = false
        var summaries: [(field: String, line: Int, summary: MTEntrySummary)] = []
        /// The entries, when the reader keeps them.
        var entries: [StatementEntry] = []
        /// Counts and sums of the entries, for `:90D:`/`:90C:` and the balances of a streamed statement.
        var debitCount = 0
        var creditCount = 0
        var debitSum: ExactDecimal? = .zero
        var creditSum: ExactDecimal? = .zero
        /// Whether the header has been handed to a stream's consumer.
        var announced = false
        var openEntry: OpenEntry?
        /// Whether a `:86:` now belongs to the open entry (the field before it was `:61:` or `:86:`).
        var detailsFollowEntry = false
        var notes: [(code: FormatWarning.Code, message: String)] = []

        init(line: Int) { self.line = line }
    }

    private let source: MTSource
    private let keepsEntries: Bool
    private var sink: StatementStreamSink
    private var statements: [Statement] = []
    private var warnings: [FormatWarning] = []
    private var draft: Draft?
    private var envelopeType: String?
    private var sawMT942 = false
    private var createdAt: String?
    private var ignoredLines: [Int] = []
    private var firstLine: Int?

    init(source: MTSource, keepsEntries: Bool, handle: @escaping (StatementStreamEvent) throws -> Void) {
        self.source = source
        self.keepsEntries = keepsEntries
        sink = StatementStreamSink(handle)
    }

    private mutating func deliver(_ event: StatementStreamEvent) throws(FormatError) { try sink.deliver(event) }

    var handlerError: (any Error)? { sink.consumerError }

    mutating func apply(_ event: MTEvent) throws(FormatError) {
        switch event {
        case .envelope(let line, let messageType):
            try closeStatement()
            firstLine = firstLine ?? line
            if let messageType {
                guard messageType == "940" || messageType == "942" else {
                    throw FormatError(
                        .unknownFormat, at: "line \(line)",
                        "the FIN envelope announces an MT\(messageType) message, not MT940 or MT942")
                }
                envelopeType = messageType
                if messageType == "942" { sawMT942 = true }
            }
        case .end:
            try closeStatement()
        case .ignored(let line, _, let bankHeader):
            firstLine = firstLine ?? line
            if !bankHeader { ignoredLines.append(line) }
        case .field(let field):
            firstLine = firstLine ?? field.line
            try apply(field)
        }
    }

    mutating func finish() throws(FormatError) -> StatementDocument {
        try closeStatement()
        guard !statements.isEmpty else {
            throw FormatError(
                .malformed, at: "line \(firstLine ?? 1)",
                "no MT940 or MT942 statement field (:20:, :25:, :28C:, :60F:, :61:, :86:, :62F:) in the file")
        }
        if !ignoredLines.isEmpty {
            let shown = ignoredLines.prefix(5).map { "line \($0)" }.joined(separator: ", ")
            let more = ignoredLines.count > 5 ? " and \(ignoredLines.count - 5) more" : ""
            warnings.append(
                FormatWarning(
                    code: .schemaDeviation, message: "text outside any MT940 field ignored: \(shown)\(more)"))
        }
        return StatementDocument(
            format: sawMT942 ? "mt942" : "mt940", createdAt: createdAt, statements: statements, warnings: warnings)
    }

    // MARK: Fields

    private func bytes(_ line: MTLine) -> ArraySlice<UInt8> {
        guard line.start >= 0, line.start <= line.end, line.end <= source.bytes.count else { return [] }
        return source.bytes[line.start..<line.end]
    }

    /// The field's lines joined: MT fields wrap anywhere.
    private func joined(_ field: MTField) -> ArraySlice<UInt8> {
        if field.lines.count == 1, let line = field.lines.first { return bytes(line) }
        return field.lines.reduce(into: [UInt8]()) { $0 += bytes($1) }[...]
    }

    private mutating func apply(_ field: MTField) throws(FormatError) {
        let location = "line \(field.line)"
        func fail(_ problem: MTFieldProblem) -> FormatError { FormatError(problem.code, at: location, problem.message) }
        if draft == nil { draft = Draft(line: field.line) }
        switch field.tag {
        case "20":
            try closeStatement()
            var started = Draft(line: field.line)
            started.hasContent = true
            started.reference = MTText.nonEmpty(joined(field))
            draft = started
            return
        case "86":
            draft?.hasContent = true
            if draft?.openEntry != nil, draft?.detailsFollowEntry == true {
                draft?.openEntry?.details += field.lines
            }
            // Otherwise information about the whole statement, which the JSON has no place for.
            return
        case "NS":
            // HBCI's non-SWIFT fields (account holder, HBCI transaction texts): not part of the JSON.
            return
        default:
            break
        }
        try finishEntry()
        draft?.detailsFollowEntry = false
        if field.tag == "60F" || field.tag == "60M",
            let current = draft, current.opening != nil || current.closing != nil || !current.entries.isEmpty
        {
            // An opening balance after the statement's balances or entries: the next statement, even
            // though the bank left out its `:20:`.
            try closeStatement()
            draft = Draft(line: field.line)
        }
        // Taken out while it changes, so that its entries are not copied on every append.
        guard var current = draft else { return }
        draft = nil
        current.hasContent = true
        do throws(MTFieldProblem) {
            switch field.tag {
            case "21":
                break
            case "25", "25P":
                guard current.account == nil else {
                    throw MTFieldProblem(
                        .malformed,
                        "a second :25: account in the statement that began at line \(current.line); a new statement must start with :20:"
                    )
                }
                current.account = try MTFieldReader.account(joined(field))
            case "28", "28C":
                guard current.statementNumber == nil else {
                    throw MTFieldProblem(
                        .malformed,
                        "a second :\(field.tag): statement number in the statement that began at line \(current.line); a new statement must start with :20:"
                    )
                }
                current.statementNumber = MTText.nonEmpty(joined(field))
            case "60F", "60M":
                let balance = try MTFieldReader.balance(joined(field), field: ":\(field.tag):")
                current.opening = (balance, field.tag, field.line)
            case "62F", "62M":
                guard current.closing == nil else {
                    throw MTFieldProblem(
                        .malformed,
                        "a second closing balance in the statement that began at line \(current.line); a new statement must start with :20:"
                    )
                }
                let balance = try MTFieldReader.balance(joined(field), field: ":\(field.tag):")
                current.closing = (balance, field.tag, field.line)
            case "64", "65":
                // Closing available and forward available balances: checked, not part of the JSON.
                let balance = try MTFieldReader.balance(joined(field), field: ":\(field.tag):")
                note(&current, balance.date, field: ":\(field.tag): date", line: field.line)
            case "61":
                let statementLine = try MTFieldReader.statementLine(field.lines.map { bytes($0) })
                current.openEntry = OpenEntry(line: field.line, statementLine: statementLine)
                current.detailsFollowEntry = true
            case "34F":
                let limit = try MTFieldReader.floorLimit(joined(field))
                current.hasFloorLimit = true
                current.floorLimitCurrency = current.floorLimitCurrency ?? limit.currency
                sawMT942 = true
            case "13D", "13":
                let dateTime = try MTFieldReader.dateTime(joined(field), field: ":\(field.tag):")
                current.hasDateTime = true
                createdAt = createdAt ?? dateTime
            case "90D", "90C":
                let summary = try MTFieldReader.entrySummary(joined(field), field: ":\(field.tag):")
                current.summaries.append((field.tag, field.line, summary))
            default:
                break
            }
        } catch {
            throw fail(error)
        }
        draft = current
    }

    private func note(_ draft: inout Draft, _ date: MTReadDate, field: String, line: Int) {
        guard let written = date.lenientFrom else { return }
        draft.notes.append(
            (.lenientDate, "line \(line): \(field) \(written) does not exist; read as \(date.date.iso)"))
    }

    /// Turns the open `:61:` and its `:86:` lines into an entry.
    private mutating func finishEntry() throws(FormatError) {
        guard var current = draft, let open = current.openEntry else { return }
        draft = nil
        current.openEntry = nil
        let line = open.statementLine
        note(&current, line.valueDate, field: ":61: value date", line: open.line)
        let entryDate = line.entryDate()
        if let entryDate, let written = entryDate.lenientFrom {
            current.notes.append(
                (
                    .lenientDate,
                    "line \(open.line): :61: entry date \(written) does not exist; read as \(entryDate.date.iso)"
                ))
        }
        let details =
            open.details.isEmpty
            ? nil
            : MT940Details.parse(open.details.map { MTDetailLine(bytes: bytes($0), physicalLength: $0.physicalLength) })
        var counterparty = details?.counterparty
        // Rabobank and others put the counterparty's account in the supplementary details.
        if counterparty?.account == nil, let supplementary = line.supplementaryDetails,
            MTText.hasIBANShape(supplementary)
        {
            counterparty = Counterparty(name: counterparty?.name, account: supplementary, bic: counterparty?.bic)
        }
        let entry = StatementEntry(
            amount: line.amount, bookingDate: entryDate?.date.iso, valueDate: line.valueDate.date.iso,
            status: .booked, reversal: line.reversal, bankReference: line.bankReference,
            customerReference: line.customerReference, endToEndIDs: details?.endToEndIDs ?? [],
            counterparty: counterparty, remittance: details?.remittance, transactionCode: line.transactionType,
            returnReason: details?.returnReason, detailsCount: 1)
        if line.mark == "D" || line.mark == "RC" {
            current.debitCount += 1
            current.debitSum = current.debitSum?.adding(entry.amount.negated())
        } else {
            current.creditCount += 1
            current.creditSum = current.creditSum?.adding(entry.amount)
        }
        if keepsEntries { current.entries.append(entry) }
        let announce = !current.announced
        current.announced = true
        let header = announce ? Self.header(of: current) : nil
        draft = current
        if let header { try deliver(.statement(index: statements.count, header)) }
        try deliver(.entry(statement: statements.count, entry))
    }

    /// The statement as far as it has been read, without entries.
    private static func header(of current: Draft) -> Statement {
        let currency =
            current.opening?.balance.currency ?? current.closing?.balance.currency ?? current.floorLimitCurrency
            ?? current.summaries.first?.summary.currency
        var id = current.reference
        if let reference = current.reference, let number = current.statementNumber { id = reference + "/" + number }
        return Statement(
            id: id, account: current.account ?? StatementAccount(), currency: currency,
            openingBalance: current.opening.map {
                StatementBalance(amount: $0.balance.amount, date: $0.balance.date.date.iso)
            },
            closingBalance: current.closing.map {
                StatementBalance(amount: $0.balance.amount, date: $0.balance.date.date.iso)
            },
            // `:28C:` is `statement/page` (`00027/00001`); the statement number is the running one.
            sequenceNumber: current.statementNumber.flatMap { number in
                number.split(separator: "/", maxSplits: 1).first.flatMap {
                    Int($0.trimmingCharacters(in: .whitespaces))
                }
            })
    }

    private mutating func closeStatement() throws(FormatError) {
        try finishEntry()
        guard var current = draft else { return }
        draft = nil
        guard current.hasContent else { return }
        let index = statements.count
        for (balance, fieldName) in [(current.opening, "opening"), (current.closing, "closing")] {
            guard let balance else { continue }
            note(&current, balance.balance.date, field: ":\(balance.field): date", line: balance.line)
            if balance.balance.currency == nil {
                current.notes.append(
                    (
                        .schemaDeviation,
                        "line \(balance.line): the \(fieldName) balance :\(balance.field): has no currency code"
                    ))
            }
        }
        let isMT942 = envelopeType == "942" || current.hasFloorLimit || (current.hasDateTime && current.opening == nil)
        if isMT942 { sawMT942 = true }
        var missing: [String] = []
        if current.reference == nil { missing.append(":20: reference") }
        if current.account == nil { missing.append(":25: account") }
        if current.statementNumber == nil { missing.append(":28C: statement number") }
        if isMT942 {
            if !current.hasFloorLimit { missing.append(":34F: floor limit") }
            if !current.hasDateTime { missing.append(":13D: date and time") }
        } else {
            if current.opening == nil { missing.append(":60F: opening balance") }
            if current.closing == nil { missing.append(":62F: closing balance") }
        }
        if !missing.isEmpty {
            current.notes.append(
                (
                    .schemaDeviation,
                    "the statement at line \(current.line) has no \(missing.joined(separator: ", ")) (mandatory in \(isMT942 ? "MT942" : "MT940"))"
                ))
        }
        for (field, line, summary) in current.summaries {
            let debit = field == "90D"
            let count = debit ? current.debitCount : current.creditCount
            let kind = debit ? "debit" : "credit"
            if count != summary.count {
                current.notes.append(
                    (
                        .recordCountMismatch,
                        "line \(line): :\(field): counts \(summary.count) \(kind) entries, the statement has \(count)"
                    ))
            }
            let total = debit ? current.debitSum : current.creditSum
            if let total, !total.isEqual(to: summary.amount) {
                current.notes.append(
                    (
                        .controlSumMismatch,
                        "line \(line): :\(field): sums the \(kind) entries to \(summary.amount), they total \(total)"
                    ))
            }
        }
        var statement = Self.header(of: current)
        statement.entries = current.entries
        if !keepsEntries {
            if !current.announced { try deliver(.statement(index: index, statement)) }
            // The entries are gone: the balances are checked here, from their running sum.
            if let opening = statement.openingBalance?.amount, let closing = statement.closingBalance?.amount {
                let entries = current.creditSum.flatMap { credits in current.debitSum.flatMap { credits.adding($0.negated()) } }
                if let warning = StatementDocument.balanceWarning(
                    statement: index, opening: opening, entries: entries, closing: closing)
                {
                    current.notes.append((warning.code, warning.message))
                }
            }
        }
        statements.append(statement)
        warnings += current.notes.map { FormatWarning(statement: index, code: $0.code, message: $0.message) }
    }
}
