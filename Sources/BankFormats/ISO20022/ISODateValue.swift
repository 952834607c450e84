import PayHubDomain

/// The calendar date at the start of an `xs:date` or `xs:dateTime`, and what follows it; shared by the
/// camt and pain readers, which each turn a failure into their own error or warning.
enum ISODateValue {
    enum Shape {
        /// `2024-01-31`
        case date
        /// `2024-01-31T10:00:00…`
        case dateTime
        /// `2024-01-31+01:00`, `2024-01-31Z`: a date with a time zone, which `xs:date` allows.
        case dateWithZone
    }

    enum Failure: Error {
        /// Not `YYYY-MM-DD` at the start.
        case notADate
        /// `YYYY-MM-DD`, but no day of the calendar (`2023-02-29`).
        case notADay
        /// A date followed by something neither a time nor a time zone.
        case trailingText
    }

    /// The `YYYY-MM-DD` and the shape of the value.
    static func read(_ text: String) -> Result<(date: String, shape: Shape), Failure> {
        var text = text
        return text.withUTF8 { bytes in read(bytes) }
    }

    private static func read(_ bytes: UnsafeBufferPointer<UInt8>) -> Result<(date: String, shape: Shape), Failure> {
        guard bytes.count >= 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
            bytes[0..<4].allSatisfy(isDigit), bytes[5..<7].allSatisfy(isDigit), bytes[8..<10].allSatisfy(isDigit)
        else { return .failure(.notADate) }
        func number(_ range: Range<Int>) -> Int { bytes[range].reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) } }
        guard (try? LocalDate(year: number(0..<4), month: number(5..<7), day: number(8..<10))) != nil else {
            return .failure(.notADay)
        }
        let datePart = String(decoding: bytes.prefix(10), as: UTF8.self)
        switch bytes.count > 10 ? bytes[10] : nil {
        case nil: return .success((datePart, .date))
        case UInt8(ascii: "T"): return .success((datePart, .dateTime))
        case UInt8(ascii: "Z"), UInt8(ascii: "+"), UInt8(ascii: "-"): return .success((datePart, .dateWithZone))
        default: return .failure(.trailingText)
        }
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
}
