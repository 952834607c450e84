import Foundation
import PayHubDomain

/// Reads ISO 20022 cash-management messages — camt.052 (account report), camt.053 (statement) and
/// camt.054 (debit/credit notification), versions 001.02 to 001.13 — into one ``StatementDocument``.
///
/// The versions differ in element names only where it matters little to a statement (`BIC` became
/// `BICFI`, parties moved under `Pty`, `Sts` became a choice), so one reader handles them all by
/// local name. A Business Application Header envelope (any root wrapping `AppHdr` and `Document`) is
/// accepted. Amounts are read exactly (five decimals at most, as the schema allows), never through
/// floating point. Anything the reader cannot make sense of is a ``FormatError`` naming the element's
/// path and line; the file is reported as it is and never corrected (balances are checked by
/// ``StatementDocument/checkBalances()``, which ``BankFileReader`` calls).
public enum CamtReader {
    public static func read(_ data: Data) throws(FormatError) -> StatementDocument {
        return try read(root: XMLTree.parse(data))
    }

    /// Reads an already parsed XML tree (whose bytes passed ``XMLInputGuard``'s checks).
    static func read(root: XMLNode) throws(FormatError) -> StatementDocument {
        let located = try CamtMessage.locate(in: root)
        var warnings: [FormatWarning] = []
        let format = CamtMessage.format(of: located, root: root, warnings: &warnings)
        let message = located.message
        let items = message.children(located.kind.itemName)
        guard !items.isEmpty else {
            // The schema requires at least one; a message without any carries nothing to import and is
            // most likely a truncated export, so it is refused rather than read as an empty statement.
            throw message.camtError(
                .missingField, "a \(located.kind.messageName) message without any \(located.kind.itemName)")
        }
        var statements: [Statement] = []
        statements.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            var reader = CamtStatementReader(index: index)
            statements.append(try reader.read(item))
            warnings += reader.warnings
        }
        return StatementDocument(
            format: format, messageID: message.value("GrpHdr", "MsgId"), createdAt: message.value("GrpHdr", "CreDtTm"),
            statements: statements, warnings: warnings)
    }
}

/// The three camt messages PayHub reads, by the name of the element under `Document`.
enum CamtMessageKind: Sendable {
    case report, statement, notification

    init?(elementName: String) {
        switch elementName {
        case "BkToCstmrAcctRpt": self = .report
        case "BkToCstmrStmt": self = .statement
        case "BkToCstmrDbtCdtNtfctn": self = .notification
        default: return nil
        }
    }

    /// `052`, `053`, `054`.
    var number: String {
        switch self {
        case .report: "052"
        case .statement: "053"
        case .notification: "054"
        }
    }

    var messageName: String { "camt.\(number)" }

    /// The repeated element that becomes one ``Statement``.
    var itemName: String {
        switch self {
        case .report: "Rpt"
        case .statement: "Stmt"
        case .notification: "Ntfctn"
        }
    }

    var elementName: String {
        switch self {
        case .report: "BkToCstmrAcctRpt"
        case .statement: "BkToCstmrStmt"
        case .notification: "BkToCstmrDbtCdtNtfctn"
        }
    }
}

enum CamtMessage {
    struct Located {
        /// The `Document` element, nil when the message element itself is the root.
        var document: XMLNode?
        var message: XMLNode
        var kind: CamtMessageKind
        /// The Business Application Header, when the file has one.
        var appHeader: XMLNode?
    }

    /// Finds the message element: the root itself, `Document/<message>`, or the same inside an envelope
    /// that wraps `AppHdr` and `Document`.
    static func locate(in root: XMLNode) throws(FormatError) -> Located {
        if let kind = CamtMessageKind(elementName: root.name) {
            return Located(document: nil, message: root, kind: kind, appHeader: nil)
        }
        let document: XMLNode?
        var appHeader: XMLNode?
        if root.name == "Document" {
            document = root
        } else {
            document = root.child("Document") ?? root.descendants("Document").first
            appHeader = root.child("AppHdr") ?? root.descendants("AppHdr").first
        }
        guard let document else {
            throw root.camtError(
                .unknownFormat, "not a camt message: the root element \(root.name) holds no ISO 20022 Document")
        }
        for child in document.children {
            if let kind = CamtMessageKind(elementName: child.name) {
                return Located(document: document, message: child, kind: kind, appHeader: appHeader)
            }
        }
        let found = document.children.first.map { "holds \($0.name)" } ?? "is empty"
        throw document.camtError(
            .unknownFormat, "not a camt.052, camt.053 or camt.054 message: the Document \(found)")
    }

