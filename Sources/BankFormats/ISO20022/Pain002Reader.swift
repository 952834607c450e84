import Foundation
import PayHubDomain

/// Reads ISO 20022 customer payment status reports — pain.002, versions 001.03 to 001.14, the German
/// DK variants (`pain.002.002.03`, `pain.002.003.03`) and the Swiss `ch` variants (namespace
/// `http://www.six-interbank-clearing.com/de/pain.002.001.03.ch.02.xsd`) — into a
/// ``PaymentStatusReport``.
///
/// The versions differ little where a status is concerned (the group status became optional in
/// 001.10, `BIC` became `BICFI`), so one reader handles them all by local name. A Business Application
/// Header envelope (any root wrapping `AppHdr` and `Document`) is accepted, and so is the message
/// element as the root.
///
/// What the file says is reported as it says it: ids are kept as written (`NOTPROVIDED` included,
/// since it echoes the pain.001 literally), statuses are the bank's codes, a missing element is nil.
/// A report that breaks its schema but can still be read (no namespace, no `GrpHdr`…) is read with a
/// `schema_deviation` warning; only input that is not a pain.002 at all (or not XML) is a
/// ``FormatError``, naming the element path and line.
///
/// Status reasons above the transactions. The model (and `format-json.md`) carry a reason only per
/// transaction, but banks also give one for the whole group (`OrgnlGrpInfAndSts/StsRsnInf`: a file
/// rejected as a whole, "AM10 ControlSum fehlerhaft", with no payment or transaction listed) or for a
/// whole `PmtInf` (`OrgnlPmtInfAndSts/StsRsnInf`). Dropping those would lose the one thing the user
/// needs to know, so they are represented as a status line that names no original transaction:
/// - a group-level reason is a first `payments` item with `original_payment_id` null and the group
///   status, holding one transaction with every original id null, the group status, the reason and
///   the additional information;
/// - a payment-level reason is a first `transactions` item of that payment, with every original id
///   null and the payment status.
///
/// A consumer matching transactions by their original ids never matches these lines; one looking for
/// why a group or payment was rejected finds the reason in the line without ids. Several `StsRsnInf`
/// at one level become one line: the first reason code (`Rsn/Cd`, else `Rsn/Prtry`) and every
/// `AddtlInf` line, in order, joined by a space.
public enum Pain002Reader {
    public static func read(_ data: Data) throws(FormatError) -> PaymentStatusReport {
        let root = try XMLTree.parse(data)
        return try read(root: root)
    }

    /// Reads an already parsed XML tree.
    public static func read(root: XMLNode) throws(FormatError) -> PaymentStatusReport {
        let located = try PainMessage.locate(.statusReport, in: root)
        var warnings: [FormatWarning] = []
        let format = PainMessage.format(of: located, kind: .statusReport, root: root, warnings: &warnings)
        let message = located.message

        let header = message.child("GrpHdr")
        if header == nil { warnings.append(PainMessage.missing("GrpHdr", in: message)) }
        let group = message.child("OrgnlGrpInfAndSts")
        if group == nil { warnings.append(PainMessage.missing("OrgnlGrpInfAndSts", in: message)) }
        let groupStatus = group?.value("GrpSts")

        var payments: [PaymentStatus] = []
        if let group, let line = reasonLine(group.children("StsRsnInf"), status: groupStatus) {
            payments.append(PaymentStatus(originalPaymentID: nil, status: groupStatus, transactions: [line]))
        }
        for node in message.children("OrgnlPmtInfAndSts") {
            let status = node.value("PmtInfSts")
            var transactions: [TransactionStatus] = []
            if let line = reasonLine(node.children("StsRsnInf"), status: status) { transactions.append(line) }
            transactions += node.children("TxInfAndSts").map(transaction)
            payments.append(
                PaymentStatus(originalPaymentID: node.value("OrgnlPmtInfId"), status: status, transactions: transactions))
        }

        // No pain.002 schema from 001.03 on puts TxInfAndSts directly under the message (pain.002.001.02
        // and pacs.002 do). Such transactions are kept: with the payment their own OrgnlPmtInfId names
        // when the report lists it, else in one payment without id or status.
        let loose = message.children("TxInfAndSts")
        if let first = loose.first {
            warnings.append(
                FormatWarning(
                    code: .schemaDeviation,
                    message: "\(first.path) (line \(first.line)): TxInfAndSts directly under \(message.name), outside any OrgnlPmtInfAndSts"))
            var unassigned: [TransactionStatus] = []
            for node in loose {
                let status = transaction(node)
                if let id = node.value("OrgnlPmtInfId"),
                    let index = payments.firstIndex(where: { $0.originalPaymentID == id })
                {
                    payments[index].transactions.append(status)
                } else {
                    unassigned.append(status)
                }
            }
            if !unassigned.isEmpty { payments.append(PaymentStatus(transactions: unassigned)) }
        }

        return PaymentStatusReport(
            format: format, messageID: header?.value("MsgId"), createdAt: header?.value("CreDtTm"),
            originalMessageID: group?.value("OrgnlMsgId"), originalMessageName: group?.value("OrgnlMsgNmId"),
            groupStatus: groupStatus, payments: payments,
            warnings: warnings)
    }

