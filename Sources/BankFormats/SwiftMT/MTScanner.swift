import Foundation

// The lexical layer of the SWIFT MT940/MT942 reader: bytes → lines → fields.
//
// Everything here works on the UTF-8 bytes of the file and never traps: every index is checked against
// the end of the line or the buffer before it is read.

/// The bytes of an MT file, always as UTF-8.
///
/// Banks send MT940 in UTF-8 or in ISO-8859-1 (German banks especially). A file that is valid UTF-8 is
/// taken as such; any other file is read as ISO-8859-1 (see ``windows1252``), where every byte is one
/// character, so decoding can never fail. A leading byte-order mark is dropped.
struct MTSource: Sendable {
    let bytes: [UInt8]

    init(_ data: Data) {
        var raw = [UInt8](data)
        if raw.count >= 3, raw[0] == 0xEF, raw[1] == 0xBB, raw[2] == 0xBF { raw.removeFirst(3) }
        if MTSource.isValidUTF8(raw) {
            bytes = raw
        } else {
            var utf8: [UInt8] = []
            utf8.reserveCapacity(raw.count + raw.count / 8)
            for byte in raw {
                if byte < 0x80 {
                    utf8.append(byte)
                } else if byte >= 0xA0 {
                    utf8.append(0xC0 | (byte >> 6))
                    utf8.append(0x80 | (byte & 0x3F))
                } else {
                    let scalar = MTSource.windows1252[Int(byte - 0x80)]
                    if scalar < 0x800 {
                        utf8.append(0xC0 | UInt8(scalar >> 6))
                        utf8.append(0x80 | UInt8(scalar & 0x3F))
                    } else {
                        utf8.append(0xE0 | UInt8(scalar >> 12))
                        utf8.append(0x80 | UInt8((scalar >> 6) & 0x3F))
                        utf8.append(0x80 | UInt8(scalar & 0x3F))
                    }
                }
            }
            bytes = utf8
        }
    }

    /// 0x80–0x9F as Windows-1252 reads them (`€`, `„`, `–`…), where ISO-8859-1 has control codes no
    /// bank text contains; bytes Windows-1252 leaves undefined stay C1 controls. This is how browsers
    /// read "ISO-8859-1" too.
    static let windows1252: [UInt32] = [
        0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152,
        0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122,
        0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
    ]

    /// Strict UTF-8 validation (no overlong forms, no surrogates, nothing above U+10FFFF).
    static func isValidUTF8(_ bytes: [UInt8]) -> Bool {
        var index = 0
        let count = bytes.count
        while index < count {
            let lead = bytes[index]
            if lead < 0x80 {
                index += 1
                continue
            }
            let length: Int
            var lower: UInt8 = 0x80
            var upper: UInt8 = 0xBF
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0:
                length = 3
                lower = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED:
                length = 3
                upper = 0x9F
            case 0xF0:
                length = 4
                lower = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4:
                length = 4
                upper = 0x8F
            default: return false
            }
            guard index + length <= count else { return false }
            let second = bytes[index + 1]
            guard second >= lower, second <= upper else { return false }
            var offset = 2
            while offset < length {
                guard bytes[index + offset] & 0xC0 == 0x80 else { return false }
                offset += 1
            }
            index += length
        }
        return true
    }
}

/// One physical line of a field, as byte offsets into ``MTSource/bytes``.
struct MTLine: Sendable, Hashable {
    /// 1-based line number in the file.
    let number: Int
    let start: Int
    let end: Int
    /// The length in characters of the whole physical line, a field's tag included: the 65-character
    /// wrap rule for free text looks at it.
    let physicalLength: Int
}

/// A field: `:61:` and its continuation lines. `lines[0]` is the text after the tag.
struct MTField: Sendable {
    /// `20`, `28C`, `61`, `NS`…
    let tag: String
    /// Line number of the tag.
    let line: Int
    var lines: [MTLine]
}

enum MTEvent: Sendable {
    /// A FIN envelope block (`{1:…}{2:…}{4:`), with the message type from block 2 when the line has one.
    case envelope(line: Int, messageType: String?)
    case field(MTField)
    /// The end-of-message mark `-` (or `-}` in an envelope).
    case end(line: Int)
    /// Text outside any field. `bankHeader` is true for the transmission headers some banks put before
    /// a statement (`:940:`, `940 00`, a lone BIC, ING's `0000 01INGBNL2AXXXX00001`).
    case ignored(line: Int, text: String, bankHeader: Bool)
}

