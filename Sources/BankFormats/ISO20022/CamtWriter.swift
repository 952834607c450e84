import Foundation
import PayHubDomain

/// Writes camt.053.001.08 bank-to-customer statements and camt.054.001.08 debit/credit notifications
/// from a ``StatementDocument``, the inverse of ``CamtReader``.
///
/// One `Stmt` (053) or `Ntfctn` (054) per statement. Signed amounts become an unsigned `Amt` and a
/// `CdtDbtInd` (a negative amount or balance is `DBIT`). Amounts are written exactly, with the
/// currency's places or the amount's own extra places (the schema allows five). camt.054 has no
/// balances, so they are left out; camt.053 requires one, so a statement without any is refused there. The entry's details are one `TxDtls` per end-to-end id (padded
/// with `NOTPROVIDED` ones up to the entry's `details_count`, at least one), each carrying the entry's
/// counterparty, remittance and return reason, so that ``CamtReader`` reads back the same entry. An
/// entry with ``StatementEntry/transactions`` (a batch booking) gets one `TxDtls` per transaction instead,
/// with its own end-to-end id, UETR, amount, parties and remittance, and the entry's return reason.
///
/// What the schema cannot take (a missing message or statement id, an amount with more than five
/// places, a date that is not `YYYY-MM-DD`, a BIC of the wrong shape…) is refused with a ``FormatError``
/// naming the field (`statements[0].entries[2].amount`). Output is deterministic, UTF-8, indented by two spaces.
public enum CamtWriter {
    public enum Message: Sendable, CaseIterable {
        case statement053, notification054

        public var format: String {
            switch self {
            case .statement053: "camt.053.001.08"
            case .notification054: "camt.054.001.08"
            }
        }

        public var namespace: String { "urn:iso:std:iso:20022:tech:xsd:\(format)" }
        var messageElement: String { self == .statement053 ? "BkToCstmrStmt" : "BkToCstmrDbtCdtNtfctn" }
        var itemElement: String { self == .statement053 ? "Stmt" : "Ntfctn" }
    }

