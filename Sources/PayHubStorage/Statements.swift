import Crypto
import Foundation
import PayHubDomain

/// A bank statement as stored for reconciliation: one statement of one account (a file may carry many).
///
/// The account number is never stored in clear: `accountHash` is its keyed lookup hash (the one
/// `bank_accounts` keeps), so the account's statements chain together and match a PayHub account without
/// decrypting anything; `accountMasked` is what people see.
public struct StoredStatement: Identified, Sendable, Hashable {
    public static let idPrefix = "stm"

    public var id: ID<StoredStatement>
    /// The entity and account the statement is of, when its account is one of PayHub's own.
    public var entityID: ID<LegalEntity>?
    public var bankAccountID: ID<BankAccount>?
    public var accountHash: String
    public var accountMasked: String
    /// The bank's id of the statement (camt `Stmt/Id`, MT940 `:20:/:28C:`).
    public var statementReference: String?
    public var sequenceNumber: Int?
    public var currency: Currency
    public var openingBalance: Money?
    public var openingDate: LocalDate?
    public var closingBalance: Money?
    public var closingDate: LocalDate?
    /// `camt.053.001.08`, `mt940`, `bai2`…
    public var format: String
    /// Lowercase hex SHA-256 of the file the statement came in.
    public var fileSHA256: String
    /// Lowercase hex SHA-256 of the account's hash, the bank's id and number, balances and entries: the
    /// same statement sent again in another file (a re-sent day, a merged extract) has the same one.
    public var contentHash: String
    public var lineCount: Int
    public var createdAt: Date

    public init(
        id: ID<StoredStatement>, entityID: ID<LegalEntity>? = nil, bankAccountID: ID<BankAccount>? = nil,
        accountHash: String, accountMasked: String, statementReference: String?, sequenceNumber: Int?,
        currency: Currency, openingBalance: Money?, openingDate: LocalDate?, closingBalance: Money?,
        closingDate: LocalDate?, format: String, fileSHA256: String, contentHash: String, lineCount: Int,
        createdAt: Date
    ) {
        self.id = id
        self.entityID = entityID
        self.bankAccountID = bankAccountID
        self.accountHash = accountHash
        self.accountMasked = accountMasked
        self.statementReference = statementReference
        self.sequenceNumber = sequenceNumber
        self.currency = currency
        self.openingBalance = openingBalance
        self.openingDate = openingDate
        self.closingBalance = closingBalance
        self.closingDate = closingDate
        self.format = format
        self.fileSHA256 = fileSHA256
        self.contentHash = contentHash
        self.lineCount = lineCount
        self.createdAt = createdAt
    }

    /// What recognises the statement imported twice: its account, the bank's id and sequence number; nil
    /// when the bank gives no id (then only ``contentHash`` does).
    public var duplicateKey: String? {
        statementReference.map { "\(accountHash)|\($0)|\(sequenceNumber.map(String.init) ?? "")" }
    }
}

/// One entry of a stored statement, waiting to be matched to a payment.
public struct StoredStatementLine: Identified, Sendable, Hashable {
    public static let idPrefix = "stl"

    public enum Status: String, Sendable, Hashable, Codable {
        case unmatched
    }

    public var id: ID<StoredStatementLine>
    public var statementID: ID<StoredStatement>
    /// Zero-based, in file order.
    public var position: Int
    /// Signed: money leaving the account is negative.
    public var amount: Money
    public var bookingDate: LocalDate?
    public var valueDate: LocalDate?
    public var endToEndIDs: [String]
    public var bankReference: String?
    public var counterpartyName: String?
    /// The counterparty's account only masked and hashed (the lookup hash `bank_accounts` keeps).
    public var counterpartyAccountMasked: String?
    public var counterpartyAccountHash: String?
    public var remittance: String?
    public var transactionCode: String?
    public var returnReason: String?
    public var reversal: Bool
    public var status: Status

    public init(
        id: ID<StoredStatementLine>, statementID: ID<StoredStatement>, position: Int, amount: Money,
        bookingDate: LocalDate? = nil, valueDate: LocalDate? = nil, endToEndIDs: [String] = [],
        bankReference: String? = nil, counterpartyName: String? = nil, counterpartyAccountMasked: String? = nil,
        counterpartyAccountHash: String? = nil, remittance: String? = nil, transactionCode: String? = nil,
        returnReason: String? = nil, reversal: Bool = false, status: Status = .unmatched
    ) {
        self.id = id
        self.statementID = statementID
        self.position = position
        self.amount = amount
        self.bookingDate = bookingDate
        self.valueDate = valueDate
        self.endToEndIDs = endToEndIDs
        self.bankReference = bankReference
        self.counterpartyName = counterpartyName
        self.counterpartyAccountMasked = counterpartyAccountMasked
        self.counterpartyAccountHash = counterpartyAccountHash
        self.remittance = remittance
        self.transactionCode = transactionCode
        self.returnReason = returnReason
        self.reversal = reversal
        self.status = status
    }
}

