import Foundation

/// ISO 7064 MOD 97-10, the check shared by IBAN (ISO 13616) and LEI (ISO 17442).
enum ISO7064 {
    /// The remainder mod 97 of the number `characters` stand for, each digit as itself and each capital
    /// letter as two digits (A = 10 … Z = 35). nil if any character is neither.
    ///
    /// Reduced after every character, so identifiers of any length fit in an `Int`: no big integers.
    static func mod97(_ characters: some Sequence<Character>) -> Int? {
        var remainder = 0
        for character in characters {
            guard let value = IdentifierText.alphanumericValue(of: character) else { return nil }
            remainder = (remainder * (value < 10 ? 10 : 100) + value) % 97
        }
        return remainder
    }

    /// The two check digits that make `body` followed by them have remainder 1 mod 97: `98 - (body·100 mod 97)`,
    /// always in 02…98. nil if `body` has a character that is not a capital letter or digit.
    static func checkDigits(for body: some Sequence<Character>) -> String? {
        guard let remainder = mod97(Array(body) + ["0", "0"]) else { return nil }
        let digits = 98 - remainder
        return digits < 10 ? "0\(digits)" : String(digits)
    }

    /// Whether `digits`, read as two check digits, could ever have come out of ``checkDigits(for:)``.
    /// 00, 01 and 99 never do, yet pass the mod-97 test when 97, 98 or 02 would, so they are refused.
    static func isInCheckDigitRange(_ digits: some Sequence<Character>) -> Bool {
        guard let number = Int(String(Array(digits))) else { return false }
        return (2...98).contains(number)
    }
}

/// Character handling shared by the identifier types. ASCII only, on purpose: `"ß".uppercased()` is
/// `"SS"` and full-width digits are `isNumber`, neither of which may turn into a valid identifier.
enum IdentifierText {
    /// Trims surrounding whitespace, optionally removes inner spaces (the printed form of IBANs and
    /// BICs), and uppercases ASCII letters, leaving every other character in place to be rejected.
    static func normalize(_ text: String, removingSpaces: Bool) -> [Character] {
        if text.utf8.allSatisfy({ $0 < 0x80 }) {
            // ASCII, the usual case, byte by byte: this runs for every payment a file is written for.
            let isWhitespace = { (byte: UInt8) in byte == 0x20 || (0x09...0x0D).contains(byte) }
            let bytes = text.utf8.drop(while: isWhitespace).reversed().drop(while: isWhitespace).reversed()
            return bytes.compactMap { byte -> Character? in
                if removingSpaces && byte == 0x20 { return nil }
                let upper = (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) ? byte - 32 : byte
                return Character(Unicode.Scalar(upper))
            }
        }
        let trimmed = text.trimmed(.whitespacesAndNewlines)
        return trimmed.compactMap { character -> Character? in
            if removingSpaces && character == " " { return nil }
            if let ascii = character.asciiValue, ascii >= UInt8(ascii: "a"), ascii <= UInt8(ascii: "z") {
                return Character(Unicode.Scalar(ascii - 32))
            }
            return character
        }
    }

    static func isDigit(_ character: Character) -> Bool {
        guard let ascii = character.asciiValue else { return false }
        return ascii >= UInt8(ascii: "0") && ascii <= UInt8(ascii: "9")
    }

    /// A capital ASCII letter (input is uppercased by ``normalize(_:removingSpaces:)`` first).
    static func isLetter(_ character: Character) -> Bool {
        guard let ascii = character.asciiValue else { return false }
        return ascii >= UInt8(ascii: "A") && ascii <= UInt8(ascii: "Z")
    }

    /// 0–9 for digits, 10–35 for capital letters, nil otherwise.
    static func alphanumericValue(of character: Character) -> Int? {
        guard let ascii = character.asciiValue else { return nil }
        switch ascii {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return Int(ascii - UInt8(ascii: "0"))
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return Int(ascii - UInt8(ascii: "A")) + 10
        default: return nil
        }
    }

    /// The first position (1-based) in `range` of `characters` whose character is not in `allowed`.
    static func firstPosition(
        in characters: [Character], _ range: Range<Int>, notIn allowed: IdentifierError.CharacterClass
    ) -> Int? {
        range.first { !allowed.contains(characters[$0]) }.map { $0 + 1 }
    }

    /// Throws ``IdentifierError/Code/invalidCharacter`` for the first character in `range` outside `allowed`.
    static func require(
        _ allowed: IdentifierError.CharacterClass, in characters: [Character], _ range: Range<Int>,
        kind: IdentifierError.Kind, countryCode: String? = nil
    ) throws(IdentifierError) {
        let range = range.clamped(to: 0..<characters.count)
        if let position = firstPosition(in: characters, range, notIn: allowed) {
            throw IdentifierError(
                kind: kind, code: .invalidCharacter, position: position, countryCode: countryCode,
                expectedCharacter: allowed)
        }
    }

    /// Decodes an identifier from a single string, failing the decode with the identifier's own message
    /// (which never contains the value) when it does not validate.
    static func decode<Identifier>(
        from decoder: any Decoder, _ parse: (String) throws(IdentifierError) -> Identifier
    ) throws -> Identifier {
        let text = try decoder.singleValueContainer().decode(String.self)
        do {
            return try parse(text)
        } catch {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(
                    codingPath: decoder.codingPath, debugDescription: error.description, underlyingError: error))
        }
    }
}
