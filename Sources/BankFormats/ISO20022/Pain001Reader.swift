import Foundation
import PayHubDomain

/// Reads ISO 20022 customer credit transfer initiations — pain.001 001.03 and 001.09 (and the versions
/// between and after, which differ only in names this reader accepts both of), the German DK variants
/// `pain.001.002.03` / `pain.001.003.03` and the Swiss `ch.02`/`ch.03` variants — into a
/// ``PaymentInitiation``. An ERP may hand PayHub a file it already made.
///
/// One reader handles every version by local name: `ReqdExctnDt` is a plain date (001.03) or holds `Dt`
/// or `DtTm` (001.08 on); agents are `BIC` (001.03) or `BICFI` (001.04 on); accounts are `IBAN` or
/// `Othr/Id`; an amount is `InstdAmt` or, failing that, `EqvtAmt/Amt` (the amount and currency the
/// debtor's account is charged; the transfer currency `CcyOfTrf` has no place in the model). Amounts
/// are read exactly, as the schema allows them (at most 5 decimals and 18 digits, not negative).
///
/// `NbOfTxs` and `CtrlSum` are checked against the transactions, for the group and for each `PmtInf`
/// that has them; a file that does not add up is read and reported with a `record_count_mismatch` or
/// `control_sum_mismatch` warning, never corrected. `CtrlSum` is, as the schema defines it, the plain
/// sum of the amounts whatever their currencies. Mandatory elements that are missing but not needed to
/// read the file (`GrpHdr`, `PmtInf`…) are a `schema_deviation` warning. What makes the file unreadable
/// — not XML, not a pain.001, a transaction without an amount, an amount, date, count or boolean that
/// is not one — is a ``FormatError`` naming the element's path and line.
public enum Pain001Reader {
    public static func read(_ data: Data) throws(FormatError) -> PaymentInitiation {
        let root = try XMLTree.parse(data)
        return try read(root: root)
    }

    /// Reads an already parsed XML tree.
    public static func read(root: XMLNode) throws(FormatError) -> PaymentInitiation {
        let located = try PainMessage.locate(.initiation, in: root)
        var warnings: [FormatWarning] = []
        let format = PainMessage.format(of: located, kind: .initiation, root: root, warnings: &warnings)
        let message = located.message

        let header = message.child("GrpHdr")
        var numberOfTransactions: Int?
        var controlSum: ExactDecimal?
        if let header {
            if let node = header.child("NbOfTxs") {
                numberOfTransactions = try PainValues.count(node)
            } else {
                warnings.append(PainMessage.missing("NbOfTxs", in: header))
            }
            if let node = header.child("CtrlSum") { controlSum = try PainValues.controlSum(node) }
        } else {
            warnings.append(PainMessage.missing("GrpHdr", in: message))
        }

        let paymentNodes = message.children("PmtInf")
        if paymentNodes.isEmpty { warnings.append(PainMessage.missing("PmtInf", in: message)) }
        var payments: [InitiationPayment] = []
        payments.reserveCapacity(paymentNodes.count)
        for (index, node) in paymentNodes.enumerated() {
            var reader = PaymentReader(index: index)
            payments.append(try reader.read(node))
            warnings += reader.warnings
        }

        let amounts = payments.flatMap { $0.transactions.map(\.amount) }
        warnings += PainValues.check(
            "GrpHdr", numberOfTransactions: numberOfTransactions, controlSum: controlSum, against: amounts)

        return PaymentInitiation(
            format: format, messageID: header?.value("MsgId"), createdAt: header?.value("CreDtTm"),
            numberOfTransactions: numberOfTransactions, controlSum: controlSum,
            initiatingParty: header?.value("InitgPty", "Nm"), payments: payments, warnings: warnings)
    }
}

/// Reads one `PmtInf` and its `CdtTrfTxInf`.
private struct PaymentReader {
    let index: Int
    var warnings: [FormatWarning] = []

    init(index: Int) { self.index = index }