    public static func write(_ document: StatementDocument, as message: Message, createdAt: String) throws(FormatError)
        -> Data
    {
        guard Pain001Writer.isDateTime(createdAt) else {
            throw FormatError(
                .invalidValue, at: "created_at",
                "creation time must be an ISO 8601 date and time such as 2024-01-02T10:00:00Z")
        }
        let messageID = try CamtCheck.id(document.messageID, "message_id")
        guard !document.statements.isEmpty else {
            throw FormatError(.missingField, at: "statements", "at least one statement is required")
        }
        var out = ISOXMLText()
        out.raw("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
        out.raw("<Document xmlns=\"\(message.namespace)\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\n")
        out.open(message.messageElement, 1)
        out.open("GrpHdr", 2)
        out.leaf("MsgId", messageID, 3)
        out.leaf("CreDtTm", createdAt, 3)
        out.close("GrpHdr", 2)
        for (index, statement) in document.statements.enumerated() {
            try write(statement, path: "statements[\(index)]", message: message, createdAt: createdAt, into: &out)
        }
        out.close(message.messageElement, 1)
        out.raw("</Document>\n")
        return out.data
    }

    static func write(
        _ statement: Statement, path: String, message: Message, createdAt: String, into out: inout ISOXMLText
    ) throws(FormatError) {
        let id = try CamtCheck.id(statement.id, path + ".id")
        let currency = try statement.currency.map { (code) throws(FormatError) in
            try CamtCheck.currency(code, path + ".currency")
        }
        let account = statement.account
        out.open(message.itemElement, 2)
        out.leaf("Id", id, 3)
        out.leaf("CreDtTm", createdAt, 3)
        out.open("Acct", 3)
        out.open("Id", 4)
        if let iban = account.iban, !iban.isEmpty {
            guard CamtCheck.isIBAN(iban) else {
                throw FormatError(
                    .invalidValue, at: path + ".account.iban",
                    "\"\(iban)\" is not an IBAN (two letters, two digits, up to 30 letters or digits)")
            }
            out.leaf("IBAN", iban, 5)
        } else if let number = account.number, !number.isEmpty {
            try CamtCheck.text(number, path + ".account.number", max: 34)
            out.open("Othr", 5)
            out.leaf("Id", number, 6)
            out.close("Othr", 5)
        } else {
            throw FormatError(.missingField, at: path + ".account", "the account needs an IBAN or a number")
        }
        out.close("Id", 4)
        if let currency { out.leaf("Ccy", currency.code, 4) }
        if let name = account.name, !name.isEmpty {
            try CamtCheck.text(name, path + ".account.name", max: 70)
            out.leaf("Nm", name, 4)
        }
        if let bic = account.bic, !bic.isEmpty {
            try CamtCheck.bic(bic, path + ".account.bic")
            out.open("Svcr", 4)
            out.open("FinInstnId", 5)
            out.leaf("BICFI", bic, 6)
            out.close("FinInstnId", 5)
            out.close("Svcr", 4)
        }
        out.close("Acct", 3)

        if message == .statement053 {
            if statement.openingBalance == nil, statement.closingBalance == nil {
                throw FormatError(
                    .missingField, at: path + ".closing_balance",
                    "camt.053 needs at least one balance (Bal); the statement has neither an opening nor a closing balance"
                )
            }
            for (code, balance, field) in [
                ("OPBD", statement.openingBalance, "opening_balance"),
                ("CLBD", statement.closingBalance, "closing_balance"),
            ] {
                guard let balance else { continue }
                let balancePath = path + "." + field
                guard let currency else {
                    throw FormatError(
                        .missingField, at: path + ".currency", "a statement with balances needs its currency")
                }
                let date = try CamtCheck.date(balance.date, balancePath + ".date")
                out.open("Bal", 3)
                out.open("Tp", 4)
                out.open("CdOrPrtry", 5)
                out.leaf("Cd", code, 6)
                out.close("CdOrPrtry", 5)
                out.close("Tp", 4)
                try amount(balance.amount, currency: currency, path: balancePath + ".amount", level: 4, into: &out)
                out.leaf("CdtDbtInd", balance.amount.isNegative ? "DBIT" : "CRDT", 4)
                out.open("Dt", 4)
                if let date {
                    out.leaf("Dt", date, 5)
                } else {
                    throw FormatError(.missingField, at: balancePath + ".date", "a balance needs its date")
                }
                out.close("Dt", 4)
                out.close("Bal", 3)
            }
        }
        for (index, entry) in statement.entries.enumerated() {
            try write(entry, path: path + ".entries[\(index)]", statementCurrency: currency, into: &out)
        }
        out.close(message.itemElement, 2)
    }

    static func write(
        _ entry: StatementEntry, path: String, statementCurrency: Currency?, into out: inout ISOXMLText
    ) throws(FormatError) {
        let currency: Currency
        if let code = entry.currency, !code.isEmpty {
            currency = try CamtCheck.currency(code, path + ".currency")
        } else if let statementCurrency {
            currency = statementCurrency
        } else {
            throw FormatError(
                .missingField, at: path + ".currency", "the entry has no currency and neither has its statement")
        }
        let customerReference = try CamtCheck.optionalText(
            entry.customerReference, path + ".customer_reference", max: 35)
        let bankReference = try CamtCheck.optionalText(entry.bankReference, path + ".bank_reference", max: 35)
        let bookingDate = try CamtCheck.date(entry.bookingDate, path + ".booking_date")
        let valueDate = try CamtCheck.date(entry.valueDate, path + ".value_date")
        let credit = !entry.amount.isNegative

        out.open("Ntry", 3)
        if let customerReference { out.leaf("NtryRef", customerReference, 4) }
        try amount(entry.amount, currency: currency, path: path + ".amount", level: 4, into: &out)
        out.leaf("CdtDbtInd", credit ? "CRDT" : "DBIT", 4)
        if entry.reversal { out.leaf("RvslInd", "true", 4) }
        out.open("Sts", 4)
        let status =
            switch entry.status {
            case .booked: "BOOK"
            case .pending: "PDNG"
            case .info: "INFO"
            }
        out.leaf("Cd", status, 5)
        out.close("Sts", 4)
        if let bookingDate {
            out.open("BookgDt", 4)
            out.leaf("Dt", bookingDate, 5)
            out.close("BookgDt", 4)
        }
        if let valueDate {
            out.open("ValDt", 4)
            out.leaf("Dt", valueDate, 5)
            out.close("ValDt", 4)
        }
        if let bankReference { out.leaf("AcctSvcrRef", bankReference, 4) }
        try transactionCode(entry.transactionCode, path: path + ".transaction_code", into: &out)

        // Who is the counterparty: the debtor of a credit, the creditor of a debit; a reversal looks at
        // the original direction (as the reader does).
        let side = credit != entry.reversal ? "Dbtr" : "Cdtr"
        let returnReason = try CamtCheck.optionalText(entry.returnReason, path + ".return_reason", max: 35)

        // The details: the entry's own transactions when it has them, else one TxDtls per end-to-end id,
        // padded with NOTPROVIDED up to details_count, each with the entry's counterparty and remittance.
        var details: [CamtDetail] = []
        var additionalInfo: String?
        if entry.transactions.isEmpty {
            let shared = try CamtDetail(
                endToEndID: nil, uetr: nil, amount: nil, counterparty: entry.counterparty, remittance: entry.remittance,
                path: path)
            for (index, id) in entry.endToEndIDs.enumerated() {
                guard !id.isEmpty else {
                    throw FormatError(
                        .invalidValue, at: path + ".end_to_end_ids[\(index)]", "end-to-end id must not be empty")
                }
                try CamtCheck.text(id, path + ".end_to_end_ids[\(index)]", max: 35)
                details.append(shared.with(endToEndID: id))
            }
            while details.count < max(entry.detailsCount, 1) { details.append(shared) }
        } else {
            for (index, transaction) in entry.transactions.enumerated() {
                let transactionPath = path + ".transactions[\(index)]"
                details.append(
                    try CamtDetail(
                        endToEndID: transaction.endToEndID, uetr: transaction.uetr, amount: transaction.amount,
                        counterparty: transaction.counterparty, remittance: transaction.remittance,
                        path: transactionPath))
            }
            // The entry's own description when its transactions do not give it (a batch whose
            // remittances differ), where CamtReader looks for it.
            var distinct: [String] = []
            for case let text? in entry.transactions.map(\.remittance) where !distinct.contains(text) {
                distinct.append(text)
            }
            if let remittance = entry.remittance, !remittance.isEmpty, distinct != [remittance] {
                try CamtCheck.text(remittance, path + ".remittance", max: 500)
                additionalInfo = remittance
            }
        }

        out.open("NtryDtls", 4)
        for detail in details {
            out.open("TxDtls", 5)
            out.open("Refs", 6)
            out.leaf("EndToEndId", detail.endToEndID ?? "NOTPROVIDED", 7)
            if let uetr = detail.uetr { out.leaf("UETR", uetr, 7) }
            out.close("Refs", 6)
            if let amount = detail.amount {
                try self.amount(amount, currency: currency, path: detail.path + ".amount", level: 6, into: &out)
                out.leaf("CdtDbtInd", amount.isNegative ? "DBIT" : "CRDT", 6)
            }
            if detail.name != nil || detail.account != nil {
                out.open("RltdPties", 6)
                if let name = detail.name {
                    out.open(side, 7)
                    out.open("Pty", 8)
                    out.leaf("Nm", name, 9)
                    out.close("Pty", 8)
                    out.close(side, 7)
                }
                if let partyAccount = detail.account {
                    out.open(side + "Acct", 7)
                    out.open("Id", 8)
                    if CamtCheck.isIBAN(partyAccount) {
                        out.leaf("IBAN", partyAccount, 9)
                    } else {
                        out.open("Othr", 9)
                        out.leaf("Id", partyAccount, 10)
                        out.close("Othr", 9)
                    }
                    out.close("Id", 8)
                    out.close(side + "Acct", 7)
                }
                out.close("RltdPties", 6)
            }
            if let partyBIC = detail.bic {
                out.open("RltdAgts", 6)
                out.open(side + "Agt", 7)
                out.open("FinInstnId", 8)
                out.leaf("BICFI", partyBIC, 9)
                out.close("FinInstnId", 8)
                out.close(side + "Agt", 7)
                out.close("RltdAgts", 6)
            }
            if !detail.remittance.isEmpty {
                out.open("RmtInf", 6)
                for line in detail.remittance { out.leaf("Ustrd", line, 7) }
                out.close("RmtInf", 6)
            }
            if let returnReason {
                out.open("RtrInf", 6)
                out.open("Rsn", 7)
                out.leaf(ISOXMLText.isISOCode(returnReason) ? "Cd" : "Prtry", returnReason, 8)
                out.close("Rsn", 7)
                out.close("RtrInf", 6)
            }
            out.close("TxDtls", 5)
        }
        out.close("NtryDtls", 4)
        if let additionalInfo { out.leaf("AddtlNtryInf", additionalInfo, 4) }
        out.close("Ntry", 3)
    }

    /// `BkTxCd`, which the schema requires: `Domn/Cd`, `Fmly/Cd`, `SubFmlyCd` from `A-B-C` (each part at
    /// most 4 capitals/digits), else `Prtry/Cd`; empty when the entry has none.
    static func transactionCode(_ code: String?, path: String, into out: inout ISOXMLText) throws(FormatError) {
        guard let code, !code.isEmpty else {
            out.raw("        <BkTxCd/>\n")
            return
        }
        try CamtCheck.text(code, path, max: 35)
        out.open("BkTxCd", 4)
        let parts = code.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        let isCodePart = { (part: String) in
            (1...4).contains(part.unicodeScalars.count)
                && part.unicodeScalars.allSatisfy { ("A"..."Z").contains($0) || ("0"..."9").contains($0) }
        }
        if parts.count == 3, parts.allSatisfy(isCodePart) {
            out.open("Domn", 5)
            out.leaf("Cd", parts[0], 6)
            out.open("Fmly", 6)
            out.leaf("Cd", parts[1], 7)
            out.leaf("SubFmlyCd", parts[2], 7)
            out.close("Fmly", 6)
            out.close("Domn", 5)
        } else {
            out.open("Prtry", 5)
            out.leaf("Cd", code, 6)
            out.close("Prtry", 5)
        }
        out.close("BkTxCd", 4)
    }

    /// `<Amt Ccy="EUR">100.00</Amt>`: the magnitude, with the currency's places or more.
    static func amount(
        _ value: ExactDecimal, currency: Currency, path: String, level: Int, into out: inout ISOXMLText
    ) throws(FormatError) {
        let magnitude = value.isNegative ? value.negated() : value
        guard magnitude.scale <= 5 else {
            throw FormatError(
                .invalidValue, at: path, "amount \(value) has more than 5 decimals, which camt cannot carry")
        }
        let text = magnitude.formatted(minimumScale: min(currency.minorUnits, 5))
        guard text.filter(\.isNumber).drop(while: { $0 == "0" }).count <= 18 else {
            throw FormatError(.invalidValue, at: path, "amount \(value) has more than 18 digits")
        }
        out.leaf("Amt", text, level, attributes: " Ccy=\"\(currency.code)\"")
    }
}

/// One `TxDtls` as ``CamtWriter`` writes it, its texts checked against the schema.
struct CamtDetail {
    var endToEndID: String?
    var uetr: String?
    var amount: ExactDecimal?
    var name: String?
    var account: String?
    var bic: String?
    /// `Ustrd` lines of at most 140 characters.
    var remittance: [String]
    /// Where the detail came from, for errors (`statements[0].entries[1].transactions[2]`).
    var path: String