    static func transaction(_ node: XMLNode) -> TransactionStatus {
        let (reason, additionalInfo) = reason(node.children("StsRsnInf"))
        return TransactionStatus(
            originalEndToEndID: node.value("OrgnlEndToEndId"), originalInstructionID: node.value("OrgnlInstrId"),
            status: node.value("TxSts"), reason: reason, additionalInfo: additionalInfo)
    }

    /// The first reason code of several `StsRsnInf`, and all their `AddtlInf` lines joined by a space.
    static func reason(_ information: [XMLNode]) -> (code: String?, additionalInfo: String?) {
        var code: String?
        var lines: [String] = []
        for node in information {
            if code == nil { code = node.value("Rsn", "Cd") ?? node.value("Rsn", "Prtry") }
            lines += node.children("AddtlInf").compactMap { $0.value() }
        }
        return (code, lines.isEmpty ? nil : lines.joined(separator: " "))
    }

    /// The status line without original ids that carries a group's or a payment's own reason (see the
    /// type's documentation); nil when there is no reason to carry.
    static func reasonLine(_ information: [XMLNode], status: String?) -> TransactionStatus? {
        let (code, additionalInfo) = reason(information)
        guard code != nil || additionalInfo != nil else { return nil }
        return TransactionStatus(status: status, reason: code, additionalInfo: additionalInfo)
    }
}

/// The two pain messages PayHub reads, by the name of the element under `Document`.
enum PainMessageKind: Sendable {
    case initiation, statusReport

    var elementName: String {
        switch self {
        case .initiation: "CstmrCdtTrfInitn"
        case .statusReport: "CstmrPmtStsRpt"
        }
    }

    /// `001`, `002`.
    var number: String {
        switch self {
        case .initiation: "001"
        case .statusReport: "002"
        }
    }

    var messageName: String { "pain.\(number)" }

    var title: String {
        switch self {
        case .initiation: "pain.001 customer credit transfer initiation (CstmrCdtTrfInitn)"
        case .statusReport: "pain.002 customer payment status report (CstmrPmtStsRpt)"
        }
    }

    /// Whether PayHub knows this version of the message (`variant` `001` is ISO's own, `002`/`003` are
    /// the German DK variants of 2009 and 2010).
    func isKnown(variant: String, version: String) -> Bool {
        guard let number = Int(version) else { return false }
        switch (self, variant) {
        case (.statusReport, "001"): return (3...14).contains(number)
        case (.initiation, "001"): return (3...12).contains(number)
        case (_, "002"), (_, "003"): return number == 3
        default: return false
        }
    }
}

/// Finding a pain message in a document and naming its version; shared by ``Pain001Reader`` and
/// ``Pain002Reader``.
enum PainMessage {
    struct Located {
        /// The `Document` element, nil when the message element itself is the root.
        var document: XMLNode?
        var message: XMLNode
        /// The Business Application Header, when the file has one.
        var appHeader: XMLNode?
    }

