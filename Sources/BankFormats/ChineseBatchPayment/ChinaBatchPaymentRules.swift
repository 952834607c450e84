import Foundation
import PayHubDomain

/// The field rules of the batch payment layout, written once for the writer (which checks values) and
/// the validator (which checks the text of a file): each returns the problem with a field, or nil.
///
/// Messages say what the field must be and never repeat the value: accounts and names stay out of logs.
enum ChinaBatchPaymentRules {
    typealias Code = ChinaBatchPaymentErrorCode
    typealias Layout = ChinaBatchPaymentLayout

    /// One problem with one field, before it is given a path.
    struct Problem: Error, Hashable {
        var code: Code
        var message: String
        init(_ code: Code, _ message: String) {
            self.code = code
            self.message = message
        }
    }

    /// The fields' names as paths use them: the model's property names, and for the summary line's
    /// computed fields and the flag, the names the layout document gives them.
    enum Field: String {
        case batchID, payerAccount, payerName, currency, executionDate, recordCount, totalAmount
        case sequenceNumber, endToEndID, payeeAccount, payeeName, payeeBankCode, payeeBankName
        case payeeBankAddress, bankFlag, amount, settlement, purpose, remark
    }

    /// The summary line's fields, in file order.
    static let summaryFields: [Field] = [
        .batchID, .payerAccount, .payerName, .currency, .executionDate, .recordCount, .totalAmount,
    ]

    /// A transfer line's fields, in file order.
    static let recordFields: [Field] = [
        .sequenceNumber, .endToEndID, .payeeAccount, .payeeName, .payeeBankCode, .payeeBankName,
        .payeeBankAddress, .bankFlag, .amount, .settlement, .purpose, .remark,
    ]

    static let separator: Unicode.Scalar = "|"

    // MARK: - Texts

    /// A reference (batch id, end-to-end id): 1 to 30 characters of the SWIFT character set without the
    /// space, the ids PayHub makes for pain.001 (`MsgId`, `EndToEndId`) cut to what `YURREF` holds.
    static func reference(_ text: String, _ label: String) -> Problem? {
        let bytes = text.utf8
        if bytes.isEmpty { return Problem(.required, "\(label) is required") }
        if !bytes.allSatisfy(isReferenceByte) {
            return Problem(.invalidCharacter, "\(label) may only hold A-Z a-z 0-9 / - ? : ( ) . , ' +")
        }
        if bytes.count > Layout.referenceMaxBytes {
            return Problem(.tooLong, "\(label) is longer than \(Layout.referenceMaxBytes) characters")
        }
        return nil
    }

