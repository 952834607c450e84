import PayHubDomain

// Readers for the values of single MT940/MT942 fields. They work on the field's bytes and throw an
// `MTFieldProblem`; the statement reader adds the line and turns it into a `FormatError`.

/// What is wrong with a field's value; the caller knows the line.
struct MTFieldProblem: Error, Sendable {
    let code: FormatError.Code
    let message: String

    init(_ code: FormatError.Code, _ message: String) {
        self.code = code
        self.message = message
    }
}

/// A calendar date. MT940 writes two-digit years: `00`–`79` are 2000–2079, `80`–`99` are 1980–1999.
struct MTDate: Sendable, Hashable, Comparable {
    let year: Int
    let month: Int
    let day: Int

    /// `2024-01-31`.
    var iso: String {
        guard (0...9999).contains(year) else {
            return MTText.padded(year, 4) + "-" + MTText.padded(month, 2) + "-" + MTText.padded(day, 2)
        }
        let digits: [UInt8] = [
            UInt8(0x30 + year / 1000), UInt8(0x30 + year / 100 % 10), UInt8(0x30 + year / 10 % 10),
            UInt8(0x30 + year % 10), 0x2D, UInt8(0x30 + month / 10 % 10), UInt8(0x30 + month % 10), 0x2D,
            UInt8(0x30 + day / 10 % 10), UInt8(0x30 + day % 10),
        ]
        return MTText.string(digits)
    }

    /// Days since 1970-01-01 (proleptic Gregorian calendar).
    var ordinal: Int {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * ((month + 9) % 12) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func < (lhs: MTDate, rhs: MTDate) -> Bool { lhs.ordinal < rhs.ordinal }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    static func century(_ twoDigitYear: Int) -> Int { twoDigitYear < 80 ? 2000 + twoDigitYear : 1900 + twoDigitYear }
}

/// A date as a field gives it, and whether it had to be corrected (`160230` → 2016-02-29).
struct MTReadDate: Sendable, Hashable {
    let date: MTDate
    /// The text as written when the date does not exist and was moved to the month's last day.
    let lenientFrom: String?
}

/// A balance field (`:60F:`, `:62M:`, `:64:`, `:65:`): `C160229EUR1200,00`.
struct MTBalance: Sendable, Hashable {
    /// Signed: a `D` balance is negative.
    let amount: ExactDecimal
    let date: MTReadDate
    /// Nil when the bank left the currency out (`C020315105000,00`, seen in HBCI exports).
    let currency: String?
}

/// An entry date as `:61:` writes it: month and day, no year.
struct MTMonthDay: Sendable, Hashable {
    let month: Int
    let day: Int
    let text: String
}

/// `:61:` as written, before the year of the entry date is known.
struct MTStatementLine: Sendable, Hashable {
    let valueDate: MTReadDate
    /// Month and day of the entry (booking) date, when given.
    let entryMonthDay: MTMonthDay?
    let reversal: Bool
    /// Signed: debits and reversed credits (`RC`) are negative.
    let amount: ExactDecimal
    let fundsCode: String?
    /// `NTRF`, `S051`, `FMSC`…
    let transactionType: String?
    let customerReference: String?
    let bankReference: String?
    /// Subfield 9, normally on the line after the amount line (34 characters).
    let supplementaryDetails: String?
    /// Mark as written: `C`, `D`, `RC` or `RD`.
    let mark: String

