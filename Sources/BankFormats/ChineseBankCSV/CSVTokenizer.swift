/// An RFC 4180 CSV tokenizer, lenient where bank and ERP exports need it.
///
/// - Fields are separated by `separator` (`,`, a tab, `;`, `|`…); rows end with CRLF, LF or CR.
/// - A field that starts with `"` (after blanks) is quoted: it may hold separators, line breaks and `""`
///   for a quote. Text after the closing quote up to the separator is kept (`"1,234.56"   ` → `1,234.56   `).
/// - A `"` inside an unquoted field is an ordinary character.
/// - A quoted field still open at the end of the file is an error naming the line it started on.
///
/// It scans the text's UTF-8 bytes: every byte it looks for is ASCII, and in UTF-8 an ASCII byte is never
/// part of a longer character, so no decoding is needed to find fields. That keeps an ERP import of
/// hundreds of thousands of rows off the per-character path.
enum CSVTokenizer {
    struct Row: Sendable, Hashable {
        /// The 1-based physical line the row starts on.
        var line: Int
        var cells: [String]
    }

    /// One row while it is being scanned: valid only until the scanner's next `advance()`.
    struct RowView {
        /// The 1-based physical line the row starts on.
        var line = 1
        var cells: [String] = []
        /// Where the row is in the text's UTF-8 view, without its line break.
        var byteRange: Range<Int> = 0..<0
    }

    static func rows(
        _ text: String, separator: Unicode.Scalar, maxRows: Int = .max
    ) throws(FormatError) -> [Row] {
        var text = text
        // `withUTF8` lends the string's own storage; its closure cannot throw a typed error, so the
        // outcome is carried out as a Result.
        let result = text.withUTF8 { bytes -> Result<[Row], FormatError> in
            var scanner = Scanner(bytes, separator: separator, stopWhenCutOff: maxRows != .max)
            var rows: [Row] = []
            do throws(FormatError) {
                while rows.count < maxRows, try scanner.advance() {
                    rows.append(Row(line: scanner.row.line, cells: scanner.row.cells))
                }
            } catch {
                return .failure(error)
            }
            return .success(rows)
        }
        return try result.get()
    }

    /// Reads rows one at a time from UTF-8 bytes, reusing one row's storage: an import of a large file
    /// allocates little more than the cell strings themselves.
    struct Scanner {
        let bytes: UnsafeBufferPointer<UInt8>
        let separator: UInt8
        /// A quoted field still open at the end is then no error, only the end: format detection looks at
        /// a prefix of a file, which may cut a field in two.
        let stopWhenCutOff: Bool
        private(set) var row = RowView()
        private var index = 0
        private var line = 1
        private var unquoted: [UInt8] = []

        init(_ bytes: UnsafeBufferPointer<UInt8>, separator: Unicode.Scalar, stopWhenCutOff: Bool = false) {
            // Separators come from code and from profiles that check them; a non-ASCII one is a bug.
            precondition(separator.isASCII, "CSV separators are ASCII characters")
            self.bytes = bytes
            self.separator = UInt8(separator.value)
            self.stopWhenCutOff = stopWhenCutOff
        }

        /// The row `row` spans, exactly as written in the file (quotes, embedded line breaks and all).
        var rawText: String { String(decoding: UnsafeBufferPointer(rebasing: bytes[row.byteRange]), as: UTF8.self) }

        /// Moves to the next row; false at the end of the text.
        mutating func advance() throws(FormatError) -> Bool {
            let quote = UInt8(ascii: "\""), lineFeed = UInt8(ascii: "\n"), carriageReturn = UInt8(ascii: "\r")
            let space = UInt8(ascii: " "), tab = UInt8(ascii: "\t")
            let count = bytes.count
            guard index < count else { return false }
            row.line = line
            row.cells.removeAll(keepingCapacity: true)
            let rowStart = index
            while true {
                let cellStart = index
                // A quote opens a quoted field only after blanks (or a stray byte order mark).
                var probe = index
                while probe < count {
                    let byte = bytes[probe]
                    if byte == space || (byte == tab && separator != tab) {
                        probe += 1
                    } else if byte == 0xEF, probe + 2 < count, bytes[probe + 1] == 0xBB, bytes[probe + 2] == 0xBF {
                        probe += 3
                    } else {
                        break
                    }
                }
                if probe < count && bytes[probe] == quote {
                    let quotedLine = line
                    unquoted.removeAll(keepingCapacity: true)
                    index = probe + 1
                    var closed = false
                    while index < count {
                        let byte = bytes[index]
                        if byte == quote {
                            if index + 1 < count && bytes[index + 1] == quote {
                                unquoted.append(quote)
                                index += 2
                            } else {
                                index += 1
                                closed = true
                                break
                            }
                        } else if byte == carriageReturn || byte == lineFeed {
                            // A line break inside quotes is data, kept as one "\n" whichever it was.
                            unquoted.append(lineFeed)
                            line += 1
                            index += byte == carriageReturn && index + 1 < count && bytes[index + 1] == lineFeed ? 2 : 1
                        } else {
                            unquoted.append(byte)
                            index += 1
                        }
                    }
                    if !closed {
                        if stopWhenCutOff {
                            index = count
                            return false
                        }
                        throw FormatError(.malformed, at: "line \(quotedLine)", "a quoted field is never closed")
                    }
                    while index < count {
                        let byte = bytes[index]
                        if byte == separator || byte == lineFeed || byte == carriageReturn { break }
                        unquoted.append(byte)
                        index += 1
                    }
                    row.cells.append(String(decoding: unquoted, as: UTF8.self))
                } else {
                    while index < count {
                        let byte = bytes[index]
                        if byte == separator || byte == lineFeed || byte == carriageReturn { break }
                        index += 1
                    }
                    row.cells.append(
                        String(decoding: UnsafeBufferPointer(rebasing: bytes[cellStart..<index]), as: UTF8.self))
                }
                if index < count && bytes[index] == separator {
                    index += 1
                    continue
                }
                row.byteRange = rowStart..<index
                if index < count {
                    // CRLF, LF or a lone CR ends the row.
                    index += bytes[index] == carriageReturn && index + 1 < count && bytes[index + 1] == lineFeed ? 2 : 1
                    line += 1
                }
                return true
            }
        }
    }
}