    private static func isReferenceByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default:
            referenceSymbols.contains(byte)
        }
    }

    private static let referenceSymbols = Set("/-?:().,'+".utf8)

    /// An account number: 1 to 35 digits.
    static func account(_ text: String, _ label: String) -> Problem? {
        let bytes = text.utf8
        if bytes.isEmpty { return Problem(.required, "\(label) is required") }
        if !bytes.allSatisfy(isDigit) { return Problem(.notDigits, "\(label) must be digits only") }
        if bytes.count > Layout.accountMaxDigits {
            return Problem(.tooLong, "\(label) is longer than \(Layout.accountMaxDigits) digits")
        }
        return nil
    }

    /// A free text measured in GBK bytes: no control character, no `|` (the separator), only characters
    /// GBK can write (GB18030 writes them in one or two bytes), at most `maxBytes` bytes.
    static func text(_ text: String, _ label: String, maxBytes: Int, required: Bool) -> Problem? {
        if text.isEmpty { return required ? Problem(.required, "\(label) is required") : nil }
        if text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F || $0 == separator }) {
            return Problem(.invalidCharacter, "\(label) must not hold control characters or '|'")
        }
        guard let length = gbkLength(text) else {
            return Problem(.invalidCharacter, "\(label) holds a character GBK cannot write")
        }
        if length > maxBytes { return Problem(.tooLong, "\(label) is longer than \(maxBytes) bytes in GBK") }
        return nil
    }

    /// The text's length in GBK bytes, or nil when a character is outside GBK (GB18030 writes those in
    /// four bytes, which a GBK system would reject or garble).
    static func gbkLength(_ text: String) -> Int? {
        if text.utf8.allSatisfy({ $0 < 0x80 }) { return text.utf8.count }
        guard let bytes = ChinaBatchPaymentText.encode(text) else { return nil }
        var index = 0
        while index < bytes.count {
            if bytes[index] < 0x80 {
                index += 1
                continue
            }
            // A lead byte: a second byte 0x30–0x39 makes a four-byte sequence, anything else a GBK pair.
            guard index + 1 < bytes.count, !(0x30...0x39).contains(bytes[index + 1]) else { return nil }
            index += 2
        }
        return bytes.count
    }

    static func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }

    // MARK: - Amounts, dates, codes

    /// A positive amount written as digits with an optional `.` and one or two decimals (`1234.5`,
    /// `1234.56`), at most `maxMinorUnits` fen. No sign, spaces or thousands separators.
    static func amount(_ text: String, maxMinorUnits: Int64, _ label: String) -> Result<Int64, Problem> {
        var bytes = Array(text.utf8)[...]
        if bytes.isEmpty { return .failure(Problem(.required, "\(label) is required")) }
        let negative = bytes.first == UInt8(ascii: "-")
        if negative { bytes = bytes.dropFirst() }
        let parts = bytes.split(separator: UInt8(ascii: "."), maxSplits: 1, omittingEmptySubsequences: false)
        let integer = parts[0]
        let fraction = parts.count == 2 ? parts[1] : []
        guard !integer.isEmpty, integer.allSatisfy(isDigit), fraction.allSatisfy(isDigit),
            parts.count == 1 || !fraction.isEmpty
        else {
            return .failure(Problem(.invalidAmount, "\(label) must be a number such as 1234.56"))
        }
        if fraction.count > 2 { return .failure(Problem(.tooManyDecimals, "\(label) has more than 2 decimals")) }
        let notPositive = Problem(.amountNotPositive, "\(label) must be more than zero")
        let limit = Problem(.aboveLimit, "\(label) is above \(decimalString(maxMinorUnits)) CNY")
        // Fen are the digits with the fraction padded to two places. Checked arithmetic: a long run of
        // digits is a too-large amount, never an overflow trap.
        let digits = Array(integer) + Array(fraction) + repeatElement(UInt8(ascii: "0"), count: 2 - fraction.count)
        var minorUnits: Int64 = 0
        for byte in digits {
            let (shifted, overflowMultiplying) = minorUnits.multipliedReportingOverflow(by: 10)
            let (added, overflowAdding) = shifted.addingReportingOverflow(Int64(byte - UInt8(ascii: "0")))
            if overflowMultiplying || overflowAdding { return .failure(negative ? notPositive : limit) }
            minorUnits = added
        }
        if negative || minorUnits == 0 { return .failure(notPositive) }
        if minorUnits > maxMinorUnits { return .failure(limit) }
        return .success(minorUnits)
    }

    /// `minorUnits` fen as the file writes amounts: `1234.50`.
    static func decimalString(_ minorUnits: Int64) -> String {
        Money(minorUnits: minorUnits, currency: .cny).decimalString
    }

    /// The amount checks the writer applies to a value.
    static func amount(_ money: Money, _ label: String) -> Problem? {
        if money.currency != .cny { return Problem(.currencyNotCNY, "\(label) must be in CNY") }
        if money.minorUnits <= 0 { return Problem(.amountNotPositive, "\(label) must be more than zero") }
        if money.minorUnits > Layout.amountMaxMinorUnits {
            return Problem(.aboveLimit, "\(label) is above \(decimalString(Layout.amountMaxMinorUnits)) CNY")
        }
        return nil
    }

    /// A date written `yyyyMMdd`.
    static func date(_ text: String) -> LocalDate? {
        let bytes = Array(text.utf8)
        guard bytes.count == 8, bytes.allSatisfy(isDigit) else { return nil }
        func number(_ range: Range<Int>) -> Int { bytes[range].reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) } }
        return try? LocalDate(year: number(0..<4), month: number(4..<6), day: number(6..<8))
    }

    static func dateString(_ date: LocalDate) -> String {
        let iso = date.iso8601
        return String(iso.prefix(4)) + String(iso.dropFirst(5).prefix(2)) + String(iso.suffix(2))
    }

    /// A 12-digit CNAPS code, exactly (no spaces).
    static func cnapsCode(_ text: String) -> Result<CNAPSCode, Problem> {
        let bytes = text.utf8
        guard bytes.count == 12, bytes.allSatisfy(isDigit), let code = try? CNAPSCode(text) else {
            return .failure(Problem(.invalidCNAPSCode, "payee bank code must be a 12-digit CNAPS code"))
        }
        return .success(code)
    }
}

/// Bytes ⇄ text for the layout: GB18030 out (restricted by the rules to what GBK can write), GB18030 or
/// UTF-8 in.
enum ChinaBatchPaymentText {
    static func encode(_ text: String) -> [UInt8]? {
        guard !text.isEmpty else { return [] }
        return text.data(using: CSVTextDecoding.gb18030).map { [UInt8]($0) }
    }
}