    /// The booking date: the entry date's month and day in the year that puts it closest to the value
    /// date, so an entry booked in January for a December value date falls in the next year and one
    /// booked in December for a January value date in the previous one.
    func entryDate() -> MTReadDate? {
        guard let entryMonthDay else { return nil }
        let valueYear = valueDate.date.year
        var best: MTReadDate?
        var bestDistance = Int.max
        for year in [valueYear - 1, valueYear, valueYear + 1] {
            let last = MTDate.daysIn(month: entryMonthDay.month, year: year)
            let date = MTDate(year: year, month: entryMonthDay.month, day: min(entryMonthDay.day, last))
            let distance = abs(date.ordinal - valueDate.date.ordinal)
            if distance < bestDistance {
                bestDistance = distance
                best = MTReadDate(date: date, lenientFrom: entryMonthDay.day > last ? entryMonthDay.text : nil)
            }
        }
        return best
    }
}

/// `:34F:` floor limit: `EURD0,00`, `PLN0`.
struct MTFloorLimit: Sendable, Hashable {
    let currency: String
    let mark: String?
    let amount: ExactDecimal
}

/// `:90D:` / `:90C:`: number and sum of the debit or credit entries, `3PLN0,03`.
struct MTEntrySummary: Sendable, Hashable {
    let count: Int
    let currency: String
    let amount: ExactDecimal
}

enum MTText {
    static func padded(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    static func string(_ bytes: ArraySlice<UInt8>) -> String {
        bytes.withUnsafeBufferPointer { String(decoding: $0, as: UTF8.self) }
    }

    static func string(_ bytes: [UInt8]) -> String {
        bytes.withUnsafeBufferPointer { String(decoding: $0, as: UTF8.self) }
    }

    /// The bytes without leading and trailing blanks.
    static func trimmed(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var start = bytes.startIndex
        var end = bytes.endIndex
        while start < end, bytes[start].mtBlank { start += 1 }
        while end > start, bytes[end - 1].mtBlank { end -= 1 }
        return bytes[start..<end]
    }

    /// Trimmed text, nil when nothing is left.
    static func nonEmpty(_ bytes: ArraySlice<UInt8>) -> String? {
        let trimmed = trimmed(bytes)
        return trimmed.isEmpty ? nil : string(trimmed)
    }

    /// Runs of blanks and line breaks as one space, trimmed; nil when nothing is left.
    static func collapsed(_ bytes: some Collection<UInt8>) -> String? {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var pendingSpace = false
        for byte in bytes {
            if byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D {
                pendingSpace = !out.isEmpty
            } else {
                if pendingSpace { out.append(0x20) }
                pendingSpace = false
                out.append(byte)
            }
        }
        return out.isEmpty ? nil : string(out)
    }

    static func collapsed(_ text: String?) -> String? { text.flatMap { collapsed(Array($0.utf8)) } }

    /// A value of at most `maxDigits` ASCII digits, nil for anything else.
    static func integer(_ bytes: ArraySlice<UInt8>, maxDigits: Int = 9) -> Int? {
        guard !bytes.isEmpty, bytes.count <= maxDigits else { return nil }
        var value = 0
        for byte in bytes {
            guard byte.mtDigit else { return nil }
            value = value * 10 + Int(byte - 0x30)
        }
        return value
    }

    /// Shown in messages: printable, at most 40 characters.
    static func quoted(_ bytes: some Collection<UInt8>) -> String {
        let text = String(decoding: bytes, as: UTF8.self)
        let shown = text.unicodeScalars.map { $0.value < 0x20 ? "?" : String($0) }.joined()
        return "\"" + (shown.count > 40 ? String(shown.prefix(40)) + "…" : shown) + "\""
    }

    /// `DE89370400440532013000`-like: a country with IBANs, two check digits, letters and digits, and
    /// the country's IBAN length. The check digits are not verified: statements carry what the bank
    /// says the account is, and test and sample files use made-up IBANs.
    static func hasIBANShape(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count >= 15, bytes.count <= 34, bytes[0].mtUpper, bytes[1].mtUpper, bytes[2].mtDigit,
            bytes[3].mtDigit, bytes.allSatisfy({ $0.mtUpper || $0.mtDigit }),
            let length = ibanLengths[Int(bytes[0] - 0x41) * 26 + Int(bytes[1] - 0x41)]
        else { return false }
        return bytes.count == length
    }

    /// ``IBAN/length(forCountry:)`` for every pair of capitals, looked up once.
    private static let ibanLengths: [Int?] = (0..<(26 * 26)).map { index in
        let letters = [UInt8(0x41 + index / 26), UInt8(0x41 + index % 26)]
        return IBAN.length(forCountry: String(decoding: letters, as: UTF8.self))
    }

    /// A BIC's shape as ``BIC`` checks it (8 or 11 capitals and digits, letters for the country), and
    /// not just digits (a German bank code is eight digits).
    static func isBIC(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 8 || bytes.count == 11, bytes.allSatisfy({ $0.mtUpper || $0.mtDigit }),
            bytes[4].mtUpper, bytes[5].mtUpper
        else { return false }
        return true
    }
}

enum MTFieldReader {
    /// `YYMMDD`. A day past the month's end (`160230`) is read as the month's last day and reported.
    static func date(_ bytes: ArraySlice<UInt8>, what: String) throws(MTFieldProblem) -> MTReadDate {
        guard bytes.count == 6, let year = MTText.integer(bytes.prefix(2)),
            let month = MTText.integer(bytes.dropFirst(2).prefix(2)), let day = MTText.integer(bytes.suffix(2))
        else {
            throw MTFieldProblem(.invalidValue, "\(what) \(MTText.quoted(bytes)) is not a date (YYMMDD)")
        }
        guard (1...12).contains(month), (1...31).contains(day) else {
            throw MTFieldProblem(.invalidValue, "\(what) \(MTText.quoted(bytes)) is not a date (YYMMDD)")
        }
        let fullYear = MTDate.century(year)
        let last = MTDate.daysIn(month: month, year: fullYear)
        return MTReadDate(
            date: MTDate(year: fullYear, month: month, day: min(day, last)),
            lenientFrom: day > last ? MTText.string(bytes) : nil)
    }

