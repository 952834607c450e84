import Foundation
import PayHubDomain

/// Reads a CSV statement export with a ``CSVStatementMapping``: one statement, one entry per data row.
///
/// - Rows before the header are the preamble: `卡号: …`, `账号：…`, `户名：…`, `币种：…` give the account
///   number, name and currency; a period (`2024年01月`, `2024-01-01 至 2024-01-31`) gives the year of dates
///   written without one.
/// - Blank rows, repeated headers, total rows (`合计`…) and note rows (no date, no amount) are skipped.
/// - Cells are trimmed (exports pad them with blanks and tabs); `-`, `--`, `/` mean "nothing".
/// - Amounts: thousands separators, `+`/`-`, `(…)` negatives, a currency written with them (`CNY 12.34`,
///   `¥12.34`); exact decimals throughout.
/// - CSV exports carry no opening or closing balance (`format-json.md`): both stay nil, even where a
///   running-balance column exists.
public enum CSVStatementReader {
    public static func read(_ data: Data, mapping: CSVStatementMapping) throws(FormatError) -> StatementDocument {
        let text = try CSVTextDecoding.decode(data, as: mapping.encoding)
        let separators: [Unicode.Scalar] = mapping.separator.map { [$0] } ?? [",", "\t", ";"]
        for separator in separators {
            let rows = try CSVTokenizer.rows(text, separator: separator)
            if let match = CSVHeaderMatch.find(mapping, in: rows) {
                return try document(rows: rows, match: match, mapping: mapping)
            }
        }
        let wanted = mapping.requiredColumns.map(\.label).joined(separator: ", ")
        throw FormatError(.missingField, "no header row with the columns \(wanted)")
    }

    // MARK: - Rows into a statement