/// Something wrong found at import that a person must look at; the statement is stored all the same.
public struct StoredReconciliationException: Identified, Sendable, Hashable {
    public static let idPrefix = "rex"

    public enum Kind: String, Sendable, Hashable, Codable {
        /// The account's statement numbers skip one or more: a statement is missing.
        case sequenceGap = "sequence_gap"
        /// The opening balance is not the previous statement's closing balance.
        case balanceBreak = "balance_break"
    }

    public enum State: String, Sendable, Hashable, Codable {
        case open
    }

    public var id: ID<StoredReconciliationException>
    public var kind: Kind
    public var statementID: ID<StoredStatement>
    public var entityID: ID<LegalEntity>?
    /// Canonical JSON: the previous statement and the numbers or balances that do not follow.
    public var detailsJSON: String
    public var state: State
    public var createdAt: Date

    public init(
        id: ID<StoredReconciliationException>, kind: Kind, statementID: ID<StoredStatement>, entityID: ID<LegalEntity>?,
        detailsJSON: String, state: State = .open, createdAt: Date
    ) {
        self.id = id
        self.kind = kind
        self.statementID = statementID
        self.entityID = entityID
        self.detailsJSON = detailsJSON
        self.state = state
        self.createdAt = createdAt
    }
}

/// A statement to import, with the account numbers the store hashes (with the key only it holds) and
/// never stores in clear.
public struct StatementImport: Sendable {
    /// `accountHash` and `contentHash` are filled by the store: give the account number here, and the
    /// SHA-256 of the statement's balances and entries (without the account) as `contentHash`.
    public var statement: StoredStatement
    /// The statement's account (IBAN or other number), spaces removed.
    public var accountNumber: String
    public var lines: [StoredStatementLine]
    /// Each line's counterparty account in clear (nil when the bank names none), in line order.
    public var counterpartyAccounts: [String?]
    /// Ids for the exceptions the import may raise (two are enough).
    public var exceptionIDs: [ID<StoredReconciliationException>]
    /// The importer's entities: a statement of an account of another entity, or (for a limited scope)
    /// of an account PayHub does not hold, is refused as ``StorageError/Code/notFound`` `bank_account`.
    public var scope: EntityScope = .all

    public init(
        statement: StoredStatement, accountNumber: String, lines: [StoredStatementLine],
        counterpartyAccounts: [String?], exceptionIDs: [ID<StoredReconciliationException>]
    ) {
        precondition(lines.count == counterpartyAccounts.count, "one counterparty account (or nil) per line")
        precondition(lines.allSatisfy { $0.statementID == statement.id }, "lines of another statement")
        self.statement = statement
        self.accountNumber = accountNumber
        self.lines = lines
        self.counterpartyAccounts = counterpartyAccounts
        self.exceptionIDs = exceptionIDs
    }
}

/// What importing one statement did.
public enum StatementImportOutcome: Sendable, Hashable {
    /// Stored, with the exceptions found against the account's previous statement.
    case stored(StoredStatement, exceptions: [StoredReconciliationException])
    /// The same statement was imported before (as `existing`); nothing changed.
    case alreadyImported(existing: ID<StoredStatement>)
}