    mutating func read(_ node: XMLNode) throws(FormatError) -> InitiationPayment {
        let id = node.value("PmtInfId")
        let date = try PainValues.executionDate(node.child("ReqdExctnDt"), warnings: &warnings)
        let batchBooking = try PainValues.boolean(node.child("BtchBookg"))
        let debtor = InitiationParty(
            name: node.value("Dbtr", "Nm"), iban: node.value("DbtrAcct", "Id", "IBAN"),
            account: node.value("DbtrAcct", "Id", "Othr", "Id"), bic: Self.bic(of: node.child("DbtrAgt")))

        let transactionNodes = node.children("CdtTrfTxInf")
        if transactionNodes.isEmpty { warnings.append(PainMessage.missing("CdtTrfTxInf", in: node)) }
        var transactions: [InitiationTransaction] = []
        transactions.reserveCapacity(transactionNodes.count)
        for transactionNode in transactionNodes { transactions.append(try transaction(transactionNode)) }

        var numberOfTransactions: Int?
        var controlSum: ExactDecimal?
        if let countNode = node.child("NbOfTxs") { numberOfTransactions = try PainValues.count(countNode) }
        if let sumNode = node.child("CtrlSum") { controlSum = try PainValues.controlSum(sumNode) }
        let label = "PmtInf \(index + 1)" + (id.map { " (\(PainMessage.clipped($0)))" } ?? "")
        warnings += PainValues.check(
            label, numberOfTransactions: numberOfTransactions, controlSum: controlSum,
            against: transactions.map(\.amount))

        return InitiationPayment(
            id: id, requestedExecutionDate: date, batchBooking: batchBooking, debtor: debtor, transactions: transactions)
    }

    mutating func transaction(_ node: XMLNode) throws(FormatError) -> InitiationTransaction {
        guard let amountContainer = node.child("Amt") else {
            throw PainMessage.error(.missingField, at: node, "a credit transfer without Amt")
        }
        let amountNode: XMLNode
        if let instructed = amountContainer.child("InstdAmt") {
            amountNode = instructed
        } else if let equivalent = amountContainer.child("EqvtAmt") {
            guard let amount = equivalent.child("Amt") else {
                throw PainMessage.error(.missingField, at: equivalent, "EqvtAmt without Amt")
            }
            amountNode = amount
        } else {
            throw PainMessage.error(.missingField, at: amountContainer, "Amt holds neither InstdAmt nor EqvtAmt")
        }
        let amount = try PainValues.amount(amountNode)
        let currency = try PainValues.currency(of: amountNode)
        if currency == nil {
            warnings.append(
                FormatWarning(
                    code: .schemaDeviation,
                    message: "\(amountNode.path) (line \(amountNode.line)) has no Ccy, which the schema requires"))
        }
        let creditor = InitiationParty(
            name: node.value("Cdtr", "Nm"), iban: node.value("CdtrAcct", "Id", "IBAN"),
            account: node.value("CdtrAcct", "Id", "Othr", "Id"), bic: Self.bic(of: node.child("CdtrAgt")),
            country: node.value("Cdtr", "PstlAdr", "Ctry"))
        return InitiationTransaction(
            endToEndID: node.value("PmtId", "EndToEndId"), instructionID: node.value("PmtId", "InstrId"),
            uetr: node.value("PmtId", "UETR"), amount: amount, currency: currency, creditor: creditor,
            remittance: Self.remittance(in: node))
    }

    /// `FinInstnId/BICFI` (001.04 on) or `FinInstnId/BIC` (001.03) of an agent.
    static func bic(of agent: XMLNode?) -> String? {
        agent?.value("FinInstnId", "BICFI") ?? agent?.value("FinInstnId", "BIC")
    }

    /// The unstructured lines joined by a space, else the structured creditor references (ISO 11649 RF,
    /// Swiss QR or ESR reference) — as the camt reader reads a transaction's remittance.
    static func remittance(in node: XMLNode) -> String? {
        let information = node.children("RmtInf")
        let lines = information.flatMap { $0.children("Ustrd") }.compactMap { $0.value() }
        if !lines.isEmpty { return lines.joined(separator: " ") }
        var references: [String] = []
        for structured in information.flatMap({ $0.children("Strd") }) {
            for reference in structured.children("CdtrRefInf").compactMap({ $0.value("Ref") })
            where !references.contains(reference) {
                references.append(reference)
            }
        }
        return references.isEmpty ? nil : references.joined(separator: " ")
    }
}

/// The simple values of a pain.001, read strictly, each failure a ``FormatError`` at the element.
private enum PainValues {
    /// `ActiveOrHistoricCurrencyAndAmount`: at most 5 decimals and 18 digits, not negative.
    static let amountFractionDigitsMax = 5
    /// `DecimalNumber` (`CtrlSum`) allows 17 decimals; PayHub reads up to the 12 an ``ExactDecimal`` holds.
    static let controlSumFractionDigitsMax = 12
    static let totalDigitsMax = 18

