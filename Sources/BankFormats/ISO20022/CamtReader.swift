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
    /// Reads a whole message in memory. Balances are left to ``StatementDocument/checkBalances()``, as
    /// for every reader (``BankFileReader`` calls it).
    public static func read(_ data: Data) throws(FormatError) -> StatementDocument {
        var reader = CamtStreamReader(keepsEntries: true) { _ in }
        try XMLReading.read(data, into: &reader)
        return try reader.finish()
    }

    /// Reads a camt file of any size in constant memory: each statement's header and each entry is
    /// handed to `handle` as soon as it is read, and forgotten. The document returned holds the
    /// statements without their entries, and every warning — `balance_mismatch` included, which this
    /// reader checks itself since the entries are gone. An error `handle` throws ends the reading and
    /// is rethrown; a malformed file is a ``FormatError`` naming the element (`…/Stmt[1]/Ntry[7]/Amt`).
    /// `chunkSize` is how much of the file is read at a time (a token longer than that grows it).
    public static func stream(
        contentsOf url: URL, chunkSize: Int = 1 << 20, _ handle: (StatementStreamEvent) throws -> Void
    ) throws -> StatementDocument {
        try withoutActuallyEscaping(handle) { handle in
            var reader = CamtStreamReader(keepsEntries: false, handle: handle)
            do {
                try XMLReading.read(contentsOf: url, chunkSize: max(chunkSize, 16), into: &reader)
            } catch {
                throw reader.handlerError ?? error
            }
            return try reader.finish()
        }
    }
}

/// Builds the camt model from scanner events. Everything but the entries goes into one element tree
/// (headers are small); each `Ntry` is built into a tree of its own, read, handed on and dropped, and a
/// finished statement is dropped from the tree too, so memory does not grow with the file.
struct CamtStreamReader: XMLContentHandler {
    private let keepsEntries: Bool
    private var sink: StatementStreamSink

    private var tree = XMLTreeBuilder()
    private var entryTree = XMLTreeBuilder()
    private var entryDepth = 0
    private var message: (index: Int, kind: CamtMessageKind)?
    /// The statement (`Stmt`, `Rpt`, `Ntfctn`) being read: its element, its reader once its header
    /// has been read, and its path for entries' error messages.
    private var item: Int?
    private var itemReader: CamtStatementReader?
    private var itemPath = ""
    private var itemHeader = Statement()
    private var itemEntries: [StatementEntry] = []
    private var itemCount = 0
    private var entryCount = 0

    private var format: String?
    private var messageID: String?
    private var createdAt: String?
    private var statements: [Statement] = []
    private var warnings: [FormatWarning] = []

    init(keepsEntries: Bool, handle: @escaping (StatementStreamEvent) throws -> Void) {
        self.keepsEntries = keepsEntries
        sink = StatementStreamSink(handle)
    }

    mutating func startElement(_ tag: XMLStartTag) throws(FormatError) {
        if entryDepth > 0 {
            entryTree.start(tag)
            entryDepth += 1
            return
        }
        let parent = tree.open.last
        if let item, parent == item, Self.equals(tag.localName, "Ntry") {
            try beginStatement()
            entryCount += 1
            entryTree.reset(rootPrefix: itemPath)
            entryTree.start(tag, ordinal: entryCount)
            entryDepth = 1
            return
        }
        if let message, item == nil, parent == message.index,
            Self.equals(tag.localName, message.kind.itemName)
        {
            itemCount += 1
            tree.start(tag, ordinal: itemCount)
            item = tree.open.last
            itemReader = nil
            entryCount = 0
            itemEntries.removeAll(keepingCapacity: true)
            return
        }
        tree.start(tag)
        if message == nil, let kind = CamtMessageKind(elementName: String(decoding: tag.localName, as: UTF8.self)),
            parent.map({ tree.hasName($0, "Document") }) ?? true
        {
            message = (tree.open.last!, kind)
        }
    }

    mutating func characters(_ text: UnsafeRawBufferPointer) throws(FormatError) {
        if entryDepth > 0 { entryTree.characters(text) } else { tree.characters(text) }
    }

    mutating func endElement() throws(FormatError) {
        if entryDepth > 0 {
            entryTree.end()
            entryDepth -= 1
            if entryDepth == 0 { try finishEntry() }
            return
        }
        let closing = tree.open.last
        tree.end()
        if let closing, closing == item {
            try finishStatement()
            tree.removeSubtree(at: closing)
            item = nil
        }
    }