extension SQLTransactionRunner {
    /// Stores a statement and its lines in one transaction with one audit event, after matching its
    /// account to one of PayHub's own (by the lookup hash) and comparing it with the account's previous
    /// statement: a gap in the sequence numbers or an opening balance that is not the previous closing
    /// balance is recorded as an open ``StoredReconciliationException``, and the statement is stored anyway.
    ///
    /// A statement stored before (same account, bank id and sequence number, or the same content) is
    /// not stored again: the outcome says so. The lines carry `statement.id` and positions 0, 1, 2…
    public func importStatement(_ input: StatementImport, context: AuditContext) async throws -> StatementImportOutcome
    {
        let records = self.records
        var statement = input.statement
        var lines = input.lines
        statement.accountHash = records.cipher.lookupHash(input.accountNumber)
        // Keyed by the account's hash, so equal entries on two accounts are two statements, and the hash
        // reveals nothing of the account number.
        statement.contentHash = Hex.lowercase(
            SHA256.hash(data: Data((statement.accountHash + ":" + statement.contentHash).utf8)))
        for index in lines.indices {
            lines[index].counterpartyAccountHash = input.counterpartyAccounts[index].map(records.cipher.lookupHash)
        }
        let exceptionIDs = input.exceptionIDs
        let scope = input.scope
        return try await writeTransaction { [statement, lines] session in
            // Serialises imports, so two imports of one statement cannot both find no duplicate.
            var chain = try ChainAppender(locking: session)
            if let existing = try Self.duplicate(of: statement, in: session) {
                return .alreadyImported(existing: existing)
            }
            var statement = statement
            if let account = try session.rows(
                SQLQuery(
                    """
                    SELECT id, entity_id FROM bank_accounts WHERE account_number_hash = ? AND vendor_id IS NULL
                    ORDER BY id LIMIT 1
                    """, [.text(statement.accountHash)])
            ).first {
                statement.bankAccountID = try ID(account.text("id"))
                statement.entityID = try ID(account.text("entity_id"))
            }
            switch (scope, statement.entityID) {
            case (.all, _): break
            case (.only(let entities), let entity?) where entities.contains(entity): break
            case (.only, _): throw StorageError(.notFound, target: "bank_account")
            }
            let previous = try Self.previousStatement(before: statement, in: session)
            try session.run(Self.insert(statement))
            for line in lines { try session.run(Self.insert(line)) }
            var exceptions: [StoredReconciliationException] = []
            var unusedIDs = exceptionIDs[...]
            func raise(_ kind: StoredReconciliationException.Kind, _ details: [String: String?]) throws {
                guard let id = unusedIDs.popFirst() else {
                    throw StorageError(.referenceMissing, target: "exception_id")
                }
                exceptions.append(
                    StoredReconciliationException(
                        id: id, kind: kind, statementID: statement.id, entityID: statement.entityID,
                        detailsJSON: CanonicalJSON.object(details), createdAt: context.occurredAt))
            }
            if let previous {
                if let number = statement.sequenceNumber, let before = previous.sequenceNumber, number != before + 1 {
                    try raise(
                        .sequenceGap,
                        [
                            "previous_statement_id": previous.id.rawValue, "previous_sequence": String(before),
                            "sequence": String(number), "missing": String(max(number - before - 1, 0)),
                        ])
                }
                if let opening = statement.openingBalance, let closing = previous.closingBalance, opening != closing {
                    try raise(
                        .balanceBreak,
                        [
                            "previous_statement_id": previous.id.rawValue,
                            "previous_closing": closing.description, "opening": opening.description,
                        ])
                }
            }
            for exception in exceptions { try session.run(Self.insert(exception)) }
            try chain.append(
                AuditEntry(
                    action: "statement.imported", objectType: "bank_statement", objectID: statement.id.rawValue,
                    entityID: statement.entityID?.rawValue,
                    after: CanonicalJSON.object([
                        "bank_account_id": statement.bankAccountID?.rawValue, "account": statement.accountMasked,
                        "statement_reference": statement.statementReference,
                        "sequence": statement.sequenceNumber.map(String.init), "format": statement.format,
                        "file_sha256": statement.fileSHA256, "lines": String(lines.count),
                        "opening": statement.openingBalance?.description,
                        "closing": statement.closingBalance?.description,
                        "exceptions": exceptions.map(\.kind.rawValue).joined(separator: ","),
                    ])),
                context: context, records: records, in: session)
            return .stored(statement, exceptions: exceptions)
        }
    }

    /// The statements of the entities in `scope`, a page at a time in id order (import order). A
    /// statement of an account PayHub does not hold belongs to no entity: only an unrestricted caller sees it.
    public func statements(_ page: PageRequest, scope: EntityScope) async throws -> Page<StoredStatement> {
        try await readTransaction { session in
            var builder = ListQueries.Builder(table: "bank_statements", entityColumn: "entity_id", scope: scope)
            let fetched = try session.rows(builder.query(page)).map(Self.statement(from:))
            return Page(fetched: fetched, limit: page.limit, id: \.id.rawValue)
        }
    }

    /// One statement within `scope`; one of another entity is absent.
    public func statement(_ id: ID<StoredStatement>, scope: EntityScope) async throws -> StoredStatement? {
        try await readTransaction { session in
            try session.rows(
                ListQueries.byID(table: "bank_statements", entityColumn: "entity_id", id: id.rawValue, scope: scope)
            ).first.map(Self.statement(from:))
        }
    }

