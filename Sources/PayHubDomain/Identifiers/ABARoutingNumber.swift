/// A US ABA routing transit number: 9 digits naming a bank for Fedwire and ACH.
///
/// Validated by its prefix (the first two digits must be an assigned range: 00–12 for banks and the US
/// government, 21–32 for thrifts, 61–72 for electronic transactions, 80 for traveller's cheques) and by
/// its check digit: `3·(d1+d4+d7) + 7·(d2+d5+d8) + (d3+d6+d9)` must be a multiple of 10.
public struct ABARoutingNumber: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The nine digits.
    public let value: String

    /// Validates `text` as an ABA routing number, ignoring surrounding whitespace.
    public init(_ text: String) throws(IdentifierError) {
        let characters = IdentifierText.normalize(text, removingSpaces: false)
        guard !characters.isEmpty else { throw IdentifierError(kind: .abaRoutingNumber, code: .empty) }
        try IdentifierText.require(.digit, in: characters, 0..<characters.count, kind: .abaRoutingNumber)
        guard characters.count == 9 else {
            throw IdentifierError(
                kind: .abaRoutingNumber, code: .invalidLength, expectedLength: 9, actualLength: characters.count)
        }
        let digits = characters.map { Int($0.asciiValue! - UInt8(ascii: "0")) }
        guard ABARoutingNumber.isAssignedPrefix(digits[0] * 10 + digits[1]) else {
            throw IdentifierError(kind: .abaRoutingNumber, code: .invalidStructure)
        }
        guard ABARoutingNumber.weightedSum(digits) % 10 == 0 else {
            throw IdentifierError(kind: .abaRoutingNumber, code: .checksumMismatch)
        }
        value = String(characters)
    }

    /// The check digit (the 9th) that completes `first8`, or nil if `first8` is not 8 digits.
    /// For building routing numbers in tests and demo data.
    public static func checkDigit(for first8: String) -> Character? {
        let characters = IdentifierText.normalize(first8, removingSpaces: false)
        guard characters.count == 8, characters.allSatisfy(IdentifierText.isDigit) else { return nil }
        let sum = weightedSum(characters.map { Int($0.asciiValue! - UInt8(ascii: "0")) } + [0])
        return Character(String((10 - sum % 10) % 10))
    }

    /// The routing number itself: a bank's public code, safe to show.
    public var description: String { value }

    /// The prefixes the Federal Reserve assigns; any other start is a typo or not a routing number.
    static func isAssignedPrefix(_ prefix: Int) -> Bool {
        (0...12).contains(prefix) || (21...32).contains(prefix) || (61...72).contains(prefix) || prefix == 80
    }

    /// `3·(d1+d4+d7) + 7·(d2+d5+d8) + (d3+d6+d9)` over nine digits.
    private static func weightedSum(_ digits: [Int]) -> Int {
        3 * (digits[0] + digits[3] + digits[6]) + 7 * (digits[1] + digits[4] + digits[7])
            + (digits[2] + digits[5] + digits[8])
    }

    /// Decodes from a single string, validating it.
    public init(from decoder: any Decoder) throws {
        self = try IdentifierText.decode(from: decoder) { text throws(IdentifierError) in
            try ABARoutingNumber(text)
        }
    }

    /// Encodes ``value`` as a single string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }
}
