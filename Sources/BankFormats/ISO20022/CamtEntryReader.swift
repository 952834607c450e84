import Foundation
import PayHubDomain

/// Reads one camt `Ntry` into a ``StatementEntry``.
enum CamtEntryReader {
    struct Read {
        var entry: StatementEntry
        /// The entry's own `CdtDbtInd` (a zero amount has no sign to tell).
        var credit: Bool
        /// Schema deviations noticed while reading, for a `schema_deviation` warning each.
        var deviations: [String]
    }

    static func read(_ node: XMLNode, account: StatementAccount) throws(FormatError) -> Read {
        var deviations: [String] = []
        guard let amountNode = node.child("Amt") else {
            throw node.camtError(.missingField, "an entry without Amt")
        }
        let direction = try CamtValues.direction(of: node)
        let amount = CamtValues.signed(try CamtValues.amount(amountNode), direction: direction)
        let currency = amountNode.attribute("Ccy")?.trimmingXMLSpace
        if currency?.isEmpty ?? true {
            deviations.append("\(amountNode.path) (line \(amountNode.line)) has no Ccy attribute")
        }
        let reversal = try CamtValues.boolean(node.child("RvslInd")) ?? false
        let status = try status(of: node)
        let bookingDate = try CamtValues.date(in: node.child("BookgDt"), deviations: &deviations)
        let valueDate = try CamtValues.date(in: node.child("ValDt"), deviations: &deviations)

        let details = node.children("NtryDtls").flatMap { $0.children("TxDtls") }
        let endToEndIDs = details.compactMap { $0.value("Refs", "EndToEndId") }.filter {
            $0.uppercased() != "NOTPROVIDED"
        }
        // The counterparty is the other side of the money's movement: who paid us for a credit, whom
        // we paid for a debit. A reversal (RvslInd) books the opposite of the original transaction,
        // whose parties the details still describe, so it looks at the original direction.
        let counterpartySide: CamtPartySide = (direction == .credit) != reversal ? .debtor : .creditor
        let counterparties = details.map { counterparty(in: $0, side: counterpartySide, account: account) }
        let remittances = details.map(remittance(in:))
        let additionalInfo = node.value("AddtlNtryInf")
        var transactions: [EntryTransaction] = []
        transactions.reserveCapacity(details.count)
        for (index, detail) in details.enumerated() {
            let endToEndID = detail.value("Refs", "EndToEndId")
            transactions.append(
                EntryTransaction(
                    endToEndID: endToEndID?.uppercased() == "NOTPROVIDED" ? nil : endToEndID,
                    uetr: detail.value("Refs", "UETR"),
                    amount: transactionAmount(detail, entryDirection: direction, deviations: &deviations),
                    counterparty: counterparties[index], remittance: remittances[index]))
        }

        return Read(
            entry: StatementEntry(
                amount: amount, currency: (currency?.isEmpty ?? true) ? nil : currency, bookingDate: bookingDate,
                valueDate: valueDate, status: status, reversal: reversal, bankReference: node.value("AcctSvcrRef"),
                customerReference: node.value("NtryRef"), endToEndIDs: endToEndIDs,
                counterparty: shared(counterparties) ?? nil,
                remittance: entryRemittance(remittances, additionalInfo: additionalInfo),
                transactionCode: transactionCode(node.child("BkTxCd"))
                    ?? details.lazy.compactMap { transactionCode($0.child("BkTxCd")) }.first,
                returnReason: details.lazy.compactMap(returnReason(in:)).first,
                // Follows format-json.md: an entry is one transaction unless its details list more.
                detailsCount: max(details.count, 1), transactions: transactions),
            credit: direction == .credit, deviations: deviations)
    }

    /// A transaction's own signed amount: `TxDtls/Amt` (001.03 on) or `AmtDtls/TxAmt/Amt`, signed by the
    /// details' `CdtDbtInd`, else the entry's. An amount that cannot be read is left out and noted: the
    /// entry's own amount is what counts.
    static func transactionAmount(
        _ detail: XMLNode, entryDirection: CamtValues.Direction, deviations: inout [String]
    ) -> ExactDecimal? {
        guard let amountNode = detail.child("Amt") ?? detail["AmtDtls", "TxAmt", "Amt"] else { return nil }
        do {
            let amount = try CamtValues.amount(amountNode)
            let direction = detail.child("CdtDbtInd") == nil ? entryDirection : try CamtValues.direction(of: detail)
            return CamtValues.signed(amount, direction: direction)
        } catch {
            deviations.append("\(amountNode.path) (line \(amountNode.line)): \(error.message)")
            return nil
        }
    }

    /// `Sts` as a code (up to 001.08) or as the `Cd`/`Prtry` choice (001.09 on).
    static func status(of node: XMLNode) throws(FormatError) -> EntryStatus {
        guard let statusNode = node.child("Sts") else { throw node.camtError(.missingField, "an entry without Sts") }
        let code = statusNode.value() ?? statusNode.value("Cd") ?? statusNode.value("Prtry")
        switch code?.uppercased() {
        case "BOOK": return .booked
        case "PDNG": return .pending
        case "INFO": return .info
        // FUTR (001.09 on): on the bank's books for a future date; not booked on the account yet.
        case "FUTR": return .pending
        default:
            let found = code.map { "the entry status \(CamtValues.clipped($0))" } ?? "an empty entry status"
            throw statusNode.camtError(.invalidValue, "\(found), not BOOK, PDNG, INFO or FUTR")
        }
    }

