import BankFormats
import Crypto
import Foundation
import PayHubDomain
import PayHubStorage

/// Stores the bank's statements — camt.052/053/054, MT940/942, BAI2, Chinese bank CSV — once each, for
/// reconciliation: every statement of the file with its lines, matched to PayHub's own account when its
/// account number is one, and compared with the account's previous statement (a gap in the sequence
/// numbers or a balance that does not carry on is an open reconciliation exception).
///
/// Importing needs `statements.import`, reading `statements.read`. A caller limited to some entities may
/// import only statements of their entities' accounts, and reads only theirs; a statement of an account
/// PayHub does not hold belongs to no entity, and only an unrestricted caller imports and reads it.
public struct StatementImporter: Sendable {
    public let hub: PaymentHub

    public init(hub: PaymentHub) {
        self.hub = hub
    }

    /// What happened to each statement of a file, in file order.
    public struct Report: Sendable {
        public var format: String
        public var fileSHA256: String
        public var outcomes: [StatementImportOutcome]
        /// What the reader noticed about the file (a statement that does not add up…), as it said it.
        public var warnings: [String]
    }

    /// Reads `data` (as `format`, or the format it is recognised as) and stores each of its statements.
    /// An unreadable file, or one that is not a statement, is a ``ValidationFailure`` naming the line or
    /// element (`file` is the path of its field error).
    public func importFile(_ data: Data, format: BankFileFormat? = nil, context: CallContext) async throws -> Report {
        try hub.require(.statementsImport, context)
        let document = try Self.read(data, format: format)
        let fileSHA256 = Hex.lowercase(SHA256.hash(data: data))
        var imports: [StatementImport] = []
        var problems: [FieldError] = []
        for (index, statement) in document.statements.enumerated() {
            switch prepared(statement, format: document.format, fileSHA256: fileSHA256) {
            case .success(let input): imports.append(input)
            case .failure(let error):
                problems.append(
                    FieldError(path: "statements[\(index)].\(error.path)", code: error.code, message: error.message))
            }
        }
        guard problems.isEmpty else { throw ValidationFailure(problems) }
        var outcomes: [StatementImportOutcome] = []
        for var input in imports {
            // Checked by the store against the account the statement is of: a caller limited to some
            // entities may not file statements on another entity's account.
            input.scope = context.principal.scope
            let outcome = try await hub.store.importStatement(input, context: context.audit(at: hub.clock.now()))
            outcomes.append(outcome)
        }
        return Report(
            format: document.format, fileSHA256: fileSHA256, outcomes: outcomes,
            warnings: document.warnings.map { warning in
                (warning.statement.map { "statement \($0 + 1): " } ?? "") + warning.code.rawValue + ": "
                    + warning.message
            })
    }

    /// A page of the caller's statements in import order.
    public func statements(_ page: PageRequest, context: CallContext) async throws -> Page<StoredStatement> {
        try hub.require(.statementsRead, context)
        return try await hub.store.statements(page, scope: context.principal.scope)
    }

    /// One statement's lines in file order; unknown, malformed or another entity's: ``StorageError/Code/notFound``.
    public func lines(
        of statementID: String, _ page: PageRequest, context: CallContext
    ) async throws -> Page<StoredStatementLine> {
        try hub.require(.statementsRead, context)
        guard let id = try? ID<StoredStatement>(statementID),
            let lines = try await hub.store.statementLines(of: id, page, scope: context.principal.scope)
        else { throw StorageError(.notFound, target: "bank_statement") }
        return lines
    }

    /// The exceptions found at import, of one statement or (nil) of all the caller's statements.
    public func exceptions(
        of statementID: String? = nil, limit: Int = PageRequest.limitMax, context: CallContext
    ) async throws -> [StoredReconciliationException] {
        try hub.require(.statementsRead, context)
        var id: ID<StoredStatement>?
        if let statementID {
            guard let parsed = try? ID<StoredStatement>(statementID) else {
                throw StorageError(.notFound, target: "bank_statement")
            }
            id = parsed
        }
        return try await hub.store.reconciliationExceptions(of: id, scope: context.principal.scope, limit: limit)
    }

    // MARK: From the file to rows

    /// The file's statements; a file that cannot be read, or is no statement, as a ``ValidationFailure``.
    static func read(_ data: Data, format: BankFileFormat?) throws(ValidationFailure) -> StatementDocument {
        let parsed: ParsedBankFile
        do {
            parsed = try BankFileReader.parse(data, format: format)
        } catch {
            throw ValidationFailure([
                FieldError(
                    path: "file" + (error.location.map { " (\($0))" } ?? ""), code: error.code.rawValue,
                    message: error.description)
            ])
        }
        guard case .statement(let document) = parsed else {
            throw ValidationFailure([
                FieldError(path: "file", code: "not_a_statement", message: "the file is not a bank statement")
            ])
        }
        return document
    }

