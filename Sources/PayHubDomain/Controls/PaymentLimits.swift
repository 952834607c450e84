import Foundation

/// Which payments a ``PaymentLimit`` counts: those of one entity, optionally only to one vendor and
/// optionally only in one payment currency.
///
/// Vendors belong to one entity, so a vendor scope is always within its entity. The scope also names the
/// daily total the services must supply: the base-currency sum of today's committed payments that the
/// scope counts.
public struct PaymentLimitScope: Hashable, Sendable, Codable, CustomStringConvertible {
    public var entityID: ID<LegalEntity>
    /// Nil: every vendor of the entity.
    public var vendorID: ID<Vendor>?
    /// Nil: payments in any currency. Set: only payments made in that currency (amounts are still
    /// compared in the entity's base currency).
    public var paymentCurrency: Currency?

    public init(entityID: ID<LegalEntity>, vendorID: ID<Vendor>? = nil, paymentCurrency: Currency? = nil) {
        self.entityID = entityID
        self.vendorID = vendorID
        self.paymentCurrency = paymentCurrency
    }

    /// Whether the scope counts `payment`.
    public func covers(_ payment: LimitedPayment) -> Bool {
        entityID == payment.entityID && (vendorID == nil || vendorID == payment.vendorID)
            && (paymentCurrency == nil || paymentCurrency == payment.paymentCurrency)
    }

    /// `ent_…/ven_…/USD`, `ent_…/*/*`: ids only, never names.
    public var description: String {
        "\(entityID)/\(vendorID?.rawValue ?? "*")/\(paymentCurrency?.code ?? "*")"
    }

    enum CodingKeys: String, CodingKey {
        case entityID = "entity_id"
        case vendorID = "vendor_id"
        case paymentCurrency = "payment_currency"
    }
}

/// A maximum per single payment and/or a maximum total per day, for the payments of one scope, in the
/// entity's base currency.
public struct PaymentLimit: Hashable, Sendable {
    public let scope: PaymentLimitScope
    /// No single payment may be larger (equal is allowed).
    public let singlePaymentMax: Money?
    /// Today's committed payments plus a new one may not add up to more (equal is allowed).
    public let dailyTotalMax: Money?
    /// The currency of the maximums: the entity's base currency.
    public let currency: Currency

    /// A limit with at least one maximum; maximums are not negative and in one currency (the entity's
    /// base currency). A maximum of zero stops every payment in the scope.
    public init(scope: PaymentLimitScope, singlePaymentMax: Money? = nil, dailyTotalMax: Money? = nil)
        throws(ValidationFailure)
    {
        var problems = FieldErrorCollector()
        if let singlePaymentMax, singlePaymentMax.isNegative {
            problems.add("single_payment_max", code: "negative_limit", "a maximum must not be negative")
        }
        if let dailyTotalMax, dailyTotalMax.isNegative {
            problems.add("daily_total_max", code: "negative_limit", "a maximum must not be negative")
        }
        if let single = singlePaymentMax, let daily = dailyTotalMax, single.currency != daily.currency {
            problems.add("daily_total_max", code: "currency_mismatch", "both maximums must be in one currency")
        }
        guard let currency = singlePaymentMax?.currency ?? dailyTotalMax?.currency else {
            problems.add("", code: "no_maximum", "a limit needs a single payment maximum, a daily maximum or both")
            throw ValidationFailure(problems.errors)
        }
        try problems.throwIfAny()
        self.scope = scope
        self.singlePaymentMax = singlePaymentMax
        self.dailyTotalMax = dailyTotalMax
        self.currency = currency
    }

}

extension PaymentLimit: Codable {
    enum CodingKeys: String, CodingKey {
        case entityID = "entity_id"
        case vendorID = "vendor_id"
        case paymentCurrency = "payment_currency"
        case singlePaymentMax = "single_payment_max"
        case dailyTotalMax = "daily_total_max"
    }

