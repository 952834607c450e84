import Foundation

/// ISO 11649 structured creditor references: `RF`, two check digits, and up to 21 letters or digits.
///
/// The check is ISO 7064 MOD 97-10, as for IBANs: move `RF` and the check digits to the end, turn letters
/// into numbers (A = 10 … Z = 35), and the remainder modulo 97 must be 1.
public enum CreditorReference {
    /// The electronic form of a reference (spaces removed, upper case) when it is a valid ISO 11649
    /// reference, otherwise nil. `"RF18 5390 0754 7034"` → `"RF18539007547034"`.
    public static func validated(_ text: String) -> String? {
        var scalars: [UInt8] = []
        scalars.reserveCapacity(25)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: " "): continue
            case UInt8(ascii: "a")...UInt8(ascii: "z"): scalars.append(byte - 32)
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): scalars.append(byte)
            default: return nil
            }
            if scalars.count > 25 { return nil }
        }
        guard scalars.count >= 5, scalars[0] == UInt8(ascii: "R"), scalars[1] == UInt8(ascii: "F"),
            isDigit(scalars[2]), isDigit(scalars[3])
        else { return nil }
        // Rearranged: reference body, then "RF", then the check digits; folded digit by digit mod 97.
        var remainder = 0
        for byte in scalars[4...] + scalars[0..<4] {
            if isDigit(byte) {
                remainder = (remainder * 10 + Int(byte - UInt8(ascii: "0"))) % 97
            } else {
                remainder = (remainder * 100 + Int(byte - UInt8(ascii: "A")) + 10) % 97
            }
        }
        guard remainder == 1 else { return nil }
        return String(decoding: scalars, as: UTF8.self)
    }

    /// The reference for `body` (1 to 21 letters or digits) with its check digits: `"539007547034"` →
    /// `"RF18539007547034"`. Nil when the body is empty, too long or not alphanumeric.
    public static func withCheckDigits(body: String) -> String? {
        let upper = body.uppercased()
        guard (1...21).contains(upper.utf8.count),
            upper.utf8.allSatisfy({ isDigit($0) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) })
        else { return nil }
        var remainder = 0
        for byte in (upper + "RF00").utf8 {
            remainder =
                isDigit(byte)
                ? (remainder * 10 + Int(byte - UInt8(ascii: "0"))) % 97
                : (remainder * 100 + Int(byte - UInt8(ascii: "A")) + 10) % 97
        }
        let check = 98 - remainder
        return "RF" + (check < 10 ? "0" : "") + String(check) + upper
    }

    /// Every valid reference written in free text, in the electronic form, in order of appearance.
    ///
    /// A reference is written either whole (`RF18539007547034`) or in groups of four with a shorter last
    /// group (`RF18 5390 0754 7034`, `RF06 4512 598`). From a word of exactly `RF` and two digits, the
    /// following groups of at most four characters are joined, stopping after a short group, and the longest
    /// valid join wins. Joining only groups matters: one in 97 random texts passes the check, so
    /// `RF06 4512 598 thank you` must not become `RF064512598THANKYOU`. Cost: O(words × 7).
    public static func references(in text: String) -> [String] {
        let words = alphanumericWords(text)
        var found: [String] = []
        var index = 0
        while index < words.count {
            guard words[index].hasPrefix("RF") else {
                index += 1
                continue
            }
            var best: (reference: String, end: Int)?
            if words[index].utf8.count > 4 {
                if let valid = validated(words[index]) { best = (valid, index) }
            } else {
                var joined = words[index]
                var end = index + 1
                while end < words.count, words[end].utf8.count <= 4, joined.utf8.count + words[end].utf8.count <= 25 {
                    joined += words[end]
                    if let valid = validated(joined) { best = (valid, end) }
                    if words[end].utf8.count < 4 { break }
                    end += 1
                }
            }
            if let best {
                found.append(best.reference)
                index = best.end + 1
            } else {
                index += 1
            }
        }
        return found
    }
}

/// Swiss QR references (formerly ESR/BVR): 27 digits, the last a check digit by the recursive modulo 10
/// algorithm (the "Modulo 10 rekursiv" table of the Swiss Payment Standards).
public enum SwissQRReference {
    private static let table = [0, 9, 4, 6, 8, 2, 7, 1, 3, 5]

    /// The check digit of a string of digits by the recursive modulo 10 algorithm, nil if it has a
    /// non-digit.
    public static func checkDigit(of digits: some StringProtocol) -> Int? {
        var carry = 0
        for byte in digits.utf8 {
            guard isDigit(byte) else { return nil }
            carry = table[(carry + Int(byte - UInt8(ascii: "0"))) % 10]
        }
        return (10 - carry) % 10
    }

    /// The 27-digit reference for 26 digits, with the check digit appended; nil for anything else.
    public static func withCheckDigit(_ digits: String) -> String? {
        guard digits.utf8.count == 26, let check = checkDigit(of: digits) else { return nil }
        return digits + String(check)
    }

    /// The 27 digits (spaces removed) when `text` is a valid QR reference, otherwise nil.
    public static func validated(_ text: String) -> String? {
        let digits = String(text.filter { $0 != " " })
        guard digits.utf8.count == 27, digits.utf8.allSatisfy(isDigit) else { return nil }
        guard let check = checkDigit(of: digits.prefix(26)),
            Int(digits.utf8.last! - UInt8(ascii: "0")) == check
        else { return nil }
        return digits
    }

    /// Every valid QR reference in free text, written whole or in groups (`21 00000 00003 13947 14300 09017`).
    /// Cost: O(words × 7).
    public static func references(in text: String) -> [String] {
        let words = alphanumericWords(text)
        var found: [String] = []
        var index = 0
        while index < words.count {
            var joined = ""
            var end = index
            var match: Int?
            while end < words.count, words[end].utf8.allSatisfy(isDigit),
                joined.utf8.count + words[end].utf8.count <= 27
            {
                joined += words[end]
                end += 1
                if joined.utf8.count == 27 {
                    if validated(joined) != nil { match = end }
                    break
                }
            }
            if let match {
                found.append(joined)
                index = match
            } else {
                index += 1
            }
        }
        return found
    }
}

/// The words of a free text, upper-cased, keeping letters and digits only; every other character separates.
func alphanumericWords(_ text: String) -> [String] {
    var words: [String] = []
    var current: [UInt8] = []
    func flush() {
        if !current.isEmpty { words.append(String(decoding: current, as: UTF8.self)) }
        current.removeAll(keepingCapacity: true)
    }
    for byte in text.utf8 {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"): current.append(byte - 32)
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): current.append(byte)
        default: flush()
        }
    }
    flush()
    return words
}

private func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }
