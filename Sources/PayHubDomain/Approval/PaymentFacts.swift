import Foundation

/// How much a vendor is trusted, as rated by whoever onboarded it (or a screening provider).
public enum RiskRating: String, Sendable, Hashable, CaseIterable, Codable, Comparable {
    case low
    case medium
    case high

    public static func < (lhs: RiskRating, rhs: RiskRating) -> Bool { lhs.rank < rhs.rank }

    private var rank: Int {
        switch self {
        case .low: 0
        case .medium: 1
        case .high: 2
        }
    }
}

/// Everything an approval policy may look at about one payment, gathered by the services layer.
///
/// A pure value: the amount in base currency is already converted (``ExchangeRateTable/convert(_:to:on:rounding:)``)
/// and the dates are already read, so evaluating a policy needs no clock, no rates and no storage.
public struct PaymentFacts: Hashable, Sendable {
    public var entityID: ID<LegalEntity>
    /// The payment's amount in its own currency.
    public var amount: Money
    /// The same amount in the entity's base currency, which thresholds are compared in.
    public var amountInBaseCurrency: Money
    public var method: PaymentMethod
    public var vendor: VendorFacts
    public var bankAccount: BankAccountChangeFacts
    /// The day the policy is judged on, for "within N days" conditions.
    public var asOf: LocalDate

    public init(
        entityID: ID<LegalEntity>, amount: Money, amountInBaseCurrency: Money? = nil, method: PaymentMethod,
        vendor: VendorFacts, bankAccount: BankAccountChangeFacts = .unchanged, asOf: LocalDate
    ) {
        self.entityID = entityID
        self.amount = amount
        self.amountInBaseCurrency = amountInBaseCurrency ?? amount
        self.method = method
        self.vendor = vendor
        self.bankAccount = bankAccount
        self.asOf = asOf
    }

    /// Facts whose base-currency amount is converted from `amount` with `rates` at the rate of `asOf`,
    /// rounded half-even: the conversion a threshold comparison needs, done once and exactly.
    public init(
        entityID: ID<LegalEntity>, amount: Money, baseCurrency: Currency, rates: ExchangeRateTable,
        method: PaymentMethod, vendor: VendorFacts, bankAccount: BankAccountChangeFacts = .unchanged, asOf: LocalDate
    ) throws(ExchangeRateConversionError) {
        let converted = try rates.convert(amount, to: baseCurrency, on: asOf, rounding: .halfEven)
        self.init(
            entityID: entityID, amount: amount, amountInBaseCurrency: converted, method: method, vendor: vendor,
            bankAccount: bankAccount, asOf: asOf)
    }

    /// The payment's own currency.
    public var currency: Currency { amount.currency }
}

/// What a policy may know about the vendor being paid.
public struct VendorFacts: Hashable, Sendable {
    /// ISO 3166-1 alpha-2.
    public var countryCode: String
    public var riskRating: RiskRating
    /// The day the vendor was created in PayHub (or its ERP).
    public var createdOn: LocalDate
    /// Payments to this vendor before this one that went out (or are on their way).
    public var previousPaymentCount: Int

    public init(countryCode: String, riskRating: RiskRating, createdOn: LocalDate, previousPaymentCount: Int) {
        self.countryCode = countryCode
        self.riskRating = riskRating
        self.createdOn = createdOn
        self.previousPaymentCount = previousPaymentCount
    }

    /// Whether the vendor counts as new on `day`: never paid, or created within `withinDays` days.
    public func isNew(on day: LocalDate, withinDays: Int?) -> Bool {
        if previousPaymentCount <= 0 { return true }
        guard let withinDays else { return false }
        return ageDays(on: day) <= withinDays
    }

    /// Whole days since creation; 0 when the creation date lies after `day` (clocks disagree).
    public func ageDays(on day: LocalDate) -> Int { max(0, day.daysSinceEpoch - createdOn.daysSinceEpoch) }
}

/// Whether the bank details being paid were changed, and whether they have been paid since.
public struct BankAccountChangeFacts: Hashable, Sendable {
    /// The day the current details replaced earlier ones; nil when they were never changed.
    public var changedOn: LocalDate?
    /// Payments to the current details since they changed.
    public var paymentsSinceChange: Int

    public init(changedOn: LocalDate?, paymentsSinceChange: Int) {
        self.changedOn = changedOn
        self.paymentsSinceChange = paymentsSinceChange
    }

