import Foundation

/// Receives what ``XMLScanner`` reads, in document order. The byte buffers are valid only during the
/// call; they hold UTF-8 (a Latin-1 file is transcoded) with entities and line ends already decoded.
protocol XMLContentHandler {
    mutating func startElement(_ tag: XMLStartTag) throws(FormatError)
    /// Character data of the innermost open element (text and CDATA, possibly in several pieces).
    mutating func characters(_ text: UnsafeRawBufferPointer) throws(FormatError)
    mutating func endElement() throws(FormatError)
}

/// A start tag as the scanner hands it over.
struct XMLStartTag {
    /// The local name: the qualified name without its namespace prefix.
    var localName: UnsafeRawBufferPointer
    var namespaceURI: String?
    /// Qualified names (`Ccy`, `xsi:schemaLocation`) with their decoded values; `xmlns` declarations
    /// are not attributes but namespace scope, and are left out.
    var attributes: [(name: String, value: String)]
    var line: Int
}

/// A strict, streaming XML 1.0 reader for ISO 20022 messages: it reads a document in windows of bytes,
/// so a statement of a million entries never has to be in memory at once, and refuses what is not
/// well-formed with the line it noticed it on.
///
/// It does exactly what bank messages need and no more. Namespaces are resolved; the predefined and
/// numeric character references are decoded; comments and processing instructions are skipped; CDATA
/// is text. There is no DTD support at all — a `<!DOCTYPE` is an error, which also keeps entity
/// expansion attacks out. UTF-8 is checked byte by byte; ISO-8859-1, which some banks still declare,
/// is transcoded; any other declared encoding is refused.
///
/// PayHub used Foundation's `XMLParser` before: on Linux it traps on some malformed inputs (invalid
/// UTF-8 in a name, a processing instruction without data), recovers silently from others, and builds
/// every string through `NSString`, which made a 1 GB statement take minutes.
struct XMLScanner {
    enum Encoding { case utf8, latin1 }

    private(set) var line = 1
    /// Bytes consumed before the current window, for error messages.
    private var offset = 0
    private var encoding = Encoding.utf8
    private var atDocumentStart = true
    private var rootSeen = false
    private var rootClosed = false
    /// Qualified names of the open elements, back to back, and where each starts and opened.
    private var openNames: [UInt8] = []
    private var openElements: [(nameStart: Int, line: Int)] = []
    /// Namespace declarations in scope: the depth that declared them, prefix (empty for the default).
    private var namespaces: [(depth: Int, prefix: [UInt8], uri: String?)] = []
    private var attributes: [(name: String, value: String)] = []
    private var scratch: [UInt8] = []

    var depth: Int { openElements.count }

    /// Reads every complete token of `window` and returns how many bytes it consumed. A token cut off
    /// by the end of the window is left for the next call, with more bytes; when `isFinal` there are no
    /// more, and an unfinished document is an error.
    mutating func scan<Handler: XMLContentHandler>(
        _ window: UnsafeRawBufferPointer, isFinal: Bool, into handler: inout Handler
    ) throws(FormatError) -> Int {
        guard let base = window.baseAddress?.assumingMemoryBound(to: UInt8.self), window.count > 0 else {
            if isFinal { try finish() }
            return 0
        }
        let bytes = UnsafeBufferPointer(start: base, count: window.count)
        var position = 0
        if atDocumentStart {
            guard let start = try documentStart(bytes, isFinal: isFinal) else { return 0 }
            position = start
        }
        while position < bytes.count {
            let consumed: Int?
            if bytes[position] == UInt8(ascii: "<") {
                consumed = try markup(bytes, at: position, isFinal: isFinal, handler: &handler)
            } else {
                consumed = try text(bytes, at: position, isFinal: isFinal, handler: &handler)
            }
            guard let consumed else { break }
            position = consumed
        }
        offset += position
        if isFinal {
            if position < bytes.count { throw endsEarly() }
            try finish()
        }
        return position
    }

    // MARK: - Document start: byte order marks and the XML declaration