/// Splits the file into fields.
///
/// - A line is a field tag when it starts (after optional blanks) with `:nn:`, `:nna:` or `:NS:` for a
///   tag MT940/MT942 knows. A tag-like text MT940 does not know (`:26:` in `T16:26:37`, when a bank
///   wrapped a time stamp right before its colon) is text, like any other line.
/// - Every other line continues the field before it (wrapped lines, `:61:` supplementary details,
///   `:86:` text). Outside a field (before the first one, after `-`) text is reported as ignored.
/// - `-` alone ends a message; inside `:86:` only when a tag, an envelope or the end of the file comes
///   next (ING wraps `:86:` text so that a line may be just `-`).
/// - A line holding only `:` followed by a line starting `86:` is one tag line (Sparkasse exports).
/// - CR, LF and CRLF all end a line; control characters around a line (SOH, ETX of transmission
///   framing) are dropped; empty lines are skipped.
struct MTScanner {
    static let knownTags: Set<String> = [
        "13", "13D", "20", "21", "25", "25P", "28", "28C", "34F", "60F", "60M", "61", "62F", "62M", "64", "65",
        "86", "90C", "90D", "NS",
    ]

    private struct RawLine {
        let number: Int
        let lineStart: Int
        let start: Int
        let end: Int
    }

    private let bytes: [UInt8]
    private var offset = 0
    private var lineNumber = 0
    private var field: MTField?
    private var pending: [MTEvent] = []
    private var pendingIndex = 0

    init(_ source: MTSource) { bytes = source.bytes }

    mutating func next() -> MTEvent? {
        while pendingIndex >= pending.count {
            pending.removeAll(keepingCapacity: true)
            pendingIndex = 0
            guard let line = Self.line(in: bytes, at: offset, number: lineNumber + 1) else {
                closeField()
                if pending.isEmpty { return nil }
                break
            }
            offset = line.next
            lineNumber = line.line.number
            handle(line.line)
        }
        let event = pending[pendingIndex]
        pendingIndex += 1
        return event
    }

    // MARK: Lines

    private static func line(in bytes: [UInt8], at offset: Int, number: Int) -> (line: RawLine, next: Int)? {
        guard offset < bytes.count else { return nil }
        var index = offset
        while index < bytes.count, bytes[index] != 0x0A, bytes[index] != 0x0D { index += 1 }
        let lineEnd = index
        if index < bytes.count {
            if bytes[index] == 0x0D, index + 1 < bytes.count, bytes[index + 1] == 0x0A {
                index += 2
            } else {
                index += 1
            }
        }
        var start = offset
        var end = lineEnd
        while start < end, isStrippedControl(bytes[start]) { start += 1 }
        while end > start, isStrippedControl(bytes[end - 1]) { end -= 1 }
        return (RawLine(number: number, lineStart: offset, start: start, end: end), index)
    }

    /// C0 controls other than TAB: SOH/STX/ETX framing, SUB (DOS end of file), stray NULs.
    private static func isStrippedControl(_ byte: UInt8) -> Bool { byte < 0x20 && byte != 0x09 }

    private func characterCount(_ start: Int, _ end: Int) -> Int {
        var count = 0
        var index = start
        while index < end {
            if bytes[index] & 0xC0 != 0x80 { count += 1 }
            index += 1
        }
        return count
    }

    // MARK: Classification

    /// Handles a line; what follows a FIN block or `-}` on the same line is handled in turn (a loop,
    /// not recursion, however many messages a line holds).
    private mutating func handle(_ line: RawLine) {
        var next: RawLine? = line
        while let current = next { next = handleOne(current) }
    }