    /// Details that were never changed.
    public static let unchanged = BankAccountChangeFacts(changedOn: nil, paymentsSinceChange: 0)

    /// Whole days since the change on `day` (0 if the change is dated later); nil if never changed.
    public func daysSinceChange(on day: LocalDate) -> Int? {
        changedOn.map { max(0, day.daysSinceEpoch - $0.daysSinceEpoch) }
    }

    /// The details were changed and nothing has been paid to them yet.
    public var isFirstPaymentSinceChange: Bool { changedOn != nil && paymentsSinceChange <= 0 }
}

// MARK: - Coding

extension PaymentFacts: Codable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case entityID = "entity_id", amount, amountInBaseCurrency = "amount_in_base_currency", method, vendor
        case bankAccount = "bank_account", asOf = "as_of"
    }

    /// `amount_in_base_currency` may be left out when the payment is in the base currency; `bank_account`
    /// when the details never changed.
    public init(from decoder: any Decoder) throws {
        try DocumentDecoding.rejectUnknownKeys(in: decoder, knowing: CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        entityID = try container.decodeID(ID<LegalEntity>.self, forKey: .entityID)
        amount = try container.decodeMoney(forKey: .amount)
        amountInBaseCurrency =
            try container.contains(.amountInBaseCurrency)
            ? container.decodeMoney(forKey: .amountInBaseCurrency) : amount
        method = try container.decodeWord(
            PaymentMethod.self, forKey: .method, code: "unknown_method", what: "payment method")
        vendor = try container.decode(VendorFacts.self, forKey: .vendor)
        bankAccount = try container.decodeIfPresent(BankAccountChangeFacts.self, forKey: .bankAccount) ?? .unchanged
        asOf = try container.decodeDate(forKey: .asOf)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(entityID.rawValue, forKey: .entityID)
        try container.encodeMoney(amount, forKey: .amount)
        try container.encodeMoney(amountInBaseCurrency, forKey: .amountInBaseCurrency)
        try container.encode(method.rawValue, forKey: .method)
        try container.encode(vendor, forKey: .vendor)
        try container.encode(bankAccount, forKey: .bankAccount)
        try container.encode(asOf.iso8601, forKey: .asOf)
    }
}

extension VendorFacts: Codable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case countryCode = "country", riskRating = "risk_rating", createdOn = "created_on"
        case previousPaymentCount = "previous_payments"
    }

    public init(from decoder: any Decoder) throws {
        try DocumentDecoding.rejectUnknownKeys(in: decoder, knowing: CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        countryCode = try container.decode(String.self, forKey: .countryCode)
        guard CountryCode.isValid(countryCode) else {
            throw DocumentDecoding.problem(
                "invalid_country", "country must be an ISO 3166-1 alpha-2 code such as DE",
                at: container.codingPath + [CodingKeys.countryCode])
        }
        riskRating = try container.decodeWord(
            RiskRating.self, forKey: .riskRating, code: "unknown_risk_rating", what: "risk rating")
        createdOn = try container.decodeDate(forKey: .createdOn)
        previousPaymentCount = try container.decode(Int.self, forKey: .previousPaymentCount)
        guard previousPaymentCount >= 0 else {
            throw DocumentDecoding.problem(
                "negative_count", "a count cannot be negative",
                at: container.codingPath + [CodingKeys.previousPaymentCount])
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(countryCode, forKey: .countryCode)
        try container.encode(riskRating.rawValue, forKey: .riskRating)
        try container.encode(createdOn.iso8601, forKey: .createdOn)
        try container.encode(previousPaymentCount, forKey: .previousPaymentCount)
    }
}

extension BankAccountChangeFacts: Codable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case changedOn = "changed_on", paymentsSinceChange = "payments_since_change"
    }

    public init(from decoder: any Decoder) throws {
        try DocumentDecoding.rejectUnknownKeys(in: decoder, knowing: CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        changedOn = try container.decodeDateIfPresent(forKey: .changedOn)
        paymentsSinceChange = try container.decodeIfPresent(Int.self, forKey: .paymentsSinceChange) ?? 0
        guard paymentsSinceChange >= 0 else {
            throw DocumentDecoding.problem(
                "negative_count", "a count cannot be negative",
                at: container.codingPath + [CodingKeys.paymentsSinceChange])
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(changedOn?.iso8601, forKey: .changedOn)
        try container.encode(paymentsSinceChange, forKey: .paymentsSinceChange)
    }
}
