/// A Business Identifier Code (ISO 9362, the "SWIFT code"): 8 or 11 characters naming a bank and
/// optionally one of its branches.
///
/// Layout: 4-character institution code, 2-letter country code, 2-character location code, and an
/// optional 3-character branch code (`XXX` is the head office). ISO 9362:2014 allows digits in the
/// institution code, so it is checked as letters or digits. ``value`` keeps the form given (8 or 11),
/// in capitals without spaces; ``bic11`` gives the 11-character form for comparisons and messages that
/// need it.
public struct BIC: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The BIC in capitals without spaces, 8 or 11 characters.
    public let value: String

    /// Validates `text` as a BIC, ignoring surrounding whitespace, inner spaces and letter case.
    public init(_ text: String) throws(IdentifierError) {
        let characters = IdentifierText.normalize(text, removingSpaces: true)
        guard !characters.isEmpty else { throw IdentifierError(kind: .bic, code: .empty) }
        try IdentifierText.require(.letterOrDigit, in: characters, 0..<characters.count, kind: .bic)
        guard characters.count == 8 || characters.count == 11 else {
            throw IdentifierError(kind: .bic, code: .invalidLength, actualLength: characters.count)
        }
        try IdentifierText.require(.letter, in: characters, 4..<6, kind: .bic)
        value = String(characters)
    }

    /// The 4-character institution (bank) code, such as `DEUT`.
    public var institutionCode: String { String(value.prefix(4)) }

    /// The ISO 3166-1 alpha-2 country code, such as `DE`.
    public var countryCode: String { String(value.dropFirst(4).prefix(2)) }

    /// The 2-character location code, such as `FF` (Frankfurt). A `0` second character marks a test BIC.
    public var locationCode: String { String(value.dropFirst(6).prefix(2)) }

    /// The 3-character branch code, such as `500`, or nil for an 8-character BIC (which means the head
    /// office, like `XXX`).
    public var branchCode: String? { value.count == 11 ? String(value.suffix(3)) : nil }

    /// The 11-character form: an 8-character BIC padded with `XXX`, the head-office branch code.
    public var bic11: String { value.count == 11 ? value : value + "XXX" }

    /// The BIC itself: a bank's public code, safe to show.
    public var description: String { value }

    /// Decodes from a single string, validating it.
    public init(from decoder: any Decoder) throws {
        self = try IdentifierText.decode(from: decoder) { text throws(IdentifierError) in try BIC(text) }
    }

    /// Encodes ``value`` as a single string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }
}