    /// Handles one line and returns the rest of it still to be handled, if any.
    private mutating func handleOne(_ line: RawLine) -> RawLine? {
        let end = line.end
        guard line.start < end else { return nil }
        var first = line.start
        while first < end, bytes[first] == 0x20 || bytes[first] == 0x09 { first += 1 }
        guard first < end else {
            // Blank padding (SNS and ASN pad `:86:` to 65 columns): part of a field, else nothing.
            appendToField(line)
            return nil
        }
        switch bytes[first] {
        case UInt8(ascii: "{"):
            if case .envelope(let rest) = handleEnvelope(line, from: first) { return rest }
        case UInt8(ascii: "-"):
            if isEndOfMessage(line, at: first) {
                closeField()
                pending.append(.end(line: line.number))
                // `-}{5:…}` or `-}{5:}{1:…}{2:…}{4:` when messages follow on the same line.
                if first + 1 < end, bytes[first + 1] == UInt8(ascii: "}"), first + 2 < end {
                    return RawLine(number: line.number, lineStart: line.lineStart, start: first + 2, end: end)
                }
                return nil
            }
        case UInt8(ascii: ":"):
            if let (tag, contentStart) = tag(at: first, end: end) {
                closeField()
                field = MTField(
                    tag: tag, line: line.number,
                    lines: [
                        MTLine(
                            number: line.number, start: contentStart, end: end,
                            physicalLength: characterCount(line.lineStart, end))
                    ])
                return nil
            }
            if first + 1 == end, startSplitTag(after: line) { return nil }
        default: break
        }
        if field != nil {
            appendToField(line)
        } else {
            pending.append(
                .ignored(
                    line: line.number, text: MTText.string(bytes[line.start..<end]),
                    bankHeader: isBankHeader(first, end)))
        }
        return nil
    }

    private mutating func appendToField(_ line: RawLine) {
        guard field != nil else { return }
        let length = characterCount(line.lineStart, line.end)
        field?.lines.append(MTLine(number: line.number, start: line.start, end: line.end, physicalLength: length))
    }

    private mutating func closeField() {
        if let field { pending.append(.field(field)) }
        field = nil
    }

    /// `:20:` → ("20", index after the second colon) when the tag is one MT940/942 knows.
    private func tag(at colon: Int, end: Int) -> (String, Int)? {
        guard colon < end, bytes[colon] == UInt8(ascii: ":") else { return nil }
        return tagWithoutColon(at: colon + 1, end: end)
    }

    private func tagWithoutColon(at start: Int, end: Int) -> (String, Int)? {
        var index = start
        if index + 2 < end, bytes[index] == UInt8(ascii: "N"), bytes[index + 1] == UInt8(ascii: "S"),
            bytes[index + 2] == UInt8(ascii: ":")
        {
            return ("NS", index + 3)
        }
        guard index + 2 < end, bytes[index].mtDigit, bytes[index + 1].mtDigit else { return nil }
        index += 2
        if index < end, bytes[index].mtUpper { index += 1 }
        guard index < end, bytes[index] == UInt8(ascii: ":") else { return nil }
        let tag = MTText.string(bytes[start..<index])
        guard Self.knownTags.contains(tag) else { return nil }
        return (tag, index + 1)
    }

    /// `:` on its own line and `86:…` on the next: one tag line split by the bank's line wrapping.
    private mutating func startSplitTag(after line: RawLine) -> Bool {
        guard let (next, nextOffset) = Self.line(in: bytes, at: offset, number: line.number + 1),
            let (tag, contentStart) = tagWithoutColon(at: next.start, end: next.end)
        else { return false }
        offset = nextOffset
        lineNumber = next.number
        closeField()
        field = MTField(
            tag: tag, line: next.number,
            lines: [
                MTLine(
                    number: next.number, start: contentStart, end: next.end,
                    physicalLength: characterCount(next.lineStart, next.end) + 1)
            ])
        return true
    }

    private enum EnvelopeLine {
        case notEnvelope
        /// With the text after `{4:` still to be handled.
        case envelope(rest: RawLine?)
    }

    /// `{1:F01…}{2:O940…}{3:…}{4:` and trailer blocks.
    private mutating func handleEnvelope(_ line: RawLine, from first: Int) -> EnvelopeLine {
        let end = line.end
        var index = first
        var sawBlock = false
        var messageType: String?
        var textStart: Int?
        while index + 2 < end, bytes[index] == UInt8(ascii: "{"), bytes[index + 2] == UInt8(ascii: ":") {
            let id = bytes[index + 1]
            if id == UInt8(ascii: "4") {
                sawBlock = true
                textStart = index + 3
                break
            }
            guard
                id == UInt8(ascii: "1") || id == UInt8(ascii: "2") || id == UInt8(ascii: "3")
                    || id == UInt8(ascii: "5") || id == UInt8(ascii: "S")
            else { break }
            sawBlock = true
            var depth = 0
            var close: Int?
            var scan = index
            while scan < end {
                if bytes[scan] == UInt8(ascii: "{") {
                    depth += 1
                } else if bytes[scan] == UInt8(ascii: "}") {
                    depth -= 1
                    if depth == 0 {
                        close = scan
                        break
                    }
                }
                scan += 1
            }
            let blockEnd = close ?? end
            // Block 2: `I940…` (input) or `O940…` (output); the message type is the three digits.
            if id == UInt8(ascii: "2"), index + 6 < blockEnd,
                bytes[index + 3] == UInt8(ascii: "I") || bytes[index + 3] == UInt8(ascii: "O"),
                bytes[index + 4].mtDigit, bytes[index + 5].mtDigit, bytes[index + 6].mtDigit
            {
                messageType = MTText.string(bytes[(index + 4)...(index + 6)])
            }
            guard let close else { break }
            index = close + 1
        }
        guard sawBlock else { return .notEnvelope }
        closeField()
        pending.append(.envelope(line: line.number, messageType: messageType))
        if let textStart, textStart < end {
            return .envelope(rest: RawLine(number: line.number, lineStart: line.lineStart, start: textStart, end: end))
        }
        return .envelope(rest: nil)
    }

