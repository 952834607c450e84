import Foundation

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// Checks that keep the XML parser honest and safe.
///
/// Foundation's `XMLParser` (swift-corelibs-foundation) runs libxml2 in recover mode and force-unwraps
/// names as UTF-8: an invalid UTF-8 byte in a tag name traps the process, and a processing instruction
/// without data (`<?xml?>`, `<?foo?>`) makes it dereference a null pointer. Data-less processing
/// instructions, DTDs and encodings other than UTF-8 and ISO-8859-1 are refused here; `XMLTextInput`
/// then makes sure the parser only ever sees valid UTF-8. Recover mode also turns a truncated file, content
/// after the root element or a stray `<` or `&` into a partial tree while `parse()` reports success; a
/// well-formedness pass refuses whatever libxml2 complained about, at the line where it did.
/// ``XMLTree/parse(_:)`` runs these for every XML reader.
enum XMLInputGuard {
    static func checkBytes(_ data: Data) throws(FormatError) {
        let first = data.first
        let second = data.dropFirst().first
        if first == 0xFE || first == 0xFF || first == 0 || second == 0 {
            throw FormatError(
                .unsupportedEncoding, at: "line 1",
                "the file is not UTF-8 text (UTF-16, UTF-32 or binary); ISO 20022 messages are UTF-8")
        }
        if !data.starts(with: [0xEF, 0xBB, 0xBF]), let declared = declaredEncoding(data) {
            switch declared.uppercased() {
            case "UTF-8", "UTF8": break
            // Every byte is a Latin-1 character; XMLTextInput transcodes it to UTF-8.
            case "ISO-8859-1", "ISO8859-1", "ISO_8859-1", "LATIN1", "LATIN-1": break
            default:
                throw FormatError(
                    .unsupportedEncoding, at: "line 1",
                    "the file declares the encoding \(String(declared.prefix(40))); ISO 20022 messages are UTF-8")
            }
        }
        // Whether the bytes really are UTF-8 is checked once, by XMLTextInput, which XMLTree.parse runs next.
        // No ISO 20022 message has a DTD; refusing one also keeps entity expansion out.
        if let range = data.range(of: Data("<!DOCTYPE".utf8)) {
            throw FormatError(
                .malformed, at: "line \(line(at: range.lowerBound, in: data))",
                "a DTD (<!DOCTYPE …>) has no place in an ISO 20022 message")
        }
        if let offset = bareProcessingInstruction(data) {
            throw FormatError(
                .malformed, at: "line \(line(at: data.startIndex + offset, in: data))",
                "a processing instruction without data (<?name?>), which the XML parser cannot read")
        }
    }

    /// The offset of the first `<?name?>`: a processing instruction with no data at all, on which
    /// Foundation's `XMLParser` dereferences a null pointer (even `<?xml?>`). With a space before `?>`
    /// it is read normally.
    static func bareProcessingInstruction(_ data: Data) -> Int? {
        data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) -> Int? in
            let count = bytes.count
            var index = 0
            while index + 1 < count {
                defer { index += 1 }
                guard bytes[index] == UInt8(ascii: "<"), bytes[index + 1] == UInt8(ascii: "?") else { continue }
                var end = index + 2
                while end < count {
                    let byte = bytes[end]
                    if byte == UInt8(ascii: "?") || byte == UInt8(ascii: ">") || byte == 0x20 || byte == 0x09
                        || byte == 0x0A
                        || byte == 0x0D
                    {
                        break
                    }
                    end += 1
                }
                if end > index + 2, end + 1 < count, bytes[end] == UInt8(ascii: "?"),
                    bytes[end + 1] == UInt8(ascii: ">")
                {
                    return index
                }
            }
            return nil
        }
    }

    /// The `encoding` of the XML declaration, if the file starts with one.
    static func declaredEncoding(_ data: Data) -> String? {
        let head = Array(data.prefix(256))
        guard head.starts(with: Array("<?xml".utf8)) else { return nil }
        let declaration = head.prefix { $0 != UInt8(ascii: ">") }
        guard let key = declaration.firstRange(of: Array("encoding".utf8)) else { return nil }
        var rest = declaration[key.upperBound...].drop { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "=") }
        guard let quote = rest.first, quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") else { return nil }
        rest = rest.dropFirst()
        return String(decoding: rest.prefix { $0 != quote }, as: UTF8.self)
    }

    static func line(at index: Data.Index, in data: Data) -> Int {
        1 + data[data.startIndex..<index].reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
    }

    /// Parses the data once more, only to see whether libxml2 reported an error it recovered from.
    static func checkWellFormed(_ data: Data) throws(FormatError) {
        let parser = XMLParser(data: data)
        parser.shouldResolveExternalEntities = false
        let listener = Listener()
        parser.delegate = listener
        let ok = withExtendedLifetime(listener) { parser.parse() }
        guard ok, parser.parserError == nil, listener.firstError == nil else {
            let error = listener.firstError ?? parser.parserError
            let line = listener.firstErrorLine ?? parser.lineNumber
            throw FormatError(
                .malformed, at: "line \(line)",
                "the XML is not well-formed: \(reason(error.map { ($0 as NSError).code } ?? 0))")
        }
    }

    /// Notes where libxml2 first complained (by the end of a recovered parse it is elsewhere).
    private final class Listener: NSObject, XMLParserDelegate {
        var firstError: (any Error)?
        var firstErrorLine: Int?

        func parser(_ parser: XMLParser, parseErrorOccurred parseError: any Error) {
            guard firstError == nil else { return }
            firstError = parseError
            firstErrorLine = parser.lineNumber
        }
    }

    /// libxml2's error numbers, as `XMLParser.ErrorCode` passes them on.
    static func reason(_ code: Int) -> String {
        switch code {
        case 4: "the document is empty"
        case 5: "it ends too early, or goes on after its root element"
        case 9: "it holds a character XML does not allow"
        case 22, 23: "an '&' that starts no entity (write &amp;)"
        case 26: "it refers to an undeclared entity"
        case 68: "a '<' that starts no tag (write &lt;)"
        case 41, 42: "an attribute appears twice"
        case 76: "an end tag does not match its start tag"
        case 77: "an element is not closed"
        default: "libxml2 error \(code)"
        }
    }
}