    /// `camt.053.001.08`: the message name and version from the namespace; without a namespace from
    /// the Business Application Header's `MsgDefIdr` or `xsi:schemaLocation`; failing all of them the
    /// message element's name alone (`camt.053`).
    static func format(of located: Located, root: XMLNode, warnings: inout [FormatWarning]) -> String {
        let kind = located.kind
        let carrier = located.document ?? located.message
        var sources: [String] = []
        if let namespace = carrier.namespaceURI, !namespace.isEmpty {
            if identifier(in: namespace) == nil {
                warnings.append(
                    FormatWarning(
                        code: .schemaDeviation,
                        message:
                            "the namespace \(CamtValues.clipped(namespace)) is not an ISO 20022 \(kind.messageName) namespace"
                    ))
            }
            sources.append(namespace)
        }
        if let definition = located.appHeader?.value("MsgDefIdr") { sources.append(definition) }
        for (name, value) in carrier.attributes where name == "schemaLocation" || name.hasSuffix(":schemaLocation") {
            sources.append(value)
        }
        sources.append(root.name)
        for source in sources {
            guard let (number, version) = identifier(in: source) else { continue }
            if number != kind.number {
                warnings.append(
                    FormatWarning(
                        code: .schemaDeviation,
                        message:
                            "\(CamtValues.clipped(source)) names camt.\(number), but the message is \(kind.elementName) (\(kind.messageName))"
                    ))
            }
            if let value = Int(version), !(2...13).contains(value) {
                warnings.append(
                    FormatWarning(
                        code: .schemaDeviation,
                        message:
                            "\(kind.messageName).001.\(version) is not a version PayHub knows (001.02 to 001.13); read as the nearest one"
                    ))
            }
            return "\(kind.messageName).001.\(version)"
        }
        return kind.messageName
    }

    /// The `(053, 08)` of the first `camt.053.001.08` in a text.
    static func identifier(in text: String) -> (number: String, version: String)? {
        guard let match = text.firstMatch(of: #/camt\.(05[234])\.001\.(\d\d)/#) else { return nil }
        return (String(match.output.1), String(match.output.2))
    }
}

/// Reads one `Stmt`, `Rpt` or `Ntfctn`.
struct CamtStatementReader {
    let index: Int
    var warnings: [FormatWarning] = []

    init(index: Int) { self.index = index }

    mutating func read(_ node: XMLNode) throws(FormatError) -> Statement {
        let account = Self.account(node.child("Acct"))
        var opening: StatementBalance?
        var previousClosing: StatementBalance?
        var closing: StatementBalance?
        var firstBalanceCurrency: String?
        for balanceNode in node.children("Bal") {
            guard let amountNode = balanceNode.child("Amt") else {
                throw balanceNode.camtError(.missingField, "a balance without Amt")
            }
            let amount = try CamtValues.signed(
                CamtValues.amount(amountNode), direction: CamtValues.direction(of: balanceNode))
            let currency = currency(of: amountNode)
            if firstBalanceCurrency == nil { firstBalanceCurrency = currency }
            var deviations: [String] = []
            let date = try CamtValues.date(in: balanceNode.child("Dt"), deviations: &deviations)
            for deviation in deviations {
                warnings.append(FormatWarning(statement: index, code: .schemaDeviation, message: deviation))
            }
            let balance = StatementBalance(amount: amount, date: date)
            let type = balanceNode.value("Tp", "CdOrPrtry", "Cd") ?? balanceNode.value("Tp", "CdOrPrtry", "Prtry")
            switch type?.uppercased() {
            case "OPBD": if opening == nil { opening = balance }
            case "PRCD": if previousClosing == nil { previousClosing = balance }
            case "CLBD": if closing == nil { closing = balance }
            default: break
            }
        }

        var entries: [StatementEntry] = []
        var totals = CamtTotals()
        let entryNodes = node.children("Ntry")
        entries.reserveCapacity(entryNodes.count)
        for entryNode in entryNodes {
            let read = try CamtEntryReader.read(entryNode, account: account)
            for deviation in read.deviations {
                warnings.append(FormatWarning(statement: index, code: .schemaDeviation, message: deviation))
            }
            totals.add(read.entry.amount, credit: read.credit)
            entries.append(read.entry)
        }
        if Self.isWholeStatement(node) { checkSummary(node.child("TxsSummry"), against: totals) }

        return Statement(
            id: node.value("Id"), account: account,
            currency: node.value("Acct", "Ccy") ?? firstBalanceCurrency,
            // PRCD, the previous closing balance, is the opening balance when the bank gives no OPBD.
            openingBalance: opening ?? previousClosing, closingBalance: closing, entries: entries)
    }

