import PayHubDomain

/// A date pattern such as `dd.MM.yyyy`, `yyyyMMdd`, `yyyy/M/d`, `dd-MMM-yyyy` or `yyyy年MM月dd日`, compiled
/// once per profile and matched over UTF-8 bytes: `DateFormatter` would be locale-dependent and far too
/// slow for every row of an import.
///
/// `yyyy` is four digits, `yy` two (read as 20yy: payables are this century's), `MM` and `dd` exactly two,
/// `M` and `d` one or two, `MMM` an English month abbreviation in any case (`NOV`, `Nov`). Every other
/// character must appear as written.
struct DatePattern: Sendable, Hashable {
    enum Token: Sendable, Hashable {
        case year4, year2, month2, month1or2, monthName, day2, day1or2
        case literal([UInt8])
    }

    let pattern: String
    let tokens: [Token]

    init(_ pattern: String) throws(ProfileProblem) {
        var tokens: [Token] = []
        let characters = Array(pattern)
        var index = 0
        var years = 0, months = 0, days = 0
        while index < characters.count {
            let character = characters[index]
            var run = 1
            while index + run < characters.count && characters[index + run] == character { run += 1 }
            switch (character, run) {
            case ("y", 4): tokens.append(.year4); years += 1
            case ("y", 2): tokens.append(.year2); years += 1
            case ("M", 1): tokens.append(.month1or2); months += 1
            case ("M", 2): tokens.append(.month2); months += 1
            case ("M", 3): tokens.append(.monthName); months += 1
            case ("d", 1): tokens.append(.day1or2); days += 1
            case ("d", 2): tokens.append(.day2); days += 1
            case ("y", _), ("M", _), ("d", _):
                throw ProfileProblem(
                    description:
                        "\"\(String(repeating: character, count: run))\" is not a date field (yyyy, yy, MM, M, MMM, dd, d)"
                )
            default:
                if character.isLetter && character.isASCII {
                    throw ProfileProblem(
                        description: "\"\(character)\" is not a date field (yyyy, yy, MM, M, MMM, dd, d)")
                }
                let bytes = Array(String(repeating: character, count: run).utf8)
                if case .literal(let previous)? = tokens.last {
                    tokens[tokens.count - 1] = .literal(previous + bytes)
                } else {
                    tokens.append(.literal(bytes))
                }
            }
            index += run
        }
        guard years == 1, months == 1, days == 1 else {
            throw ProfileProblem(description: "a date pattern needs one year, one month and one day field")
        }
        // `M`/`d` take one or two digits greedily, so one directly followed by another number is ambiguous.
        for (token, next) in zip(tokens, tokens.dropFirst()) {
            let flexible = token == .month1or2 || token == .day1or2
            if flexible, case .literal = next {
            } else if flexible {
                throw ProfileProblem(description: "M and d need a separator after them; use MM or dd")
            }
        }
        self.pattern = pattern
        self.tokens = tokens
    }

    private static let monthNames: [[UInt8]] = [
        "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
    ].map { Array($0.utf8) }

    /// The date, or nil when `text` is not written in this pattern or is no real calendar date.
    func date(from text: String) -> LocalDate? {
        var text = text
        return text.withUTF8 { bytes -> LocalDate? in
            var index = 0
            var year = 0, month = 0, day = 0
            func digits(_ minimum: Int, _ maximum: Int) -> Int? {
                var value = 0, count = 0
                while count < maximum, index < bytes.count, bytes[index] &- 0x30 < 10 {
                    value = value * 10 + Int(bytes[index] &- 0x30)
                    index += 1
                    count += 1
                }
                return count >= minimum ? value : nil
            }
            for token in tokens {
                switch token {
                case .year4: guard let value = digits(4, 4) else { return nil }; year = value
                case .year2: guard let value = digits(2, 2) else { return nil }; year = 2000 + value
                case .month2: guard let value = digits(2, 2) else { return nil }; month = value
                case .month1or2: guard let value = digits(1, 2) else { return nil }; month = value
                case .day2: guard let value = digits(2, 2) else { return nil }; day = value
                case .day1or2: guard let value = digits(1, 2) else { return nil }; day = value
                case .monthName:
                    guard index + 3 <= bytes.count else { return nil }
                    // ASCII upper-casing by clearing bit 5; non-letters then match no name.
                    let name = (0..<3).map { bytes[index + $0] & 0xDF }
                    guard let found = Self.monthNames.firstIndex(of: name) else { return nil }
                    month = found + 1
                    index += 3
                case .literal(let literal):
                    guard index + literal.count <= bytes.count else { return nil }
                    for offset in 0..<literal.count where bytes[index + offset] != literal[offset] { return nil }
                    index += literal.count
                }
            }
            guard index == bytes.count else { return nil }
            return try? LocalDate(year: year, month: month, day: day)
        }
    }
}

/// A mistake in a profile found while compiling it; becomes a FormatError naming the profile key.
struct ProfileProblem: Error, CustomStringConvertible {
    var description: String
}

/// Turns an amount as an ERP writes it into a plain decimal string for `Money(parsing:currency:)`.
///
/// Accepts a leading `+`/`-`, a trailing `-` (SAP's `1.234,56-`), or parentheses (`(1,234.56)`); the
/// profile's decimal separator; and its thousands separator between groups of three digits only, so
/// `1,23,456` or a stray `,` in a decimal-point file is an error instead of a different amount.
struct AmountFormat: Sendable, Hashable {
    var decimalSeparator: UInt8
    /// Nil when the export writes none; a space also matches the no-break spaces French and Swiss
    /// exports use.
    var thousandsSeparator: UInt8?

