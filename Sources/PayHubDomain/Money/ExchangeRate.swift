/// An exact foreign-exchange rate: one unit of `base` buys `rate` units of `quote`.
///
/// Rates are parsed from decimal strings (`"7.8123"`) and kept as an integer significand with a scale, so
/// a conversion is one exact multiplication followed by one explicit rounding.
public struct ExchangeRate: Hashable, Sendable {
    public let base: Currency
    public let quote: Currency
    let significand: Int128
    let scale: Int

    /// The most decimal places a rate may have; real rate sources publish at most 6 to 10.
    public static let scaleMax = 12

    public init(base: Currency, quote: Currency, rate text: String) throws(ExchangeRateError) {
        let decimal: DecimalText
        do {
            decimal = try DecimalText(parsing: Substring(text))
        } catch {
            throw ExchangeRateError(code: .invalidRate)
        }
        guard decimal.significand > 0 else { throw ExchangeRateError(code: .notPositive) }
        guard decimal.scale <= Self.scaleMax else { throw ExchangeRateError(code: .tooManyDecimals) }
        self.base = base
        self.quote = quote
        self.significand = decimal.significand
        self.scale = decimal.scale
    }

    /// A rate already known to be positive and within range: identities and computed inverses.
    init(base: Currency, quote: Currency, significand: Int128, scale: Int) {
        precondition(significand > 0 && (0...ExchangeRate.inverseScaleMax).contains(scale), "rate out of range")
        self.base = base
        self.quote = quote
        self.significand = significand
        self.scale = scale
    }

    /// The rate as a plain decimal string, as it was given (trailing zeros kept).
    public var decimalString: String { PayHubDomain.decimalString(significand: significand, scale: scale) }

    /// One unit of a currency buys one unit of itself.
    public static func identity(_ currency: Currency) -> ExchangeRate {
        ExchangeRate(base: currency, quote: currency, significand: 1, scale: 0)
    }

    /// The significant digits an inverse rate keeps. With 18, converting the largest amount `Money` can
    /// hold is off by well under one minor unit, and amount × rate still fits in `Int128`.
    static let inverseSignificantDigits = 18
    /// Inverse rates may carry more places than ``scaleMax``: the inverse of 7.8123 needs them.
    static let inverseScaleMax = 26

    /// The opposite direction: `quote → base` at 1 / rate, rounded half-even to 18 significant digits
    /// (1 / 7.8123 does not end). Nil only for a rate so large its inverse rounds to zero.
    public func inverted() -> ExchangeRate? {
        // 1 / (s / 10^k) = 10^k / s; scaled by 10^places it keeps `inverseSignificantDigits` digits.
        let significandDigits = String(significand).count
        let places = min(
            max(0, ExchangeRate.inverseSignificantDigits - 1 + significandDigits - scale),
            ExchangeRate.inverseScaleMax, 38 - scale)  // 10^38 is the largest power of ten in Int128
        var inverse = RoundingMode.halfEven.divide(powerOfTen(scale + places), by: significand)
        guard inverse > 0 else { return nil }
        // Trailing zeros say nothing: 1 / 2 is 0.5, not 0.500000000000000000.
        var trimmedPlaces = places
        while trimmedPlaces > 0, inverse.isMultiple(of: 10) {
            inverse /= 10
            trimmedPlaces -= 1
        }
        return ExchangeRate(base: quote, quote: base, significand: inverse, scale: trimmedPlaces)
    }
}

public struct ExchangeRateError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        case invalidRate = "invalid_rate"
        case notPositive = "rate_not_positive"
        case tooManyDecimals = "rate_too_many_decimals"
    }

    public let code: Code

    public var description: String {
        switch code {
        case .invalidRate: "exchange rate must be a decimal number such as 7.8123"
        case .notPositive: "exchange rate must be greater than zero"
        case .tooManyDecimals: "exchange rate has more than \(ExchangeRate.scaleMax) decimal places"
        }
    }
}
