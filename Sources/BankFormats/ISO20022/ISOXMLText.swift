import Foundation

/// A small indented XML text builder for the ISO 20022 writers; every text value is escaped.
///
/// It builds UTF-8 bytes, and with a sink hands them over in chunks as it goes, so a file of a hundred
/// thousand transactions is never in memory whole. A sink's error stops the writing; ``finish()``
/// throws it.
struct ISOXMLText {
    private(set) var bytes: [UInt8] = []
    private let sink: ((Data) throws -> Void)?
    private var sinkError: (any Error)?
    /// How much is collected before the sink gets it.
    static let chunkSize = 64 << 10

    /// Collects the whole document in ``bytes``.
    init() {
        sink = nil
        bytes.reserveCapacity(4096)
    }

    /// Hands the document to `sink` in chunks of about ``chunkSize`` bytes.
    init(flushingTo sink: @escaping (Data) throws -> Void) {
        self.sink = sink
        bytes.reserveCapacity(Self.chunkSize + 1024)
    }

    /// The document, for the in-memory writers.
    var data: Data { Data(bytes) }

    /// Hands the rest to the sink; throws the sink's first error, if it had one.
    mutating func finish() throws {
        flush()
        if let sinkError { throw sinkError }
    }

    private mutating func flush() {
        guard let sink, !bytes.isEmpty else { return }
        if sinkError == nil {
            do { try sink(Data(bytes)) } catch { sinkError = error }
        }
        bytes.removeAll(keepingCapacity: true)
    }

    private mutating func flushIfFull() {
        if sink != nil && bytes.count >= Self.chunkSize { flush() }
    }

    mutating func raw(_ string: String) {
        append(string)
        flushIfFull()
    }

    /// The string's UTF-8 bytes in one copy (appending `string.utf8` goes byte by byte).
    private mutating func append(_ string: String) {
        var string = string
        string.withUTF8 { bytes.append(contentsOf: $0) }
    }

    mutating func indent(_ level: Int) {
        Self.spaces.withUnsafeBufferPointer { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: $0.prefix(2 * level))) }
    }

    private static let spaces = [UInt8](repeating: 0x20, count: 64)

    mutating func open(_ tag: String, _ level: Int) {
        indent(level)
        bytes.append(UInt8(ascii: "<"))
        append(tag)
        bytes.append(UInt8(ascii: ">"))
        bytes.append(0x0A)
    }

    mutating func close(_ tag: String, _ level: Int) {
        indent(level)
        closeTag(tag)
        flushIfFull()
    }

    /// `</tag>` and a line end.
    private mutating func closeTag(_ tag: String) {
        bytes.append(UInt8(ascii: "<"))
        bytes.append(UInt8(ascii: "/"))
        append(tag)
        bytes.append(UInt8(ascii: ">"))
        bytes.append(0x0A)
    }

    mutating func leaf(_ tag: String, _ value: String, _ level: Int, attributes: String = "") {
        indent(level)
        bytes.append(UInt8(ascii: "<"))
        append(tag)
        if !attributes.isEmpty { append(attributes) }
        bytes.append(UInt8(ascii: ">"))
        escape(value)
        closeTag(tag)
        flushIfFull()
    }

    mutating func escape(_ value: String) {
        let special = { (byte: UInt8) in
            byte == UInt8(ascii: "&") || byte == UInt8(ascii: "<") || byte == UInt8(ascii: ">")
                || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'")
        }
        guard value.utf8.contains(where: special) else {
            append(value)
            return
        }
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "&"): bytes.append(contentsOf: "&amp;".utf8)
            case UInt8(ascii: "<"): bytes.append(contentsOf: "&lt;".utf8)
            case UInt8(ascii: ">"): bytes.append(contentsOf: "&gt;".utf8)
            case UInt8(ascii: "\""): bytes.append(contentsOf: "&quot;".utf8)
            case UInt8(ascii: "'"): bytes.append(contentsOf: "&apos;".utf8)
            default: bytes.append(byte)
            }
        }
    }

    /// Four capital letters or digits: an ISO external code (`AC01`, `AM04`).
    static func isISOCode(_ value: String) -> Bool {
        value.unicodeScalars.count == 4
            && value.unicodeScalars.allSatisfy { ("A"..."Z").contains($0) || ("0"..."9").contains($0) }
    }

    /// No character XML 1.0 cannot carry (controls other than tab/newline are refused too, as in pain.001).
    static func isXMLText(_ value: String) -> Bool {
        !value.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F || (0xFFFE...0xFFFF).contains($0.value) }
    }

    /// `text` cut at spaces into pieces of at most `max` characters that joined by one space give `text`
    /// back; nil when a piece cannot be made (a word longer than `max`, or a space at a cut's edge).
    static func split(_ text: String, max: Int) -> [String]? {
        guard text.count > max else { return [text] }
        var pieces: [String] = []
        var rest = Substring(text)
        while rest.count > max {
            let window = rest.prefix(max + 1)
            guard let space = window.lastIndex(of: " ") else { return nil }
            let piece = rest[..<space]
            rest = rest[rest.index(after: space)...]
            guard !piece.isEmpty, !piece.hasPrefix(" "), !piece.hasSuffix(" ") else { return nil }
            pieces.append(String(piece))
        }
        guard !rest.isEmpty, !rest.hasPrefix(" ") else { return nil }
        pieces.append(String(rest))
        return pieces
    }
}
