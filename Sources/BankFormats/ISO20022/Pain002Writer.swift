import Foundation
import PayHubDomain

/// Writes pain.002.001.10 customer payment status reports, the inverse of ``Pain002Reader``.
///
/// The report's lines become `OrgnlPmtInfAndSts`/`TxInfAndSts` blocks. The reader's representation of
/// reasons above the transactions is written back where it came from:
/// - a first payment without `original_payment_id` whose transactions name no original id carries the
///   group's own reasons (`OrgnlGrpInfAndSts/StsRsnInf`);
/// - a first transaction of a payment that names no original id carries the payment's reason
///   (`OrgnlPmtInfAndSts/StsRsnInf`).
///
/// A reason of four capital letters or digits is an ISO code (`Rsn/Cd`), anything else a proprietary one
/// (`Rsn/Prtry`, at most 35 characters). Additional information longer than `Max105Text` is split at
/// spaces into several `AddtlInf` lines (which the reader joins with a space again).
///
/// What the schema cannot take (no message id, a status that is not four capital letters, an id longer
/// than 35 characters…) is refused with a ``FormatError`` naming the field (`payments[0].transactions[1].status`).
/// Output is deterministic, UTF-8, indented by two spaces.
public enum Pain002Writer {
    public static let namespace = "urn:iso:std:iso:20022:tech:xsd:pain.002.001.10"
    /// `OrgnlMsgNmId` when the report does not name one: PayHub answers the pain.001.001.09 it writes.
    public static let originalMessageName = "pain.001.001.09"

