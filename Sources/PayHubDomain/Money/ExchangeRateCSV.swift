import Foundation

/// Reads a daily exchange-rate file: CSV with a header naming the columns `date`, `base`, `quote`,
/// `rate` (in any order; further columns, such as a source, are ignored).
///
/// ```
/// date,base,quote,rate
/// 2026-03-02,EUR,USD,1.0842
/// 2026-03-02,EUR,CNY,7.8123
/// ```
///
/// A pure function over the file's text: the caller reads the file. Every problem is reported with its
/// line (1-based, counting the header) and column, and all of them at once (up to ``errorsMax``), so a
/// treasurer can fix a file in one go. Rates are read exactly, never through floating point.
public enum ExchangeRateCSV {
    /// The columns a rate file must have.
    public static let requiredColumns = ["date", "base", "quote", "rate"]

    /// Reporting stops after this many problems: a file with more is the wrong file.
    public static let errorsMax = 100

    /// The rates of `text`, in file order.
    public static func read(_ text: String) throws(ExchangeRateCSVFailure) -> [DatedExchangeRate] {
        var errors: [ExchangeRateCSVError] = []
        var rates: [DatedExchangeRate] = []
        var columnIndex: [String: Int] = [:]
        var columnCount = 0
        var headerSeen = false
        var firstLineOfRate: [RateKey: Int] = [:]

        // Lines end in LF or CRLF (one Character to Swift, so both are named); a byte-order mark is dropped.
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        if let first = lines.first, first.hasPrefix("\u{FEFF}") { lines[0] = first.dropFirst() }

        for (offset, rawLine) in lines.enumerated() {
            if errors.count >= errorsMax { break }
            let lineNumber = offset + 1
            let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) { continue }
            guard let fields = splitFields(line) else {
                errors.append(ExchangeRateCSVError(code: .unterminatedQuote, line: lineNumber))
                continue
            }
            guard headerSeen else {
                headerSeen = true
                columnCount = fields.count
                for (index, name) in fields.enumerated() {
                    let name = name.lowercased()
                    if columnIndex[name] != nil {
                        errors.append(
                            ExchangeRateCSVError(
                                code: .duplicateColumn, line: lineNumber, column: index + 1, columnName: name))
                    } else {
                        columnIndex[name] = index
                    }
                }
                for name in requiredColumns where columnIndex[name] == nil {
                    errors.append(ExchangeRateCSVError(code: .missingColumn, line: lineNumber, columnName: name))
                }
                if !errors.isEmpty { throw ExchangeRateCSVFailure(errors: errors) }
                continue
            }
            guard fields.count == columnCount else {
                errors.append(ExchangeRateCSVError(code: .wrongFieldCount, line: lineNumber))
                continue
            }
            func field(_ name: String) -> (text: String, column: Int) {
                let index = columnIndex[name, default: 0]  // always present: the header was checked
                return (fields[index], index + 1)
            }
            func problem(_ code: ExchangeRateCSVError.Code, _ name: String) {
                errors.append(
                    ExchangeRateCSVError(code: code, line: lineNumber, column: field(name).column, columnName: name))
            }

            let date = try? LocalDate(iso8601: field("date").text)
            if date == nil { problem(.invalidDate, "date") }
            let base = try? Currency(code: field("base").text)
            if base == nil { problem(.unknownCurrency, "base") }
            let quote = try? Currency(code: field("quote").text)
            if quote == nil { problem(.unknownCurrency, "quote") }
            guard let date, let base, let quote else { continue }
            guard base != quote else {
                problem(.sameCurrency, "quote")
                continue
            }
            let rate: ExchangeRate
            do {
                rate = try ExchangeRate(base: base, quote: quote, rate: field("rate").text)
            } catch {
                switch error.code {
                case .invalidRate: problem(.invalidRate, "rate")
                case .notPositive: problem(.rateNotPositive, "rate")
                case .tooManyDecimals: problem(.rateTooManyDecimals, "rate")
                }
                continue
            }
            let key = RateKey(date: date, base: base, quote: quote)
            if let firstLine = firstLineOfRate[key] {
                var duplicate = ExchangeRateCSVError(code: .duplicateRate, line: lineNumber)
                duplicate.firstLine = firstLine
                errors.append(duplicate)
                continue
            }
            firstLineOfRate[key] = lineNumber
            rates.append(DatedExchangeRate(date: date, rate: rate))
        }
        if !headerSeen { errors.append(ExchangeRateCSVError(code: .missingHeader, line: 1)) }
        guard errors.isEmpty else { throw ExchangeRateCSVFailure(errors: errors) }
        return rates
    }

    /// The rates of `text` as a table.
    public static func readTable(_ text: String) throws(ExchangeRateCSVFailure) -> ExchangeRateTable {
        ExchangeRateTable(try read(text))
    }

    private struct RateKey: Hashable {
        let date: LocalDate
        let base: Currency
        let quote: Currency
    }

    /// The comma-separated fields of one line, each trimmed of spaces; a field may be double-quoted,
    /// with `""` for a quote inside. Nil when a quote is not closed.
    private static func splitFields(_ line: Substring) -> [String]? {
        var fields: [String] = []
        var current = ""
        var inQuotes = false
        var index = line.startIndex
        while index < line.endIndex {
            let character = line[index]
            if inQuotes {
                if character == "\"" {
                    let next = line.index(after: index)
                    if next < line.endIndex, line[next] == "\"" {
                        current.append("\"")
                        index = next
                    } else {
                        inQuotes = false
                    }
                } else {
                    current.append(character)
                }
            } else if character == "\"" {
                inQuotes = true
            } else if character == "," {
                fields.append(current.trimmed(.whitespaces))
                current = ""
            } else {
                current.append(character)
            }
            index = line.index(after: index)
        }
        guard !inQuotes else { return nil }
        fields.append(current.trimmed(.whitespaces))
        return fields
    }
}

