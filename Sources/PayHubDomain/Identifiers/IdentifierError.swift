/// Why a bank or company identifier was rejected.
///
/// ``description`` says what is wrong and where, in plain English, but never repeats the identifier:
/// IBANs are account numbers, and these messages end up in logs and API responses. The most it shows of
/// the input is an IBAN's two-letter country code.
public struct IdentifierError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Which kind of identifier was being read. Raw values are stable snake_case names for API clients.
    public enum Kind: String, Hashable, Sendable, CaseIterable {
        /// ``IBAN``.
        case iban
        /// ``BIC``.
        case bic
        /// ``ABARoutingNumber``.
        case abaRoutingNumber = "aba_routing_number"
        /// ``CNAPSCode``.
        case cnapsCode = "cnaps_code"
        /// ``UnifiedSocialCreditCode``.
        case unifiedSocialCreditCode = "unified_social_credit_code"
        /// ``LEI``.
        case lei
    }

    /// What is wrong. Raw values are stable snake_case codes that clients may branch on.
    public enum Code: String, Hashable, Sendable, CaseIterable {
        /// Nothing was given (or only whitespace).
        case empty
        /// The identifier is too long or too short; see ``IdentifierError/expectedLength`` and
        /// ``IdentifierError/actualLength``.
        case invalidLength = "invalid_length"
        /// A character is not allowed where it stands; see ``IdentifierError/position``.
        case invalidCharacter = "invalid_character"
        /// The IBAN's country does not issue IBANs (it is not in the SWIFT IBAN registry).
        case unknownCountry = "unknown_country"
        /// The check digits or check character do not match the rest: most likely a typo.
        case checksumMismatch = "checksum_mismatch"
        /// Well-formed characters in an impossible arrangement, such as an unassigned ABA prefix.
        case invalidStructure = "invalid_structure"
    }

    /// The characters that would have been allowed at ``IdentifierError/position``.
    public enum CharacterClass: String, Hashable, Sendable, CaseIterable {
        /// `A`–`Z`.
        case letter
        /// `0`–`9`.
        case digit
        /// `A`–`Z` or `0`–`9`.
        case letterOrDigit = "letter_or_digit"
        /// The 31 characters of a Unified Social Credit Code: digits and `A`–`Y` except I, O, S and V.
        case creditCodeCharacter = "credit_code_character"
    }

    /// The kind of identifier that was rejected.
    public let kind: Kind
    /// What is wrong with it.
    public let code: Code
    /// For ``Code/invalidCharacter``: the 1-based position of the offending character, counted after
    /// surrounding whitespace (and, for IBAN and BIC, inner spaces) are removed.
    public let position: Int?
    /// For ``Code/invalidLength``: the one length that was expected, when there is exactly one.
    public let expectedLength: Int?
    /// For ``Code/invalidLength``: how many characters were given (after normalisation).
    public let actualLength: Int?
    /// For IBAN errors: the two-letter country code the IBAN starts with, once it is known to be two
    /// letters. It is the only part of an input an error ever repeats.
    public let countryCode: String?
    /// For ``Code/invalidCharacter``: what would have been allowed at ``position``.
    public let expectedCharacter: CharacterClass?

    /// Makes an error. Validation code fills in only the fields its ``Code`` documents.
    public init(
        kind: Kind, code: Code, position: Int? = nil, expectedLength: Int? = nil, actualLength: Int? = nil,
        countryCode: String? = nil, expectedCharacter: CharacterClass? = nil
    ) {
        self.kind = kind
        self.code = code
        self.position = position
        self.expectedLength = expectedLength
        self.actualLength = actualLength
        self.countryCode = countryCode
        self.expectedCharacter = expectedCharacter
    }

    /// A message for people: what is wrong, without the identifier itself.
    public var description: String {
        let name = kind.displayName
        switch code {
        case .empty:
            return "\(name) is empty"
        case .invalidLength:
            let subject = countryCode.map { "\(name) for \($0)" } ?? name
            let rule = expectedLength.map(String.init) ?? kind.lengthRule
            return "\(subject) must have \(rule) characters" + (actualLength.map { ", got \($0)" } ?? "")
        case .invalidCharacter:
            let which = position.map { "character \($0)" } ?? "a character"
            return "\(name) \(which) is not \(expectedCharacter?.phrase ?? "allowed")"
        case .unknownCountry:
            let country = countryCode.map { " \($0)" } ?? ""
            return "\(name) country code\(country) is not in the IBAN registry"
        case .checksumMismatch:
            switch kind {
            case .iban, .lei: return "\(name) check digits do not match (mod-97)"
            case .abaRoutingNumber: return "\(name) check digit does not match"
            case .unifiedSocialCreditCode: return "\(name) check character does not match"
            case .bic, .cnapsCode: return "\(name) checksum does not match"
            }
        case .invalidStructure:
            switch kind {
            case .abaRoutingNumber: return "\(name) must start with 00-12, 21-32, 61-72 or 80"
            default: return "\(name) is not structured correctly"
            }
        }
    }
}

extension IdentifierError.Kind {
    /// The name people know the identifier by, for messages.
    var displayName: String {
        switch self {
        case .iban: "IBAN"
        case .bic: "BIC"
        case .abaRoutingNumber: "ABA routing number"
        case .cnapsCode: "CNAPS code"
        case .unifiedSocialCreditCode: "Unified Social Credit Code"
        case .lei: "LEI"
        }
    }

    /// The allowed lengths, for a message when no single length applies.
    var lengthRule: String {
        switch self {
        case .iban: "15 to 34"
        case .bic: "8 or 11"
        case .abaRoutingNumber: "9"
        case .cnapsCode: "12"
        case .unifiedSocialCreditCode: "18"
        case .lei: "20"
        }
    }
}

extension IdentifierError.CharacterClass {
    /// How the class reads after "is not".
    var phrase: String {
        switch self {
        case .letter: "a letter"
        case .digit: "a digit"
        case .letterOrDigit: "a letter or digit"
        case .creditCodeCharacter: "a digit or a letter A-Y other than I, O, S or V"
        }
    }

    /// Whether `character` belongs to the class (ASCII only: full-width digits and the like are rejected).
    func contains(_ character: Character) -> Bool {
        switch self {
        case .letter: IdentifierText.isLetter(character)
        case .digit: IdentifierText.isDigit(character)
        case .letterOrDigit: IdentifierText.isLetter(character) || IdentifierText.isDigit(character)
        case .creditCodeCharacter: UnifiedSocialCreditCode.value(of: character) != nil
        }
    }
}
