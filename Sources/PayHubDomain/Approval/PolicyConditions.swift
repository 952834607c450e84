import Foundation

/// The conditions of a rule (`when` in the document). Every condition given must hold; a condition left
/// out does not matter. An empty set matches every payment.
///
/// Amount thresholds are decimal strings in the entity's base currency (`"10000.00"`) and are compared
/// exactly with ``PaymentFacts/amountInBaseCurrency``, so one policy serves a EUR and a CNY entity
/// alike only if its thresholds are meant in each one's own currency; scope rules with `entity_ids`
/// where they are not.
public struct PolicyConditions: Hashable, Sendable {
    /// The payment's legal entity is one of these (`entity_ids`).
    public var entityIDs: [ID<LegalEntity>]?
    /// Amount in base currency ≥ this (`amount_at_least`).
    public var amountAtLeast: String?
    /// Amount in base currency > this (`amount_above`).
    public var amountAbove: String?
    /// Amount in base currency ≤ this (`amount_at_most`).
    public var amountAtMost: String?
    /// Amount in base currency < this (`amount_below`).
    public var amountBelow: String?
    /// The payment's own currency is one of these (`currencies`).
    public var currencies: [Currency]?
    /// The payment method is one of these (`methods`).
    public var methods: [PaymentMethod]?
    /// The vendor is new (true) or not (false) (`vendor_is_new`). New means: no earlier payment to it,
    /// or created within ``newVendorWithinDays`` days when that is given.
    public var vendorIsNew: Bool?
    /// How recently created a vendor still counts as new (`new_vendor_within_days`); only with
    /// ``vendorIsNew``.
    public var newVendorWithinDays: Int?
    /// The vendor's risk rating is one of these (`vendor_risk_in`).
    public var vendorRiskIn: [RiskRating]?
    /// The vendor's country (ISO 3166-1 alpha-2) is one of these (`vendor_country_in`).
    public var vendorCountryIn: [String]?
    /// The vendor's country is none of these (`vendor_country_not_in`).
    public var vendorCountryNotIn: [String]?
    /// The paid bank account's details changed within this many days (`bank_account_changed_within_days`).
    public var bankAccountChangedWithinDays: Int?
    /// This is (true) or is not (false) the first payment to bank details that were changed
    /// (`first_payment_to_changed_account`): the moment invoice-redirection fraud pays out.
    public var firstPaymentToChangedAccount: Bool?

    public init(
        entityIDs: [ID<LegalEntity>]? = nil, amountAtLeast: String? = nil, amountAbove: String? = nil,
        amountAtMost: String? = nil, amountBelow: String? = nil, currencies: [Currency]? = nil,
        methods: [PaymentMethod]? = nil, vendorIsNew: Bool? = nil, newVendorWithinDays: Int? = nil,
        vendorRiskIn: [RiskRating]? = nil, vendorCountryIn: [String]? = nil, vendorCountryNotIn: [String]? = nil,
        bankAccountChangedWithinDays: Int? = nil, firstPaymentToChangedAccount: Bool? = nil
    ) {
        self.entityIDs = entityIDs
        self.amountAtLeast = amountAtLeast
        self.amountAbove = amountAbove
        self.amountAtMost = amountAtMost
        self.amountBelow = amountBelow
        self.currencies = currencies
        self.methods = methods
        self.vendorIsNew = vendorIsNew
        self.newVendorWithinDays = newVendorWithinDays
        self.vendorRiskIn = vendorRiskIn
        self.vendorCountryIn = vendorCountryIn
        self.vendorCountryNotIn = vendorCountryNotIn
        self.bankAccountChangedWithinDays = bankAccountChangedWithinDays
        self.firstPaymentToChangedAccount = firstPaymentToChangedAccount
    }

    /// No condition at all: the rule matches every payment.
    public var isEmpty: Bool { self == PolicyConditions() }
}