    /// `{"entity_id": "ent_…", "vendor_id": "ven_…", "payment_currency": "USD",
    /// "single_payment_max": {"amount": "50000.00", "currency": "EUR"}, "daily_total_max": {…}}`, the scope's
    /// fields flat beside the maximums; optional keys may be left out.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let scope = PaymentLimitScope(
            entityID: try container.decode(ID<LegalEntity>.self, forKey: .entityID),
            vendorID: try container.decodeIfPresent(ID<Vendor>.self, forKey: .vendorID),
            paymentCurrency: try container.decodeIfPresent(Currency.self, forKey: .paymentCurrency))
        let single = try container.decodeIfPresent(Money.self, forKey: .singlePaymentMax)
        let daily = try container.decodeIfPresent(Money.self, forKey: .dailyTotalMax)
        do {
            try self.init(scope: scope, singlePaymentMax: single, dailyTotalMax: daily)
        } catch {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(scope.entityID, forKey: .entityID)
        try container.encodeIfPresent(scope.vendorID, forKey: .vendorID)
        try container.encodeIfPresent(scope.paymentCurrency, forKey: .paymentCurrency)
        try container.encodeIfPresent(singlePaymentMax, forKey: .singlePaymentMax)
        try container.encodeIfPresent(dailyTotalMax, forKey: .dailyTotalMax)
    }
}

/// A payment as the limits see it: who pays whom, in which currency, and how much in the paying
/// entity's base currency (converted by the caller with ``Money/converted(at:rounding:)``).
public struct LimitedPayment: Hashable, Sendable {
    public var entityID: ID<LegalEntity>
    public var vendorID: ID<Vendor>
    /// The currency the payment is made in.
    public var paymentCurrency: Currency
    /// The payment's amount in the entity's base currency.
    public var baseAmount: Money

    public init(entityID: ID<LegalEntity>, vendorID: ID<Vendor>, paymentCurrency: Currency, baseAmount: Money) {
        self.entityID = entityID
        self.vendorID = vendorID
        self.paymentCurrency = paymentCurrency
        self.baseAmount = baseAmount
    }
}

/// One limit a payment would break: by how much, and with what it was compared.
public struct LimitExcess: Hashable, Sendable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        case singlePayment = "single_payment"
        case dailyTotal = "daily_total"
    }

    public let scope: PaymentLimitScope
    public let kind: Kind
    public let limit: Money
    /// What the scope had already used today before this payment; zero for a single-payment limit.
    public let used: Money
    /// The payment being checked, in base currency.
    public let requested: Money
    /// `used + requested − limit`: always positive.
    public let excess: Money

    public init(scope: PaymentLimitScope, kind: Kind, limit: Money, used: Money, requested: Money, excess: Money) {
        self.scope = scope
        self.kind = kind
        self.limit = limit
        self.used = used
        self.requested = requested
        self.excess = excess
    }
}

/// The payment limits of the group: per entity, per vendor, optionally per payment currency; each a
/// maximum per single payment and/or per day, in the entity's base currency.
///
/// The model is pure: which day "today" is, and what was already committed on it, come from the caller.
/// Encoded as `{"limits": [ … ]}` with snake_case keys (see ``PaymentLimit``).
public struct PaymentLimits: Hashable, Sendable {
    public let limits: [PaymentLimit]

    /// Checks the set as a whole: one limit per scope (two would leave it unclear which applies), and
    /// one currency for all limits of an entity (its base currency).
    public init(_ limits: [PaymentLimit]) throws(ValidationFailure) {
        var problems = FieldErrorCollector()
        var seenScopes = Set<PaymentLimitScope>()
        var entityCurrency: [ID<LegalEntity>: Currency] = [:]
        for (index, limit) in limits.enumerated() {
            if !seenScopes.insert(limit.scope).inserted {
                problems.add("limits[\(index)]", code: "duplicate_scope", "another limit has the same scope")
            }
            if let known = entityCurrency[limit.scope.entityID], known != limit.currency {
                problems.add(
                    "limits[\(index)]", code: "currency_mismatch",
                    "all limits of an entity must be in its base currency (\(known.code))")
            } else {
                entityCurrency[limit.scope.entityID] = limit.currency
            }
        }
        try problems.throwIfAny()
        self.limits = limits
    }