    /// MT amounts: digits with a decimal comma, `1234,56`, `1234,`, `0,5`, `500`.
    static func amount(_ bytes: ArraySlice<UInt8>, what: String) throws(MTFieldProblem) -> ExactDecimal {
        var text: [UInt8] = []
        text.reserveCapacity(bytes.count + 1)
        var commas = 0
        var digits = 0
        for byte in bytes {
            if byte == UInt8(ascii: ",") {
                commas += 1
                if text.isEmpty { text.append(UInt8(ascii: "0")) }
                text.append(UInt8(ascii: "."))
            } else if byte.mtDigit {
                digits += 1
                text.append(byte)
            } else {
                throw MTFieldProblem(
                    .invalidValue, "\(what) \(MTText.quoted(bytes)) is not an amount (digits with a decimal comma)")
            }
        }
        guard digits > 0, commas <= 1 else {
            throw MTFieldProblem(
                .invalidValue, "\(what) \(MTText.quoted(bytes)) is not an amount (digits with a decimal comma)")
        }
        // MT amounts have at most 15 characters; leading zeros (some banks pad to 18) do not count.
        let significant = text.drop { $0 == UInt8(ascii: "0") }.filter { $0 != UInt8(ascii: ".") }.count
        guard significant <= 15 else {
            throw MTFieldProblem(
                .invalidValue, "\(what) \(MTText.quoted(bytes)) has more than the 15 digits of an MT amount")
        }
        if text.last == UInt8(ascii: ".") { text.removeLast() }
        guard let value = ExactDecimal(MTText.string(text)) else {
            throw MTFieldProblem(.invalidValue, "\(what) \(MTText.quoted(bytes)) has too many digits")
        }
        return value
    }

    /// The run of digits and commas starting at `index`.
    private static func amountEnd(_ bytes: ArraySlice<UInt8>, from index: Int) -> Int {
        var end = index
        while end < bytes.endIndex, bytes[end].mtDigit || bytes[end] == UInt8(ascii: ",") { end += 1 }
        return end
    }

    /// `C160229EUR1200,00`: mark, date, currency, amount.
    static func balance(_ raw: ArraySlice<UInt8>, field: String) throws(MTFieldProblem) -> MTBalance {
        let bytes = MTText.trimmed(raw)
        guard let mark = bytes.first, mark == UInt8(ascii: "C") || mark == UInt8(ascii: "D") else {
            throw MTFieldProblem(
                .invalidValue, "\(field) \(MTText.quoted(bytes)) must start with C (credit) or D (debit)")
        }
        let dateStart = bytes.startIndex + 1
        guard bytes.count >= 7 else {
            throw MTFieldProblem(.missingField, "\(field) \(MTText.quoted(bytes)) has no date (YYMMDD)")
        }
        let date = try date(bytes[dateStart..<(dateStart + 6)], what: "\(field) date")
        var index = dateStart + 6
        var currency: String?
        if index + 3 <= bytes.endIndex, bytes[index..<(index + 3)].allSatisfy(\.mtUpper) {
            currency = MTText.string(bytes[index..<(index + 3)])
            index += 3
        }
        guard index < bytes.endIndex else {
            throw MTFieldProblem(.missingField, "\(field) \(MTText.quoted(bytes)) has no amount")
        }
        var amount = try amount(bytes[index...], what: "\(field) amount")
        if mark == UInt8(ascii: "D") { amount = amount.negated() }
        return MTBalance(amount: amount, date: date, currency: currency)
    }

