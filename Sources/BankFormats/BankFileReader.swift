import Foundation
import PayHubDomain

/// The formats PayHub reads, as `payhub format parse --format` names them.
public enum BankFileFormat: String, Sendable, CaseIterable {
    case camt
    case mt940
    case mt942
    case bai2
    case pain002 = "pain.002"
    case pain001 = "pain.001"
    case chineseBankCSV = "cn-csv"
}

/// The one entry point for reading a bank file: detects the format (or takes it), reads the file, and
/// checks what can be checked (balances) so the result is reported as the file is.
public enum BankFileReader {
    public static func parse(_ data: Data, format: BankFileFormat? = nil) throws(FormatError) -> ParsedBankFile {
        let format = if let format { format } else { try detect(data) }
        switch format {
        case .camt:
            var document = try CamtReader.read(data)
            document.checkBalances()
            return .statement(document)
        case .mt940, .mt942:
            var document = try MT940Reader.read(data)
            document.checkBalances()
            return .statement(document)
        case .bai2:
            var document = try BAI2Reader.read(data)
            document.checkBalances()
            return .statement(document)
        case .chineseBankCSV:
            var document = try ChineseBankCSVReader.read(data)
            document.checkBalances()
            return .statement(document)
        case .pain002:
            return .paymentStatus(try Pain002Reader.read(data))
        case .pain001:
            return .paymentInitiation(try Pain001Reader.read(data))
        }
    }

    /// Recognises a format by its first bytes and, for XML, by its ISO 20022 message name.
    public static func detect(_ data: Data) throws(FormatError) -> BankFileFormat {
        let head = String(decoding: data.prefix(4096), as: UTF8.self)
        let trimmed = head.drop { $0 == "\u{FEFF}" || $0.isWhitespace }
        if trimmed.hasPrefix("<") {
            for (marker, format) in [
                ("BkToCstmrStmt", BankFileFormat.camt), ("BkToCstmrAcctRpt", .camt), ("BkToCstmrDbtCdtNtfctn", .camt),
                ("camt.05", .camt), ("CstmrPmtStsRpt", .pain002), ("pain.002", .pain002), ("CstmrCdtTrfInitn", .pain001),
                ("pain.001", .pain001),
            ] where head.contains(marker) {
                return format
            }
            // The message name may sit after a long AppHdr; look at the whole file before giving up.
            let whole = String(decoding: data, as: UTF8.self)
            for (marker, format) in [
                ("BkToCstmrStmt", BankFileFormat.camt), ("BkToCstmrAcctRpt", .camt), ("BkToCstmrDbtCdtNtfctn", .camt),
                ("CstmrPmtStsRpt", .pain002), ("CstmrCdtTrfInitn", .pain001),
            ] where whole.contains(marker) {
                return format
            }
            throw FormatError(.unknownFormat, "an XML file, but not a camt, pain.001 or pain.002 message")
        }
        if trimmed.hasPrefix("01,") { return .bai2 }
        if looksLikeSwiftMT(head) {
            return head.contains(":34F:") || head.contains("{2:I942") || head.contains("{2:O942") ? .mt942 : .mt940
        }
        if ChineseBankCSVReader.looksLikeStatement(data) { return .chineseBankCSV }
        throw FormatError(.unknownFormat, "not a recognised bank file (camt, pain.001, pain.002, MT940/942, BAI2 or a Chinese bank CSV)")
    }

    /// SWIFT MT statements are lines of `:tag:` fields. Files start with any of them (extracts begin at
    /// `:60F:` or `:61:`, a message may follow a `-` end marker), so one statement tag opening a line is
    /// enough: no other format PayHub reads has lines like that.
    static func looksLikeSwiftMT(_ head: String) -> Bool {
        let tags = [":20:", ":25:", ":28:", ":28C:", ":60F:", ":60M:", ":61:", ":62F:", ":62M:", ":86:", ":13D:", ":34F:"]
        return head.split(whereSeparator: \.isNewline).contains { line in
            let trimmed = line.drop { $0 == " " || $0 == "{" || $0 == "-" }
            return tags.contains { trimmed.hasPrefix($0) }
        }
    }
}