    /// A statement's lines in file order, a page at a time; nil when the statement is absent from `scope`.
    public func statementLines(
        of id: ID<StoredStatement>, _ page: PageRequest, scope: EntityScope
    ) async throws -> Page<StoredStatementLine>? {
        try await readTransaction { session in
            guard
                try !session.rows(
                    ListQueries.byID(table: "bank_statements", entityColumn: "entity_id", id: id.rawValue, scope: scope)
                ).isEmpty
            else { return nil }
            var builder = ListQueries.Builder(table: "statement_lines")
            builder.add("statement_id = ?", .text(id.rawValue))
            if let after = page.afterID {
                builder.add("position > (SELECT position FROM statement_lines WHERE id = ?)", .text(after))
            }
            let fetched = try session.rows(
                builder.query(orderBy: "position", limit: page.limit + 1)
            ).map(Self.line(from:))
            return Page(fetched: fetched, limit: page.limit, id: \.id.rawValue)
        }
    }

    /// The exceptions raised for a statement (or, with nil, for every statement in `scope`), oldest first.
    public func reconciliationExceptions(
        of statementID: ID<StoredStatement>?, scope: EntityScope, limit: Int
    ) async throws -> [StoredReconciliationException] {
        try await readTransaction { session in
            var builder = ListQueries.Builder(
                table: "reconciliation_exceptions", entityColumn: "entity_id", scope: scope)
            builder.equal("statement_id", statementID?.rawValue)
            return try session.rows(builder.query(orderBy: "id", limit: limit)).map(Self.exception(from:))
        }
    }

    // MARK: Rows

    private static func duplicate(of statement: StoredStatement, in session: any SQLSession) throws
        -> ID<StoredStatement>?
    {
        var query = SQLQuery("SELECT id FROM bank_statements WHERE content_hash = ?", [.text(statement.contentHash)])
        if let key = statement.duplicateKey {
            query = SQLQuery(
                "SELECT id FROM bank_statements WHERE content_hash = ? OR duplicate_key = ? ORDER BY id LIMIT 1",
                [.text(statement.contentHash), .text(key)])
        }
        return try session.rows(query).first.map { try ID($0.text("id")) }
    }

    /// The account's statement this one follows: by sequence number when both have one, otherwise the
    /// last one imported.
    private static func previousStatement(
        before statement: StoredStatement, in session: any SQLSession
    ) throws -> StoredStatement? {
        if let number = statement.sequenceNumber {
            let bySequence = try session.rows(
                SQLQuery(
                    """
                    SELECT * FROM bank_statements WHERE account_hash = ? AND currency = ? AND sequence_number < ?
                    ORDER BY sequence_number DESC, id DESC LIMIT 1
                    """,
                    [.text(statement.accountHash), .text(statement.currency.code), .integer(Int64(number))])
            ).first
            if let bySequence { return try Self.statement(from: bySequence) }
        }
        return try session.rows(
            SQLQuery(
                "SELECT * FROM bank_statements WHERE account_hash = ? AND currency = ? ORDER BY id DESC LIMIT 1",
                [.text(statement.accountHash), .text(statement.currency.code)])
        ).first.map(Self.statement(from:))
    }

