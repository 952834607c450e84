import Foundation

/// A supplier that one legal entity pays. Its bank accounts are ``BankAccount`` values held by the vendor.
public struct Vendor: Identified, Hashable, Sendable {
    public static let idPrefix = "ven"

    public let id: ID<Vendor>
    public var entityID: ID<LegalEntity>
    public var name: String
    public var countryCode: String
    /// The vendor's tax registration: for Chinese vendors the Unified Social Credit Code, validated.
    public var taxID: TaxID?
    /// Where the vendor master came from, so a sync can update it: the ERP and its vendor number.
    public var source: SourceReference?
    public var createdAt: Date

    public init(
        id: ID<Vendor>, entityID: ID<LegalEntity>, name: String, countryCode: String, taxID: TaxID? = nil,
        source: SourceReference? = nil, createdAt: Date
    ) throws(ValidationFailure) {
        var problems = FieldErrorCollector()
        let trimmedName = name.trimmed(.whitespacesAndNewlines)
        if trimmedName.isEmpty || trimmedName.count > 140 {
            problems.add("name", code: "invalid_name", "name must have 1 to 140 characters")
        }
        if !CountryCode.isValid(countryCode) {
            problems.add("country", code: "invalid_country", "country must be an ISO 3166-1 alpha-2 code such as CN")
        }
        try problems.throwIfAny()
        self.id = id
        self.entityID = entityID
        self.name = trimmedName
        self.countryCode = countryCode
        self.taxID = taxID
        self.source = source
        self.createdAt = createdAt
    }
}

/// A tax registration number. Chinese ones have a check character and are validated; others are kept as given.
public enum TaxID: Hashable, Sendable {
    case unifiedSocialCreditCode(UnifiedSocialCreditCode)
    case other(String)

    /// Reads a tax id for a vendor of `countryCode`: for CN it must be a valid Unified Social Credit Code.
    public init(_ text: String, countryCode: String) throws(FieldError) {
        if countryCode == "CN" {
            do {
                self = .unifiedSocialCreditCode(try UnifiedSocialCreditCode(text))
            } catch {
                throw FieldError(path: "tax_id", code: error.code.rawValue, message: error.description)
            }
        } else {
            let trimmed = text.trimmed(.whitespaces)
            guard (1...35).contains(trimmed.count) else {
                throw FieldError(path: "tax_id", code: "invalid_tax_id", message: "tax id must have 1 to 35 characters")
            }
            self = .other(trimmed)
        }
    }

    public var value: String {
        switch self {
        case .unifiedSocialCreditCode(let code): code.value
        case .other(let text): text
        }
    }
}

/// Which ERP a record came from and its id there; (system, external id) is unique per kind of record.
public struct SourceReference: Hashable, Sendable, Codable {
    /// The ERP source name configured in PayHub, such as `sap-de` or `kingdee`.
    public var system: String
    public var externalID: String

    public init(system: String, externalID: String) throws(FieldError) {
        let system = system.trimmed(.whitespaces)
        let externalID = externalID.trimmed(.whitespaces)
        guard (1...64).contains(system.count) else {
            throw FieldError(path: "source", code: "invalid_source", message: "source must have 1 to 64 characters")
        }
        guard (1...128).contains(externalID.count) else {
            throw FieldError(
                path: "external_id", code: "invalid_external_id", message: "external id must have 1 to 128 characters")
        }
        self.system = system
        self.externalID = externalID
    }
}