    static func amount(_ node: XMLNode) throws(FormatError) -> ExactDecimal {
        try decimal(node, fractionDigitsMax: amountFractionDigitsMax, signed: false, what: "amount")
    }

    static func controlSum(_ node: XMLNode) throws(FormatError) -> ExactDecimal {
        try decimal(node, fractionDigitsMax: controlSumFractionDigitsMax, signed: true, what: "control sum")
    }

    /// An `xs:decimal` as the schema writes it, exactly. `5.` and `.5` are valid and read as 5 and 0.5.
    static func decimal(
        _ node: XMLNode, fractionDigitsMax: Int, signed: Bool, what: String
    ) throws(FormatError) -> ExactDecimal {
        let text = node.trimmedText
        guard !text.isEmpty else { throw PainMessage.error(.invalidValue, at: node, "an empty \(what)") }
        var body = Substring(text)
        var negative = false
        if body.first == "+" || body.first == "-" {
            negative = body.first == "-"
            body = body.dropFirst()
        }
        if negative && !signed {
            throw PainMessage.error(.invalidValue, at: node, "the \(what) \(PainMessage.clipped(text)) is negative")
        }
        let parts = body.split(separator: ".", maxSplits: 2, omittingEmptySubsequences: false)
        let integer = parts.first ?? ""
        let fraction = parts.count == 2 ? parts.last ?? "" : ""
        let isDigits = { (part: Substring) in part.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") } }
        guard parts.count <= 2, isDigits(integer), isDigits(fraction), !(integer.isEmpty && fraction.isEmpty) else {
            throw PainMessage.error(.invalidValue, at: node, "\(PainMessage.clipped(text)) is not a decimal \(what)")
        }
        guard fraction.count <= fractionDigitsMax else {
            throw PainMessage.error(
                .invalidValue, at: node, "the \(what) \(PainMessage.clipped(text)) has more than \(fractionDigitsMax) decimals")
        }
        guard integer.drop(while: { $0 == "0" }).count + fraction.count <= totalDigitsMax else {
            throw PainMessage.error(
                .invalidValue, at: node, "the \(what) \(PainMessage.clipped(text)) has more than \(totalDigitsMax) digits")
        }
        let normalized =
            (negative ? "-" : "") + (integer.isEmpty ? "0" : String(integer)) + (fraction.isEmpty ? "" : "." + fraction)
        guard let value = ExactDecimal(normalized) else {
            throw PainMessage.error(.invalidValue, at: node, "\(PainMessage.clipped(text)) is not a decimal \(what)")
        }
        return value
    }

    /// The `Ccy` of an amount: nil when absent, an error when it is not three capital letters.
    static func currency(of node: XMLNode) throws(FormatError) -> String? {
        guard let code = node.attribute("Ccy")?.trimmingXMLSpace, !code.isEmpty else {
            return nil
        }
        guard code.utf8.count == 3, code.utf8.allSatisfy({ $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }) else {
            throw PainMessage.error(
                .invalidValue, at: node, "the currency \(PainMessage.clipped(code)) is not an ISO 4217 code (three capital letters)")
        }
        return code
    }

    /// `NbOfTxs`: `Max15NumericText`, one to fifteen digits.
    static func count(_ node: XMLNode) throws(FormatError) -> Int {
        let text = node.trimmedText
        guard (1...15).contains(text.utf8.count),
            text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }), let value = Int(text)
        else {
            throw PainMessage.error(
                .invalidValue, at: node, "NbOfTxs is \(PainMessage.clipped(text)), not a number of up to 15 digits")
        }
        return value
    }

    /// An `xs:boolean` (`true`, `false`, `1`, `0`); nil when the element is absent.
    static func boolean(_ node: XMLNode?) throws(FormatError) -> Bool? {
        guard let node else { return nil }
        switch node.trimmedText {
        case "true", "1": return true
        case "false", "0": return false
        case let other:
            throw PainMessage.error(
                .invalidValue, at: node, "\(node.name) is \(PainMessage.clipped(other)), not true or false")
        }
    }

    /// `ReqdExctnDt` as `YYYY-MM-DD`: a plain `xs:date` (001.03, possibly with a time zone, which is
    /// dropped: the date is the bank's business day) or the `Dt`/`DtTm` choice of 001.08 on (a date-time
    /// gives its date part, as written, without time-zone conversion). Nil when absent.
    static func executionDate(_ node: XMLNode?, warnings: inout [FormatWarning]) throws(FormatError) -> String? {
        guard let node else { return nil }
        if let date = node.child("Dt") { return try isoDate(date, dateTime: false, warnings: &warnings) }
        if let dateTime = node.child("DtTm") { return try isoDate(dateTime, dateTime: true, warnings: &warnings) }
        if let child = node.children.first {
            throw PainMessage.error(.invalidValue, at: child, "ReqdExctnDt holds \(child.name), not Dt or DtTm")
        }
        return try isoDate(node, dateTime: false, warnings: &warnings)
    }

    /// The `YYYY-MM-DD` at the start of an `xs:date` (which may carry a time zone) or `xs:dateTime`. A
    /// date-time where the schema wants a date, or the reverse, is read with a `schema_deviation`.
    static func isoDate(_ node: XMLNode, dateTime: Bool, warnings: inout [FormatWarning]) throws(FormatError) -> String {
        let text = node.trimmedText
        let what = dateTime ? "date-time" : "date"
        let deviation = { (wanted: String, found: String) in
            FormatWarning(
                code: .schemaDeviation,
                message: "\(node.path) (line \(node.line)) is a \(found) where the schema wants a \(wanted)")
        }
        switch ISODateValue.read(text) {
        case .failure(.notADate), .failure(.trailingText):
            throw PainMessage.error(
                .invalidValue, at: node, "\(PainMessage.clipped(text)) is not an ISO \(what) (YYYY-MM-DD…)")
        case .failure(.notADay):
            throw PainMessage.error(.invalidValue, at: node, "\(PainMessage.clipped(text)) is not a day of the calendar")
        case .success(let value):
            switch value.shape {
            case .date where dateTime: warnings.append(deviation("date-time", "date"))
            case .dateTime where !dateTime: warnings.append(deviation("date", "date-time"))
            case .dateWithZone where dateTime:
                // A time zone straight after the date is allowed in xs:date only.
                throw PainMessage.error(.invalidValue, at: node, "\(PainMessage.clipped(text)) is not an ISO date-time")
            default: break
            }
            return value.date
        }
    }

    /// The `record_count_mismatch` and `control_sum_mismatch` warnings for a group header or a `PmtInf`
    /// whose `NbOfTxs` or `CtrlSum` does not match its transactions.
    static func check(
        _ label: String, numberOfTransactions: Int?, controlSum: ExactDecimal?, against amounts: [ExactDecimal]
    ) -> [FormatWarning] {
        var warnings: [FormatWarning] = []
        if let numberOfTransactions, numberOfTransactions != amounts.count {
            warnings.append(
                FormatWarning(
                    code: .recordCountMismatch,
                    message: "\(label) NbOfTxs \(numberOfTransactions) != \(amounts.count) transactions"))
        }
        if let controlSum {
            var total: ExactDecimal? = .zero
            for amount in amounts { total = total?.adding(amount) }
            // The sum cannot overflow for a file that fits in memory (18 digits an amount); if it ever
            // did, it is certainly not the control sum.
            let matches = total.map { sameValue($0, controlSum) } ?? false
            if !matches {
                let shown = total.map { $0.formatted(minimumScale: controlSum.scale) } ?? "(too large)"
                warnings.append(
                    FormatWarning(
                        code: .controlSumMismatch,
                        message: "\(label) CtrlSum \(controlSum) != sum of the \(amounts.count) transaction amounts \(shown)"))
            }
        }
        return warnings
    }

    /// `1.5 == 1.50`, without the trap ``ExactDecimal/isEqual(to:)`` would hit if bringing the two to a
    /// common scale left `Int128` (values far beyond any real file; they are then simply unequal).
    static func sameValue(_ a: ExactDecimal, _ b: ExactDecimal) -> Bool {
        let scale = max(a.scale, b.scale)
        func scaled(_ value: ExactDecimal) -> Int128? {
            var significand = value.significand
            for _ in value.scale..<scale {
                let (product, overflow) = significand.multipliedReportingOverflow(by: 10)
                if overflow { return nil }
                significand = product
            }
            return significand
        }
        guard let left = scaled(a), let right = scaled(b) else { return false }
        return left == right
    }
}
