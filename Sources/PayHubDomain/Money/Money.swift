import Foundation

/// An exact amount of money in one ISO 4217 currency, held as an integer count of minor units.
///
/// `Money` never uses binary floating point. Arithmetic reports overflow as ``MoneyError`` instead of
/// trapping, and combining two currencies is an error, so a sum of EUR and USD can never be formed by
/// accident.
public struct Money: Hashable, Sendable {
    /// The amount in the currency's minor unit: cents for EUR, yen for JPY, fils for KWD.
    public let minorUnits: Int64
    public let currency: Currency

    public init(minorUnits: Int64, currency: Currency) {
        self.minorUnits = minorUnits
        self.currency = currency
    }

    public static func zero(_ currency: Currency) -> Money { Money(minorUnits: 0, currency: currency) }

    /// Parses a decimal string such as `"1234.56"` or `"-0.5"` in `currency`.
    ///
    /// More decimal places than the currency has is an error (``MoneyError/Code/tooManyDecimals``) unless
    /// the extra places are zeros, or a `rounding` mode is given, in which case the value is rounded
    /// with it. Thousands separators, exponents and spaces are rejected: they belong to the file format
    /// that produced the text, not to the amount.
    public init(parsing text: String, currency: Currency, rounding: RoundingMode? = nil) throws(MoneyError) {
        let decimal: DecimalText
        do {
            decimal = try DecimalText(parsing: Substring(text))
        } catch .malformed {
            throw MoneyError(code: .invalidFormat, currency: currency)
        } catch {
            throw MoneyError(code: .overflow, currency: currency)
        }
        var minor = decimal.significand
        if decimal.scale <= currency.minorUnits {
            minor *= powerOfTen(currency.minorUnits - decimal.scale)
        } else {
            let divisor = powerOfTen(decimal.scale - currency.minorUnits)
            if minor % divisor != 0 {
                guard let rounding else { throw MoneyError(code: .tooManyDecimals, currency: currency) }
                minor = rounding.divide(minor, by: divisor)
            } else {
                minor /= divisor
            }
        }
        guard let exact = Int64(exactly: minor) else { throw MoneyError(code: .overflow, currency: currency) }
        self.init(minorUnits: exact, currency: currency)
    }

    /// The amount as a plain decimal string with the currency's number of places: `"1234.50"`, `"-3"` (JPY).
    public var decimalString: String {
        PayHubDomain.decimalString(significand: Int128(minorUnits), scale: currency.minorUnits)
    }

    public var isZero: Bool { minorUnits == 0 }
    public var isPositive: Bool { minorUnits > 0 }
    public var isNegative: Bool { minorUnits < 0 }

    public func adding(_ other: Money) throws(MoneyError) -> Money {
        try requireSameCurrency(other)
        let (sum, overflow) = minorUnits.addingReportingOverflow(other.minorUnits)
        guard !overflow else { throw MoneyError(code: .overflow, currency: currency) }
        return Money(minorUnits: sum, currency: currency)
    }

    public func subtracting(_ other: Money) throws(MoneyError) -> Money {
        try requireSameCurrency(other)
        let (difference, overflow) = minorUnits.subtractingReportingOverflow(other.minorUnits)
        guard !overflow else { throw MoneyError(code: .overflow, currency: currency) }
        return Money(minorUnits: difference, currency: currency)
    }

    public func negated() throws(MoneyError) -> Money {
        guard minorUnits != .min else { throw MoneyError(code: .overflow, currency: currency) }
        return Money(minorUnits: -minorUnits, currency: currency)
    }

    /// Orders two amounts of the same currency; amounts of different currencies cannot be compared.
    public func isLess(than other: Money) throws(MoneyError) -> Bool {
        try requireSameCurrency(other)
        return minorUnits < other.minorUnits
    }

