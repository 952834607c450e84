import Foundation

/// A company of the group that pays from its own bank accounts and keeps its books in a base currency.
public struct LegalEntity: Identified, Hashable, Sendable, Codable {
    public static let idPrefix = "ent"

    public let id: ID<LegalEntity>
    public var name: String
    /// ISO 3166-1 alpha-2 country of incorporation.
    public var countryCode: String
    /// The currency the entity's books are kept in; approval thresholds are compared in it.
    public var baseCurrency: Currency
    public var lei: LEI?
    public var createdAt: Date

    public init(
        id: ID<LegalEntity>, name: String, countryCode: String, baseCurrency: Currency, lei: LEI? = nil,
        createdAt: Date
    ) throws(ValidationFailure) {
        var problems = FieldErrorCollector()
        let trimmedName = name.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmedName.isEmpty || trimmedName.count > 140 {
            problems.add("name", code: "invalid_name", "name must have 1 to 140 characters")
        }
        if !CountryCode.isValid(countryCode) {
            problems.add("country", code: "invalid_country", "country must be an ISO 3166-1 alpha-2 code such as DE")
        }
        try problems.throwIfAny()
        self.id = id
        self.name = trimmedName
        self.countryCode = countryCode
        self.baseCurrency = baseCurrency
        self.lei = lei
        self.createdAt = createdAt
    }
}

/// ISO 3166-1 alpha-2 country codes, checked by shape (two capital letters); the IBAN table knows more.
public enum CountryCode {
    public static func isValid(_ code: String) -> Bool {
        code.utf8.count == 2 && code.utf8.allSatisfy { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }
    }
}