    /// Skips a UTF-8 byte order mark and reads the XML declaration; nil when more bytes are needed.
    private mutating func documentStart(_ bytes: UnsafeBufferPointer<UInt8>, isFinal: Bool) throws(FormatError) -> Int? {
        if bytes.count < 6 && !isFinal { return nil }
        let first = bytes[0]
        let second = bytes.count > 1 ? bytes[1] : 1
        if first == 0xFE || first == 0xFF || first == 0 || second == 0 {
            throw FormatError(
                .unsupportedEncoding, at: "line 1",
                "the file is not UTF-8 text (UTF-16, UTF-32 or binary); ISO 20022 messages are UTF-8")
        }
        var start = 0
        let hasBOM = bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF
        if hasBOM { start = 3 }
        // `<?xml-stylesheet …?>` is a processing instruction, not the declaration.
        guard Self.matches(bytes, at: start, "<?xml"), start + 5 < bytes.count,
            Self.isSpace(bytes[start + 5]) || bytes[start + 5] == UInt8(ascii: "?")
        else {
            atDocumentStart = false
            return start
        }
        guard let end = Self.find(bytes, "?>", from: start) else {
            if isFinal { throw malformed("the XML declaration is not closed with ?>") }
            return nil
        }
        let declaration = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
        guard declaration.contains("version") else {
            throw malformed("the XML declaration <?xml …?> has no version")
        }
        if let encoding = Self.pseudoAttribute("encoding", in: declaration), !hasBOM {
            switch encoding.uppercased() {
            case "UTF-8", "UTF8": self.encoding = .utf8
            case "ISO-8859-1", "ISO8859-1", "ISO_8859-1", "LATIN1", "LATIN-1", "L1": self.encoding = .latin1
            default:
                throw FormatError(
                    .unsupportedEncoding, at: "line 1",
                    "the file declares the encoding \(String(encoding.prefix(40))); PayHub reads UTF-8 and ISO-8859-1")
            }
        }
        line += Self.newlines(in: bytes, start..<end)
        atDocumentStart = false
        return end + 2
    }

    /// The value of `name="…"` in an XML declaration.
    static func pseudoAttribute(_ name: String, in declaration: String) -> String? {
        guard let key = declaration.range(of: name) else { return nil }
        var rest = declaration[key.upperBound...].drop { $0 == " " || $0 == "=" || $0 == "\t" }
        guard let quote = rest.first, quote == "\"" || quote == "'" else { return nil }
        rest = rest.dropFirst()
        return String(rest.prefix { $0 != quote })
    }

    // MARK: - Character data

