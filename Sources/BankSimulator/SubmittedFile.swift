import BankFormats
import Foundation
import PayHubDomain

/// A file a customer submitted, in the one shape the simulator processes whatever the format it came
/// in: pain.001, NACHA, and (later) a Chinese bank's batch file each have a ``SubmissionFormat`` case
/// that reads its bytes into this.
struct SubmittedFile: Sendable {
    /// `pain.001.001.09`, `pain.001.001.03`, `nacha`: written as the pain.002's `OrgnlMsgNmId`.
    var format: String
    /// The file's own id, by which a resent file is recognised.
    var messageID: String
    var blocks: [SubmittedBlock]
}

/// One debtor account and one execution date: a pain.001 `PmtInf`, a NACHA batch.
struct SubmittedBlock: Sendable {
    /// `PmtInfId`, or `BATCH-` and the NACHA batch number.
    var id: String
    /// The debtor account as written; nil when the file names none (NACHA names a company instead).
    var debtorAccount: String?
    var nachaCompanyID: String?
    var requestedExecutionDate: LocalDate?
    /// The bank transaction code the bookings get (`PMNT-ICDT-ESCT`).
    var transactionCode: String
    var transactions: [SubmittedTransaction]
}

struct SubmittedTransaction: Sendable {
    var endToEndID: String
    var uetr: String?
    var amount: ExactDecimal
    /// ISO 4217 code as written; nil when the file gives none.
    var currency: String?
    var creditorName: String?
    var creditorAccount: String?
    var creditorBIC: String?
    var remittance: String?
    /// An ISO reason the format itself gives for refusing the transaction (a NACHA debit entry: this
    /// bank only executes credit transfers).
    var refusal: String?
}

/// Why a submitted file cannot be processed at all: answered with a pain.002 `RJCT` for the group.
struct SubmissionRefusal: Error, Sendable {
    /// The file's message id when it could be read that far.
    var messageID: String?
    /// `pain.001.001.09`… when known.
    var format: String?
    /// `FF01` (invalid file format).
    var reason: String
    /// Error code and location, never the file's values: this goes into the pain.002.
    var detail: String
}

/// The formats the simulator accepts, each reading its bytes into a ``SubmittedFile``.
enum SubmissionFormat: Sendable, CaseIterable {
    case pain001
    case nacha
    /// China Merchants Bank's batch-payment file (docs/formats/china-batch-payment.md).
    case chinaBatch

    /// By the first bytes: XML is a pain.001; a NACHA file opens with its file header, record type `1`
    /// and priority code `01`.
    static func detect(_ data: Data) -> SubmissionFormat? {
        var bytes = data.drop { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }[...]
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        if bytes.first == UInt8(ascii: "<") { return .pain001 }
        if bytes.starts(with: Array("101".utf8)) { return .nacha }
        // The China batch file's summary line: fields separated by `|`, the fourth the currency code `10`.
        let firstLine = bytes.prefix { $0 != 0x0A && $0 != 0x0D }
        let fields = firstLine.split(separator: UInt8(ascii: "|"), omittingEmptySubsequences: false)
        if fields.count == ChinaBatchPaymentLayout.summaryFieldCount,
            Array(fields[3]) == Array(ChinaBatchPaymentLayout.currencyCodeCNY.utf8)
        {
            return .chinaBatch
        }
        return nil
    }

    static func read(_ data: Data) throws(SubmissionRefusal) -> SubmittedFile {
        switch detect(data) {
        case .pain001: try readPain001(data)
        case .nacha: try readNACHA(data)
        case .chinaBatch: try readChinaBatch(data)
        case nil:
            throw SubmissionRefusal(
                messageID: nil, format: nil, reason: "FF01",
                detail: "unknown_format: neither pain.001, NACHA nor a China batch file")
        }
    }

    static func refusal(_ error: FormatError, messageID: String? = nil, format: String?) -> SubmissionRefusal {
        SubmissionRefusal(
            messageID: messageID, format: format, reason: "FF01",
            detail: error.code.rawValue + (error.location.map { " at \($0)" } ?? ""))
    }