    /// Domain-Family-SubFamily (`PMNT-ICDT-ESCT`), else the proprietary code.
    static func transactionCode(_ node: XMLNode?) -> String? {
        guard let node else { return nil }
        if let domain = node.value("Domn", "Cd"), let family = node.value("Domn", "Fmly", "Cd"),
            let subFamily = node.value("Domn", "Fmly", "SubFmlyCd")
        {
            return "\(domain)-\(family)-\(subFamily)"
        }
        return node.value("Prtry", "Cd")
    }

    static func returnReason(in details: XMLNode) -> String? {
        for info in details.children("RtrInf") {
            if let reason = info.value("Rsn", "Cd") ?? info.value("Rsn", "Prtry") { return reason }
        }
        return nil
    }

    /// One transaction's remittance: its unstructured lines joined by a space, else its structured
    /// creditor references (ISO 11649 RF, Swiss QR or ESR reference).
    static func remittance(in details: XMLNode) -> String? {
        let information = details.children("RmtInf")
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

    /// The entry's remittance: the one its transactions share; for a batch whose transactions differ,
    /// the bank's description of the entry (`AddtlNtryInf`), else every distinct one, joined by "; ".
    static func entryRemittance(_ remittances: [String?], additionalInfo: String?) -> String? {
        var distinct: [String] = []
        for case let remittance? in remittances where !distinct.contains(remittance) { distinct.append(remittance) }
        switch distinct.count {
        case 0: return additionalInfo
        case 1: return distinct.first
        default: return additionalInfo ?? distinct.joined(separator: "; ")
        }
    }

    /// The value every element of a non-empty list shares, nil when they differ or the list is empty.
    static func shared<Value: Equatable>(_ values: [Value]) -> Value? {
        guard let first = values.first, values.allSatisfy({ $0 == first }) else { return nil }
        return first
    }

    static func counterparty(in details: XMLNode, side: CamtPartySide, account: StatementAccount) -> Counterparty? {
        let primary = party(in: details, side: side)
        let identifies = { (party: Counterparty?) -> Bool in
            guard let party, party.name != nil || party.account != nil else { return false }
            return !isAccountHolder(party, account: account)
        }
        if identifies(primary) { return primary }
        // Some banks put the counterparty on the other side (a Dutch unpaid direct debit lists the
        // debtor as Cdtr; a German batch transfer names the account holder as Cdtr). Take the other
        // side then, as long as it is not recognisably the account holder too.
        let other = party(in: details, side: side.other)
        if identifies(other) { return other }
        return primary
    }

    /// Name (`Nm`, `Pty/Nm` from 001.08, or an institution's `Agt/FinInstnId/Nm`), account (IBAN or
    /// `Othr/Id`) and the agent's BIC of one side of a transaction.
    static func party(in details: XMLNode, side: CamtPartySide) -> Counterparty? {
        let party = details["RltdPties", side.party]
        let name = party?.value("Nm") ?? party?.value("Pty", "Nm") ?? party?.value("Agt", "FinInstnId", "Nm")
        let accountID = details["RltdPties", side.account, "Id"]
        let account = accountID?.value("IBAN") ?? accountID?.value("Othr", "Id")
        let agent = details["RltdAgts", side.agent, "FinInstnId"] ?? party?["Agt", "FinInstnId"]
        let bic = agent?.value("BIC") ?? agent?.value("BICFI")
        guard name != nil || account != nil || bic != nil else { return nil }
        return Counterparty(name: name, account: account, bic: bic)
    }

    /// Whether a party's account is the statement's own account (IBAN or other number).
    static func isAccountHolder(_ party: Counterparty, account: StatementAccount) -> Bool {
        guard let number = party.account else { return false }
        return sameAccount(number, account.iban) || sameAccount(number, account.number)
    }

    /// Whether two account numbers are the same but for spaces and letter case (`DE89 3704…` and
    /// `de893704…`); an empty number is nobody's. Compared byte by byte: this runs for every entry.
    static func sameAccount(_ first: String, _ second: String?) -> Bool {
        guard let second else { return false }
        var left = first.utf8.lazy.filter { !Self.isSpace($0) }.makeIterator()
        var right = second.utf8.lazy.filter { !Self.isSpace($0) }.makeIterator()
        var compared = 0
        while true {
            switch (left.next(), right.next()) {
            case (nil, nil): return compared > 0
            case let (a?, b?) where Self.upper(a) == Self.upper(b): compared += 1
            default: return false
            }
        }
    }

    private static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }
    private static func upper(_ byte: UInt8) -> UInt8 { byte >= 0x61 && byte <= 0x7A ? byte - 0x20 : byte }
}

enum CamtPartySide: Sendable {
    case debtor, creditor

    var other: CamtPartySide { self == .debtor ? .creditor : .debtor }
    var party: String { self == .debtor ? "Dbtr" : "Cdtr" }
    var account: String { self == .debtor ? "DbtrAcct" : "CdtrAcct" }
    var agent: String { self == .debtor ? "DbtrAgt" : "CdtrAgt" }
}