    static func document(
        rows: [CSVTokenizer.Row], match: CSVHeaderMatch, mapping: CSVStatementMapping
    ) throws(FormatError) -> StatementDocument {
        let preamble = CSVPreamble(rows: rows.prefix(match.headerRow ?? max(0, mapping.skipRows)))
        var warnings: [FormatWarning] = []
        var entries: [StatementEntry] = []
        var ownAccounts: [String] = []
        var resolved: [CSVStatementMapping.Column: Int] = [:]
        for column in mapping.allColumns { resolved[column] = match.index(of: column) }
        let valueDateIndex = mapping.valueDate.flatMap { resolved[$0] }
        let bookingDateIndex = resolved[mapping.bookingDate]
        let amountColumns = mapping.requiredColumns.dropFirst().compactMap { resolved[$0] }
        var yearlessDates = 0

        for row in rows.dropFirst(match.dataStart) {
            let cells = row.cells.map(CSVValues.clean)
            let location = "line \(row.line)"
            guard cells.contains(where: { !$0.isEmpty }) else { continue }
            if let first = cells.first(where: { !$0.isEmpty }),
                mapping.summaryMarkers.contains(where: { CSVValues.text(first, contains: $0) })
            {
                continue
            }

            func value(_ index: Int?) -> String? {
                guard let index, index >= 0, index < cells.count, !CSVValues.isPlaceholder(cells[index]) else {
                    return nil
                }
                return cells[index]
            }
            func value(_ column: CSVStatementMapping.Column?) -> String? { value(column.flatMap { resolved[$0] }) }

            let hasAmount = amountColumns.contains { value($0) != nil }
            guard let bookingText = value(bookingDateIndex) else {
                if !hasAmount { continue }  // a note row
                throw FormatError(.missingField, at: location, "no booking date (\(mapping.bookingDate.label))")
            }
            let booking = CSVValues.date(bookingText, format: mapping.dateFormat, period: preamble.period)
            var bookingDate: String?
            switch booking {
            case .date(let date): bookingDate = date
            case .yearless: yearlessDates += 1
            case .invalid:
                // Text under the data ("以上数据仅供参考"…), or the header again (exports of several pages).
                if !hasAmount || (match.headerRow != nil && cells.map(CSVValues.normalizedHeader) == match.header) {
                    continue
                }
                throw FormatError(
                    .invalidValue, at: location, "'\(bookingText)' is not a date (\(mapping.bookingDate.label))")
            }
            var valueDate: String?
            if let valueDateIndex, valueDateIndex != bookingDateIndex, let text = value(valueDateIndex) {
                switch CSVValues.date(text, format: mapping.dateFormat, period: preamble.period) {
                case .date(let date): valueDate = date
                case .yearless: yearlessDates += 1
                case .invalid:
                    throw FormatError(.invalidValue, at: location, "'\(text)' is not a date (\(mapping.valueDate?.label ?? ""))")
                }
            }

            let (amount, writtenCurrency) = try signedAmount(mapping.amount, value: value, mapping: mapping, at: location)
            let currency =
                value(mapping.currency).map(CSVValues.currencyCode) ?? writtenCurrency ?? preamble.currency
                ?? mapping.defaultCurrency

            var name = mapping.counterpartyName.lazy.compactMap { value($0) }.first
            var account = value(mapping.counterpartyAccount)
            if mapping.counterpartyNameHoldsAccount, account == nil, let combined = name {
                (name, account) = CSVValues.splitAccount(from: combined)
            }
            var remittance: [String] = []
            for column in mapping.remittance {
                if let text = value(column), !remittance.contains(text) { remittance.append(text) }
            }
            if let own = value(mapping.accountNumber), !ownAccounts.contains(own) { ownAccounts.append(own) }

            entries.append(
                StatementEntry(
                    amount: amount, currency: currency, bookingDate: bookingDate, valueDate: valueDate, status: .booked,
                    bankReference: value(mapping.bankReference), customerReference: value(mapping.customerReference),
                    counterparty: name == nil && account == nil ? nil : Counterparty(name: name, account: account),
                    remittance: remittance.isEmpty ? nil : remittance.joined(separator: "; "), detailsCount: 1))
        }

        if yearlessDates > 0 {
            warnings.append(
                FormatWarning(
                    statement: 0, code: .lenientDate,
                    message: "\(yearlessDates) date(s) without a year, and no statement period in the preamble: left empty"))
        }
        let currencies = Set(entries.compactMap(\.currency))
        let statement = Statement(
            account: StatementAccount(
                number: preamble.accountNumber ?? (ownAccounts.count == 1 ? ownAccounts[0] : nil),
                name: preamble.accountName),
            currency: currencies.count == 1 ? currencies.first : preamble.currency ?? mapping.defaultCurrency,
            entries: entries)
        return StatementDocument(format: mapping.format, statements: [statement], warnings: warnings)
    }

    private static func signedAmount(
        _ layout: CSVStatementMapping.Amount, value: (CSVStatementMapping.Column?) -> String?,
        mapping: CSVStatementMapping, at location: String
    ) throws(FormatError) -> (ExactDecimal, String?) {
        func read(_ column: CSVStatementMapping.Column) throws(FormatError) -> (ExactDecimal, String?)? {
            guard let text = value(column) else { return nil }
            guard let parsed = CSVValues.amount(text, decimalComma: mapping.decimalComma) else {
                throw FormatError(.invalidValue, at: location, "'\(text)' is not an amount (\(column.label))")
            }
            return parsed
        }
        func required(_ column: CSVStatementMapping.Column) throws(FormatError) -> (ExactDecimal, String?) {
            guard let amount = try read(column) else {
                throw FormatError(.missingField, at: location, "no amount (\(column.label))")
            }
            return amount
        }
        func magnitude(_ amount: ExactDecimal) -> ExactDecimal { amount.isNegative ? amount.negated() : amount }
        func direction(
            _ column: CSVStatementMapping.Column, credit: [String], debit: [String]
        ) throws(FormatError) -> Bool {
            let text = value(column) ?? ""
            guard let isCredit = CSVValues.direction(of: text, credit: credit, debit: debit) else {
                throw FormatError(
                    .invalidValue, at: location, "cannot tell whether '\(text)' (\(column.label)) is a credit or a debit")
            }
            return isCredit
        }

        switch layout {
        case .signed(let column, let negated):
            let (amount, currency) = try required(column)
            return (negated ? amount.negated() : amount, currency)
        case .creditDebit(let creditColumn, let debitColumn):
            let credit = try read(creditColumn)
            let debit = try read(debitColumn)
            guard credit != nil || debit != nil else {
                throw FormatError(
                    .missingField, at: location, "no amount (\(creditColumn.label) or \(debitColumn.label))")
            }
            let outgoing = debit.map { magnitude($0.0).negated() }
            guard let sum = CSVValues.sum(credit?.0, outgoing) else {
                throw FormatError(.invalidValue, at: location, "amount out of range")
            }
            return (sum, credit?.1 ?? debit?.1)
        case .indicator(let amountColumn, let indicator, let credit, let debit):
            let (amount, currency) = try required(amountColumn)
            let isCredit = try direction(indicator, credit: credit, debit: debit)
            return (isCredit ? magnitude(amount) : magnitude(amount).negated(), currency)
        case .keyword(let amountColumn, let text, let credit, let debit):
            let (amount, currency) = try required(amountColumn)
            let isCredit = try direction(text, credit: credit, debit: debit)
            return (isCredit ? magnitude(amount) : magnitude(amount).negated(), currency)
        }
    }
}