    /// `:61:` — `1602300301DR6,00N024NONREF//BANKREF` and the supplementary details on the next line.
    ///
    /// Layout: value date `YYMMDD`, optional entry date `MMDD`, `C`/`D`/`RC`/`RD`, optional funds code
    /// (the currency's third letter), amount, type (`N`/`F`/`S` and three characters; any letter is
    /// accepted), customer reference up to `//`, bank reference. Some Sparkassen break the line after
    /// the mark; then the amount is on the next line.
    static func statementLine(_ lines: [ArraySlice<UInt8>]) throws(MTFieldProblem) -> MTStatementLine {
        guard let first = lines.first else { throw MTFieldProblem(.missingField, ":61: is empty") }
        var rest = lines.dropFirst()
        // Indices from 0, so that a continuation can be appended without moving them.
        var main = ArraySlice(Array(MTText.trimmed(first)))
        var index = main.startIndex
        guard main.count >= 6 else {
            throw MTFieldProblem(.missingField, ":61: \(MTText.quoted(main)) has no value date (YYMMDD)")
        }
        let valueDate = try date(main[index..<(index + 6)], what: ":61: value date")
        index += 6
        var entry: MTMonthDay?
        if index + 4 <= main.endIndex, main[index..<(index + 4)].allSatisfy(\.mtDigit) {
            let text = main[index..<(index + 4)]
            guard let month = MTText.integer(text.prefix(2)), let day = MTText.integer(text.suffix(2)),
                (1...12).contains(month), (1...31).contains(day)
            else {
                throw MTFieldProblem(.invalidValue, ":61: entry date \(MTText.quoted(text)) is not a date (MMDD)")
            }
            entry = MTMonthDay(month: month, day: day, text: MTText.string(text))
            index += 4
        }
        var reversal = false
        var mark = ""
        if index + 1 < main.endIndex, main[index] == UInt8(ascii: "R"),
            main[index + 1] == UInt8(ascii: "C") || main[index + 1] == UInt8(ascii: "D")
        {
            reversal = true
            mark = MTText.string(main[index...(index + 1)])
            index += 2
        } else if index < main.endIndex, main[index] == UInt8(ascii: "C") || main[index] == UInt8(ascii: "D") {
            mark = MTText.string(main[index...index])
            index += 1
        } else {
            throw MTFieldProblem(
                .invalidValue,
                ":61: \(MTText.quoted(main[index...])) must continue with C, D, RC or RD (credit, debit, reversal)")
        }
        var fundsCode: String?
        if index < main.endIndex, main[index].mtUpper {
            fundsCode = MTText.string(main[index...index])
            index += 1
        }
        if index == main.endIndex, let next = rest.first {
            // The Sparkasse break after the mark: the amount goes on on the next line.
            main = ArraySlice(Array(main[main.startIndex..<index]) + Array(MTText.trimmed(next)))
            rest = rest.dropFirst()
        }
        let amountEnd = amountEnd(main, from: index)
        guard amountEnd > index else {
            throw MTFieldProblem(.missingField, ":61: has no amount after the \(mark) mark")
        }
        var amount = try amount(main[index..<amountEnd], what: ":61: amount")
        if mark == "D" || mark == "RC" { amount = amount.negated() }
        index = amountEnd
        var transactionType: String?
        if index < main.endIndex {
            guard main[index].mtLetter, index + 4 <= main.endIndex,
                main[(index + 1)..<(index + 4)].allSatisfy({ $0.mtAlnum || $0 == 0x20 })
            else {
                throw MTFieldProblem(
                    .invalidValue,
                    ":61: transaction type \(MTText.quoted(main[index...].prefix(4))) is not N, F or S and three characters"
                )
            }
            transactionType = MTText.nonEmpty(main[index..<(index + 4)])
            index += 4
        }
        // Customer reference `//` bank reference; what follows a run of blanks is supplementary detail
        // on the same line (old Rabobank: `N0440121470966      W.P. Jansen`).
        var references = main[index...]
        var extra: ArraySlice<UInt8> = []
        var customerPart = references
        var bankPart: ArraySlice<UInt8>?
        if let slash = firstDoubleSlash(references) {
            customerPart = references[references.startIndex..<slash]
            bankPart = references[(slash + 2)...]
            references = bankPart ?? []
            if let split = blankRun(references) {
                extra = references[split.upperBound...]
                bankPart = references[references.startIndex..<split.lowerBound]
            }
        } else if let split = blankRun(customerPart) {
            extra = customerPart[split.upperBound...]
            customerPart = customerPart[customerPart.startIndex..<split.lowerBound]
        }
        var supplementary: [UInt8] = Array(MTText.trimmed(extra))
        let following = rest.reduce(into: [UInt8]()) { $0 += $1 }
        let followingTrimmed = MTText.trimmed(following[...])
        if !followingTrimmed.isEmpty {
            if !supplementary.isEmpty { supplementary.append(0x20) }
            supplementary += followingTrimmed
        }
        return MTStatementLine(
            valueDate: valueDate, entryMonthDay: entry, reversal: reversal, amount: amount, fundsCode: fundsCode,
            transactionType: transactionType, customerReference: MTText.nonEmpty(customerPart),
            bankReference: bankPart.flatMap { MTText.nonEmpty($0) },
            supplementaryDetails: supplementary.isEmpty ? nil : MTText.string(supplementary), mark: mark)
    }

