import BankFormats
import Foundation
import PayHubDomain

/// How a file reached the simulator; written into the log.
public enum SimulatorTransport: String, Codable, Sendable, Hashable, CaseIterable {
    case folder, sftp, http
}

/// The simulator's answer to one received file.
public struct SimulatorReceipt: Codable, Sendable, Hashable {
    /// The file's message id (`GrpHdr/MsgId`; for NACHA origin, creation date and time, modifier); nil
    /// when the file could not be read that far.
    public var messageID: String?
    public var fileName: String
    /// The pain.002 group status: `ACCP`, `PART` or `RJCT`.
    public var status: String
    /// `FF01` when the file was rejected as a whole.
    public var reason: String?
    /// Whether the message id had been received before; the answer is then the first pain.002 again.
    public var duplicate: Bool
    /// The name of the pain.002 in the outgoing directory.
    public var statusReport: String

    public init(
        messageID: String?, fileName: String, status: String, reason: String? = nil, duplicate: Bool,
        statusReport: String
    ) {
        self.messageID = messageID
        self.fileName = fileName
        self.status = status
        self.reason = reason
        self.duplicate = duplicate
        self.statusReport = statusReport
    }

    enum CodingKeys: String, CodingKey {
        case status, reason, duplicate
        case messageID = "message_id"
        case fileName = "file_name"
        case statusReport = "status_report"
    }
}

/// Everything the simulator must remember across a restart, saved as `state.json` after each change.
struct SimulatorState: Codable, Sendable {
    var today: LocalDate
    /// The number of the last file written to the outgoing directory.
    var fileSequence: Int
    /// The number of the last entry booked, for the bank's references.
    var bookingSequence: Int
    /// By ``AccountKey`` value.
    var accounts: [String: AccountBook]
    /// By message id: every message received, to recognise a resent one.
    var instructions: [String: InstructionRecord]
    /// Accepted payments waiting for their execution date, in the order they were accepted.
    var pendingBookings: [PendingBooking]
    var pendingReturns: [PendingReturn]

    enum CodingKeys: String, CodingKey {
        case today, accounts, instructions
        case fileSequence = "file_sequence"
        case bookingSequence = "booking_sequence"
        case pendingBookings = "pending_bookings"
        case pendingReturns = "pending_returns"
    }

    static func initial(_ settings: ValidatedConfiguration) -> SimulatorState {
        var state = SimulatorState(
            today: settings.source.startDate, fileSequence: 0, bookingSequence: 0, accounts: [:], instructions: [:],
            pendingBookings: [], pendingReturns: [])
        state.addMissingAccounts(settings)
        return state
    }

    /// Accounts added to the configuration since the state was saved start with their opening balance.
    mutating func addMissingAccounts(_ settings: ValidatedConfiguration) {
        for account in settings.accounts where accounts[account.key.value] == nil {
            let opening = account.openingBalance.minorUnits
            accounts[account.key.value] = AccountBook(
                balanceMinorUnits: opening, reservedMinorUnits: 0, dayOpeningMinorUnits: opening, dayEntries: [])
        }
    }
}

struct AccountBook: Codable, Sendable {
    var balanceMinorUnits: Int64
    /// Accepted payments and their fees not booked yet: what the balance must still cover.
    var reservedMinorUnits: Int64
    var dayOpeningMinorUnits: Int64
    /// What was booked today, for the end-of-day statement.
    var dayEntries: [BookedEntry]

    var availableMinorUnits: Int64 { balanceMinorUnits - reservedMinorUnits }

    enum CodingKeys: String, CodingKey {
        case balanceMinorUnits = "balance_minor_units"
        case reservedMinorUnits = "reserved_minor_units"
        case dayOpeningMinorUnits = "day_opening_minor_units"
        case dayEntries = "day_entries"
    }
}

struct InstructionRecord: Codable, Sendable {
    var receipt: SimulatorReceipt
    /// The first pain.002, kept in the state directory to answer a resent message with it again.
    var answerFile: String

    enum CodingKeys: String, CodingKey {
        case receipt
        case answerFile = "answer_file"
    }
}

struct BookedParty: Codable, Sendable, Hashable {
    var name: String?
    var account: String?
    var bic: String?

    var counterparty: Counterparty? {
        name == nil && account == nil && bic == nil ? nil : Counterparty(name: name, account: account, bic: bic)
    }
}

/// One entry on an account, as the notifications and the day's statement show it.
struct BookedEntry: Codable, Sendable {
    enum Kind: String, Codable, Sendable {
        case payment, fee, `return`
    }

