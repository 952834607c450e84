/// An RFC 4180 CSV tokenizer, lenient where bank exports need it.
///
/// - Fields are separated by `separator` (`,`, a tab, `;`…); rows end with CRLF, LF or CR.
/// - A field that starts with `"` (after blanks) is quoted: it may hold separators, line breaks and `""`
///   for a quote. Text after the closing quote up to the separator is kept (`"1,234.56"   ` → `1,234.56   `).
/// - A `"` inside an unquoted field is an ordinary character.
/// - A quoted field still open at the end of the file is an error naming the line it started on.
enum CSVTokenizer {
    struct Row: Sendable, Hashable {
        /// The 1-based physical line the row starts on.
        var line: Int
        var cells: [String]
    }

    static func rows(
        _ text: String, separator: Unicode.Scalar, maxRows: Int = .max
    ) throws(FormatError) -> [Row] {
        var rows: [Row] = []
        var cells: [String] = []
        var field = String.UnicodeScalarView()
        var inQuotes = false
        var quotedFieldLine = 0
        var line = 1
        var rowLine = 1
        var previousWasCR = false
        let quote: Unicode.Scalar = "\""

        func fieldIsBlankSoFar(_ field: String.UnicodeScalarView) -> Bool {
            field.allSatisfy { $0 == " " || ($0 == "\t" && separator != "\t") || $0 == "\u{FEFF}" }
        }

        var scalars = text.unicodeScalars.makeIterator()
        var lookahead: Unicode.Scalar? = scalars.next()
        while let scalar = lookahead {
            lookahead = scalars.next()
            if inQuotes {
                if scalar == quote {
                    if lookahead == quote {
                        field.append(quote)
                        lookahead = scalars.next()
                    } else {
                        inQuotes = false
                    }
                    previousWasCR = false
                    continue
                }
                if scalar == "\n" {
                    if previousWasCR {
                        previousWasCR = false
                        continue
                    }
                    line += 1
                    field.append("\n")
                } else if scalar == "\r" {
                    line += 1
                    field.append("\n")
                } else {
                    field.append(scalar)
                }
                previousWasCR = scalar == "\r"
                continue
            }
            if scalar == "\n" && previousWasCR {
                previousWasCR = false
                continue
            }
            previousWasCR = scalar == "\r"
            if scalar == quote && fieldIsBlankSoFar(field) {
                field = String.UnicodeScalarView()
                inQuotes = true
                quotedFieldLine = line
            } else if scalar == separator {
                cells.append(String(field))
                field = String.UnicodeScalarView()
            } else if scalar == "\n" || scalar == "\r" {
                cells.append(String(field))
                field = String.UnicodeScalarView()
                rows.append(Row(line: rowLine, cells: cells))
                cells = []
                line += 1
                rowLine = line
                if rows.count >= maxRows { return rows }
            } else {
                field.append(scalar)
            }
        }
        if inQuotes {
            // When only a prefix is wanted (format detection), a cut-off quoted field is no error.
            guard maxRows == .max else { return rows }
            throw FormatError(.malformed, at: "line \(quotedFieldLine)", "a quoted field is never closed")
        }
        if !field.isEmpty || !cells.isEmpty {
            cells.append(String(field))
            rows.append(Row(line: rowLine, cells: cells))
        }
        return rows
    }
}