extension CSVStatementMapping.Column {
    /// How an error message names the column.
    var label: String {
        switch self {
        case .name(let name): name
        case .firstOf(let names): names.joined(separator: " / ")
        case .index(let index): "column \(index + 1)"
        }
    }
}

// MARK: - Finding the header

/// Where a mapping's columns are in one file.
struct CSVHeaderMatch {
    /// The header row's index among the rows; nil when the mapping says the file has none.
    var headerRow: Int?
    /// Its cells, normalised (`CSVValues.normalizedHeader`).
    var header: [String]
    var dataStart: Int
    /// How many of the mapping's columns and required headers the file has: the best-fitting mapping wins.
    var score = 0

    /// A column as looked up: its position, or its header names normalised.
    enum Key {
        case index(Int)
        case names([String])

        init(_ column: CSVStatementMapping.Column) {
            switch column {
            case .index(let index): self = .index(index)
            case .name(let name): self = .names([CSVValues.normalizedHeader(name)])
            case .firstOf(let names): self = .names(names.map(CSVValues.normalizedHeader))
            }
        }
    }

    func index(of column: CSVStatementMapping.Column) -> Int? { index(of: Key(column)) }

    func index(of key: Key) -> Int? {
        switch key {
        case .index(let index): return index >= 0 ? index : nil
        case .names(let names):
            for name in names {
                // Byte comparison: headers need no Unicode canonical equivalence, and it is much faster.
                if let index = header.firstIndex(where: { $0.utf8.elementsEqual(name.utf8) }) { return index }
            }
            return nil
        }
    }

    /// How many rows from `skipRows` may come before the header.
    static let searchedRows = 60

    /// The rows a header may be in, normalised once for all the mappings tried on a file.
    static func candidateHeaders(_ rows: [CSVTokenizer.Row], upTo limit: Int = searchedRows) -> [[String]] {
        rows.prefix(limit).map { $0.cells.map { CSVValues.normalizedHeader(CSVValues.clean($0)) } }
    }

    /// The first row (from `skipRows`, within 60 rows) that has every required column and header.
    static func find(
        _ mapping: CSVStatementMapping, in rows: [CSVTokenizer.Row], candidates: [[String]]? = nil
    ) -> CSVHeaderMatch? {
        let skip = max(0, mapping.skipRows)
        guard mapping.hasHeader else { return CSVHeaderMatch(headerRow: nil, header: [], dataStart: skip) }
        let required = mapping.requiredHeaders.map(CSVValues.normalizedHeader)
        let requiredKeys = mapping.requiredColumns.map(Key.init) + required.map { Key.names([$0]) }
        let allKeys = mapping.allColumns.map(Key.init)
        guard skip < rows.count else { return nil }
        for index in skip..<min(rows.count, skip + searchedRows) {
            let header =
                candidates.flatMap { index < $0.count ? $0[index] : nil }
                ?? rows[index].cells.map { CSVValues.normalizedHeader(CSVValues.clean($0)) }
            var match = CSVHeaderMatch(headerRow: index, header: header, dataStart: index + 1)
            guard requiredKeys.allSatisfy({ match.index(of: $0) != nil }) else { continue }
            match.score = allKeys.filter { match.index(of: $0) != nil }.count + required.count
            return match
        }
        return nil
    }
}