    /// Finds the message element: the root itself, `Document/<message>`, or the same inside an envelope
    /// that wraps `AppHdr` and `Document`.
    static func locate(_ kind: PainMessageKind, in root: XMLNode) throws(FormatError) -> Located {
        if root.name == kind.elementName { return Located(document: nil, message: root, appHeader: nil) }
        let document: XMLNode?
        var appHeader: XMLNode?
        if root.name == "Document" {
            document = root
        } else {
            document = root.child("Document") ?? root.descendants("Document").first
            appHeader = root.child("AppHdr") ?? root.descendants("AppHdr").first
        }
        guard let document else {
            throw error(
                .unknownFormat, at: root,
                "not a \(kind.title): the root element \(root.name) holds no ISO 20022 Document")
        }
        if let message = document.child(kind.elementName) {
            return Located(document: document, message: message, appHeader: appHeader)
        }
        let found: String
        if let first = document.children.first {
            let known = [
                "CstmrCdtTrfInitn": "a pain.001 payment initiation", "CstmrPmtStsRpt": "a pain.002 status report",
                "CstmrDrctDbtInitn": "a pain.008 direct debit initiation", "BkToCstmrStmt": "a camt.053 statement",
                "BkToCstmrAcctRpt": "a camt.052 report", "BkToCstmrDbtCdtNtfctn": "a camt.054 notification",
                "FIToFIPmtStsRpt": "a pacs.002 status report",
            ]
            found = "holds \(first.name)" + (known[first.name].map { ", \($0)" } ?? "")
        } else {
            found = "is empty"
        }
        throw error(.unknownFormat, at: document, "not a \(kind.title): the Document \(found)")
    }

    /// `pain.002.001.10`, `pain.001.001.03.ch.02`, `pain.001.003.03`: the message name and version from
    /// the namespace; without one from the Business Application Header's `MsgDefIdr` or
    /// `xsi:schemaLocation`; failing all of them the message name alone (`pain.002`), with a warning.
    ///
    /// The namespace is authoritative: the Swiss 2022 rules (`pain.001.001.09.ch.03.xsd` in the
    /// schemaLocation) use ISO's own namespace, so such a file is `pain.001.001.09`, as its namespace says.
    static func format(
        of located: Located, kind: PainMessageKind, root: XMLNode, warnings: inout [FormatWarning]
    ) -> String {
        let carrier = located.document ?? located.message
        var sources: [String] = []
        if let namespace = carrier.namespaceURI, !namespace.isEmpty {
            if identifier(in: namespace) == nil {
                warnings.append(
                    FormatWarning(
                        code: .schemaDeviation,
                        message: "the namespace \(clipped(namespace)) is not an ISO 20022 \(kind.messageName) namespace"))
            }
            sources.append(namespace)
        } else {
            warnings.append(
                FormatWarning(
                    code: .schemaDeviation,
                    message: "\(carrier.name) has no namespace; the schema requires urn:iso:std:iso:20022:tech:xsd:\(kind.messageName).001.xx"))
        }
        if let definition = located.appHeader?.value("MsgDefIdr") { sources.append(definition) }
        for (name, value) in carrier.attributes where name == "schemaLocation" || name.hasSuffix(":schemaLocation") {
            sources.append(value)
        }
        for source in sources {
            guard let identifier = identifier(in: source) else { continue }
            guard identifier.number == kind.number else {
                warnings.append(
                    FormatWarning(
                        code: .schemaDeviation,
                        message: "\(clipped(source)) names pain.\(identifier.number), but the message is \(kind.elementName) (\(kind.messageName))"))
                continue
            }
            if !kind.isKnown(variant: identifier.variant, version: identifier.version) {
                warnings.append(
                    FormatWarning(
                        code: .schemaDeviation,
                        message: "\(identifier.name) is not a version PayHub knows; read by element names like the nearest one"))
            }
            return identifier.name
        }
        return kind.messageName
    }

    /// The first `pain.NNN.VVV.NN` (with a Swiss `.ch.NN` suffix when there is one) in a text.
    static func identifier(in text: String) -> (number: String, variant: String, version: String, name: String)? {
        guard let match = text.firstMatch(of: #/pain\.(\d{3})\.(\d{3})\.(\d{2})(\.ch\.\d{2})?/#) else { return nil }
        return (String(match.output.1), String(match.output.2), String(match.output.3), String(match.output.0))
    }

    /// A `schema_deviation` for a mandatory element the file leaves out.
    static func missing(_ name: String, in parent: XMLNode) -> FormatWarning {
        FormatWarning(
            code: .schemaDeviation, message: "\(parent.path) (line \(parent.line)) has no \(name), which the schema requires")
    }

    /// An error at an element: its path as the location, its line in the message.
    static func error(_ code: FormatError.Code, at node: XMLNode, _ message: String) -> FormatError {
        FormatError(code, at: node.path, "\(message) (line \(node.line))")
    }

    /// Shortens text from the file for a message.
    static func clipped(_ text: some StringProtocol, to length: Int = 40) -> String {
        text.count > length ? String(text.prefix(length)) + "…" : String(text)
    }
}
