import PayHubDomain

/// A bank statement file as PayHub reads it, whatever its format: camt.052/053/054, MT940/942, BAI2 or
/// a Chinese bank's CSV export. Fields a file does not carry are nil, never invented.
public struct StatementDocument: Sendable, Hashable {
    /// `camt.053.001.08`, `mt940`, `mt942`, `bai2`, `cn-csv:icbc`…
    public var format: String
    public var messageID: String?
    /// As the file writes it, normalised to ISO 8601 where the file gives a time zone.
    public var createdAt: String?
    public var statements: [Statement]
    public var warnings: [FormatWarning]

    public init(
        format: String, messageID: String? = nil, createdAt: String? = nil, statements: [Statement] = [],
        warnings: [FormatWarning] = []
    ) {
        self.format = format
        self.messageID = messageID
        self.createdAt = createdAt
        self.statements = statements
        self.warnings = warnings
    }

    /// Adds a `balance_mismatch` warning for every statement whose opening balance plus its entries is
    /// not its closing balance (format-json.md's invariant). The file is reported as it is, never corrected.
    public mutating func checkBalances() {
        for (index, statement) in statements.enumerated() {
            guard let opening = statement.openingBalance?.amount, let closing = statement.closingBalance?.amount else {
                continue
            }
            var entries: ExactDecimal? = .zero
            for entry in statement.entries { entries = entries?.adding(entry.amount) }
            if let warning = Self.balanceWarning(statement: index, opening: opening, entries: entries, closing: closing) {
                warnings.append(warning)
            }
        }
    }

    /// The `balance_mismatch` warning for a statement whose opening balance plus its entries (nil when
    /// their sum overflows) is not its closing balance; nil when it adds up.
    static func balanceWarning(
        statement: Int, opening: ExactDecimal, entries: ExactDecimal?, closing: ExactDecimal
    ) -> FormatWarning? {
        if let entries, let total = opening.adding(entries), total.isEqual(to: closing) { return nil }
        return FormatWarning(
            statement: statement, code: .balanceMismatch,
            message: "opening \(opening) + entries \(entries.map { "\($0)" } ?? "(too large to add)") != closing \(closing)")
    }
}

/// What the streaming readers (``CamtReader/stream(contentsOf:chunkSize:_:)``,
/// ``MT940Reader/stream(_:_:)``) hand over as they read, in document order.
public enum StatementStreamEvent: Sendable {
    /// A statement's header — id, account, currency and balances as far as the file has given them
    /// before the first entry — ahead of its entries; `entries` is empty. The document the reader
    /// returns at the end has every header complete.
    case statement(index: Int, Statement)
    case entry(statement: Int, StatementEntry)
}

/// Where a streaming reader hands its events: the consumer's closure, and the consumer's own error
/// kept aside (the readers throw only ``FormatError``; the caller rethrows this one as it was).
struct StatementStreamSink {
    private let handle: (StatementStreamEvent) throws -> Void
    private(set) var consumerError: (any Error)?

    init(_ handle: @escaping (StatementStreamEvent) throws -> Void) { self.handle = handle }

    mutating func deliver(_ event: StatementStreamEvent) throws(FormatError) {
        do {
            try handle(event)
        } catch {
            consumerError = error
            throw FormatError(.malformed, "stopped by the statement's consumer")
        }
    }
}

public struct Statement: Sendable, Hashable {
    public var id: String?
    public var account: StatementAccount
    /// ISO 4217 code as the file gives it.
    public var currency: String?
    public var openingBalance: StatementBalance?
    public var closingBalance: StatementBalance?
    public var entries: [StatementEntry]
    /// The bank's running number of the account's statements, when the format has one: camt
    /// `ElctrncSeqNb` (else `LglSeqNb`), MT940 the statement number of `:28C:` (before its `/`). A gap
    /// between two statements of an account means one is missing.
    public var sequenceNumber: Int?

    public init(
        id: String? = nil, account: StatementAccount = StatementAccount(), currency: String? = nil,
        openingBalance: StatementBalance? = nil, closingBalance: StatementBalance? = nil, entries: [StatementEntry] = [],
        sequenceNumber: Int? = nil
    ) {
        self.id = id
        self.sequenceNumber = sequenceNumber
        self.account = account
        self.currency = currency
        self.openingBalance = openingBalance
        self.closingBalance = closingBalance
        self.entries = entries
    }
}

public struct StatementAccount: Sendable, Hashable {
    public var iban: String?
    /// A non-IBAN account number (camt `Othr/Id`, MT940 `:25:`, BAI2 account, CSV account).
    public var number: String?
    public var bic: String?
    public var name: String?

    public init(iban: String? = nil, number: String? = nil, bic: String? = nil, name: String? = nil) {
        self.iban = iban
        self.number = number
        self.bic = bic
        self.name = name
    }
}

/// A balance, signed like the entries: a debit balance is negative.
public struct StatementBalance: Sendable, Hashable {
    public var amount: ExactDecimal
    /// `YYYY-MM-DD`.
    public var date: String?

