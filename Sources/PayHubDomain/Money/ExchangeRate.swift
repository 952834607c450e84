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

    /// The rate as a plain decimal string, as it was given (trailing zeros kept).
    public var decimalString: String { PayHubDomain.decimalString(significand: significand, scale: scale) }
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