    /// The decimal string (`-1234.56`), or nil when `text` is not an amount.
    func decimalString(_ text: String) -> String? {
        var text = text
        return text.withUTF8 { bytes -> String? in
            var output: [UInt8] = []
            output.reserveCapacity(bytes.count + 1)
            var start = 0, end = bytes.count
            var negative = false
            if start < end, bytes[start] == UInt8(ascii: "(") && bytes[end - 1] == UInt8(ascii: ")") {
                negative = true
                start += 1
                end -= 1
            }
            if start < end, bytes[start] == UInt8(ascii: "-") || bytes[start] == UInt8(ascii: "+") {
                negative = negative != (bytes[start] == UInt8(ascii: "-"))
                start += 1
            } else if start < end, bytes[end - 1] == UInt8(ascii: "-") {
                negative = true
                end -= 1
            }
            guard start < end else { return nil }
            if negative { output.append(UInt8(ascii: "-")) }
            var index = start
            var integerDigits = 0
            // Digits since the last thousands separator; -1 before the first separator.
            var groupDigits = -1
            var sawDecimal = false
            var fractionDigits = 0
            while index < end {
                let byte = bytes[index]
                if byte &- 0x30 < 10 {
                    output.append(byte)
                    if sawDecimal {
                        fractionDigits += 1
                    } else {
                        integerDigits += 1
                        if groupDigits >= 0 { groupDigits += 1 }
                    }
                    index += 1
                } else if byte == decimalSeparator && !sawDecimal {
                    guard groupDigits == -1 || groupDigits == 3 else { return nil }
                    if integerDigits == 0 { output.append(UInt8(ascii: "0")) }
                    sawDecimal = true
                    output.append(UInt8(ascii: "."))
                    index += 1
                } else if let separatorLength = thousandsSeparatorLength(bytes, at: index), !sawDecimal {
                    guard integerDigits > 0, groupDigits == -1 || groupDigits == 3 else { return nil }
                    if groupDigits == -1 && integerDigits > 3 { return nil }
                    groupDigits = 0
                    index += separatorLength
                } else {
                    return nil
                }
            }
            guard integerDigits + fractionDigits > 0, groupDigits == -1 || groupDigits == 3 || sawDecimal else {
                return nil
            }
            if sawDecimal && fractionDigits == 0 { output.removeLast() }
            return String(decoding: output, as: UTF8.self)
        }
    }

    private func thousandsSeparatorLength(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> Int? {
        guard let thousandsSeparator else { return nil }
        if bytes[index] == thousandsSeparator { return 1 }
        guard thousandsSeparator == UInt8(ascii: " ") else { return nil }
        // U+00A0 no-break space and U+202F narrow no-break space.
        if bytes[index] == 0xC2, index + 1 < bytes.count, bytes[index + 1] == 0xA0 { return 2 }
        if bytes[index] == 0xE2, index + 2 < bytes.count, bytes[index + 1] == 0x80, bytes[index + 2] == 0xAF {
            return 3
        }
        return nil
    }
}

enum TextFunctions {
    /// Surrounding whitespace removed, Unicode's idea of it (the ideographic space U+3000 of Chinese
    /// exports and no-break spaces too). Most values have none, and that case costs two byte checks.
    static func trimmed(_ text: String) -> String {
        guard let first = text.utf8.first, let last = text.utf8.last else { return text }
        if first > 0x20 && first < 0x80 && last > 0x20 && last < 0x80 { return text }
        let scalars = text.unicodeScalars
        guard let start = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let end = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        return String(scalars[start...end])
    }

    /// `Müller, Hans` → last `Müller`, first `Hans`; `Hans Peter Müller` → last `Müller`, first `Hans Peter`;
    /// a name without spaces in CJK script (`张伟`) → last `张` (the surname comes first), first `伟`;
    /// any other single word is the last name.
    static func namePart(_ name: String, _ part: Transform.NamePart) -> String {
        if let comma = name.firstIndex(of: ",") {
            let last = trimmed(String(name[..<comma]))
            let first = trimmed(String(name[name.index(after: comma)...]))
            return part == .last ? last : first
        }
        let words = name.split(whereSeparator: { $0.isWhitespace })
        if words.count > 1 {
            return part == .last ? String(words.last!) : words.dropLast().joined(separator: " ")
        }
        if let firstScalar = name.unicodeScalars.first, isCJK(firstScalar), name.count > 1 {
            let surnameEnd = name.index(after: name.startIndex)
            return part == .last ? String(name[..<surnameEnd]) : String(name[surnameEnd...])
        }
        return part == .last ? name : ""
    }

    private static func isCJK(_ scalar: Unicode.Scalar) -> Bool {
        (0x4E00...0x9FFF).contains(scalar.value) || (0x3400...0x4DBF).contains(scalar.value)
    }

    static func upper(_ text: String) -> String {
        text.utf8.allSatisfy { !(0x61...0x7A).contains($0) && $0 < 0x80 } ? text : text.uppercased()
    }

    static func digitsOnly(_ text: String) -> String {
        String(decoding: text.utf8.filter { $0 &- 0x30 < 10 }, as: UTF8.self)
    }

    static func isCountryCode(_ text: String) -> Bool {
        text.utf8.count == 2 && text.utf8.allSatisfy { (0x41...0x5A).contains($0) }
    }
}