    public init(amount: ExactDecimal, date: String?) {
        self.amount = amount
        self.date = date
    }
}

public enum EntryStatus: String, Sendable, Hashable {
    case booked, pending, info
}

public struct StatementEntry: Sendable, Hashable {
    /// Signed: money leaving the account is negative.
    public var amount: ExactDecimal
    public var currency: String?
    public var bookingDate: String?
    public var valueDate: String?
    public var status: EntryStatus
    public var reversal: Bool
    public var bankReference: String?
    public var customerReference: String?
    public var endToEndIDs: [String]
    public var counterparty: Counterparty?
    public var remittance: String?
    public var transactionCode: String?
    public var returnReason: String?
    public var detailsCount: Int
    /// The entry's transactions one by one (camt `NtryDtls/TxDtls`), as the file gives them: a batch
    /// entry has one per payment it books, each with its own references and amount. Only the camt reader
    /// fills them; the other formats have no such details. Given to ``CamtWriter``, they are written one
    /// `TxDtls` each, in place of ``endToEndIDs`` and ``detailsCount``, each with only its own parties and
    /// remittance; the entry's ``remittance`` then becomes `AddtlNtryInf` when the transactions do not
    /// all give it.
    public var transactions: [EntryTransaction]

    public init(
        amount: ExactDecimal, currency: String? = nil, bookingDate: String? = nil, valueDate: String? = nil,
        status: EntryStatus = .booked, reversal: Bool = false, bankReference: String? = nil,
        customerReference: String? = nil, endToEndIDs: [String] = [], counterparty: Counterparty? = nil,
        remittance: String? = nil, transactionCode: String? = nil, returnReason: String? = nil, detailsCount: Int = 1,
        transactions: [EntryTransaction] = []
    ) {
        self.amount = amount
        self.currency = currency
        self.bookingDate = bookingDate
        self.valueDate = valueDate
        self.status = status
        self.reversal = reversal
        self.bankReference = bankReference
        self.customerReference = customerReference
        self.endToEndIDs = endToEndIDs
        self.counterparty = counterparty
        self.remittance = remittance
        self.transactionCode = transactionCode
        self.returnReason = returnReason
        self.detailsCount = detailsCount
        self.transactions = transactions
    }
}

/// One transaction of a statement entry (camt `TxDtls`).
public struct EntryTransaction: Sendable, Hashable {
    /// Nil when the bank gives none (or `NOTPROVIDED`).
    public var endToEndID: String?
    /// The SWIFT gpi Unique End-to-end Transaction Reference (`Refs/UETR`). ``CamtWriter`` writes it in
    /// lowercase, and leaves out a value the schema cannot take (not a UUID v4).
    public var uetr: String?
    /// This transaction's own amount, signed like the entry's (money leaving the account is negative);
    /// nil when the details give none (a single-transaction entry usually does not).
    public var amount: ExactDecimal?
    /// Nil when the details name nobody.
    public var counterparty: Counterparty?
    /// Nil when the details have none.
    public var remittance: String?

    public init(
        endToEndID: String? = nil, uetr: String? = nil, amount: ExactDecimal? = nil, counterparty: Counterparty? = nil,
        remittance: String? = nil
    ) {
        self.endToEndID = endToEndID
        self.uetr = uetr
        self.amount = amount
        self.counterparty = counterparty
        self.remittance = remittance
    }
}

public struct Counterparty: Sendable, Hashable {
    public var name: String?
    /// IBAN or other account number.
    public var account: String?
    public var bic: String?

    public init(name: String? = nil, account: String? = nil, bic: String? = nil) {
        self.name = name
        self.account = account
        self.bic = bic
    }
}

/// Something a reader noticed about a file it could still read.
public struct FormatWarning: Sendable, Hashable {
    public enum Code: String, Sendable, Hashable {
        case balanceMismatch = "balance_mismatch"
        case controlSumMismatch = "control_sum_mismatch"
        case recordCountMismatch = "record_count_mismatch"
        case schemaDeviation = "schema_deviation"
        case lenientDate = "lenient_date"
    }

    /// The index of the statement concerned, when there is one.
    public var statement: Int?
    public var code: Code
    public var message: String

    public init(statement: Int? = nil, code: Code, message: String) {
        self.statement = statement
        self.code = code
        self.message = message
    }
}

/// Why a file could not be read, and where: a line (text formats) or an element path (XML).
public struct FormatError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        case unknownFormat = "unknown_format"
        case malformed = "malformed"
        case missingField = "missing_field"
        case invalidValue = "invalid_value"
        case unsupportedEncoding = "unsupported_encoding"
    }

    public var code: Code
    /// `line 12`, `Document/BkToCstmrStmt/Stmt[1]/Ntry[3]/Amt`…
    public var location: String?
    public var message: String

    public init(_ code: Code, at location: String? = nil, _ message: String) {
        self.code = code
        self.location = location
        self.message = message
    }

    public var description: String { location.map { "\($0): \(message)" } ?? message }
}