    /// Whether a line starting with `-` ends the message (see the type's documentation).
    private func isEndOfMessage(_ line: RawLine, at dash: Int) -> Bool {
        let end = line.end
        if dash + 1 < end, bytes[dash + 1] == UInt8(ascii: "}") { return true }
        // `-`, or `-XXX` as ING's old exports end: at most four letters or digits after the dash.
        var rest = dash + 1
        while rest < end, bytes[rest].mtAlnum { rest += 1 }
        while rest < end, bytes[rest] == 0x20 || bytes[rest] == 0x09 { rest += 1 }
        guard rest == end, end - dash <= 5 else { return false }
        guard let field, field.tag == "86" || field.tag == "61" || field.tag == "NS" else { return true }
        // Inside free text: only when the next meaningful line starts something new.
        var scanOffset = offset
        var number = line.number
        while let (next, nextOffset) = Self.line(in: bytes, at: scanOffset, number: number + 1) {
            scanOffset = nextOffset
            number = next.number
            var first = next.start
            while first < next.end, bytes[first] == 0x20 || bytes[first] == 0x09 { first += 1 }
            guard first < next.end else { continue }
            if isBankHeader(first, next.end) { continue }
            switch bytes[first] {
            case UInt8(ascii: "{"): return true
            case UInt8(ascii: ":"): return tag(at: first, end: next.end) != nil || first + 1 == next.end
            default: return false
            }
        }
        return true
    }

    /// Transmission headers banks put before a statement: `:940:` (Rabobank), `940` / `940 00` and a
    /// lone BIC (ABN AMRO, ING), `0000 01INGBNL2AXXXX00001` (ING).
    private func isBankHeader(_ start: Int, _ end: Int) -> Bool {
        var last = end
        while last > start, bytes[last - 1] == 0x20 || bytes[last - 1] == 0x09 { last -= 1 }
        let text = bytes[start..<last]
        let count = text.count
        guard count > 0 else { return false }
        // `:940:`, `940`, `:942:`
        var core = text
        if core.first == UInt8(ascii: ":"), core.last == UInt8(ascii: ":"), core.count == 5 {
            core = core.dropFirst().dropLast()
        }
        if core.count == 3, core.allSatisfy(\.mtDigit) { return true }
        // `940 00`
        if count == 6, text.prefix(3).allSatisfy(\.mtDigit), text.dropFirst(3).first == 0x20,
            text.suffix(2).allSatisfy(\.mtDigit)
        {
            return true
        }
        // A BIC on its own: four letters (bank), two letters (country), two, optionally three more.
        if count == 8 || count == 11, text.prefix(6).allSatisfy(\.mtUpper),
            text.allSatisfy({ $0.mtUpper || $0.mtDigit })
        {
            return true
        }
        // `0000 01INGBNL2AXXXX00001`
        if count > 5, text.prefix(4).allSatisfy(\.mtDigit), text.dropFirst(4).first == 0x20,
            text.dropFirst(5).allSatisfy({ $0.mtUpper || $0.mtDigit })
        {
            return true
        }
        return false
    }
}

/// Byte classes for the MT reader, prefixed so they cannot clash with another reader's helpers in
/// this module.
extension UInt8 {
    var mtDigit: Bool { self >= 0x30 && self <= 0x39 }
    var mtUpper: Bool { self >= 0x41 && self <= 0x5A }
    var mtLetter: Bool { mtUpper || (self >= 0x61 && self <= 0x7A) }
    var mtAlnum: Bool { mtLetter || mtDigit }
    var mtBlank: Bool { self == 0x20 || self == 0x09 }
}
