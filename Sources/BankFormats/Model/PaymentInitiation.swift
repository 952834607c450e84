import PayHubDomain

/// A pain.001 customer credit transfer initiation, as an ERP or PayHub itself writes it.
public struct PaymentInitiation: Sendable, Hashable {
    /// `pain.001.001.09`, `pain.001.001.03`…
    public var format: String
    public var messageID: String?
    public var createdAt: String?
    public var numberOfTransactions: Int?
    public var controlSum: ExactDecimal?
    public var initiatingParty: String?
    public var payments: [InitiationPayment]
    public var warnings: [FormatWarning]

    public init(
        format: String, messageID: String? = nil, createdAt: String? = nil, numberOfTransactions: Int? = nil,
        controlSum: ExactDecimal? = nil, initiatingParty: String? = nil, payments: [InitiationPayment] = [],
        warnings: [FormatWarning] = []
    ) {
        self.format = format
        self.messageID = messageID
        self.createdAt = createdAt
        self.numberOfTransactions = numberOfTransactions
        self.controlSum = controlSum
        self.initiatingParty = initiatingParty
        self.payments = payments
        self.warnings = warnings
    }
}

/// One `PmtInf` block: one debtor account, one execution date.
public struct InitiationPayment: Sendable, Hashable {
    public var id: String?
    public var requestedExecutionDate: String?
    public var batchBooking: Bool?
    public var debtor: InitiationParty
    public var transactions: [InitiationTransaction]

    public init(
        id: String? = nil, requestedExecutionDate: String? = nil, batchBooking: Bool? = nil,
        debtor: InitiationParty = InitiationParty(), transactions: [InitiationTransaction] = []
    ) {
        self.id = id
        self.requestedExecutionDate = requestedExecutionDate
        self.batchBooking = batchBooking
        self.debtor = debtor
        self.transactions = transactions
    }
}

public struct InitiationParty: Sendable, Hashable {
    public var name: String?
    public var iban: String?
    /// A non-IBAN account (`Othr/Id`).
    public var account: String?
    public var bic: String?
    /// ISO 3166 country of the postal address (creditors only).
    public var country: String?

    public init(name: String? = nil, iban: String? = nil, account: String? = nil, bic: String? = nil, country: String? = nil) {
        self.name = name
        self.iban = iban
        self.account = account
        self.bic = bic
        self.country = country
    }
}

public struct InitiationTransaction: Sendable, Hashable {
    public var endToEndID: String?
    public var instructionID: String?
    /// The SWIFT gpi Unique End-to-end Transaction Reference (`PmtId/UETR`, pain.001.001.09 on), as written.
    public var uetr: String?
    public var amount: ExactDecimal
    public var currency: String?
    public var creditor: InitiationParty
    public var remittance: String?

    public init(
        endToEndID: String? = nil, instructionID: String? = nil, uetr: String? = nil, amount: ExactDecimal,
        currency: String? = nil, creditor: InitiationParty = InitiationParty(), remittance: String? = nil
    ) {
        self.endToEndID = endToEndID
        self.instructionID = instructionID
        self.uetr = uetr
        self.amount = amount
        self.currency = currency
        self.creditor = creditor
        self.remittance = remittance
    }
}