    private mutating func text<Handler: XMLContentHandler>(
        _ bytes: UnsafeBufferPointer<UInt8>, at start: Int, isFinal: Bool, handler: inout Handler
    ) throws(FormatError) -> Int? {
        var index = start
        var newlines = 0
        var needsDecoding = false
        var whitespaceOnly = true
        let count = bytes.count
        while index < count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "<") { break }
            switch byte {
            case 0x0A: newlines += 1
            case 0x20, 0x09: break
            case 0x0D: needsDecoding = true
            case UInt8(ascii: "&"): needsDecoding = true; whitespaceOnly = false
            case 0x00..<0x20: throw malformed("it holds a character XML does not allow (byte \(byte))", extraLines: newlines)
            case 0x80...:
                whitespaceOnly = false
                if encoding == .latin1 {
                    needsDecoding = true
                } else {
                    guard let length = try utf8Sequence(bytes, at: index, isFinal: isFinal, extraLines: newlines) else {
                        return nil
                    }
                    index += length
                    continue
                }
            default: whitespaceOnly = false
            }
            index += 1
        }
        if index == count && !isFinal { return nil }
        if depth == 0 {
            guard whitespaceOnly else {
                throw malformed(
                    rootClosed ? "it goes on after its root element" : "text before the root element", extraLines: 0)
            }
        } else if needsDecoding {
            try decode(bytes, start..<index, attribute: false)
            try scratch.withBytes { (decoded) throws(FormatError) in try handler.characters(decoded) }
        } else {
            try handler.characters(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[start..<index])))
        }
        line += newlines
        return index
    }

    /// The length of the UTF-8 sequence at `index`, nil when the window cuts it off.
    private func utf8Sequence(
        _ bytes: UnsafeBufferPointer<UInt8>, at index: Int, isFinal: Bool, extraLines: Int
    ) throws(FormatError) -> Int? {
        let lead = bytes[index]
        let length: Int
        var second: ClosedRange<UInt8> = 0x80...0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; second = 0xA0...0xBF
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; second = 0x80...0x9F
        case 0xF0: length = 4; second = 0x90...0xBF
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; second = 0x80...0x8F
        default: throw invalidUTF8(at: index, extraLines: extraLines)
        }
        if index + length > bytes.count {
            if isFinal { throw invalidUTF8(at: index, extraLines: extraLines) }
            return nil
        }
        guard second.contains(bytes[index + 1]) else { throw invalidUTF8(at: index, extraLines: extraLines) }
        for next in (index + 2)..<(index + length) where bytes[next] & 0xC0 != 0x80 {
            throw invalidUTF8(at: index, extraLines: extraLines)
        }
        return length
    }

    /// Decodes character references and line ends (and Latin-1) of `range` into `scratch`.
    /// In an attribute value, tabs and line ends become spaces (XML's attribute-value normalisation).
    private mutating func decode(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, attribute: Bool) throws(FormatError) {
        scratch.removeAll(keepingCapacity: true)
        var index = range.lowerBound
        while index < range.upperBound {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "&"):
                guard let semicolon = Self.find(bytes, ";", from: index + 1, before: range.upperBound),
                    semicolon - index <= 12
                else {
                    throw malformed("an '&' that starts no entity (write &amp;)", extraLines: Self.newlines(in: bytes, range.lowerBound..<index))
                }
                let name = UnsafeBufferPointer(rebasing: bytes[(index + 1)..<semicolon])
                guard let scalar = Self.entity(name) else {
                    throw malformed(
                        "an '&' that starts no entity it knows (&\(String(decoding: name, as: UTF8.self));) — write &amp;",
                        extraLines: Self.newlines(in: bytes, range.lowerBound..<index))
                }
                scratch.append(contentsOf: String(Character(scalar)).utf8)
                index = semicolon + 1
                continue
            case 0x0D:
                scratch.append(attribute ? 0x20 : 0x0A)
                if index + 1 < range.upperBound && bytes[index + 1] == 0x0A { index += 1 }
            case 0x0A, 0x09:
                scratch.append(attribute ? 0x20 : byte)
            case 0x80...:
                if encoding == .latin1 {
                    scratch.append(0xC0 | byte >> 6)
                    scratch.append(0x80 | byte & 0x3F)
                } else {
                    scratch.append(byte)
                }
            default:
                scratch.append(byte)
            }
            index += 1
        }
    }

    /// `lt`, `#233`, `#xE9`… as the character they stand for; nil for anything else (no DTD, so no
    /// other entities exist) and for references to characters XML does not allow.
    private static func entity(_ name: UnsafeBufferPointer<UInt8>) -> Unicode.Scalar? {
        switch String(decoding: name, as: UTF8.self) {
        case "lt": return "<"
        case "gt": return ">"
        case "amp": return "&"
        case "apos": return "'"
        case "quot": return "\""
        case let reference where reference.hasPrefix("#x"):
            return UInt32(reference.dropFirst(2), radix: 16).flatMap(allowedScalar)
        case let reference where reference.hasPrefix("#"):
            return UInt32(reference.dropFirst(), radix: 10).flatMap(allowedScalar)
        default: return nil
        }
    }

    private static func allowedScalar(_ value: UInt32) -> Unicode.Scalar? {
        guard value == 0x09 || value == 0x0A || value == 0x0D || value >= 0x20 else { return nil }
        return Unicode.Scalar(value)
    }

    // MARK: - Markup

    private mutating func markup<Handler: XMLContentHandler>(
        _ bytes: UnsafeBufferPointer<UInt8>, at start: Int, isFinal: Bool, handler: inout Handler
    ) throws(FormatError) -> Int? {
        guard start + 1 < bytes.count else { return nil }
        switch bytes[start + 1] {
        case UInt8(ascii: "/"): return try endTag(bytes, at: start, handler: &handler)
        case UInt8(ascii: "?"):
            guard let end = Self.find(bytes, "?>", from: start + 2) else { return nil }
            let target = UnsafeBufferPointer(rebasing: bytes[(start + 2)..<end]).prefix { !Self.isSpace($0) }
            if target.count == 3, String(decoding: target, as: UTF8.self).lowercased() == "xml" {
                throw malformed("an XML declaration after the start of the file")
            }
            if encoding == .utf8 { try checkUTF8(bytes, start..<end) }
            line += Self.newlines(in: bytes, start..<end)
            return end + 2
        case UInt8(ascii: "!"):
            if Self.matches(bytes, at: start, "<!--") {
                guard let end = Self.find(bytes, "-->", from: start + 4) else { return nil }
                if encoding == .utf8 { try checkUTF8(bytes, start..<end) }
                line += Self.newlines(in: bytes, start..<end)
                return end + 3
            }
            if Self.matches(bytes, at: start, "<![CDATA[") {
                guard let end = Self.find(bytes, "]]>", from: start + 9) else { return nil }
                return try cdata(bytes, start + 9..<end, handler: &handler).map { _ in end + 3 }
            }
            if bytes.count - start < 9 && !isFinal { return nil }
            if Self.matches(bytes, at: start, "<!DOCTYPE") {
                throw malformed("a DTD (<!DOCTYPE …>) has no place in an ISO 20022 message")
            }
            throw malformed("a '<!' that starts no comment or CDATA section")
        default:
            return try startTag(bytes, at: start, handler: &handler)
        }
    }

    private mutating func cdata<Handler: XMLContentHandler>(
        _ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, handler: inout Handler
    ) throws(FormatError) -> Int? {
        guard depth > 0 else { throw malformed("a CDATA section outside the root element") }
        var index = range.lowerBound
        var plain = true
        while index < range.upperBound {
            let byte = bytes[index]
            if byte < 0x20 && byte != 0x0A && byte != 0x09 {
                guard byte == 0x0D else { throw malformed("it holds a character XML does not allow (byte \(byte))") }
                plain = false
            } else if byte >= 0x80 {
                if encoding == .latin1 {
                    plain = false
                } else if let length = try utf8Sequence(bytes, at: index, isFinal: true, extraLines: 0) {
                    index += length
                    continue
                }
            }
            index += 1
        }
        if plain {
            try handler.characters(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[range])))
        } else {
            // Line ends and Latin-1 only: CDATA has no character references, so `&` is copied as it is.
            scratch.removeAll(keepingCapacity: true)
            var index = range.lowerBound
            while index < range.upperBound {
                let byte = bytes[index]
                if byte == 0x0D {
                    scratch.append(0x0A)
                    if index + 1 < range.upperBound && bytes[index + 1] == 0x0A { index += 1 }
                } else if byte >= 0x80 && encoding == .latin1 {
                    scratch.append(0xC0 | byte >> 6)
                    scratch.append(0x80 | byte & 0x3F)
                } else {
                    scratch.append(byte)
                }
                index += 1
            }
            try scratch.withBytes { (decoded) throws(FormatError) in try handler.characters(decoded) }
        }
        line += Self.newlines(in: bytes, range)
        return range.upperBound
    }

    private mutating func startTag<Handler: XMLContentHandler>(
        _ bytes: UnsafeBufferPointer<UInt8>, at start: Int, handler: inout Handler
    ) throws(FormatError) -> Int? {
        let count = bytes.count
        guard Self.isNameStart(bytes[start + 1]) else { throw malformed("a '<' that starts no tag (write &lt;)") }
        var index = start + 1
        var colon = -1
        while index < count, !Self.isNameEnd(bytes[index]) {
            switch bytes[index] {
            case UInt8(ascii: ":"): if colon < 0 { colon = index }
            case UInt8(ascii: "<"), UInt8(ascii: "&"), UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "="):
                throw malformed("a '<' that starts no tag (write &lt;)")
            default: break
            }
            index += 1
        }
        guard index < count else { return nil }
        let nameRange = (start + 1)..<index
        try checkName(bytes, nameRange)
        attributes.removeAll(keepingCapacity: true)
        var declared: [(prefix: [UInt8], uri: String?)] = []
        var newlines = 0
        var selfClosing = false
        while true {
            // Whitespace, then `>`, `/>` or an attribute.
            var sawSpace = false
            while index < count, Self.isSpace(bytes[index]) {
                if bytes[index] == 0x0A { newlines += 1 }
                sawSpace = true
                index += 1
            }
            guard index < count else { return nil }
            if bytes[index] == UInt8(ascii: ">") {
                index += 1
                break
            }
            if bytes[index] == UInt8(ascii: "/") {
                guard index + 1 < count else { return nil }
                guard bytes[index + 1] == UInt8(ascii: ">") else {
                    throw malformed("a '/' inside a tag that does not close it", extraLines: newlines)
                }
                selfClosing = true
                index += 2
                break
            }
            guard sawSpace, Self.isNameStart(bytes[index]) else {
                throw malformed("a tag with something other than name=\"value\" attributes", extraLines: newlines)
            }
            let attributeStart = index
            while index < count, !Self.isNameEnd(bytes[index]), bytes[index] != UInt8(ascii: "=") { index += 1 }
            let attributeName = attributeStart..<index
            while index < count, Self.isSpace(bytes[index]) {
                if bytes[index] == 0x0A { newlines += 1 }
                index += 1
            }
            guard index < count else { return nil }
            guard bytes[index] == UInt8(ascii: "=") else {
                throw malformed("an attribute without a value (name=\"value\")", extraLines: newlines)
            }
            index += 1
            while index < count, Self.isSpace(bytes[index]) {
                if bytes[index] == 0x0A { newlines += 1 }
                index += 1
            }
            guard index < count else { return nil }
            let quote = bytes[index]
            guard quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") else {
                throw malformed("an attribute value without quotes", extraLines: newlines)
            }
            let valueStart = index + 1
            index = valueStart
            var plain = true
            while index < count, bytes[index] != quote {
                let byte = bytes[index]
                if byte == UInt8(ascii: "<") {
                    throw malformed("a '<' inside an attribute value (write &lt;)", extraLines: newlines)
                }
                if byte == 0x0A { newlines += 1 }
                if byte == UInt8(ascii: "&") || byte < 0x20 || byte >= 0x80 { plain = false }
                if byte < 0x20 && byte != 0x09 && byte != 0x0A && byte != 0x0D {
                    throw malformed("it holds a character XML does not allow (byte \(byte))", extraLines: newlines)
                }
                index += 1
            }
            guard index < count else { return nil }
            let valueRange = valueStart..<index
            index += 1
            try checkName(bytes, attributeName)
            let value: String
            if plain {
                value = String(decoding: UnsafeBufferPointer(rebasing: bytes[valueRange]), as: UTF8.self)
            } else {
                if encoding == .utf8 { try checkUTF8(bytes, valueRange) }
                try decode(bytes, valueRange, attribute: true)
                value = String(decoding: scratch, as: UTF8.self)
            }
            let name = UnsafeBufferPointer(rebasing: bytes[attributeName])
            if name.count == 5, Self.matches(name, "xmlns") {
                declared.append((prefix: [], uri: value.isEmpty ? nil : value))
            } else if name.count > 6, Self.matches(name, "xmlns:") {
                declared.append((prefix: Array(name.dropFirst(6)), uri: value.isEmpty ? nil : value))
            } else {
                let qualified = transcodedName(name)
                if attributes.contains(where: { $0.name == qualified }) {
                    throw malformed("the attribute \(qualified) appears twice", extraLines: newlines)
                }
                attributes.append((qualified, value))
            }
        }
        if rootClosed { throw malformed("it goes on after its root element") }
        rootSeen = true
        let elementDepth = depth + 1
        for declaration in declared {
            namespaces.append((elementDepth, declaration.prefix, declaration.uri))
        }
        let qualified = UnsafeBufferPointer(rebasing: bytes[nameRange])
        let prefix = colon < 0 ? UnsafeBufferPointer(rebasing: bytes[0..<0]) : UnsafeBufferPointer(rebasing: bytes[nameRange.lowerBound..<colon])
        let local = colon < 0 ? qualified : UnsafeBufferPointer(rebasing: bytes[(colon + 1)..<nameRange.upperBound])
        let namespace = namespaces.last { $0.prefix.elementsEqual(prefix) }
        if colon >= 0 && namespace == nil {
            throw malformed("the prefix \(String(decoding: prefix, as: UTF8.self)) is not declared")
        }
        openElements.append((openNames.count, line))
        openNames.append(contentsOf: qualified)
        let localName = encoding == .latin1 && local.contains(where: { $0 >= 0x80 }) ? Array(transcodedName(local).utf8) : nil
        let tag = XMLStartTag(
            localName: UnsafeRawBufferPointer(local), namespaceURI: namespace?.uri, attributes: attributes, line: line)
        if let localName {
            try localName.withBytes { (name) throws(FormatError) in
                var transcoded = tag
                transcoded.localName = name
                try handler.startElement(transcoded)
            }
        } else {
            try handler.startElement(tag)
        }
        line += newlines
        if selfClosing { try close(handler: &handler) }
        return index
    }

    private mutating func endTag<Handler: XMLContentHandler>(
        _ bytes: UnsafeBufferPointer<UInt8>, at start: Int, handler: inout Handler
    ) throws(FormatError) -> Int? {
        guard let end = Self.find(bytes, ">", from: start + 2) else { return nil }
        var nameEnd = start + 2
        while nameEnd < end, !Self.isSpace(bytes[nameEnd]) { nameEnd += 1 }
        let name = UnsafeBufferPointer(rebasing: bytes[(start + 2)..<nameEnd])
        guard (nameEnd..<end).allSatisfy({ Self.isSpace(bytes[$0]) }) else {
            throw malformed("an end tag with more than a name in it")
        }
        guard let open = openElements.last else {
            throw malformed("an end tag </\(String(decoding: name.prefix(60), as: UTF8.self))> with no element open")
        }
        guard openNames[open.nameStart...].elementsEqual(name) else {
            let opened = String(decoding: openNames[open.nameStart...], as: UTF8.self)
            throw malformed(
                "an end tag does not match its start tag: </\(String(decoding: name.prefix(60), as: UTF8.self))> closes <\(opened)> of line \(open.line)")
        }
        try close(handler: &handler)
        line += Self.newlines(in: bytes, start..<end)
        return end + 1
    }

    private mutating func close<Handler: XMLContentHandler>(handler: inout Handler) throws(FormatError) {
        let closing = depth
        if let open = openElements.popLast() { openNames.removeSubrange(open.nameStart...) }
        while let last = namespaces.last, last.depth == closing { namespaces.removeLast() }
        if openElements.isEmpty { rootClosed = true }
        try handler.endElement()
    }

    private func finish() throws(FormatError) {
        guard rootSeen else { throw FormatError(.malformed, at: "line \(line)", "the XML is not well-formed: the document is empty") }
        guard openElements.isEmpty else { throw endsEarly() }
    }

    private func endsEarly() -> FormatError {
        let open = openElements.last.map { element in
            " (<\(String(decoding: openNames[element.nameStart...].prefix(60), as: UTF8.self))> of line \(element.line) is not closed)"
        }
        return FormatError(.malformed, at: "line \(line)", "the XML is not well-formed: it ends too early\(open ?? "")")
    }

    // MARK: - Names and errors

    /// Names may hold any non-ASCII character; in UTF-8 files it must at least be valid UTF-8.
    private func checkName(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) throws(FormatError) {
        guard encoding == .utf8 else { return }
        for index in range where bytes[index] >= 0x80 {
            try checkUTF8(bytes, range)
            return
        }
    }

    private func checkUTF8(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) throws(FormatError) {
        var index = range.lowerBound
        while index < range.upperBound {
            if bytes[index] < 0x80 {
                index += 1
            } else if let length = try utf8Sequence(
                bytes, at: index, isFinal: true, extraLines: Self.newlines(in: bytes, range.lowerBound..<index)),
                index + length <= range.upperBound
            {
                index += length
            } else {
                throw invalidUTF8(at: index, extraLines: Self.newlines(in: bytes, range.lowerBound..<index))
            }
        }
    }

    private func transcodedName(_ name: UnsafeBufferPointer<UInt8>) -> String {
        encoding == .latin1 ? String(String.UnicodeScalarView(name.map { Unicode.Scalar($0) })) : String(decoding: name, as: UTF8.self)
    }

    private func malformed(_ reason: String, extraLines: Int = 0) -> FormatError {
        FormatError(.malformed, at: "line \(line + extraLines)", "the XML is not well-formed: \(reason)")
    }

    private func invalidUTF8(at index: Int, extraLines: Int) -> FormatError {
        FormatError(
            .unsupportedEncoding, at: "line \(line + extraLines)",
            "the file is not valid UTF-8 (byte \(offset + index + 1)), which ISO 20022 messages are")
    }

    private static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x0A || byte == 0x09 || byte == 0x0D }

    private static func isNameEnd(_ byte: UInt8) -> Bool {
        isSpace(byte) || byte == UInt8(ascii: ">") || byte == UInt8(ascii: "/")
    }

    private static func isNameStart(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "_"),
            UInt8(ascii: ":"), 0x80...:
            true
        default: false
        }
    }

    private static func matches(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int = 0, _ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard index + count <= bytes.count else { return false }
        let pointer = literal.utf8Start
        for offset in 0..<count where bytes[index + offset] != pointer[offset] { return false }
        return true
    }

    /// Where `literal` next starts at or after `from` (and before `end`).
    private static func find(
        _ bytes: UnsafeBufferPointer<UInt8>, _ literal: StaticString, from: Int, before end: Int? = nil
    ) -> Int? {
        let limit = end ?? bytes.count
        let first = literal.utf8Start[0]
        var index = from
        while index < limit {
            if bytes[index] == first, matches(bytes, at: index, literal), index + literal.utf8CodeUnitCount <= limit {
                return index
            }
            index += 1
        }
        return nil
    }

    private static func newlines(in bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int {
        var count = 0
        for index in range where bytes[index] == 0x0A { count += 1 }
        return count
    }
}