/// One kind of condition, named as in the document. Decisions use it to say which conditions held.
public enum PolicyConditionKind: String, Sendable, Hashable, CaseIterable, Codable {
    case entityIDs = "entity_ids"
    case amountAtLeast = "amount_at_least"
    case amountAbove = "amount_above"
    case amountAtMost = "amount_at_most"
    case amountBelow = "amount_below"
    case currencies
    case methods
    case vendorIsNew = "vendor_is_new"
    case vendorRiskIn = "vendor_risk_in"
    case vendorCountryIn = "vendor_country_in"
    case vendorCountryNotIn = "vendor_country_not_in"
    case bankAccountChangedWithinDays = "bank_account_changed_within_days"
    case firstPaymentToChangedAccount = "first_payment_to_changed_account"
}

extension PolicyConditions: Codable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case entityIDs = "entity_ids"
        case amountAtLeast = "amount_at_least"
        case amountAbove = "amount_above"
        case amountAtMost = "amount_at_most"
        case amountBelow = "amount_below"
        case currencies
        case methods
        case vendorIsNew = "vendor_is_new"
        case newVendorWithinDays = "new_vendor_within_days"
        case vendorRiskIn = "vendor_risk_in"
        case vendorCountryIn = "vendor_country_in"
        case vendorCountryNotIn = "vendor_country_not_in"
        case bankAccountChangedWithinDays = "bank_account_changed_within_days"
        case firstPaymentToChangedAccount = "first_payment_to_changed_account"
    }

    public init(from decoder: any Decoder) throws {
        try DocumentDecoding.rejectUnknownKeys(in: decoder, knowing: CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        entityIDs = try container.decodeIDsIfPresent(ID<LegalEntity>.self, forKey: .entityIDs)
        amountAtLeast = try container.decodeAmountTextIfPresent(forKey: .amountAtLeast)
        amountAbove = try container.decodeAmountTextIfPresent(forKey: .amountAbove)
        amountAtMost = try container.decodeAmountTextIfPresent(forKey: .amountAtMost)
        amountBelow = try container.decodeAmountTextIfPresent(forKey: .amountBelow)
        currencies = try container.decodeCurrenciesIfPresent(forKey: .currencies)
        methods = try container.decodeWordsIfPresent(
            PaymentMethod.self, forKey: .methods, code: "unknown_method", what: "payment method")
        vendorIsNew = try container.decodeIfPresent(Bool.self, forKey: .vendorIsNew)
        newVendorWithinDays = try container.decodeIfPresent(Int.self, forKey: .newVendorWithinDays)
        vendorRiskIn = try container.decodeWordsIfPresent(
            RiskRating.self, forKey: .vendorRiskIn, code: "unknown_risk_rating", what: "risk rating")
        vendorCountryIn = try container.decodeIfPresent([String].self, forKey: .vendorCountryIn)
        vendorCountryNotIn = try container.decodeIfPresent([String].self, forKey: .vendorCountryNotIn)
        bankAccountChangedWithinDays = try container.decodeIfPresent(Int.self, forKey: .bankAccountChangedWithinDays)
        firstPaymentToChangedAccount = try container.decodeIfPresent(Bool.self, forKey: .firstPaymentToChangedAccount)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(entityIDs?.map(\.rawValue), forKey: .entityIDs)
        try container.encodeIfPresent(amountAtLeast, forKey: .amountAtLeast)
        try container.encodeIfPresent(amountAbove, forKey: .amountAbove)
        try container.encodeIfPresent(amountAtMost, forKey: .amountAtMost)
        try container.encodeIfPresent(amountBelow, forKey: .amountBelow)
        try container.encodeIfPresent(currencies?.map(\.code), forKey: .currencies)
        try container.encodeIfPresent(methods?.map(\.rawValue), forKey: .methods)
        try container.encodeIfPresent(vendorIsNew, forKey: .vendorIsNew)
        try container.encodeIfPresent(newVendorWithinDays, forKey: .newVendorWithinDays)
        try container.encodeIfPresent(vendorRiskIn?.map(\.rawValue), forKey: .vendorRiskIn)
        try container.encodeIfPresent(vendorCountryIn, forKey: .vendorCountryIn)
        try container.encodeIfPresent(vendorCountryNotIn, forKey: .vendorCountryNotIn)
        try container.encodeIfPresent(bankAccountChangedWithinDays, forKey: .bankAccountChangedWithinDays)
        try container.encodeIfPresent(firstPaymentToChangedAccount, forKey: .firstPaymentToChangedAccount)
    }
}
