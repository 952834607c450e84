/// A Legal Entity Identifier (ISO 17442): 20 characters naming a legal entity in financial
/// transactions, such as `529900T8BM49AURSDO55`.
///
/// Layout: 18 letters or digits (the issuing LOU's prefix and the entity part) and 2 check digits; the
/// whole string must have remainder 1 under ISO 7064 MOD 97-10 (letters as A = 10 … Z = 35).
public struct LEI: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The 20 characters in capitals.
    public let value: String

    /// Validates `text` as an LEI, ignoring surrounding whitespace and letter case.
    public init(_ text: String) throws(IdentifierError) {
        let characters = IdentifierText.normalize(text, removingSpaces: false)
        guard !characters.isEmpty else { throw IdentifierError(kind: .lei, code: .empty) }
        try IdentifierText.require(.letterOrDigit, in: characters, 0..<characters.count, kind: .lei)
        guard characters.count == 20 else {
            throw IdentifierError(kind: .lei, code: .invalidLength, expectedLength: 20, actualLength: characters.count)
        }
        try IdentifierText.require(.digit, in: characters, 18..<20, kind: .lei)
        guard ISO7064.isInCheckDigitRange(characters[18..<20]), ISO7064.mod97(characters) == 1 else {
            throw IdentifierError(kind: .lei, code: .checksumMismatch)
        }
        value = String(characters)
    }

    /// The two check digits (positions 19–20) that complete `first18`, or nil if `first18` is not
    /// 18 letters or digits. For building LEIs in tests and demo data.
    public static func checkDigits(for first18: String) -> String? {
        let characters = IdentifierText.normalize(first18, removingSpaces: false)
        guard characters.count == 18 else { return nil }
        return ISO7064.checkDigits(for: characters)
    }

    /// The LEI itself: a public identifier, safe to show.
    public var description: String { value }

    /// Decodes from a single string, validating it.
    public init(from decoder: any Decoder) throws {
        self = try IdentifierText.decode(from: decoder) { text throws(IdentifierError) in try LEI(text) }
    }

    /// Encodes ``value`` as a single string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }
}