    init(
        endToEndID: String?, uetr: String?, amount: ExactDecimal?, counterparty: Counterparty?, remittance: String?,
        path: String
    ) throws(FormatError) {
        self.endToEndID = try CamtCheck.optionalText(endToEndID, path + ".end_to_end_id", max: 35)
        // The schema takes only a lowercase UUID v4; a bank's other UUIDs are references, not worth
        // refusing a whole statement for, so they are left out.
        if let uetr = uetr?.lowercased(), Pain001Writer.isUETR(uetr) { self.uetr = uetr }
        self.amount = amount
        name = try CamtCheck.optionalText(counterparty?.name, path + ".counterparty.name", max: 140)
        account = try CamtCheck.optionalText(counterparty?.account, path + ".counterparty.account", max: 34)
        bic = counterparty?.bic.flatMap { $0.isEmpty ? nil : $0 }
        if let bic { try CamtCheck.bic(bic, path + ".counterparty.bic") }
        self.remittance = []
        if let text = remittance, !text.isEmpty {
            try CamtCheck.text(text, path + ".remittance", max: .max)
            guard let lines = ISOXMLText.split(text, max: 140) else {
                throw FormatError(
                    .invalidValue, at: path + ".remittance",
                    "remittance cannot be cut into Ustrd lines of at most 140 characters at its spaces")
            }
            self.remittance = lines
        }
        self.path = path
    }

