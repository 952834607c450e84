import Foundation
import PayHubDomain

/// The simple values of a camt message — amounts, credit/debit indicators, dates, booleans — read
/// strictly, each failure a ``FormatError`` at the element concerned.
enum CamtValues {
    enum Direction: Sendable {
        case credit, debit
    }

    /// The most decimals and digits `ActiveOrHistoricCurrencyAndAmount` allows (fractionDigits 5,
    /// totalDigits 18). They also keep every sum far inside `Int128`.
    static let fractionDigitsMax = 5
    static let totalDigitsMax = 18

    /// An unsigned amount as the schema writes it (`xs:decimal`, at most 5 decimals and 18 digits),
    /// exactly. `5.` and `.5` are valid `xs:decimal` and read as 5 and 0.5.
    static func amount(_ node: XMLNode) throws(FormatError) -> ExactDecimal {
        let text = node.trimmedText
        guard !text.isEmpty else { throw node.camtError(.invalidValue, "an empty amount") }
        // Read byte by byte into the significand: this runs for every entry of a statement.
        var bytes = Substring(text).utf8[...]
        if bytes.first == UInt8(ascii: "+") { bytes = bytes.dropFirst() }
        if bytes.first == UInt8(ascii: "-") {
            throw node.camtError(
                .invalidValue,
                "the amount \(clipped(text)) is negative; camt amounts are unsigned and CdtDbtInd gives the sign")
        }
        var significand: Int128 = 0
        var digits = 0
        var fractionDigits = 0
        var sawPoint = false
        var sawDigit = false
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                sawDigit = true
                if sawPoint { fractionDigits += 1 }
                // Leading zeros do not count towards the schema's 18 digits.
                if significand != 0 || byte != UInt8(ascii: "0") || sawPoint { digits += 1 }
                if digits <= totalDigitsMax + 1 { significand = significand * 10 + Int128(byte - UInt8(ascii: "0")) }
            case UInt8(ascii: ".") where !sawPoint:
                sawPoint = true
            default:
                throw node.camtError(.invalidValue, "\(clipped(text)) is not a decimal amount")
            }
        }
        guard sawDigit else { throw node.camtError(.invalidValue, "\(clipped(text)) is not a decimal amount") }
        guard fractionDigits <= fractionDigitsMax else {
            throw node.camtError(
                .invalidValue, "the amount \(clipped(text)) has more than \(fractionDigitsMax) decimals")
        }
        guard digits <= totalDigitsMax else {
            throw node.camtError(.invalidValue, "the amount \(clipped(text)) has more than \(totalDigitsMax) digits")
        }
        return ExactDecimal(significand: significand, scale: fractionDigits)
    }

    /// The magnitude of a summary sum, which some banks sign; nil unless it is a decimal within the
    /// schema's limits (so that comparing it with the entries' sum stays inside `Int128`).
    static func magnitude(_ text: String) -> ExactDecimal? {
        let unsigned = text.hasPrefix("-") ? String(text.dropFirst()) : text
        guard let value = ExactDecimal(unsigned), !value.isNegative, value.scale <= fractionDigitsMax,
            String(value.significand).count <= totalDigitsMax
        else { return nil }
        return value
    }

    /// `CdtDbtInd` below `parent`: CRDT or DBIT, required.
    static func direction(of parent: XMLNode) throws(FormatError) -> Direction {
        guard let node = parent.child("CdtDbtInd") else {
            throw parent.camtError(.missingField, "\(parent.name) without CdtDbtInd")
        }
        switch node.trimmedText {
        case "CRDT": return .credit
        case "DBIT": return .debit
        case let other: throw node.camtError(.invalidValue, "CdtDbtInd is \(clipped(other)), not CRDT or DBIT")
        }
    }

    /// Debits (money leaving the account, or a debit balance) are negative.
    static func signed(_ amount: ExactDecimal, direction: Direction) -> ExactDecimal {
        direction == .debit ? amount.negated() : amount
    }

    /// `YYYY-MM-DD` from a `Dt`/`DtTm` choice (`BookgDt`, `ValDt`, `Bal/Dt`): the date as written, the
    /// date part of a date-time (no time-zone conversion: the bank's date is the booking date). Nil when
    /// the element is absent; an error when it is there but holds no readable date. A date where the
    /// schema wants a date-time, or the reverse, is read, and noted in `deviations`.
    static func date(in container: XMLNode?, deviations: inout [String]) throws(FormatError) -> String? {
        guard let container else { return nil }
        if let node = container.child("Dt") { return try isoDate(node, dateTime: false, deviations: &deviations) }
        if let node = container.child("DtTm") { return try isoDate(node, dateTime: true, deviations: &deviations) }
        throw container.camtError(.missingField, "\(container.name) has neither Dt nor DtTm")
    }

    /// The `YYYY-MM-DD` at the start of an `xs:date` (which may carry a time zone) or `xs:dateTime`.
    static func isoDate(_ node: XMLNode, dateTime: Bool, deviations: inout [String]) throws(FormatError) -> String {
        let text = node.trimmedText
        let what = dateTime ? "date-time" : "date"
        switch ISODateValue.read(text) {
        case .failure(.notADate), .failure(.trailingText):
            throw node.camtError(.invalidValue, "\(clipped(text)) is not an ISO \(what) (YYYY-MM-DD…)")
        case .failure(.notADay):
            throw node.camtError(.invalidValue, "\(clipped(text)) is not a day of the calendar")
        case .success(let value):
            switch value.shape {
            case .date where dateTime:
                deviations.append("\(node.path) (line \(node.line)) is a date where the schema wants a date-time")
            case .dateTime where !dateTime:
                deviations.append("\(node.path) (line \(node.line)) is a date-time where the schema wants a date")
            case .dateWithZone where dateTime:
                // A time zone straight after the date is allowed in xs:date only.
                throw node.camtError(.invalidValue, "\(clipped(text)) is not an ISO date-time")
            default: break
            }
            return value.date
        }
    }

    /// An `xs:boolean` (`true`, `false`, `1`, `0`); nil when the element is absent.
    static func boolean(_ node: XMLNode?) throws(FormatError) -> Bool? {
        guard let node else { return nil }
        switch node.trimmedText {
        case "true", "1": return true
        case "false", "0": return false
        case let other: throw node.camtError(.invalidValue, "\(node.name) is \(clipped(other)), not true or false")
        }
    }

    /// Text from the file for an error message: quoted, and shortened when long.
    static func clipped(_ text: some StringProtocol, to length: Int = 40) -> String {
        "\"" + (text.count > length ? String(text.prefix(length)) + "…" : String(text)) + "\""
    }
}