    public static let none = try! PaymentLimits([])

    /// The limits that count `payment`, in the order they were given.
    public func limits(applyingTo payment: LimitedPayment) -> [PaymentLimit] {
        limits.filter { $0.scope.covers(payment) }
    }

    /// The scopes whose committed daily totals ``exceeded(by:committedToday:)`` needs for `payment`.
    public func dailyScopes(applyingTo payment: LimitedPayment) -> [PaymentLimitScope] {
        limits(applyingTo: payment).filter { $0.dailyTotalMax != nil }.map(\.scope)
    }

    /// The limits `payment` would break, in the order they were given; empty when it is within all of them.
    ///
    /// `committedToday` holds, for every scope of ``dailyScopes(applyingTo:)``, the base-currency total
    /// of the payments already committed today that the scope counts, **not** including `payment`. A
    /// missing total is an error rather than zero: a limit must never pass because a sum was not loaded.
    /// Reaching a maximum exactly is allowed; only going beyond it is an excess.
    ///
    /// Errors (``FieldError``, path and code): `base_amount` `amount_not_positive` or `currency_mismatch`
    /// (not the limits' currency); `committed_today[scope]` `missing_committed_total`,
    /// `negative_committed_total` or `currency_mismatch`; `amount_out_of_range` when a sum overflows.
    public func exceeded(
        by payment: LimitedPayment, committedToday: [PaymentLimitScope: Money]
    ) throws(FieldError) -> [LimitExcess] {
        guard payment.baseAmount.isPositive else {
            throw FieldError(
                path: "base_amount", code: "amount_not_positive", message: "amount must be greater than zero")
        }
        var excesses: [LimitExcess] = []
        for limit in limits(applyingTo: payment) {
            guard limit.currency == payment.baseAmount.currency else {
                throw FieldError(
                    path: "base_amount", code: "currency_mismatch",
                    message: "amount must be in the entity's base currency \(limit.currency.code)")
            }
            let zero = Money.zero(limit.currency)
            if let maximum = limit.singlePaymentMax,
                let excess = try excess(limit.scope, .singlePayment, maximum, used: zero, requested: payment.baseAmount)
            {
                excesses.append(excess)
            }
            if let maximum = limit.dailyTotalMax {
                let path = "committed_today[\(limit.scope)]"
                guard let used = committedToday[limit.scope] else {
                    throw FieldError(
                        path: path, code: "missing_committed_total", message: "today's committed total is missing")
                }
                guard used.currency == limit.currency else {
                    throw FieldError(
                        path: path, code: "currency_mismatch",
                        message: "committed total must be in the entity's base currency \(limit.currency.code)")
                }
                guard !used.isNegative else {
                    throw FieldError(
                        path: path, code: "negative_committed_total", message: "committed total must not be negative")
                }
                if let excess = try excess(limit.scope, .dailyTotal, maximum, used: used, requested: payment.baseAmount)
                {
                    excesses.append(excess)
                }
            }
        }
        return excesses
    }

    /// The excess of `used + requested` over `maximum`, or nil when it is within (all in one currency).
    private func excess(
        _ scope: PaymentLimitScope, _ kind: LimitExcess.Kind, _ maximum: Money, used: Money, requested: Money
    ) throws(FieldError) -> LimitExcess? {
        let total: Money
        do {
            total = try used.adding(requested)
        } catch {
            throw FieldError(path: "base_amount", code: error.code.rawValue, message: error.description)
        }
        guard total.minorUnits > maximum.minorUnits else { return nil }
        // No overflow: total ≤ Int64.max and maximum ≥ 0.
        let excess = Money(minorUnits: total.minorUnits - maximum.minorUnits, currency: maximum.currency)
        return LimitExcess(scope: scope, kind: kind, limit: maximum, used: used, requested: requested, excess: excess)
    }
}

extension PaymentLimits: Codable {
    enum CodingKeys: String, CodingKey { case limits }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let limits = try container.decode([PaymentLimit].self, forKey: .limits)
        do {
            try self.init(limits)
        } catch {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(limits, forKey: .limits)
    }
}