    static func readPain001(_ data: Data) throws(SubmissionRefusal) -> SubmittedFile {
        let initiation: PaymentInitiation
        do {
            initiation = try Pain001Reader.read(data)
        } catch {
            throw refusal(error, format: nil)
        }
        let format = initiation.format
        guard let messageID = initiation.messageID, !messageID.isEmpty else {
            throw SubmissionRefusal(
                messageID: nil, format: format, reason: "FF01", detail: "missing_field at GrpHdr/MsgId")
        }
        // Ids longer than the schema's 35 characters cannot be answered in a pain.002.
        guard messageID.count <= 35 else {
            throw SubmissionRefusal(
                messageID: nil, format: format, reason: "FF01", detail: "invalid_value at GrpHdr/MsgId")
        }
        var blocks: [SubmittedBlock] = []
        for (blockIndex, payment) in initiation.payments.enumerated() {
            let path = "PmtInf[\(blockIndex + 1)]"
            guard let id = payment.id, (1...35).contains(id.count) else {
                throw SubmissionRefusal(
                    messageID: messageID, format: format, reason: "FF01", detail: "invalid_value at \(path)/PmtInfId")
            }
            var date: LocalDate?
            if let text = payment.requestedExecutionDate {
                do {
                    date = try LocalDate(iso8601: text)
                } catch {
                    throw SubmissionRefusal(
                        messageID: messageID, format: format, reason: "FF01",
                        detail: "invalid_value at \(path)/ReqdExctnDt")
                }
            }
            var transactions: [SubmittedTransaction] = []
            var euro = true
            for (index, transaction) in payment.transactions.enumerated() {
                guard let endToEndID = transaction.endToEndID, (1...35).contains(endToEndID.count) else {
                    throw SubmissionRefusal(
                        messageID: messageID, format: format, reason: "FF01",
                        detail: "invalid_value at \(path)/CdtTrfTxInf[\(index + 1)]/PmtId/EndToEndId")
                }
                euro = euro && transaction.currency == "EUR"
                transactions.append(
                    SubmittedTransaction(
                        endToEndID: endToEndID, uetr: transaction.uetr, amount: transaction.amount,
                        currency: transaction.currency, creditorName: transaction.creditor.name,
                        creditorAccount: transaction.creditor.iban ?? transaction.creditor.account,
                        creditorBIC: transaction.creditor.bic, remittance: transaction.remittance))
            }
            blocks.append(
                SubmittedBlock(
                    id: id, debtorAccount: payment.debtor.iban ?? payment.debtor.account, nachaCompanyID: nil,
                    requestedExecutionDate: date, transactionCode: euro ? "PMNT-ICDT-ESCT" : "PMNT-ICDT-DMCT",
                    transactions: transactions))
        }
        guard !blocks.isEmpty else {
            throw SubmissionRefusal(
                messageID: messageID, format: format, reason: "FF01", detail: "missing_field at PmtInf")
        }
        return SubmittedFile(format: format, messageID: messageID, blocks: blocks)
    }

    static func readNACHA(_ data: Data) throws(SubmissionRefusal) -> SubmittedFile {
        let file: NACHAFile
        do {
            file = try NACHAReader.read(data)
        } catch {
            throw refusal(error, format: "nacha")
        }
        // NACHA has no message id; its duplicate check is origin, creation date and time and modifier.
        let header = file.header
        let time = header.creationTime.map { String(format: "%02d%02d", $0.hour, $0.minute) } ?? ""
        let messageID =
            header.immediateOrigin.trimmingCharacters(in: .whitespaces)
            + header.creationDate.iso8601.replacingOccurrences(of: "-", with: "") + time
            + String(header.fileIDModifier)
        var blocks: [SubmittedBlock] = []
        for batch in file.batches {
            var transactions: [SubmittedTransaction] = []
            for entry in batch.entries {
                let identification = entry.individualIdentification.trimmingCharacters(in: .whitespaces)
                let trace = batch.originatingDFI + String(format: "%07d", entry.traceSequenceNumber)
                // An originator whose reference is longer than the 15 characters of the identification
                // number (PayHub's end-to-end ids) leads the addenda with it and ends the identification
                // with its tail; the longer reference is the one to report back.
                let addendaReference = entry.addenda?.paymentRelatedInformation.split(separator: " ").first.map(String.init)
                let endToEndID =
                    if let addendaReference, !identification.isEmpty, addendaReference.count <= 35,
                        addendaReference.hasSuffix(identification)
                    {
                        addendaReference
                    } else {
                        identification.isEmpty ? trace : identification
                    }
                transactions.append(
                    SubmittedTransaction(
                        endToEndID: endToEndID, uetr: nil,
                        amount: ExactDecimal(entry.amount), currency: entry.amount.currency.code,
                        creditorName: entry.individualName.isEmpty ? nil : entry.individualName,
                        creditorAccount: entry.accountNumber.trimmingCharacters(in: .whitespaces),
                        creditorBIC: nil, remittance: entry.addenda?.paymentRelatedInformation,
                        refusal: entry.transactionCode.isCredit ? nil : "AG01"))
            }
            blocks.append(
                SubmittedBlock(
                    id: "BATCH-\(batch.batchNumber)", debtorAccount: nil,
                    nachaCompanyID: batch.companyIdentification.trimmingCharacters(in: .whitespaces),
                    requestedExecutionDate: batch.effectiveEntryDate, transactionCode: "PMNT-ICDT-ACDT",
                    transactions: transactions))
        }
        guard !blocks.isEmpty else {
            throw SubmissionRefusal(
                messageID: messageID, format: "nacha", reason: "FF01", detail: "missing_field at batch")
        }
        return SubmittedFile(format: "nacha", messageID: messageID, blocks: blocks)
    }

    static func readChinaBatch(_ data: Data) throws(SubmissionRefusal) -> SubmittedFile {
        let file: ChinaBatchPaymentFile
        do {
            file = try ChinaBatchPaymentReader.read(data)
        } catch {
            let first = error.errors.first
            throw SubmissionRefusal(
                messageID: nil, format: "cmb-batch", reason: "FF01",
                detail: (first?.code ?? "invalid_file") + (first.map { " at \($0.path)" } ?? ""))
        }
        let transactions = file.records.map { record in
            SubmittedTransaction(
                endToEndID: record.endToEndID, uetr: nil, amount: ExactDecimal(record.amount),
                currency: record.amount.currency.code, creditorName: record.payeeName,
                creditorAccount: record.payeeAccount, creditorBIC: nil, remittance: record.remark)
        }
        return SubmittedFile(
            format: "cmb-batch", messageID: file.batchID,
            blocks: [
                SubmittedBlock(
                    id: file.batchID, debtorAccount: file.payerAccount, nachaCompanyID: nil,
                    requestedExecutionDate: file.executionDate, transactionCode: "PMNT-ICDT-DMCT",
                    transactions: transactions)
            ])
    }
}
