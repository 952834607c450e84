import Foundation

/// What `XMLTree.parse` hands Foundation's parser: always valid UTF-8, whatever the file.
///
/// When an XML declaration is damaged (`<?xml ver&#0;sion="1.0" encoding="ISO-8859-1"…`) libxml2 does
/// not take the encoding from it and reads the bytes as UTF-8, and Foundation's `XMLParser` then traps
/// on the first name or processing instruction that is not UTF-8 (found by fuzzing the corpus). So
/// ISO-8859-1 is transcoded here, the declaration made to say UTF-8, and anything else that is not
/// UTF-8 refused before the parser sees it.
enum XMLTextInput {
    static func utf8(_ data: Data) throws(FormatError) -> Data {
        let bytes = [UInt8](data)
        let hasBOM = bytes.starts(with: [0xEF, 0xBB, 0xBF])
        let declaration = String(decoding: bytes.dropFirst(hasBOM ? 3 : 0).prefix(256), as: UTF8.self)
        let declared = declaredEncoding(in: declaration)
        let name = declared?.value.uppercased()
        if !hasBOM, let name, ["ISO-8859-1", "ISO8859-1", "ISO_8859-1", "LATIN1", "LATIN-1", "L1"].contains(name) {
            // Every byte is a Latin-1 character: the text is the bytes as Unicode scalars.
            var text = String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
            if let range = declaredEncoding(in: text)?.range { text.replaceSubrange(range, with: "UTF-8") }
            return Data(text.utf8)
        }
        if let offset = firstInvalidUTF8(bytes) {
            let line = bytes.prefix(offset).reduce(1) { $1 == 0x0A ? $0 + 1 : $0 }
            let label = hasBOM || name == nil || name == "UTF-8" || name == "UTF8" ? nil : declared?.value
            throw FormatError(
                .unsupportedEncoding, at: "line \(line)",
                label.map { "the file declares the encoding \(String($0.prefix(40))); PayHub reads UTF-8 and ISO-8859-1" }
                    ?? "the file is not valid UTF-8 (byte \(offset + 1)), which ISO 20022 messages are")
        }
        return data
    }

    /// The value of the `encoding` pseudo-attribute of the XML declaration a text starts with, and
    /// where it stands.
    static func declaredEncoding(in text: String) -> (value: String, range: Range<String.Index>)? {
        guard text.hasPrefix("<?xml"), let end = text.range(of: "?>") else { return nil }
        let declaration = text[..<end.lowerBound]
        guard let match = declaration.firstMatch(of: #/encoding\s*=\s*["']([^"']*)["']/#) else { return nil }
        let value = match.output.1
        return (String(value), value.startIndex..<value.endIndex)
    }

    /// The offset of the first byte that does not belong to a well-formed UTF-8 sequence.
    static func firstInvalidUTF8(_ bytes: [UInt8]) -> Int? {
        var index = 0
        let count = bytes.count
        func continuation(_ offset: Int, _ range: ClosedRange<UInt8> = 0x80...0xBF) -> Bool {
            index + offset < count && range.contains(bytes[index + offset])
        }
        while index < count {
            let length: Int
            switch bytes[index] {
            case 0x00...0x7F: length = 1
            case 0xC2...0xDF: length = continuation(1) ? 2 : 0
            case 0xE0: length = continuation(1, 0xA0...0xBF) && continuation(2) ? 3 : 0
            case 0xE1...0xEC, 0xEE...0xEF: length = continuation(1) && continuation(2) ? 3 : 0
            case 0xED: length = continuation(1, 0x80...0x9F) && continuation(2) ? 3 : 0
            case 0xF0: length = continuation(1, 0x90...0xBF) && continuation(2) && continuation(3) ? 4 : 0
            case 0xF1...0xF3: length = continuation(1) && continuation(2) && continuation(3) ? 4 : 0
            case 0xF4: length = continuation(1, 0x80...0x8F) && continuation(2) && continuation(3) ? 4 : 0
            default: length = 0
            }
            if length == 0 { return index }
            index += length
        }
        return nil
    }
}