    func with(endToEndID: String) -> CamtDetail {
        var copy = self
        copy.endToEndID = endToEndID
        return copy
    }
}

/// Field checks of ``CamtWriter``, each throwing a ``FormatError`` named by the field's path.
enum CamtCheck {
    static func id(_ value: String?, _ path: String) throws(FormatError) -> String {
        guard let value, !value.isEmpty else {
            throw FormatError(.missingField, at: path, "\(P002Check.label(path)) is required")
        }
        try text(value, path, max: 35)
        return value
    }

    static func text(_ value: String, _ path: String, max: Int) throws(FormatError) {
        try P002Check.text(value, path, max: max)
    }

    static func optionalText(_ value: String?, _ path: String, max: Int) throws(FormatError) -> String? {
        guard let value, !value.isEmpty else { return nil }
        try text(value, path, max: max)
        return value
    }

    static func currency(_ code: String, _ path: String) throws(FormatError) -> Currency {
        do {
            return try Currency(code: code)
        } catch {
            throw FormatError(.invalidValue, at: path, "\"\(code)\" is not an ISO 4217 currency code")
        }
    }

    /// `YYYY-MM-DD`, or nil when absent.
    static func date(_ value: String?, _ path: String) throws(FormatError) -> String? {
        guard let value, !value.isEmpty else { return nil }
        guard value.count == 10, (try? LocalDate(iso8601: value)) != nil else {
            throw FormatError(
                .invalidValue, at: path, "\(P002Check.label(path)) \"\(value)\" is not a date (YYYY-MM-DD)")
        }
        return value
    }

    /// `[A-Z]{2}[0-9]{2}[a-zA-Z0-9]{1,30}`, the schema's IBAN pattern.
    static func isIBAN(_ value: String) -> Bool {
        let scalars = Array(value.unicodeScalars)
        guard (5...34).contains(scalars.count) else { return false }
        return scalars.enumerated().allSatisfy { index, scalar in
            switch index {
            case 0, 1: ("A"..."Z").contains(scalar)
            case 2, 3: ("0"..."9").contains(scalar)
            default: ("A"..."Z").contains(scalar) || ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar)
            }
        }
    }

    /// The schema's BICFI pattern: `[A-Z0-9]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?`.
    static func bic(_ value: String, _ path: String) throws(FormatError) {
        let scalars = Array(value.unicodeScalars)
        let valid =
            (scalars.count == 8 || scalars.count == 11)
            && scalars.enumerated().allSatisfy { index, scalar in
                (4...5).contains(index)
                    ? ("A"..."Z").contains(scalar) : (("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar))
            }
        guard valid else {
            throw FormatError(.invalidValue, at: path, "\"\(value)\" is not a BIC (8 or 11 capital letters and digits)")
        }
    }
}