/// One problem in a rate file, with where it is. The description names the line, the column and the
/// problem; rate files hold no personal data, but the values themselves are still left out of it.
public struct ExchangeRateCSVError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        case missingHeader = "missing_header"
        case missingColumn = "missing_column"
        case duplicateColumn = "duplicate_column"
        case wrongFieldCount = "wrong_field_count"
        case unterminatedQuote = "unterminated_quote"
        case invalidDate = "invalid_date"
        case unknownCurrency = "unknown_currency"
        case sameCurrency = "same_currency"
        case invalidRate = "invalid_rate"
        case rateNotPositive = "rate_not_positive"
        case rateTooManyDecimals = "rate_too_many_decimals"
        /// A second rate for the same day and pair: which one is right cannot be told.
        case duplicateRate = "duplicate_rate"
    }

    public let code: Code
    /// The 1-based line of the file, counting the header.
    public let line: Int
    /// The 1-based column, when the problem is in one field.
    public let column: Int?
    /// The column's name from the header (`rate`), when the problem is in one column.
    public let columnName: String?
    /// For ``Code/duplicateRate``: the line of the first rate for the same day and pair.
    public var firstLine: Int?

    public init(code: Code, line: Int, column: Int? = nil, columnName: String? = nil) {
        self.code = code
        self.line = line
        self.column = column
        self.columnName = columnName
    }

    public var description: String {
        var place = "line \(line)"
        if let column { place += ", column \(column)" }
        if let columnName { place += " (\(columnName))" }
        let problem =
            switch code {
            case .missingHeader: "the file has no header line (date,base,quote,rate)"
            case .missingColumn: "the header has no '\(columnName ?? "")' column"
            case .duplicateColumn: "the header names this column twice"
            case .wrongFieldCount: "the line has a different number of fields than the header"
            case .unterminatedQuote: "a quoted field is not closed"
            case .invalidDate: "date must be written YYYY-MM-DD"
            case .unknownCurrency: "not an ISO 4217 currency code"
            case .sameCurrency: "base and quote are the same currency"
            case .invalidRate: "exchange rate must be a decimal number such as 7.8123"
            case .rateNotPositive: "exchange rate must be greater than zero"
            case .rateTooManyDecimals: "exchange rate has more than \(ExchangeRate.scaleMax) decimal places"
            case .duplicateRate: "a rate for this day and pair was already given on line \(firstLine ?? 0)"
            }
        return "\(place): \(problem)"
    }
}

/// Every problem found in a rate file; nothing of it is used when there is one.
public struct ExchangeRateCSVFailure: Error, Hashable, Sendable, CustomStringConvertible {
    public var errors: [ExchangeRateCSVError]

    public var description: String { errors.map(\.description).joined(separator: "; ") }
}