/// Runs an ``XMLScanner`` over a whole document in memory, or over a file in windows.
enum XMLReading {
    static func read<Handler: XMLContentHandler>(_ data: Data, into handler: inout Handler) throws(FormatError) {
        var scanner = XMLScanner()
        var failure: FormatError?
        data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
            do throws(FormatError) { _ = try scanner.scan(bytes, isFinal: true, into: &handler) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// Reads a file through a window of `chunkSize` bytes (grown only for a single token larger than
    /// that), so memory stays flat whatever the file's size.
    static func read<Handler: XMLContentHandler>(
        contentsOf url: URL, chunkSize: Int = 1 << 20, into handler: inout Handler
    ) throws -> Void {
        let file = try FileHandle(forReadingFrom: url)
        defer { try? file.close() }
        var scanner = XMLScanner()
        var buffer = [UInt8](repeating: 0, count: chunkSize)
        var start = 0
        var end = 0
        var finished = false
        while true {
            if !finished {
                if start > 0 {
                    buffer.withUnsafeMutableBytes { raw in
                        raw.baseAddress!.copyMemory(from: raw.baseAddress! + start, byteCount: end - start)
                    }
                    end -= start
                    start = 0
                }
                if end == buffer.count {
                    guard buffer.count < 256 << 20 else {
                        throw FormatError(.malformed, at: "line \(scanner.line)", "a single XML token longer than 256 MiB")
                    }
                    buffer.append(contentsOf: repeatElement(0, count: buffer.count))
                }
                let chunk = try file.read(upToCount: buffer.count - end) ?? Data()
                if chunk.isEmpty {
                    finished = true
                } else {
                    _ = buffer.withUnsafeMutableBytes { raw in
                        chunk.copyBytes(to: UnsafeMutableRawBufferPointer(rebasing: raw[end..<(end + chunk.count)]))
                    }
                    end += chunk.count
                }
            }
            let (from, to, isFinal) = (start, end, finished)
            var consumed = 0
            try buffer.withBytes { (raw) throws(FormatError) in
                consumed = try scanner.scan(UnsafeRawBufferPointer(rebasing: raw[from..<to]), isFinal: isFinal, into: &handler)
            }
            start += consumed
            if finished { return }
        }
    }
}

extension Array where Element == UInt8 {
    /// `withUnsafeBytes` for a body with a typed error (the standard one only rethrows `any Error`).
    func withBytes<Failure: Error>(_ body: (UnsafeRawBufferPointer) throws(Failure) -> Void) throws(Failure) {
        var failure: Failure?
        withUnsafeBytes { bytes in
            do throws(Failure) { try body(bytes) } catch { failure = error }
        }
        if let failure { throw failure }
    }
}