    private static func firstDoubleSlash(_ bytes: ArraySlice<UInt8>) -> Int? {
        var index = bytes.startIndex
        while index + 1 < bytes.endIndex {
            if bytes[index] == UInt8(ascii: "/"), bytes[index + 1] == UInt8(ascii: "/") { return index }
            index += 1
        }
        return nil
    }

    /// A run of two or more blanks with text after it, in a reference longer than the 16 characters
    /// MT940 allows.
    private static func blankRun(_ bytes: ArraySlice<UInt8>) -> Range<Int>? {
        let trimmed = MTText.trimmed(bytes)
        guard trimmed.count > 16 else { return nil }
        var index = trimmed.startIndex
        while index + 1 < trimmed.endIndex {
            if trimmed[index].mtBlank, trimmed[index + 1].mtBlank {
                var end = index
                while end < trimmed.endIndex, trimmed[end].mtBlank { end += 1 }
                return index..<end
            }
            index += 1
        }
        return nil
    }

    /// `:13D:1701191815+0100` → `2017-01-19T18:15:00+01:00`; `:13:1701191815` (old MT942) has no offset.
    static func dateTime(_ raw: ArraySlice<UInt8>, field: String) throws(MTFieldProblem) -> String {
        let bytes = MTText.trimmed(raw)
        let problem = MTFieldProblem(
            .invalidValue, "\(field) \(MTText.quoted(bytes)) is not a date and time (YYMMDDhhmm±hhmm)")
        guard bytes.count == 10 || bytes.count == 15 else { throw problem }
        let start = bytes.startIndex
        let date: MTReadDate
        do { date = try self.date(bytes[start..<(start + 6)], what: "\(field) date") } catch { throw problem }
        guard date.lenientFrom == nil, let hour = MTText.integer(bytes[(start + 6)..<(start + 8)]),
            let minute = MTText.integer(bytes[(start + 8)..<(start + 10)]), hour < 24, minute < 60
        else { throw problem }
        var text = date.date.iso + "T" + MTText.padded(hour, 2) + ":" + MTText.padded(minute, 2) + ":00"
        if bytes.count == 15 {
            let sign = bytes[start + 10]
            guard sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-"),
                let offsetHours = MTText.integer(bytes[(start + 11)..<(start + 13)]),
                let offsetMinutes = MTText.integer(bytes[(start + 13)..<(start + 15)]), offsetHours <= 14,
                offsetMinutes < 60
            else { throw problem }
            text +=
                (sign == UInt8(ascii: "+") ? "+" : "-") + MTText.padded(offsetHours, 2) + ":"
                + MTText.padded(offsetMinutes, 2)
        }
        return text
    }

