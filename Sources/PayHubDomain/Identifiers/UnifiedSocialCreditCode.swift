/// A Unified Social Credit Code (统一社会信用代码, GB 32100-2015): the 18-character registration number
/// of every Chinese company and organisation, also its tax id.
///
/// Layout: registration-authority code (position 1), entity type (2), administrative division code
/// (3–8, digits), organisation code (9–17) and a check character (18). Characters come from
/// `0123456789ABCDEFGHJKLMNPQRTUWXY` (I, O, S, V and Z are left out as easily misread).
public struct UnifiedSocialCreditCode: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The 18 characters in capitals.
    public let value: String

    /// Validates `text` as a Unified Social Credit Code, ignoring surrounding whitespace and letter case.
    public init(_ text: String) throws(IdentifierError) {
        let characters = IdentifierText.normalize(text, removingSpaces: false)
        guard !characters.isEmpty else { throw IdentifierError(kind: .unifiedSocialCreditCode, code: .empty) }
        try IdentifierText.require(
            .creditCodeCharacter, in: characters, 0..<characters.count, kind: .unifiedSocialCreditCode)
        guard characters.count == 18 else {
            throw IdentifierError(
                kind: .unifiedSocialCreditCode, code: .invalidLength, expectedLength: 18,
                actualLength: characters.count)
        }
        try IdentifierText.require(.digit, in: characters, 2..<8, kind: .unifiedSocialCreditCode)
        guard UnifiedSocialCreditCode.checkCharacter(forValid: characters[0..<17]) == characters[17] else {
            throw IdentifierError(kind: .unifiedSocialCreditCode, code: .checksumMismatch)
        }
        value = String(characters)
    }

    /// The registration-authority code (position 1), such as `9` for the market regulator (工商).
    public var registrationAuthorityCode: Character { value.first! }

    /// The entity-type code (position 2), such as `1` (enterprise) under authority `9`.
    public var entityTypeCode: Character { value.dropFirst().first! }

    /// The 6-digit administrative division code (positions 3–8) of the registering authority.
    public var administrativeDivisionCode: String { String(value.dropFirst(2).prefix(6)) }

    /// The code itself: a company's public registration number, safe to show.
    public var description: String { value }

    /// The check character (position 18) that completes `first17`, or nil if `first17` is not 17
    /// characters of the code's alphabet. For building codes in tests and demo data.
    public static func checkCharacter(for first17: String) -> Character? {
        let characters = IdentifierText.normalize(first17, removingSpaces: false)
        guard characters.count == 17, characters.allSatisfy({ value(of: $0) != nil }) else { return nil }
        return checkCharacter(forValid: characters[...])
    }

    /// `31 − (Σ value·weight mod 31)`, with 31 written as `0`, over 17 characters known to be in the alphabet.
    private static func checkCharacter(forValid first17: ArraySlice<Character>) -> Character {
        var sum = 0
        for (character, weight) in zip(first17, weights) {
            sum += (value(of: character) ?? 0) * weight
        }
        let check = 31 - sum % 31
        return alphabet[check == 31 ? 0 : check]
    }

    /// The code's 31 characters; a character's value is its index.
    static let alphabet: [Character] = Array("0123456789ABCDEFGHJKLMNPQRTUWXY")

    /// Weight of positions 1–17: 3^(i−1) mod 31.
    private static let weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]

    private static let values: [Character: Int] = Dictionary(
        uniqueKeysWithValues: alphabet.enumerated().map { ($0.element, $0.offset) })

    /// The value (0–30) of a character of the alphabet, or nil for any other character.
    static func value(of character: Character) -> Int? { values[character] }

    /// Decodes from a single string, validating it.
    public init(from decoder: any Decoder) throws {
        self = try IdentifierText.decode(from: decoder) { text throws(IdentifierError) in
            try UnifiedSocialCreditCode(text)
        }
    }

    /// Encodes ``value`` as a single string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }
}
