/// An ISO 4217 currency: its alphabetic code, numeric code and number of minor units.
///
/// Currencies are only made from the ISO 4217 table (``Currency/init(code:)``), so a `Currency` value
/// always names a real currency with the right precision: JPY has 0 decimals, EUR 2, KWD 3.
public struct Currency: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The three-letter alphabetic code, such as `EUR`.
    public let code: String
    /// The three-digit numeric code, such as `978` for EUR.
    public let numericCode: Int
    /// How many decimal places the currency's minor unit has (JPY 0, EUR 2, KWD 3).
    public let minorUnits: Int

    init(code: String, numericCode: Int, minorUnits: Int) {
        self.code = code
        self.numericCode = numericCode
        self.minorUnits = minorUnits
    }

    /// Looks a currency up in the ISO 4217 table by its alphabetic code (case-insensitive).
    public init(code: String) throws(CurrencyError) {
        guard let known = Currency.byCode[code.uppercased()] else {
            throw CurrencyError(code: .unknownCurrency, currencyCode: code)
        }
        self = known
    }

    /// Looks a currency up in the ISO 4217 table by its numeric code.
    public init(numericCode: Int) throws(CurrencyError) {
        guard let known = Currency.byNumericCode[numericCode] else {
            throw CurrencyError(code: .unknownCurrency, currencyCode: String(numericCode))
        }
        self = known
    }

    public var description: String { code }

    /// Every active currency of the ISO 4217 table that has a minor unit, fund codes included (metals,
    /// SDR and testing codes excluded: nothing is paid in them).
    public static var all: [Currency] { iso4217Table }

    private static let byCode: [String: Currency] = Dictionary(
        uniqueKeysWithValues: iso4217Table.map { ($0.code, $0) })
    private static let byNumericCode: [Int: Currency] = Dictionary(
        uniqueKeysWithValues: iso4217Table.map { ($0.numericCode, $0) })

    public init(from decoder: any Decoder) throws {
        let code = try decoder.singleValueContainer().decode(String.self)
        self = try Currency(code: code)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(code)
    }
}

extension Currency {
    public static let eur = try! Currency(code: "EUR")
    public static let usd = try! Currency(code: "USD")
    public static let cny = try! Currency(code: "CNY")
    public static let jpy = try! Currency(code: "JPY")
    public static let gbp = try! Currency(code: "GBP")
    public static let chf = try! Currency(code: "CHF")
    public static let kwd = try! Currency(code: "KWD")
    public static let bhd = try! Currency(code: "BHD")
}

/// A currency code that is not in the ISO 4217 table.
public struct CurrencyError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable { case unknownCurrency = "unknown_currency" }
    public let code: Code
    /// The code as it was given.
    public let currencyCode: String

    public var description: String { "'\(currencyCode)' is not an ISO 4217 currency code" }
}