    private static func insert(_ statement: StoredStatement) -> SQLQuery {
        SQLQuery(
            """
            INSERT INTO bank_statements (id, entity_id, bank_account_id, account_hash, account_masked,
                statement_reference, sequence_number, currency, opening_minor, opening_date, closing_minor,
                closing_date, format, file_sha256, content_hash, duplicate_key, line_count, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                .text(statement.id.rawValue), SQLValue(statement.entityID?.rawValue),
                SQLValue(statement.bankAccountID?.rawValue), .text(statement.accountHash),
                .text(statement.accountMasked), SQLValue(statement.statementReference),
                SQLValue(statement.sequenceNumber.map(Int64.init)), .text(statement.currency.code),
                SQLValue(statement.openingBalance?.minorUnits), SQLValue(statement.openingDate?.iso8601),
                SQLValue(statement.closingBalance?.minorUnits), SQLValue(statement.closingDate?.iso8601),
                .text(statement.format), .text(statement.fileSHA256), .text(statement.contentHash),
                SQLValue(statement.duplicateKey), .integer(Int64(statement.lineCount)),
                .integer(StoredTime.milliseconds(statement.createdAt)),
            ])
    }

    private static func insert(_ line: StoredStatementLine) -> SQLQuery {
        SQLQuery(
            """
            INSERT INTO statement_lines (id, statement_id, position, amount_minor, currency, booking_date, value_date,
                end_to_end_ids, bank_reference, counterparty_name, counterparty_account_masked,
                counterparty_account_hash, remittance, transaction_code, return_reason, reversal, status)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                .text(line.id.rawValue), .text(line.statementID.rawValue), .integer(Int64(line.position)),
                .integer(line.amount.minorUnits), .text(line.amount.currency.code),
                SQLValue(line.bookingDate?.iso8601), SQLValue(line.valueDate?.iso8601),
                // A newline cannot occur in an end-to-end id (35 characters of the SWIFT set).
                .text(line.endToEndIDs.joined(separator: "\n")), SQLValue(line.bankReference),
                SQLValue(line.counterpartyName), SQLValue(line.counterpartyAccountMasked),
                SQLValue(line.counterpartyAccountHash), SQLValue(line.remittance), SQLValue(line.transactionCode),
                SQLValue(line.returnReason), .integer(line.reversal ? 1 : 0), .text(line.status.rawValue),
            ])
    }

    private static func insert(_ exception: StoredReconciliationException) -> SQLQuery {
        SQLQuery(
            """
            INSERT INTO reconciliation_exceptions (id, kind, statement_id, entity_id, details_json, state, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """,
            [
                .text(exception.id.rawValue), .text(exception.kind.rawValue), .text(exception.statementID.rawValue),
                SQLValue(exception.entityID?.rawValue), .text(exception.detailsJSON), .text(exception.state.rawValue),
                .integer(StoredTime.milliseconds(exception.createdAt)),
            ])
    }

    static func statement(from row: any SQLRow) throws -> StoredStatement {
        let currency = try Currency(code: row.text("currency"))
        return StoredStatement(
            id: try ID(row.text("id")), entityID: try row.optionalText("entity_id").map { try ID($0) },
            bankAccountID: try row.optionalText("bank_account_id").map { try ID($0) },
            accountHash: try row.text("account_hash"), accountMasked: try row.text("account_masked"),
            statementReference: try row.optionalText("statement_reference"),
            sequenceNumber: try row.optionalInteger("sequence_number").map { Int($0) }, currency: currency,
            openingBalance: try row.optionalInteger("opening_minor").map { Money(minorUnits: $0, currency: currency) },
            openingDate: try row.optionalText("opening_date").map { try LocalDate(iso8601: $0) },
            closingBalance: try row.optionalInteger("closing_minor").map { Money(minorUnits: $0, currency: currency) },
            closingDate: try row.optionalText("closing_date").map { try LocalDate(iso8601: $0) },
            format: try row.text("format"), fileSHA256: try row.text("file_sha256"),
            contentHash: try row.text("content_hash"), lineCount: Int(try row.integer("line_count")),
            createdAt: StoredTime.date(try row.integer("created_at")))
    }

    static func line(from row: any SQLRow) throws -> StoredStatementLine {
        guard let status = StoredStatementLine.Status(rawValue: try row.text("status")) else {
            throw StorageError(.corruptRow, target: "statement_lines")
        }
        let ids = try row.text("end_to_end_ids")
        return StoredStatementLine(
            id: try ID(row.text("id")), statementID: try ID(row.text("statement_id")),
            position: Int(try row.integer("position")),
            amount: Money(
                minorUnits: try row.integer("amount_minor"), currency: try Currency(code: row.text("currency"))),
            bookingDate: try row.optionalText("booking_date").map { try LocalDate(iso8601: $0) },
            valueDate: try row.optionalText("value_date").map { try LocalDate(iso8601: $0) },
            endToEndIDs: ids.isEmpty ? [] : ids.split(separator: "\n").map(String.init),
            bankReference: try row.optionalText("bank_reference"),
            counterpartyName: try row.optionalText("counterparty_name"),
            counterpartyAccountMasked: try row.optionalText("counterparty_account_masked"),
            counterpartyAccountHash: try row.optionalText("counterparty_account_hash"),
            remittance: try row.optionalText("remittance"), transactionCode: try row.optionalText("transaction_code"),
            returnReason: try row.optionalText("return_reason"), reversal: try row.integer("reversal") == 1,
            status: status)
    }

    static func exception(from row: any SQLRow) throws -> StoredReconciliationException {
        guard let kind = StoredReconciliationException.Kind(rawValue: try row.text("kind")),
            let state = StoredReconciliationException.State(rawValue: try row.text("state"))
        else { throw StorageError(.corruptRow, target: "reconciliation_exceptions") }
        return StoredReconciliationException(
            id: try ID(row.text("id")), kind: kind, statementID: try ID(row.text("statement_id")),
            entityID: try row.optionalText("entity_id").map { try ID($0) }, detailsJSON: try row.text("details_json"),
            state: state, createdAt: StoredTime.date(try row.integer("created_at")))
    }
}
