/// An International Bank Account Number (ISO 13616), validated: a country in the SWIFT IBAN registry,
/// that country's exact length, and matching mod-97 check digits.
///
/// Accepts the electronic form (`DE89370400440532013000`) and the printed form with spaces
/// (`DE89 3704 0044 0532 0130 00`), in either case. ``value`` is the electronic form in capitals.
///
/// An IBAN is an account number: ``description`` shows only ``masked``, so string interpolation into a
/// log line cannot leak it. Use ``value`` where the full number is really needed.
public struct IBAN: Hashable, Sendable, Codable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The IBAN in electronic form: capitals, no spaces.
    public let value: String

    /// Validates `text` as an IBAN, ignoring surrounding whitespace, inner spaces and letter case.
    ///
    /// Checks, in order: only letters and digits (letters first), a registry country, that country's
    /// length, two digits after the country, and ISO 7064 MOD 97-10.
    public init(_ text: String) throws(IdentifierError) {
        let characters = IdentifierText.normalize(text, removingSpaces: true)
        guard !characters.isEmpty else { throw IdentifierError(kind: .iban, code: .empty) }
        try IdentifierText.require(.letter, in: characters, 0..<2, kind: .iban)
        try IdentifierText.require(.letterOrDigit, in: characters, 2..<max(2, characters.count), kind: .iban)
        guard characters.count >= 2 else {
            throw IdentifierError(kind: .iban, code: .invalidLength, actualLength: characters.count)
        }
        let country = String(characters[0..<2])
        guard let expectedLength = IBAN.registryLengths[country] else {
            throw IdentifierError(kind: .iban, code: .unknownCountry, countryCode: country)
        }
        guard characters.count == expectedLength else {
            throw IdentifierError(
                kind: .iban, code: .invalidLength, expectedLength: expectedLength, actualLength: characters.count,
                countryCode: country)
        }
        try IdentifierText.require(.digit, in: characters, 2..<4, kind: .iban, countryCode: country)
        // The check runs over BBAN + country + check digits, i.e. the first four characters moved to the end.
        guard ISO7064.isInCheckDigitRange(characters[2..<4]),
            ISO7064.mod97(characters[4...] + characters[0..<4]) == 1
        else {
            throw IdentifierError(kind: .iban, code: .checksumMismatch, countryCode: country)
        }
        value = String(characters)
    }

    /// The ISO 3166-1 alpha-2 country code the IBAN starts with, such as `DE`.
    public var countryCode: String { String(value.prefix(2)) }

    /// The two check digits after the country code, such as `89`.
    public var checkDigits: String { String(value.dropFirst(2).prefix(2)) }

    /// The Basic Bank Account Number: the national part after the check digits.
    public var bban: String { String(value.dropFirst(4)) }

    /// The printed form, in groups of four: `DE89 3704 0044 0532 0130 00`.
    public var formatted: String {
        var groups: [Substring] = []
        var rest = Substring(value)
        while !rest.isEmpty {
            groups.append(rest.prefix(4))
            rest = rest.dropFirst(4)
        }
        return groups.joined(separator: " ")
    }

    /// All but the last four characters hidden: `****3000`. The only form logs and messages may show.
    public var masked: String { "****" + value.suffix(4) }

    /// The masked form (``masked``), so an IBAN interpolated into a message never shows the account.
    public var description: String { masked }

    /// The masked form too: debug output ends up in logs just as often.
    public var debugDescription: String { "IBAN(\(masked))" }

    /// The check digits that make `countryCode` + digits + `bban` a valid IBAN, such as `"89"` for
    /// `DE` / `370400440532013000`. For building IBANs from national account data, tests and demo data.
    ///
    /// Case and spaces do not matter. The result does not make an IBAN valid by itself: the country must
    /// be in the registry, the length right, and `bban` only letters and digits (other characters are
    /// ignored here, and rejected by ``init(_:)``).
    public static func checkDigits(countryCode: String, bban: String) -> String {
        let body = (IdentifierText.normalize(bban, removingSpaces: true)
            + IdentifierText.normalize(countryCode, removingSpaces: true))
            .filter { IdentifierText.alphanumericValue(of: $0) != nil }
        return ISO7064.checkDigits(for: body) ?? "00"
    }

    /// The total IBAN length for a country in the SWIFT IBAN registry, or nil if the country issues no
    /// IBANs. Lets forms tell a user how many characters to expect before they finish typing.
    public static func length(forCountry countryCode: String) -> Int? {
        registryLengths[String(IdentifierText.normalize(countryCode, removingSpaces: true))]
    }

    /// Total IBAN length per country, from the SWIFT IBAN registry. Territories that use another
    /// country's IBANs need no entry: French overseas departments use FR, Åland uses FI, Jersey,
    /// Guernsey and the Isle of Man use GB.
    static let registryLengths: [String: Int] = [
        "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BI": 27,
        "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27, "DK": 18, "DO": 28,
        "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23,
        "GL": 18, "GR": 27, "GT": 28, "HN": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26,
        "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21,
        "LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MN": 20, "MR": 27, "MT": 31, "MU": 30, "NI": 28,
        "NL": 18, "NO": 15, "OM": 23, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22,
        "RU": 33, "SA": 24, "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25,
        "SV": 28, "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
    ]

    /// Decodes from a single string, validating it.
    public init(from decoder: any Decoder) throws {
        self = try IdentifierText.decode(from: decoder) { text throws(IdentifierError) in try IBAN(text) }
    }

    /// Encodes ``value``, the full electronic form, as a single string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }
}