    /// Adds up many amounts of `currency`. An empty sequence sums to zero; an amount in another currency
    /// is ``MoneyError/Code/currencyMismatch``.
    public static func sum(_ amounts: some Sequence<Money>, currency: Currency) throws(MoneyError) -> Money {
        var total: Int64 = 0
        for amount in amounts {
            guard amount.currency == currency else {
                throw MoneyError(code: .currencyMismatch, currency: currency, otherCurrency: amount.currency)
            }
            let (next, overflow) = total.addingReportingOverflow(amount.minorUnits)
            guard !overflow else { throw MoneyError(code: .overflow, currency: currency) }
            total = next
        }
        return Money(minorUnits: total, currency: currency)
    }

    /// Converts this amount into the rate's quote currency, rounding the exact product with `rounding`.
    public func converted(at rate: ExchangeRate, rounding: RoundingMode = .halfEven) throws(MoneyError) -> Money {
        guard rate.base == currency else {
            throw MoneyError(code: .currencyMismatch, currency: currency, otherCurrency: rate.base)
        }
        // target = amount × rate, rescaled from (base minor units + rate scale) to quote minor units.
        let (product, overflow) = Int128(minorUnits).multipliedReportingOverflow(by: rate.significand)
        guard !overflow else { throw MoneyError(code: .overflow, currency: currency) }
        let sourceScale = currency.minorUnits + rate.scale
        let targetScale = rate.quote.minorUnits
        let converted: Int128
        if targetScale >= sourceScale {
            let (scaled, scaleOverflow) = product.multipliedReportingOverflow(by: powerOfTen(targetScale - sourceScale))
            guard !scaleOverflow else { throw MoneyError(code: .overflow, currency: currency) }
            converted = scaled
        } else {
            converted = rounding.divide(product, by: powerOfTen(sourceScale - targetScale))
        }
        guard let exact = Int64(exactly: converted) else { throw MoneyError(code: .overflow, currency: rate.quote) }
        return Money(minorUnits: exact, currency: rate.quote)
    }

    private func requireSameCurrency(_ other: Money) throws(MoneyError) {
        guard other.currency == currency else {
            throw MoneyError(code: .currencyMismatch, currency: currency, otherCurrency: other.currency)
        }
    }
}

extension Money: CustomStringConvertible {
    public var description: String { "\(decimalString) \(currency.code)" }
}

extension Money: Codable {
    private enum CodingKeys: String, CodingKey { case amount, currency }

    /// Encoded as `{"amount": "12.34", "currency": "EUR"}`: a decimal string, never a JSON number.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let currency = try container.decode(Currency.self, forKey: .currency)
        let text = try container.decode(String.self, forKey: .amount)
        do {
            self = try Money(parsing: text, currency: currency)
        } catch {
            throw DecodingError.dataCorruptedError(forKey: .amount, in: container, debugDescription: error.description)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(decimalString, forKey: .amount)
        try container.encode(currency, forKey: .currency)
    }
}

/// Why an amount could not be formed or combined. The description names the problem, never an account.
public struct MoneyError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        case invalidFormat = "invalid_amount"
        case tooManyDecimals = "too_many_decimals"
        case overflow = "amount_out_of_range"
        case currencyMismatch = "currency_mismatch"
    }

    public let code: Code
    public let currency: Currency
    public var otherCurrency: Currency?

    public init(code: Code, currency: Currency, otherCurrency: Currency? = nil) {
        self.code = code
        self.currency = currency
        self.otherCurrency = otherCurrency
    }

    public var description: String {
        switch code {
        case .invalidFormat:
            "amount must be a decimal number such as 1234.56 (digits, an optional sign and one '.')"
        case .tooManyDecimals:
            "\(currency.code) amounts have at most \(currency.minorUnits) decimal places"
        case .overflow:
            "amount is too large to be represented exactly in \(currency.code)"
        case .currencyMismatch:
            "cannot combine \(currency.code) with \(otherCurrency?.code ?? "another currency")"
        }
    }
}
