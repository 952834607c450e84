import Foundation

/// Bytes of a CSV export into text: UTF-8 (with or without BOM), UTF-16 with a BOM, and GB18030 — the
/// superset of GBK and GB2312 that mainland Chinese bank exports use when they are not UTF-8 — or, when a
/// mapping asks for it, ISO 8859-1.
///
/// GB18030 goes through Foundation's CoreFoundation converters, which swift-corelibs-foundation on Linux
/// carries too (`kCFStringEncodingGB_18030_2000`, NSStringEncoding `0x8000_0632`).
enum CSVTextDecoding {
    /// `CFStringConvertEncodingToNSStringEncoding(kCFStringEncodingGB_18030_2000)`, spelled out so it needs
    /// no CoreFoundation import on either platform.
    static let gb18030 = String.Encoding(rawValue: 0x8000_0632)

    static func decode(_ data: Data, as encoding: CSVStatementMapping.TextEncoding) throws(FormatError) -> String {
        let bytes = [UInt8](data)
        let text: String?
        switch encoding {
        case .utf8:
            text = utf8(bytes)
        case .utf16:
            text = utf16(bytes)
        case .gb18030:
            text = gb18030(data)
        case .latin1:
            // Every byte is the code point of the same number.
            text = String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
        case .automatic:
            if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) {
                text = utf16(bytes)
            } else {
                text = utf8(bytes) ?? gb18030(data)
            }
        }
        guard let text else {
            throw FormatError(
                .unsupportedEncoding,
                encoding == .automatic
                    ? "the file is neither UTF-8, UTF-16 (with a byte order mark) nor GB18030/GBK text"
                    : "the file is not valid \(encoding.rawValue) text")
        }
        return text
    }

    /// For format detection only: never fails, never throws.
    static func decodeLeniently(_ data: Data) -> String {
        (try? decode(data, as: .automatic)) ?? String(decoding: data, as: UTF8.self)
    }

    private static func utf8(_ bytes: [UInt8]) -> String? {
        let body = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? bytes.dropFirst(3) : bytes[...]
        return String(validating: body, as: UTF8.self)
    }

    private static func utf16(_ bytes: [UInt8]) -> String? {
        var bigEndian = false
        var body = bytes[...]
        if bytes.starts(with: [0xFE, 0xFF]) {
            bigEndian = true
            body = body.dropFirst(2)
        } else if bytes.starts(with: [0xFF, 0xFE]) {
            body = body.dropFirst(2)
        }
        guard body.count % 2 == 0 else { return nil }
        var units: [UInt16] = []
        units.reserveCapacity(body.count / 2)
        var index = body.startIndex
        while index < body.endIndex {
            let first = UInt16(body[index])
            let second = UInt16(body[index + 1])
            units.append(bigEndian ? first << 8 | second : second << 8 | first)
            index += 2
        }
        return String(validating: units, as: UTF16.self)
    }

    private static func gb18030(_ data: Data) -> String? {
        guard !data.isEmpty else { return "" }
        return String(data: data, encoding: gb18030)
    }
}