// MARK: - The preamble

/// What the lines above the header say about the account.
struct CSVPreamble {
    var accountNumber: String?
    var accountName: String?
    var currency: String?
    /// The statement period's (last) year and month, for dates written without a year.
    var period: (year: Int, month: Int)?
    /// All the preamble's text, for telling banks apart.
    var text = ""

    /// Labels as `CSVValues.normalizedHeader` leaves them (no blanks, lower case).
    static let numberLabels: Set<String> = [
        "卡号", "账号", "帐号", "账户", "帐户", "账户号", "账户号码", "帐户号码", "卡号/账号", "查询账号", "客户账号",
        "借记卡号", "银行账号", "本方账号", "account", "accountnumber", "accountno", "accountno.", "konto", "kontonummer",
    ]
    static let nameLabels: Set<String> = [
        "户名", "账户名称", "帐户名称", "账户名", "账户户名", "客户名称", "姓名", "本方户名", "accountname", "accountholder",
        "kontoinhaber",
    ]
    static let currencyLabels: Set<String> = ["币种", "币别", "货币", "币种名称", "currency", "ccy", "währung"]

    init(rows: ArraySlice<CSVTokenizer.Row>) {
        var lines: [String] = []
        for row in rows {
            let cells = row.cells.map(CSVValues.clean)
            lines.append(cells.filter { !$0.isEmpty }.joined(separator: " "))
            for (position, cell) in cells.enumerated() where !cell.isEmpty {
                var label: String
                var value: String
                if let colon = cell.firstIndex(where: { $0 == ":" || $0 == "：" }) {
                    label = String(cell[..<colon])
                    value = CSVValues.clean(String(cell[cell.index(after: colon)...]))
                } else {
                    // A label alone in its cell, its value in the next.
                    label = cell
                    value = position + 1 < cells.count ? cells[position + 1] : ""
                }
                label = CSVValues.normalizedHeader(label)
                guard !value.isEmpty, !CSVValues.isPlaceholder(value) else { continue }
                if Self.numberLabels.contains(label), accountNumber == nil {
                    accountNumber = value
                } else if Self.nameLabels.contains(label), accountName == nil {
                    accountName = value
                } else if Self.currencyLabels.contains(label), currency == nil {
                    currency = CSVValues.currencyCode(value)
                }
            }
        }
        text = lines.joined(separator: "\n")
        period = CSVValues.lastYearMonth(in: text)
    }
}

// MARK: - Values

enum CSVValues {
    /// Trims the blanks, tabs and ideographic spaces exports pad cells with.
    static func clean(_ text: String) -> String {
        let scalars = text.unicodeScalars
        let isPadding: (Unicode.Scalar) -> Bool = {
            $0.value <= 0x20 || ($0.value >= 0x80 && ($0.properties.isWhitespace || $0 == "\u{FEFF}"))
        }
        guard let first = scalars.firstIndex(where: { !isPadding($0) }),
            let last = scalars.lastIndex(where: { !isPadding($0) })
        else { return "" }
        if first == scalars.startIndex && scalars.index(after: last) == scalars.endIndex { return text }
        return String(scalars[first...last])
    }

