import Foundation

/// Bytes of a CSV export into text: UTF-8 (with or without BOM), UTF-16 with a BOM, and GB18030 — the
/// superset of GBK and GB2312 that mainland Chinese bank exports use when they are not UTF-8 — or, when a
/// mapping asks for it, ISO 8859-1 or Windows-1252.
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
            text = singleByte(bytes) { UInt32($0) }
        case .windows1252:
            text = windows1252(bytes)
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

    /// Windows-1252 by table: the 0x80–0x9F block is where it differs from ISO 8859-1. Five bytes there
    /// (0x81, 0x8D, 0x8F, 0x90, 0x9D) are unassigned; a file holding one is not Windows-1252 text, so
    /// it fails rather than turning into control characters nobody can see.
    private static func windows1252(_ bytes: [UInt8]) -> String? {
        singleByte(bytes) { byte in byte < 0x80 || byte >= 0xA0 ? UInt32(byte) : windows1252High[Int(byte - 0x80)] }
    }

    /// Text in a one-byte-per-character encoding, given each byte's code point (0 for an unassigned byte,
    /// which fails the file). Written straight as UTF-8: appending scalar by scalar is several times slower
    /// on a file of a hundred thousand rows.
    private static func singleByte(_ bytes: [UInt8], codePoint: (UInt8) -> UInt32) -> String? {
        var utf8: [UInt8] = []
        utf8.reserveCapacity(bytes.count + bytes.count / 8)
        for byte in bytes {
            if byte < 0x80 {
                utf8.append(byte)
                continue
            }
            let value = codePoint(byte)
            guard value != 0 else { return nil }
            if value < 0x800 {
                utf8.append(UInt8(0xC0 | value >> 6))
                utf8.append(UInt8(0x80 | value & 0x3F))
            } else {
                utf8.append(UInt8(0xE0 | value >> 12))
                utf8.append(UInt8(0x80 | (value >> 6) & 0x3F))
                utf8.append(UInt8(0x80 | value & 0x3F))
            }
        }
        return String(decoding: utf8, as: UTF8.self)
    }

    /// Code points of 0x80…0x9F in Windows-1252; 0 where the byte is unassigned.
    private static let windows1252High: [UInt32] = [
        0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
        0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
        0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
        0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
    ]

    private static func gb18030(_ data: Data) -> String? {
        guard !data.isEmpty else { return "" }
        return String(data: data, encoding: gb18030)
    }
}
