import Foundation
import PayHubDomain

/// Writes a ``ChinaBatchPaymentFile`` as China Merchants Bank's batch payment file: GB18030 bytes
/// limited to the GBK repertoire (so a GBK-only system reads them the same), fields separated by `|`,
/// every line ended by CRLF, the last one too.
///
/// Line 1 is the summary: batch id, payer account, payer name, currency `10`, execution date
/// `yyyyMMdd`, record count and total amount. Each following line is one transfer: sequence number,
/// end-to-end id, payee account, payee name, payee CNAPS code, payee bank name, payee bank address,
/// intra-bank flag `Y`/`N` (derived from the CNAPS code), amount with two decimals, settlement `N`/`F`,
/// purpose, remark. `docs/formats/china-batch-payment.md` has the details.
///
/// Nothing is ever truncated or dropped: a text too long for its field (counted in GBK bytes), a
/// character GBK cannot write, a `|` or a control character, an amount not in CNY or out of range, a
/// sequence number out of order or a repeated end-to-end id makes ``write(_:)`` throw a
/// ``ValidationFailure`` naming each problem's path (`records[3].payeeName`, 0-based) with a
/// ``ChinaBatchPaymentErrorCode``. Messages never repeat the values. The same value always gives the same
/// bytes.
public enum ChinaBatchPaymentWriter {
    typealias Rules = ChinaBatchPaymentRules
    typealias Layout = ChinaBatchPaymentLayout

    /// Every problem with `file`, in field order; empty when it can be written.
    public static func validate(_ file: ChinaBatchPaymentFile) -> [FieldError] {
        var errors = FieldErrorCollector()
        check(file, into: &errors)
        return errors.errors
    }

    /// Checks `file` and writes it, or throws every problem found.
    public static func write(_ file: ChinaBatchPaymentFile) throws(ValidationFailure) -> Data {
        var errors = FieldErrorCollector()
        check(file, into: &errors)
        try errors.throwIfAny()
        guard let bytes = ChinaBatchPaymentText.encode(render(file)) else {
            // The checks admit only characters GB18030 writes; failing here would be a Foundation bug,
            // reported rather than trapped on.
            throw ValidationFailure([
                FieldError(
                    path: "file", code: ChinaBatchPaymentErrorCode.invalidCharacter.rawValue,
                    message: "the file could not be encoded as GB18030")
            ])
        }
        return Data(bytes)
    }

    // MARK: - Checking

    static func check(_ file: ChinaBatchPaymentFile, into errors: inout FieldErrorCollector) {
        func add(_ path: String, _ problem: Rules.Problem?) {
            if let problem { errors.add(path, code: problem.code.rawValue, problem.message) }
        }
        add("batchID", Rules.reference(file.batchID, "batch id"))
        add("payerAccount", Rules.account(file.payerAccount, "payer account"))
        add("payerName", Rules.text(file.payerName, "payer name", maxBytes: Layout.nameMaxBytes, required: true))
        if file.records.isEmpty {
            add("records", Rules.Problem(.noRecords, "a batch needs at least one transfer"))
        } else if file.records.count > Layout.recordCountMax {
            add("records", Rules.Problem(.tooManyRecords, "a batch holds at most \(Layout.recordCountMax) transfers"))
        }
        var firstIndexOfID: [String: Int] = [:]
        for (index, record) in file.records.enumerated() {
            let path = "records[\(index)]."
            if record.sequenceNumber != index + 1 {
                add(
                    path + "sequenceNumber",
                    Rules.Problem(.sequenceNumber, "sequence number must be \(index + 1), its position in the file"))
            }
            add(path + "endToEndID", Rules.reference(record.endToEndID, "end-to-end id"))
            if let first = firstIndexOfID[record.endToEndID] {
                add(
                    path + "endToEndID",
                    Rules.Problem(.duplicateEndToEndID, "end-to-end id repeats that of records[\(first)]"))
            } else {
                firstIndexOfID[record.endToEndID] = index
            }
            add(path + "payeeAccount", Rules.account(record.payeeAccount, "payee account"))
            add(
                path + "payeeName",
                Rules.text(record.payeeName, "payee name", maxBytes: Layout.nameMaxBytes, required: true))
            add(
                path + "payeeBankName",
                Rules.text(record.payeeBankName, "payee bank name", maxBytes: Layout.bankTextMaxBytes, required: true))
            add(
                path + "payeeBankAddress",
                Rules.text(
                    record.payeeBankAddress, "payee bank address", maxBytes: Layout.bankTextMaxBytes,
                    required: !record.isIntraBank))
            add(path + "amount", Rules.amount(record.amount, "amount"))
            add(
                path + "purpose",
                Rules.text(record.purpose, "purpose", maxBytes: Layout.purposeMaxBytes, required: true))
            add(path + "remark", Rules.text(record.remark, "remark", maxBytes: Layout.remarkMaxBytes, required: false))
        }
    }

    // MARK: - Rendering

    /// The file as text, for a value that passed ``check(_:into:)``.
    static func render(_ file: ChinaBatchPaymentFile) -> String {
        // Bounded: at most 1,500 amounts of at most 10¹⁵ fen each, far below Int64's 9.2 × 10¹⁸.
        let total = file.records.reduce(Int64(0)) { $0 + $1.amount.minorUnits }
        var lines: [[String]] = [
            [
                file.batchID, file.payerAccount, file.payerName, Layout.currencyCodeCNY,
                Rules.dateString(file.executionDate), String(file.records.count), Rules.decimalString(total),
            ]
        ]
        for record in file.records {
            lines.append([
                String(record.sequenceNumber), record.endToEndID, record.payeeAccount, record.payeeName,
                record.payeeBankCode.value, record.payeeBankName, record.payeeBankAddress,
                record.isIntraBank ? "Y" : "N", Rules.decimalString(record.amount.minorUnits),
                record.settlement.rawValue, record.purpose, record.remark,
            ])
        }
        return lines.map { $0.joined(separator: "|") + "\r\n" }.joined()
    }
}