    public static func write(_ report: PaymentStatusReport, createdAt: String) throws(FormatError) -> Data {
        var out = ISOXMLText()
        let messageID = try P002Check.id(report.messageID, "message_id", required: true)!
        guard Pain001Writer.isDateTime(createdAt) else {
            throw FormatError(
                .invalidValue, at: "created_at",
                "creation time must be an ISO 8601 date and time such as 2024-01-02T10:00:00Z")
        }
        let originalID = try P002Check.id(report.originalMessageID, "original_message_id", required: true)!
        let originalName =
            try P002Check.id(report.originalMessageName, "original_message_name", required: false)
            ?? originalMessageName
        let groupStatus = try P002Check.status(report.groupStatus, "group_status")

        var payments = report.payments
        var groupReasons: [TransactionStatus] = []
        if let first = payments.first, first.originalPaymentID == nil,
            !first.transactions.isEmpty, first.transactions.allSatisfy(P002Check.hasNoIDs)
        {
            groupReasons = first.transactions
            payments.removeFirst()
        }
        let offset = report.payments.count - payments.count

        out.raw("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
        out.raw("<Document xmlns=\"\(namespace)\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\n")
        out.open("CstmrPmtStsRpt", 1)
        out.open("GrpHdr", 2)
        out.leaf("MsgId", messageID, 3)
        out.leaf("CreDtTm", createdAt, 3)
        out.close("GrpHdr", 2)
        out.open("OrgnlGrpInfAndSts", 2)
        out.leaf("OrgnlMsgId", originalID, 3)
        out.leaf("OrgnlMsgNmId", originalName, 3)
        if let groupStatus { out.leaf("GrpSts", groupStatus, 3) }
        for (index, line) in groupReasons.enumerated() {
            try reason(line, path: "payments[0].transactions[\(index)]", level: 3, required: true, into: &out)
        }
        out.close("OrgnlGrpInfAndSts", 2)

        for (number, payment) in payments.enumerated() {
            let path = "payments[\(number + offset)]"
            let paymentID = try P002Check.id(payment.originalPaymentID, path + ".original_payment_id", required: true)!
            let status = try P002Check.status(payment.status, path + ".status")
            out.open("OrgnlPmtInfAndSts", 2)
            out.leaf("OrgnlPmtInfId", paymentID, 3)
            if let status { out.leaf("PmtInfSts", status, 3) }
            var transactions = Array(payment.transactions.enumerated())
            if let first = transactions.first, P002Check.hasNoIDs(first.element) {
                try reason(first.element, path: path + ".transactions[0]", level: 3, required: true, into: &out)
                transactions.removeFirst()
            }
            for (index, transaction) in transactions {
                let transactionPath = path + ".transactions[\(index)]"
                if P002Check.hasNoIDs(transaction) {
                    throw FormatError(
                        .missingField, at: transactionPath + ".original_end_to_end_id",
                        "a transaction status needs an original end-to-end or instruction id")
                }
                let instructionID = try P002Check.id(
                    transaction.originalInstructionID, transactionPath + ".original_instruction_id", required: false)
                let endToEndID = try P002Check.id(
                    transaction.originalEndToEndID, transactionPath + ".original_end_to_end_id", required: false)
                let transactionStatus = try P002Check.status(transaction.status, transactionPath + ".status")
                out.open("TxInfAndSts", 3)
                if let instructionID { out.leaf("OrgnlInstrId", instructionID, 4) }
                if let endToEndID { out.leaf("OrgnlEndToEndId", endToEndID, 4) }
                if let transactionStatus { out.leaf("TxSts", transactionStatus, 4) }
                try reason(transaction, path: transactionPath, level: 4, into: &out)
                out.close("TxInfAndSts", 3)
            }
            out.close("OrgnlPmtInfAndSts", 2)
        }
        out.close("CstmrPmtStsRpt", 1)
        out.raw("</Document>\n")
        return out.data
    }

    /// One `StsRsnInf` for a line's reason and additional information; nothing when it has neither, unless
    /// the line is `required` to carry one (a line without ids stands for a group's or payment's reason).
    static func reason(
        _ line: TransactionStatus, path: String, level: Int, required: Bool = false, into out: inout ISOXMLText
    ) throws(FormatError) {
        let code = line.reason.flatMap { $0.isEmpty ? nil : $0 }
        let info = line.additionalInfo.flatMap { $0.isEmpty ? nil : $0 }
        guard code != nil || info != nil else {
            guard !required else {
                throw FormatError(
                    .missingField, at: path + ".reason",
                    "a status line without original ids stands for a group's or payment's reason, but has none")
            }
            return
        }
        var lines: [String] = []
        if let code { try P002Check.text(code, path + ".reason", max: 35) }
        if let info {
            try P002Check.text(info, path + ".additional_info", max: .max)
            guard let split = ISOXMLText.split(info, max: 105) else {
                throw FormatError(
                    .invalidValue, at: path + ".additional_info",
                    "additional info has a word longer than 105 characters, which AddtlInf (Max105Text) cannot hold")
            }
            lines = split
        }
        out.open("StsRsnInf", level)
        if let code {
            out.open("Rsn", level + 1)
            out.leaf(ISOXMLText.isISOCode(code) ? "Cd" : "Prtry", code, level + 2)
            out.close("Rsn", level + 1)
        }
        for text in lines { out.leaf("AddtlInf", text, level + 1) }
        out.close("StsRsnInf", level)
    }
}

/// Field checks of ``Pain002Writer``, each throwing a ``FormatError`` named by the field's path.
enum P002Check {
    static func hasNoIDs(_ line: TransactionStatus) -> Bool {
        (line.originalEndToEndID ?? "").isEmpty && (line.originalInstructionID ?? "").isEmpty
    }

    static func id(_ value: String?, _ path: String, required: Bool) throws(FormatError) -> String? {
        guard let value, !value.isEmpty else {
            if required { throw FormatError(.missingField, at: path, "\(label(path)) is required") }
            return nil
        }
        try text(value, path, max: 35)
        return value
    }

    /// A status code: four capital letters (`ACCP`, `RJCT`…), or nil when absent.
    static func status(_ value: String?, _ path: String) throws(FormatError) -> String? {
        guard let value, !value.isEmpty else { return nil }
        guard value.unicodeScalars.count == 4, value.unicodeScalars.allSatisfy({ ("A"..."Z").contains($0) }) else {
            throw FormatError(
                .invalidValue, at: path,
                "\(label(path)) \"\(value)\" is not a status code of four capital letters (ACCP, RJCT…)")
        }
        return value
    }

    static func text(_ value: String, _ path: String, max: Int) throws(FormatError) {
        if value.count > max {
            throw FormatError(
                .invalidValue, at: path, "\(label(path)) must have at most \(max) characters, got \(value.count)")
        }
        if !ISOXMLText.isXMLText(value) {
            throw FormatError(.invalidValue, at: path, "\(label(path)) contains a control character")
        }
    }

    static func label(_ path: String) -> String {
        let field = path.split(separator: ".").last.map(String.init) ?? path
        return field.replacingOccurrences(of: "_", with: " ")
    }
}
