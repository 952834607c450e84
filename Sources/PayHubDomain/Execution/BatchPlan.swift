import Foundation

/// An approved payment as the batch planner needs it; the caller has already resolved the execution
/// date with the business calendars and estimated the payment's size in the bank's file format.
public struct PlannedPayment: Hashable, Sendable {
    public var paymentID: ID<Payment>
    public var debtorAccountID: ID<BankAccount>
    public var method: PaymentMethod
    public var amount: Money
    public var executionDate: LocalDate
    /// ISO 20022 `EndToEndId`, chosen by the caller (it travels to the vendor): 1 to 35 SWIFT characters.
    public var endToEndID: String
    /// The payment's estimated size in the file, in bytes.
    public var encodedSizeBytes: Int

    public init(
        paymentID: ID<Payment>, debtorAccountID: ID<BankAccount>, method: PaymentMethod, amount: Money,
        executionDate: LocalDate, endToEndID: String, encodedSizeBytes: Int
    ) {
        self.paymentID = paymentID
        self.debtorAccountID = debtorAccountID
        self.method = method
        self.amount = amount
        self.executionDate = executionDate
        self.endToEndID = endToEndID
        self.encodedSizeBytes = encodedSizeBytes
    }

    /// What the payment must share with every other payment of its file and block.
    public var batchKey: BatchKey {
        BatchKey(
            debtorAccountID: debtorAccountID, method: method, currency: amount.currency, executionDate: executionDate)
    }
}

/// What every payment of one file shares: debtor account, payment method, currency and requested
/// execution date. Ordered so plans list their files in a stable order.
public struct BatchKey: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var debtorAccountID: ID<BankAccount>
    public var method: PaymentMethod
    public var currency: Currency
    public var executionDate: LocalDate

    public init(debtorAccountID: ID<BankAccount>, method: PaymentMethod, currency: Currency, executionDate: LocalDate) {
        self.debtorAccountID = debtorAccountID
        self.method = method
        self.currency = currency
        self.executionDate = executionDate
    }

    public static func < (lhs: BatchKey, rhs: BatchKey) -> Bool {
        if lhs.debtorAccountID != rhs.debtorAccountID { return lhs.debtorAccountID < rhs.debtorAccountID }
        if lhs.method != rhs.method { return lhs.method.rawValue < rhs.method.rawValue }
        if lhs.currency != rhs.currency { return lhs.currency.code < rhs.currency.code }
        return lhs.executionDate < rhs.executionDate
    }

    /// Ids, codes and a date only: no account number.
    public var description: String {
        "\(debtorAccountID)/\(method.rawValue)/\(currency.code)/\(executionDate)"
    }
}

/// One transaction of a block: a payment with its end-to-end id and UETR.
public struct PlannedTransaction: Hashable, Sendable {
    public let paymentID: ID<Payment>
    public let amount: Money
    public let endToEndID: String
    public let uetr: String
    public let encodedSizeBytes: Int
}

/// One payment-information block (`PmtInf`): transactions of one debtor, method, currency and date.
public struct PlannedBlock: Hashable, Sendable {
    public let paymentInformationID: String
    public let key: BatchKey
    /// In payment id order.
    public let transactions: [PlannedTransaction]
    /// The exact sum of the transactions' amounts (`PmtInf/CtrlSum`).
    public let controlSum: Money

    public var transactionCount: Int { transactions.count }
}

/// One file for the bank: a message id and one or more blocks, all with the same ``BatchKey``.
public struct PlannedInstruction: Hashable, Sendable {
    public let messageID: String
    public let key: BatchKey
    public let blocks: [PlannedBlock]
    /// The exact sum of every transaction's amount (`GrpHdr/CtrlSum`).
    public let controlSum: Money
    /// `GrpHdr/NbOfTxs`.
    public let transactionCount: Int
    /// File overhead, block overheads and the payments' sizes.
    public let estimatedSizeBytes: Int
    /// Whether the file is a re-send: every id in it was stored from an earlier plan.
    public let isResend: Bool
}

/// The files to send, and the ids to store for each payment before any of them is sent.
public struct BatchPlan: Hashable, Sendable {
    /// Re-sends first (by message id), then new files by ``BatchKey`` and split order.
    public let instructions: [PlannedInstruction]
    /// Every planned payment's ids, new and reused: store them before sending, so a re-send reuses them.
    public let assignedIDs: [ID<Payment>: AssignedIDs]
}

/// Why payments could not be planned into bank files. The description is generic; which payment and
/// field it concerns is in ``paymentID`` and ``path`` (ids only, never names or account numbers).
public struct BatchPlanningError: Error, Hashable, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    public enum Code: String, Sendable, Hashable {
        /// The same payment id is in the input twice.
        case duplicatePayment = "duplicate_payment"
        /// Two payments share an end-to-end id.
        case duplicateEndToEndID = "duplicate_end_to_end_id"
        /// An end-to-end id is not 1 to 35 SWIFT characters.
        case invalidEndToEndID = "invalid_end_to_end_id"
        /// An amount is zero or negative: a credit transfer moves a positive amount.
        case amountNotPositive = "amount_not_positive"
        /// An estimated size is zero or negative.
        case invalidEncodedSize = "invalid_encoded_size"
        /// One payment alone is larger than a file may be.
        case paymentTooLarge = "payment_too_large"
        /// A control sum does not fit the amount type.
        case controlSumOverflow = "control_sum_overflow"
        /// Stored ids are malformed or contradict each other (one block or file for different keys,
        /// a block in two files, a UETR used twice).
        case storedIDsInconsistent = "stored_ids_inconsistent"
        /// A file being re-sent no longer fits the bank's limits; re-sending it split would change it.
        case resendOverLimits = "resend_over_limits"
        /// The id source returned a malformed id or one already used.
        case idSourceFailed = "id_source_failed"
    }

    public let code: Code
    /// The payment concerned, when there is one.
    public let paymentID: ID<Payment>?
    /// Where in the input: `payments[3].encoded_size_bytes`.
    public let path: String

    public init(code: Code, paymentID: ID<Payment>? = nil, path: String) {
        self.code = code
        self.paymentID = paymentID
        self.path = path
    }

    public var description: String {
        switch code {
        case .duplicatePayment: "a payment is listed twice"
        case .duplicateEndToEndID: "two payments share an end-to-end id"
        case .invalidEndToEndID: "an end-to-end id must be 1 to 35 characters of the SWIFT character set"
        case .amountNotPositive: "a payment amount must be positive"
        case .invalidEncodedSize: "a payment's estimated size must be positive"
        case .paymentTooLarge: "a payment is larger than the bank's file size limit"
        case .controlSumOverflow: "the control sum is too large to be represented exactly"
        case .storedIDsInconsistent: "the stored instruction ids are malformed or inconsistent"
        case .resendOverLimits: "a file to re-send no longer fits the bank's limits"
        case .idSourceFailed: "the id source returned a malformed or repeated id"
        }
    }

    public var debugDescription: String {
        "\(code.rawValue) at \(path)" + (paymentID.map { " (\($0))" } ?? "")
    }
}