    func prepared(_ statement: Statement, format: String, fileSHA256: String) -> Result<StatementImport, FieldError> {
        do {
            return .success(try prepare(statement, format: format, fileSHA256: fileSHA256))
        } catch {
            return .failure(error)
        }
    }

    /// The statement as stored; a field error (path relative to the statement) when an amount or the
    /// currency cannot be stored exactly.
    func prepare(_ statement: Statement, format: String, fileSHA256: String) throws(FieldError) -> StatementImport {
        let currencyCode = statement.currency ?? statement.entries.first?.currency
        guard let currencyCode, let currency = try? Currency(code: currencyCode) else {
            throw FieldError(path: "currency", code: "invalid_currency", message: "no valid ISO 4217 currency")
        }
        let accountNumber = Self.accountNumber(statement.account)
        let statementID: ID<StoredStatement> = hub.clock.newID()
        func money(_ amount: ExactDecimal, _ code: String?, _ path: String) throws(FieldError) -> Money {
            let lineCurrency = code.flatMap { try? Currency(code: $0) } ?? currency
            do {
                return try Money(parsing: amount.formatted(), currency: lineCurrency)
            } catch {
                throw FieldError(
                    path: path, code: "invalid_amount", message: "not an exact amount in \(lineCurrency.code)")
            }
        }
        func date(_ text: String?, _ path: String) throws(FieldError) -> LocalDate? {
            guard let text else { return nil }
            do { return try LocalDate(iso8601: String(text.prefix(10))) } catch {
                throw FieldError(path: path, code: "invalid_date", message: "not a date")
            }
        }
        var lines: [StoredStatementLine] = []
        var counterparties: [String?] = []
        var digest = SHA256()
        func feed(_ parts: String?...) {
            for part in parts { digest.update(data: Data(((part ?? "\u{1}") + "\u{0}").utf8)) }
        }
        feed(
            currency.code, statement.openingBalance.map { $0.amount.formatted() }, statement.openingBalance?.date,
            statement.closingBalance.map { $0.amount.formatted() }, statement.closingBalance?.date,
            statement.sequenceNumber.map(String.init), statement.id)
        for (position, entry) in statement.entries.enumerated() {
            let path = "entries[\(position)]"
            let counterpartyAccount = entry.counterparty?.account.map(Self.normalised)
            var line = StoredStatementLine(
                id: hub.clock.newID(), statementID: statementID, position: position,
                amount: try money(entry.amount, entry.currency, path + ".amount"),
                bookingDate: try date(entry.bookingDate, path + ".booking_date"),
                valueDate: try date(entry.valueDate, path + ".value_date"),
                endToEndIDs: entry.transactions.isEmpty
                    ? entry.endToEndIDs : entry.transactions.compactMap(\.endToEndID),
                bankReference: entry.bankReference, counterpartyName: entry.counterparty?.name,
                counterpartyAccountMasked: counterpartyAccount.map(AccountNumber.mask), remittance: entry.remittance,
                transactionCode: entry.transactionCode, returnReason: entry.returnReason, reversal: entry.reversal)
            if line.endToEndIDs.isEmpty { line.endToEndIDs = entry.endToEndIDs }
            lines.append(line)
            counterparties.append(counterpartyAccount)
            feed(
                String(line.amount.minorUnits), line.amount.currency.code, entry.bookingDate, entry.valueDate,
                entry.bankReference, entry.customerReference, line.endToEndIDs.joined(separator: ","),
                entry.remittance, entry.transactionCode, counterpartyAccount)
        }
        let stored = StoredStatement(
            id: statementID, accountHash: "", accountMasked: AccountNumber.mask(accountNumber),
            statementReference: statement.id, sequenceNumber: statement.sequenceNumber, currency: currency,
            openingBalance: try statement.openingBalance.map { balance throws(FieldError) in
                try money(balance.amount, nil, "opening_balance")
            },
            openingDate: try date(statement.openingBalance?.date, "opening_balance.date"),
            closingBalance: try statement.closingBalance.map { balance throws(FieldError) in
                try money(balance.amount, nil, "closing_balance")
            },
            closingDate: try date(statement.closingBalance?.date, "closing_balance.date"), format: format,
            fileSHA256: fileSHA256, contentHash: Hex.lowercase(digest.finalize()), lineCount: lines.count,
            createdAt: hub.clock.now())
        return StatementImport(
            statement: stored, accountNumber: accountNumber, lines: lines, counterpartyAccounts: counterparties,
            exceptionIDs: [hub.clock.newID(), hub.clock.newID()])
    }

    /// The account number as `bank_accounts` hashes it: an IBAN in its electronic form, another number
    /// without spaces, upper case.
    static func accountNumber(_ account: StatementAccount) -> String {
        normalised(account.iban ?? account.number ?? "")
    }

    static func normalised(_ text: String) -> String {
        if let iban = try? IBAN(text) { return iban.value }
        return text.replacingOccurrences(of: " ", with: "").uppercased()
    }
}