    /// A header as compared: no blanks, half-width brackets, colon and slash, ASCII letters in lower case.
    static func normalizedHeader(_ text: String) -> String {
        var result = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar {
            case "（": result.append("(")
            case "）": result.append(")")
            case "：": result.append(":")
            case "／": result.append("/")
            case "A"..."Z": result.append(Unicode.Scalar(scalar.value + 32) ?? scalar)
            case "\u{FEFF}": continue
            default:
                if scalar.value <= 0x20 || (scalar.value >= 0x80 && scalar.properties.isWhitespace) { continue }
                result.append(scalar)
            }
        }
        return String(result)
    }

    /// `-`, `--`, `———`, `/`, `N/A`, `null`: a cell that says there is nothing.
    static func isPlaceholder(_ text: String) -> Bool {
        let scalars = text.unicodeScalars
        guard let first = scalars.first else { return true }
        let dashes: Set<Unicode.Scalar> = ["-", "—", "–", "－"]
        if dashes.contains(first), scalars.allSatisfy(dashes.contains) { return true }
        guard text.utf8.count <= 4 else { return false }
        return ["/", "n/a", "null"].contains(text.lowercased())
    }

    /// Whether `text` holds `part`, byte for byte (no Foundation, no Unicode equivalence: fast).
    static func text(_ text: String, contains part: String) -> Bool {
        let haystack = Array(text.utf8)
        let needle = Array(part.utf8)
        guard !needle.isEmpty else { return true }
        guard haystack.count >= needle.count else { return false }
        for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
            if haystack[start..<(start + needle.count)].elementsEqual(needle) { return true }
        }
        return false
    }

    // MARK: Amounts

    /// `1,234.56`, `"-1,000.00"`, `+10000.00`, `(12.00)`, `12.00-`, `CNY 123.18`, `CNY13.50`, `¥12`, `12.00 USD`;
    /// with `decimalComma`, `1.234,56`. Nil when not an amount.
    static func amount(_ text: String, decimalComma: Bool) -> (ExactDecimal, String?)? {
        var body = Substring(text)
        var negative = false
        var currency: String?
        func strip() { body = Substring(clean(String(body))) }

        if let first = body.first, let last = body.last, (first == "(" && last == ")") || (first == "（" && last == "）") {
            negative = true
            body = body.dropFirst().dropLast()
            strip()
        }
        let leadingLetters = body.prefix { $0.isASCII && $0.isLetter }
        if !leadingLetters.isEmpty {
            guard leadingLetters.count == 3 else { return nil }
            currency = leadingLetters.uppercased()
            body = body.dropFirst(3)
            strip()
        }
        let trailingLetters = body.reversed().prefix { $0.isASCII && $0.isLetter }
        if !trailingLetters.isEmpty {
            guard trailingLetters.count == 3, currency == nil else { return nil }
            currency = String(trailingLetters.reversed()).uppercased()
            body = body.dropLast(3)
            strip()
        }
        if let symbol = body.first, "¥￥$€£".contains(symbol) {
            body = body.dropFirst()
            strip()
        }
        if body.last == "元" {
            body = body.dropLast()
            strip()
        }
        if body.count > 1, body.last == "-" {
            negative.toggle()
            body = body.dropLast()
        }
        var digits = ""
        for character in body {
            switch character {
            case " ", "'", "\u{00A0}", "\u{202F}": continue
            case ",", "，": if decimalComma { digits.append(".") } else { continue }
            case ".": if decimalComma { continue } else { digits.append(".") }
            case "−": digits.append("-")
            default: digits.append(character)
            }
        }
        if digits.hasPrefix(".") { digits = "0" + digits }
        if digits.hasPrefix("-.") || digits.hasPrefix("+.") { digits.insert("0", at: digits.index(after: digits.startIndex)) }
        guard let amount = ExactDecimal(digits) else { return nil }
        return (negative ? amount.negated() : amount, currency)
    }

    /// `a + b`, or the one present; nil when the exact sum would not fit. (`ExactDecimal.adding` brings
    /// both to the larger scale first, which traps for a 30-digit amount beside a 12-place one.)
    static func sum(_ a: ExactDecimal?, _ b: ExactDecimal?) -> ExactDecimal? {
        guard let a, let b else { return a ?? b }
        let scale = max(a.scale, b.scale)
        func fits(_ value: ExactDecimal) -> Bool {
            var limit = Int128.max / 10  // headroom for the sum itself
            for _ in 0..<(scale - value.scale) { limit /= 10 }
            return value.significand.magnitude <= limit.magnitude
        }
        guard fits(a), fits(b) else { return nil }
        return a.adding(b)
    }

    /// Whether a direction marker or leading keyword says credit (true) or debit (false): the whole value,
    /// its first word, or else the longest marker it starts with.
    static func direction(of text: String, credit: [String], debit: [String]) -> Bool? {
        let value = clean(text).uppercased()
        guard !value.isEmpty else { return nil }
        let firstWord = value.split(whereSeparator: \.isWhitespace).first.map(String.init) ?? value
        let markers = credit.map { ($0.uppercased(), true) } + debit.map { ($0.uppercased(), false) }
        if let exact = markers.first(where: { $0.0 == value || $0.0 == firstWord }) { return exact.1 }
        let prefixed = markers.filter { !$0.0.isEmpty && value.hasPrefix($0.0) }.max { $0.0.count < $1.0.count }
        return prefixed?.1
    }

    // MARK: Currencies

    static let currencyNames: [String: String] = [
        "人民币": "CNY", "人民币元": "CNY", "RMB": "CNY", "本币": "CNY", "¥": "CNY", "￥": "CNY",
        "美元": "USD", "美金": "USD", "港币": "HKD", "港元": "HKD", "日元": "JPY", "欧元": "EUR", "英镑": "GBP",
        "澳元": "AUD", "澳大利亚元": "AUD", "加元": "CAD", "加拿大元": "CAD", "新加坡元": "SGD", "瑞士法郎": "CHF",
        "新西兰元": "NZD", "韩元": "KRW", "新台币": "TWD", "澳门元": "MOP", "澳门币": "MOP", "泰铢": "THB", "卢布": "RUB",
    ]

    /// An ISO 4217 code for `CNY`, `cny`, `人民币`, `美元`…; other text as written.
    static func currencyCode(_ text: String) -> String {
        let cleaned = clean(text)
        if let code = currencyNames[cleaned] ?? currencyNames[cleaned.uppercased()] { return code }
        if cleaned.count == 3, cleaned.allSatisfy({ $0.isASCII && $0.isLetter }) { return cleaned.uppercased() }
        return cleaned
    }

    // MARK: Counterparties

    /// `张三 66666666666666` → (张三, 66666666666666); `12341234123412341` → (nil, 12341234123412341): a
    /// trailing run of at least 6 digits (or masked `*`, at least 4 digits) is the account.
    static func splitAccount(from text: String) -> (name: String?, account: String?) {
        let bytes = Array(text.utf8)
        var start = bytes.count
        var digits = 0
        while start > 0, (0x30...0x39).contains(bytes[start - 1]) || bytes[start - 1] == 0x2A {
            start -= 1
            if bytes[start] != 0x2A { digits += 1 }
        }
        guard bytes.count - start >= 6, digits >= 4 else { return (text, nil) }
        let name = clean(String(decoding: bytes[..<start], as: UTF8.self))
        return (name.isEmpty || isPlaceholder(name) ? nil : name, String(decoding: bytes[start...], as: UTF8.self))
    }

    // MARK: Dates

    enum DateResult: Equatable {
        case date(String)
        /// A month and day with no year to put them in.
        case yearless
        case invalid
    }

    static func date(_ text: String, format: CSVStatementMapping.DateFormat, period: (year: Int, month: Int)?) -> DateResult {
        let parts: (year: Int?, month: Int, day: Int)?
        switch format {
        case .automatic: parts = automaticDate(text)
        case .pattern(let pattern): parts = patternDate(text, pattern: pattern)
        }
        guard let parts else { return .invalid }
        let year: Int
        if let given = parts.year {
            year = given
        } else {
            guard let period else { return .yearless }
            year = parts.month > period.month ? period.year - 1 : period.year
        }
        guard (1...12).contains(parts.month), (1...9999).contains(year),
            (1...daysIn(month: parts.month, year: year)).contains(parts.day)
        else { return .invalid }
        return .date(isoDate(year: year, month: parts.month, day: parts.day))
    }

    /// The date part of `text`: up to a blank or a `T` before a time.
    private static func datePart(_ text: String) -> Substring {
        var part = Substring(clean(text))
        if let blank = part.firstIndex(where: \.isWhitespace) { part = part[..<blank] }
        if let t = part.firstIndex(of: "T"), t != part.startIndex { part = part[..<t] }
        return part
    }

    private static func automaticDate(_ text: String) -> (year: Int?, month: Int, day: Int)? {
        let part = datePart(text)
        let separators: Set<Character> = ["-", "/", ".", "年", "月", "日"]
        guard !part.isEmpty, part.allSatisfy({ ($0.isASCII && $0.isNumber) || separators.contains($0) }) else { return nil }
        let groups = part.split(whereSeparator: { separators.contains($0) }).map(String.init)
        switch groups.count {
        case 1:
            // yyyyMMdd, optionally with HHmm or HHmmss run on.
            let digits = groups[0]
            guard [8, 12, 14].contains(digits.count) else { return nil }
            let year = Int(digits.prefix(4))
            guard let month = Int(digits.dropFirst(4).prefix(2)), let day = Int(digits.dropFirst(6).prefix(2)) else {
                return nil
            }
            return (year, month, day)
        case 2:
            guard groups.allSatisfy({ (1...2).contains($0.count) }), let month = Int(groups[0]), let day = Int(groups[1])
            else { return nil }
            return (nil, month, day)
        case 3:
            guard groups[0].count == 4, (1...2).contains(groups[1].count), (1...2).contains(groups[2].count),
                let year = Int(groups[0]), let month = Int(groups[1]), let day = Int(groups[2])
            else { return nil }
            return (year, month, day)
        default:
            return nil
        }
    }

    private static func patternDate(_ text: String, pattern: String) -> (year: Int?, month: Int, day: Int)? {
        let input = Array(clean(text))
        let pattern = Array(pattern)
        var position = 0
        var index = 0
        var year: Int?
        var month: Int?
        var day: Int?
        func digits(min: Int, max: Int) -> Int? {
            var count = 0
            var value = 0
            while count < max, position < input.count, let digit = input[position].wholeNumberValue,
                input[position].isASCII
            {
                value = value * 10 + digit
                count += 1
                position += 1
            }
            return count >= min ? value : nil
        }
        while index < pattern.count {
            let letter = pattern[index]
            var run = 1
            while index + run < pattern.count && pattern[index + run] == letter { run += 1 }
            switch letter {
            case "y":
                guard run == 2 || run == 4, let value = digits(min: run, max: run) else { return nil }
                year = run == 2 ? 2000 + value : value
            case "M":
                guard run <= 2, let value = digits(min: run, max: 2) else { return nil }
                month = value
            case "d":
                guard run <= 2, let value = digits(min: run, max: 2) else { return nil }
                day = value
            default:
                for _ in 0..<run {
                    guard position < input.count, input[position] == letter else { return nil }
                    position += 1
                }
            }
            index += run
        }
        if position < input.count && !(input[position].isWhitespace || input[position] == "T") { return nil }
        guard let month, let day else { return nil }
        return (year, month, day)
    }

    /// The last `2024年01月`, `2024-01-31`, `2024/01` in a text: the statement period's end.
    static func lastYearMonth(in text: String) -> (year: Int, month: Int)? {
        var found: (year: Int, month: Int)?
        let characters = Array(text)
        var index = 0
        while index < characters.count {
            guard characters[index].isASCII, characters[index].isNumber else {
                index += 1
                continue
            }
            var end = index
            while end < characters.count, characters[end].isASCII, characters[end].isNumber { end += 1 }
            if end - index == 4, end + 1 < characters.count, "-/.年".contains(characters[end]) {
                var monthEnd = end + 1
                while monthEnd < characters.count, monthEnd - end - 1 < 2, characters[monthEnd].isASCII,
                    characters[monthEnd].isNumber
                {
                    monthEnd += 1
                }
                if let year = Int(String(characters[index..<end])),
                    let month = Int(String(characters[(end + 1)..<monthEnd])), (1...12).contains(month)
                {
                    found = (year, month)
                }
            }
            index = end
        }
        return found
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    static func isoDate(year: Int, month: Int, day: Int) -> String {
        let y = String(year)
        return String(repeating: "0", count: max(0, 4 - y.count)) + y + "-" + (month < 10 ? "0" : "") + String(month)
            + "-" + (day < 10 ? "0" : "") + String(day)
    }
}