    private func currency(of amountNode: XMLNode) -> String? {
        guard let code = amountNode.attributes["Ccy"]?.trimmingCharacters(in: .whitespaces), !code.isEmpty else {
            return nil
        }
        return code
    }

    static func account(_ node: XMLNode?) -> StatementAccount {
        guard let node else { return StatementAccount() }
        let institution = node["Svcr", "FinInstnId"]
        return StatementAccount(
            iban: node.value("Id", "IBAN"), number: node.value("Id", "Othr", "Id"),
            bic: institution?.value("BIC") ?? institution?.value("BICFI"),
            name: node.value("Nm") ?? node.value("Ownr", "Nm") ?? node.value("Ownr", "Pty", "Nm"))
    }

    /// A statement split over several pages (or files) has a summary for the whole, which one page
    /// cannot be checked against.
    private static func isWholeStatement(_ node: XMLNode) -> Bool {
        for name in ["StmtPgntn", "RptPgntn", "NtfctnPgntn"] {
            guard let pagination = node.child(name) else { continue }
            let page = pagination.value("PgNb").flatMap { Int($0) }
            let last = pagination.value("LastPgInd").map { $0 == "true" || $0 == "1" }
            if page != 1 || last == false { return false }
        }
        return true
    }

    /// Compares `TxsSummry` with the entries the statement really has: counts give
    /// `record_count_mismatch`, sums `control_sum_mismatch`. Sums are compared by magnitude (the schema
    /// makes them unsigned; some banks write the debit sum negative).
    private mutating func checkSummary(_ summary: XMLNode?, against totals: CamtTotals) {
        guard let summary else { return }
        let groups: [(String, String, Int, ExactDecimal?)] = [
            ("TtlNtries", "entries", totals.creditCount + totals.debitCount, totals.grossSum),
            ("TtlCdtNtries", "credit entries", totals.creditCount, totals.creditSum),
            ("TtlDbtNtries", "debit entries", totals.debitCount, totals.debitSum),
        ]
        for (element, what, count, sum) in groups {
            guard let group = summary.child(element) else { continue }
            if let stated = group.value("NbOfNtries").flatMap({ Int($0) }), stated != count {
                warnings.append(
                    FormatWarning(
                        statement: index, code: .recordCountMismatch,
                        message: "TxsSummry/\(element)/NbOfNtries says \(stated) \(what), the statement has \(count)"))
            }
            if let text = group.value("Sum"), let stated = CamtValues.magnitude(text), let sum, !stated.isEqual(to: sum)
            {
                warnings.append(
                    FormatWarning(
                        statement: index, code: .controlSumMismatch,
                        message: "TxsSummry/\(element)/Sum says \(stated), the \(what) add up to \(sum)"))
            }
        }
    }
}

/// Running totals of a statement's entries, for the `TxsSummry` check.
struct CamtTotals {
    var creditCount = 0
    var debitCount = 0
    /// Nil once a sum leaves `Int128` (it cannot with the schema's 18 digits, but nothing traps).
    var creditSum: ExactDecimal? = .zero
    var debitSum: ExactDecimal? = .zero

    var grossSum: ExactDecimal? {
        guard let creditSum, let debitSum else { return nil }
        return creditSum.adding(debitSum)
    }

    mutating func add(_ signed: ExactDecimal, credit: Bool) {
        if credit {
            creditCount += 1
            creditSum = creditSum?.adding(signed)
        } else {
            debitCount += 1
            debitSum = debitSum?.adding(signed.negated())
        }
    }
}

extension XMLNode {
    /// A ``FormatError`` located at this element: its path, and its line in the message.
    func camtError(_ code: FormatError.Code, _ message: String) -> FormatError {
        FormatError(code, at: path, "\(message) (line \(line))")
    }
}
