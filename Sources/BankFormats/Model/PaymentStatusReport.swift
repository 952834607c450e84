/// A pain.002 customer payment status report: the bank's answer to a pain.001.
public struct PaymentStatusReport: Sendable, Hashable {
    /// `pain.002.001.10`…
    public var format: String
    public var messageID: String?
    public var createdAt: String?
    public var originalMessageID: String?
    /// `OrgnlMsgNmId`: the kind of message answered (`pain.001.001.03`…); the writer puts
    /// ``Pain002Writer/originalMessageName`` when it is nil.
    public var originalMessageName: String?
    /// `ACCP`, `ACSC`, `PART`, `RJCT`… as the bank sends it.
    public var groupStatus: String?
    public var payments: [PaymentStatus]
    public var warnings: [FormatWarning]

    public init(
        format: String, messageID: String? = nil, createdAt: String? = nil, originalMessageID: String? = nil,
        originalMessageName: String? = nil, groupStatus: String? = nil, payments: [PaymentStatus] = [],
        warnings: [FormatWarning] = []
    ) {
        self.format = format
        self.messageID = messageID
        self.createdAt = createdAt
        self.originalMessageID = originalMessageID
        self.originalMessageName = originalMessageName
        self.groupStatus = groupStatus
        self.payments = payments
        self.warnings = warnings
    }
}

public struct PaymentStatus: Sendable, Hashable {
    public var originalPaymentID: String?
    public var status: String?
    public var transactions: [TransactionStatus]

    public init(originalPaymentID: String? = nil, status: String? = nil, transactions: [TransactionStatus] = []) {
        self.originalPaymentID = originalPaymentID
        self.status = status
        self.transactions = transactions
    }
}

public struct TransactionStatus: Sendable, Hashable {
    public var originalEndToEndID: String?
    public var originalInstructionID: String?
    public var status: String?
    /// The ISO reason code (`AC01`, `AM04`…) or the proprietary one.
    public var reason: String?
    public var additionalInfo: String?

    public init(
        originalEndToEndID: String? = nil, originalInstructionID: String? = nil, status: String? = nil,
        reason: String? = nil, additionalInfo: String? = nil
    ) {
        self.originalEndToEndID = originalEndToEndID
        self.originalInstructionID = originalInstructionID
        self.status = status
        self.reason = reason
        self.additionalInfo = additionalInfo
    }
}