    var kind: Kind
    /// Signed: a debit is negative.
    var amountMinorUnits: Int64
    var currency: String
    var bookingDate: LocalDate
    var bankReference: String
    var customerReference: String?
    var transactionCode: String
    var returnReason: String?
    var remittance: String?
    var counterparty: BookedParty?
    var transactions: [BookedTransaction]

    enum CodingKeys: String, CodingKey {
        case kind, currency, remittance, counterparty, transactions
        case amountMinorUnits = "amount_minor_units"
        case bookingDate = "booking_date"
        case bankReference = "bank_reference"
        case customerReference = "customer_reference"
        case transactionCode = "transaction_code"
        case returnReason = "return_reason"
    }

    func statementEntry(currency: Currency) -> StatementEntry {
        let date = bookingDate.iso8601
        return StatementEntry(
            amount: ExactDecimal(Money(minorUnits: amountMinorUnits, currency: currency)), currency: currency.code,
            bookingDate: date, valueDate: date, status: .booked, bankReference: bankReference,
            customerReference: customerReference, endToEndIDs: transactions.compactMap(\.endToEndID),
            counterparty: counterparty?.counterparty, remittance: remittance, transactionCode: transactionCode,
            returnReason: returnReason, detailsCount: max(transactions.count, 1),
            transactions: transactions.map { transaction in
                EntryTransaction(
                    endToEndID: transaction.endToEndID, uetr: transaction.uetr,
                    amount: transaction.amountMinorUnits.map {
                        ExactDecimal(Money(minorUnits: $0, currency: currency))
                    },
                    counterparty: transaction.counterparty?.counterparty, remittance: transaction.remittance)
            })
    }
}

struct BookedTransaction: Codable, Sendable {
    var endToEndID: String?
    var uetr: String?
    /// Signed like the entry; only a batch entry's transactions carry their own.
    var amountMinorUnits: Int64?
    var counterparty: BookedParty?
    var remittance: String?

    enum CodingKeys: String, CodingKey {
        case uetr, counterparty, remittance
        case endToEndID = "end_to_end_id"
        case amountMinorUnits = "amount_minor_units"
    }
}

/// The accepted payments of one block, waiting for their execution date.
struct PendingBooking: Codable, Sendable {
    var messageID: String
    var blockID: String
    var account: AccountKey
    var executionDate: LocalDate
    var transactionCode: String
    var transactions: [AcceptedTransaction]

    enum CodingKeys: String, CodingKey {
        case account, transactions
        case messageID = "message_id"
        case blockID = "block_id"
        case executionDate = "execution_date"
        case transactionCode = "transaction_code"
    }
}

struct AcceptedTransaction: Codable, Sendable {
    var endToEndID: String
    var uetr: String?
    /// Positive: what leaves the account.
    var amountMinorUnits: Int64
    var feeMinorUnits: Int64
    var creditor: BookedParty
    var remittance: String?
    /// Decided at acceptance from the seed: the reason this payment will come back with, if it will.
    var returnReason: String?

    enum CodingKeys: String, CodingKey {
        case uetr, creditor, remittance
        case endToEndID = "end_to_end_id"
        case amountMinorUnits = "amount_minor_units"
        case feeMinorUnits = "fee_minor_units"
        case returnReason = "return_reason"
    }
}

/// A booked payment that comes back on `dueDate`.
struct PendingReturn: Codable, Sendable {
    var dueDate: LocalDate
    var account: AccountKey
    var messageID: String
    var endToEndID: String
    var uetr: String?
    /// Positive: what comes back to the account.
    var amountMinorUnits: Int64
    var reason: String
    var creditor: BookedParty
    var remittance: String?

    enum CodingKeys: String, CodingKey {
        case account, uetr, reason, creditor, remittance
        case dueDate = "due_date"
        case messageID = "message_id"
        case endToEndID = "end_to_end_id"
        case amountMinorUnits = "amount_minor_units"
    }
}

/// One line of `received.jsonl`.
struct LogLine: Codable, Sendable {
    /// `received`, `rejected_file`, `booked`, `returned`.
    var event: String
    var date: String
    var fileName: String?
    var transport: String?
    var messageID: String?
    var endToEndID: String?
    var amount: String?
    var currency: String?
    var fee: String?
    /// `ACSP`, `RJCT` or `duplicate` for a received transaction.
    var outcome: String?
    var reason: String?
    var duplicate: Bool?
    /// The outgoing file that reports it.
    var report: String?

    enum CodingKeys: String, CodingKey {
        case event, date, transport, amount, currency, fee, outcome, reason, duplicate, report
        case fileName = "file_name"
        case messageID = "message_id"
        case endToEndID = "end_to_end_id"
    }
}
