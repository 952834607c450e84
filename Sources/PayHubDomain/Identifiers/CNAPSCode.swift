/// A CNAPS bank code (联行号, China National Advanced Payment System): the 12 digits that name a bank
/// branch for domestic RMB transfers in China.
///
/// Layout: 3-digit bank category code (such as `102` for ICBC), 4-digit city code, 4-digit branch
/// number and a final digit. The final digit's algorithm is not published, so only the shape is checked.
public struct CNAPSCode: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The twelve digits.
    public let value: String

    /// Validates `text` as a CNAPS code, ignoring surrounding whitespace.
    public init(_ text: String) throws(IdentifierError) {
        let characters = IdentifierText.normalize(text, removingSpaces: false)
        guard !characters.isEmpty else { throw IdentifierError(kind: .cnapsCode, code: .empty) }
        try IdentifierText.require(.digit, in: characters, 0..<characters.count, kind: .cnapsCode)
        guard characters.count == 12 else {
            throw IdentifierError(
                kind: .cnapsCode, code: .invalidLength, expectedLength: 12, actualLength: characters.count)
        }
        value = String(characters)
    }

    /// The 3-digit bank category code, such as `102` (Industrial and Commercial Bank of China).
    public var bankCategoryCode: String { String(value.prefix(3)) }

    /// The 4-digit city code that follows the bank category, such as `2900` (Shanghai).
    public var cityCode: String { String(value.dropFirst(3).prefix(4)) }

    /// The code itself: a bank branch's public code, safe to show.
    public var description: String { value }

    /// Decodes from a single string, validating it.
    public init(from decoder: any Decoder) throws {
        self = try IdentifierText.decode(from: decoder) { text throws(IdentifierError) in try CNAPSCode(text) }
    }

    /// Encodes ``value`` as a single string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }
}