    /// Reads the statement's header once, when its first entry starts (the schema puts `Acct`, `Bal`
    /// and `TxsSummry` before `Ntry`) or, without entries, when it ends.
    private mutating func beginStatement() throws(FormatError) {
        guard itemReader == nil, let item, let message, let root = tree.root else { return }
        let node = XMLNode(storage: root.storage, index: item)
        if format == nil {
            let messageNode = XMLNode(storage: root.storage, index: message.index)
            let document = messageNode.parent.flatMap { $0.hasName("Document") ? $0 : nil }
            let appHeader = document == nil || root.index == document?.index ? nil : (root.child("AppHdr") ?? root.descendants("AppHdr").first)
            let located = CamtMessage.Located(document: document, message: messageNode, kind: message.kind, appHeader: appHeader)
            format = CamtMessage.format(of: located, root: root, warnings: &warnings)
            messageID = messageNode.value("GrpHdr", "MsgId")
            createdAt = messageNode.value("GrpHdr", "CreDtTm")
        }
        var reader = CamtStatementReader(index: itemCount - 1)
        itemHeader = try reader.readHeader(node)
        itemReader = reader
        itemPath = node.path
        try deliver(.statement(index: itemCount - 1, itemHeader))
    }

    private mutating func finishEntry() throws(FormatError) {
        guard let root = entryTree.root, var reader = itemReader else { return }
        let read = try CamtEntryReader.read(root, account: itemHeader.account)
        reader.add(read)
        itemReader = reader
        if keepsEntries { itemEntries.append(read.entry) }
        try deliver(.entry(statement: itemCount - 1, read.entry))
    }

    private mutating func finishStatement() throws(FormatError) {
        try beginStatement()
        guard let item, var reader = itemReader, let root = tree.root else { return }
        reader.finish(XMLNode(storage: root.storage, index: item), checkingBalances: !keepsEntries, header: itemHeader)
        warnings += reader.warnings
        var statement = itemHeader
        statement.entries = itemEntries
        statements.append(statement)
        itemEntries.removeAll(keepingCapacity: true)
    }

    private mutating func deliver(_ event: StatementStreamEvent) throws(FormatError) { try sink.deliver(event) }

    var handlerError: (any Error)? { sink.consumerError }

    /// The document, once the scanner has read the last byte.
    func finish() throws(FormatError) -> StatementDocument {
        guard message != nil, let format else {
            guard let root = tree.root else {
                throw FormatError(.malformed, at: "line 1", "the XML is not well-formed: the document is empty")
            }
            let located = try CamtMessage.locate(in: root)
            throw located.message.camtError(
                .missingField, "a \(located.kind.messageName) message without any \(located.kind.itemName)")
        }
        return StatementDocument(
            format: format, messageID: messageID, createdAt: createdAt, statements: statements, warnings: warnings)
    }

    private static func equals(_ bytes: UnsafeRawBufferPointer, _ name: String) -> Bool {
        var name = name
        return name.withUTF8 { bytes.elementsEqual($0) }
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

    private var totals = CamtTotals()

    /// Id, account, currency and balances: everything before the entries.
    mutating func readHeader(_ node: XMLNode) throws(FormatError) -> Statement {
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
        return Statement(
            id: node.value("Id"), account: account,
            currency: node.value("Acct", "Ccy") ?? firstBalanceCurrency,
            // PRCD, the previous closing balance, is the opening balance when the bank gives no OPBD.
            openingBalance: opening ?? previousClosing, closingBalance: closing,
            sequenceNumber: (node.value("ElctrncSeqNb") ?? node.value("LglSeqNb")).flatMap {
                Int($0.trimmingXMLSpace)
            })
    }

    mutating func add(_ read: CamtEntryReader.Read) {
        for deviation in read.deviations {
            warnings.append(FormatWarning(statement: index, code: .schemaDeviation, message: deviation))
        }
        totals.add(read.entry.amount, credit: read.credit)
    }

    /// Checks the statement's `TxsSummry`, and its balances when the entries are not kept for
    /// ``StatementDocument/checkBalances()``.
    mutating func finish(_ node: XMLNode, checkingBalances: Bool, header: Statement) {
        if Self.isWholeStatement(node) { checkSummary(node.child("TxsSummry"), against: totals) }
        if checkingBalances, let opening = header.openingBalance?.amount, let closing = header.closingBalance?.amount,
            let warning = StatementDocument.balanceWarning(
                statement: index, opening: opening, entries: totals.signedSum, closing: closing)
        {
            warnings.append(warning)
        }
    }

    private func currency(of amountNode: XMLNode) -> String? {
        guard let code = amountNode.attribute("Ccy")?.trimmingXMLSpace, !code.isEmpty else {
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
    var signedSum: ExactDecimal? = .zero

    var grossSum: ExactDecimal? {
        guard let creditSum, let debitSum else { return nil }
        return creditSum.adding(debitSum)
    }

    mutating func add(_ signed: ExactDecimal, credit: Bool) {
        signedSum = signedSum?.adding(signed)
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