    /// `:34F:EURD0,00` — currency, optional `D`/`C`, amount.
    static func floorLimit(_ raw: ArraySlice<UInt8>) throws(MTFieldProblem) -> MTFloorLimit {
        let bytes = MTText.trimmed(raw)
        guard bytes.count >= 4, bytes.prefix(3).allSatisfy(\.mtUpper) else {
            throw MTFieldProblem(.invalidValue, ":34F: \(MTText.quoted(bytes)) must start with a currency code")
        }
        var index = bytes.startIndex + 3
        var mark: String?
        if bytes[index] == UInt8(ascii: "D") || bytes[index] == UInt8(ascii: "C") {
            mark = MTText.string(bytes[index...index])
            index += 1
        }
        guard index < bytes.endIndex else { throw MTFieldProblem(.missingField, ":34F: has no amount") }
        return MTFloorLimit(
            currency: MTText.string(bytes.prefix(3)), mark: mark,
            amount: try amount(bytes[index...], what: ":34F: amount"))
    }

    /// `:90D:1EUR2,30` — number of entries, currency, sum.
    static func entrySummary(_ raw: ArraySlice<UInt8>, field: String) throws(MTFieldProblem) -> MTEntrySummary {
        let bytes = MTText.trimmed(raw)
        var index = bytes.startIndex
        while index < bytes.endIndex, bytes[index].mtDigit { index += 1 }
        guard let count = MTText.integer(bytes[bytes.startIndex..<index], maxDigits: 9), index + 3 < bytes.endIndex,
            bytes[index..<(index + 3)].allSatisfy(\.mtUpper)
        else {
            throw MTFieldProblem(
                .invalidValue, "\(field) \(MTText.quoted(bytes)) is not a count, a currency and an amount")
        }
        return MTEntrySummary(
            count: count, currency: MTText.string(bytes[index..<(index + 3)]),
            amount: try amount(bytes[(index + 3)...], what: "\(field) amount"))
    }

    /// `:25:` — an IBAN when it has an IBAN's shape, else the account number as given (`BLZ/account`
    /// included). A trailing currency (`NL77INGB0574908765EUR`, `NL34RABO0142623393 EUR`,
    /// `…/HUF`) is dropped. `BIC/IBAN` gives both.
    static func account(_ raw: ArraySlice<UInt8>) throws(MTFieldProblem) -> StatementAccount {
        let bytes = MTText.trimmed(raw)
        guard !bytes.isEmpty else { throw MTFieldProblem(.missingField, ":25: is empty") }
        guard bytes.count <= 35 else {
            throw MTFieldProblem(
                .invalidValue,
                ":25: \(MTText.quoted(bytes)) is longer than the 35 characters of an account identification")
        }
        var text = MTText.string(bytes)
        if !MTText.hasIBANShape(text), bytes.count > 3 {
            let code = bytes.suffix(3)
            let before = bytes.dropLast(3).last ?? 0
            if code.allSatisfy(\.mtUpper), !before.mtUpper, (try? Currency(code: MTText.string(code))) != nil {
                var kept = bytes.dropLast(3)
                while let last = kept.last, last.mtBlank || last == UInt8(ascii: "/") { kept = kept.dropLast() }
                if !kept.isEmpty { text = MTText.string(kept) }
            }
        }
        if MTText.hasIBANShape(text) { return StatementAccount(iban: text) }
        if let slash = text.firstIndex(of: "/") {
            let left = String(text[text.startIndex..<slash])
            let right = String(text[text.index(after: slash)...])
            if MTText.hasIBANShape(right) {
                return StatementAccount(iban: right, bic: MTText.isBIC(left) ? left : nil)
            }
        }
        return StatementAccount(number: text)
    }
}
