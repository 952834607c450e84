import BankConnectivity
import BankFormats
import Crypto
import Foundation
import PayHubDomain
import PayHubStorage

/// Turns a stored instruction into the bytes its bank receives: pain.001.001.09 for SEPA, SEPA Instant
/// and cross-border wires, a NACHA file for US ACH, the Chinese batch-payment file for CNAPS transfers.
///
/// Rendering is a pure function of what was stored when the instruction was planned (its ids, its
/// creation time, the payments and accounts), so a re-send after a crash produces the same bytes, the
/// same SHA-256 and the same file name, and the bank can recognise it.
public struct InstructionRenderer: Sendable {
    public let store: any PayHubStore

    public init(store: any PayHubStore) {
        self.store = store
    }

    /// The file and the payments it carries, in file order.
    public struct Rendered: Sendable {
        public var file: OutgoingBankFile
        public var sha256: String
        public var members: [ID<Payment>]
    }

    public func render(_ instruction: StoredInstruction) async throws -> Rendered {
        let parts = try await gather(instruction)
        let contents: Data
        let suffix: String
        switch instruction.method {
        case .sepaCreditTransfer, .sepaInstant, .crossBorderWire:
            contents = try pain001(instruction, parts)
            suffix = "xml"
        case .usACH:
            contents = try nacha(instruction, parts)
            suffix = "ach"
        case .cnDomestic:
            contents = try chinaBatch(instruction, parts)
            suffix = "csv"
        }
        return Rendered(
            file: OutgoingBankFile(name: "\(instruction.messageID).\(suffix)", messageID: instruction.messageID, contents: contents),
            sha256: Hex.lowercase(SHA256.hash(data: contents)), members: instruction.members.map(\.paymentID))
    }

    /// Everything a file needs besides the instruction itself, read once.
    struct Parts {
        var entity: LegalEntity
        var debtorAccount: BankAccount
        /// In the instruction's member order.
        var payments: [(member: StoredInstruction.Member, payment: Payment, creditor: BankAccount, vendor: Vendor, remittance: String)]
    }

    func gather(_ instruction: StoredInstruction) async throws -> Parts {
        guard let entity = try await store.entity(instruction.entityID, scope: .all) else {
            throw StorageError(.notFound, target: "entity")
        }
        guard let debtor = try await store.bankAccount(instruction.debtorAccountID, scope: .all) else {
            throw StorageError(.notFound, target: "bank_account")
        }
        var vendors: [ID<Vendor>: Vendor] = [:]
        var parts = Parts(entity: entity, debtorAccount: debtor, payments: [])
        for member in instruction.members {
            guard let payment = try await store.payment(member.paymentID, scope: .all),
                let creditor = try await store.bankAccount(payment.creditorAccountID, scope: .all)
            else { throw StorageError(.notFound, target: "payment") }
            let vendor: Vendor
            if let known = vendors[payment.vendorID] {
                vendor = known
            } else {
                guard let found = try await store.vendor(payment.vendorID, scope: .all) else {
                    throw StorageError(.notFound, target: "vendor")
                }
                vendors[payment.vendorID] = found
                vendor = found
            }
            var invoices: [String] = []
            for id in payment.payableIDs {
                if let payable = try await store.payable(id, scope: .all) { invoices.append(payable.invoiceNumber) }
            }
            parts.payments.append((member, payment, creditor, vendor, Self.remittance(invoices)))
        }
        return parts
    }

    /// `INV 4711, 4712` within the 140 characters of unstructured remittance; more invoices than fit are
    /// summarised, because the vendor's bank cuts the rest off anyway.
    static func remittance(_ invoices: [String]) -> String {
        var text = "INV"
        for (index, invoice) in invoices.enumerated() {
            let next = (index == 0 ? " " : ", ") + invoice
            if text.count + next.count > 120 {
                return text + " +\(invoices.count - index) more"
            }
            text += next
        }
        return text
    }

    func pain001(_ instruction: StoredInstruction, _ parts: Parts) throws -> Data {
        let debtorIBAN: String? = if case .iban(let iban) = parts.debtorAccount.accountNumber { iban.value } else { nil }
        let input = Pain001Input(
            messageID: instruction.messageID, initiatingParty: .init(name: parts.entity.name),
            instructions: parts.payments.map { member, payment, creditor, vendor, remittance in
                let creditorIBAN: String? = if case .iban(let iban) = creditor.accountNumber { iban.value } else { nil }
                return Pain001Input.Instruction(
                    endToEndID: payment.endToEndID, amount: payment.amount.decimalString,
                    currency: payment.amount.currency.code, requestedExecutionDate: instruction.executionDate.iso8601,
                    debtor: .init(name: parts.entity.name, iban: debtorIBAN, bic: parts.debtorAccount.bic?.value),
                    creditor: .init(
                        name: creditor.holderName, iban: creditorIBAN, bic: creditor.bic?.value, country: vendor.countryCode),
                    remittance: remittance,
                    // CBPR+ asks a UETR of cross-border wires; SEPA schemes do not carry one.
                    uetr: instruction.method == .crossBorderWire ? member.uetr : nil,
                    localInstrument: instruction.method == .sepaInstant ? "INST" : nil,
                    paymentInformationID: member.paymentInformationID)
            })
        // Free texts of EUR payments are transliterated into the SEPA character set (ids never are).
        // `CreDtTm` is the planning time, so a re-send is identical.
        return try Pain001Writer.write(
            input, version: .v09, createdAt: Timestamp.iso8601(instruction.createdAt), transliterate: true)
    }

    /// The company id a bank assigns its ACH originator. Until one is configured per account, a stable
    /// value derived from the entity (1 and nine characters of its id), which the bank's onboarding replaces.
    public static func nachaCompanyID(for entity: ID<LegalEntity>) -> String {
        "1" + String(entity.rawValue.suffix(9)).uppercased()
    }

    func nacha(_ instruction: StoredInstruction, _ parts: Parts) throws -> Data {
        guard let odfi = parts.debtorAccount.routingNumber else {
            throw ValidationFailure([
                FieldError(
                    path: "debtor_account.routing_number", code: "missing",
                    message: "a US ACH file needs the routing number of the paying account's bank")
            ])
        }
        let companyID = Self.nachaCompanyID(for: parts.entity.id)
        let entries = try parts.payments.enumerated().map { index, item in
            let (_, payment, creditor, _, remittance) = item
            guard let rdfi = creditor.routingNumber else {
                throw ValidationFailure([
                    FieldError(
                        path: "payments[\(index)].creditor_account.routing_number", code: "missing",
                        message: "a US ACH credit needs the routing number of the vendor's bank")
                ])
            }
            // The end-to-end id (26 characters) does not fit the 15 of the identification number: it leads
            // the addenda, where banks and the simulator read it back, and its tail identifies the entry.
            return NACHAFile.Entry(
                transactionCode: .checkingCredit, receivingDFI: rdfi, accountNumber: creditor.accountNumber.value,
                amount: payment.amount, individualIdentification: String(payment.endToEndID.suffix(15)),
                individualName: String(creditor.holderName.prefix(22)), discretionaryData: "",
                traceSequenceNumber: index + 1,
                addenda: NACHAFile.Addenda(paymentRelatedInformation: String("\(payment.endToEndID) \(remittance)".prefix(80))))
        }
        let file = NACHAFile(
            header: NACHAFile.FileHeader(
                immediateDestination: odfi, immediateOrigin: companyID, creationDate: instruction.createdAtDate,
                creationTime: instruction.createdAtTime, fileIDModifier: "A",
                immediateDestinationName: parts.debtorAccount.bankName ?? "BANK",
                immediateOriginName: String(parts.entity.name.prefix(23)), referenceCode: String(instruction.messageID.suffix(8))),
            batches: [
                NACHAFile.Batch(
                    serviceClass: .creditsOnly, companyName: String(parts.entity.name.prefix(16)), companyDiscretionaryData: "",
                    companyIdentification: companyID, standardEntryClass: .ccd, entryDescription: "PAYMENT",
                    companyDescriptiveDate: "", effectiveEntryDate: instruction.executionDate,
                    originatingDFI: String(odfi.value.prefix(8)), batchNumber: 1, entries: entries)
            ])
        return try NACHAWriter.write(file)
    }

    /// The China Merchants Bank batch-payment file (see docs/formats/china-batch-payment.md): one line per
    /// transfer with the payee's CNAPS code, the end-to-end id as the reference the bank echoes back.
    func chinaBatch(_ instruction: StoredInstruction, _ parts: Parts) throws -> Data {
        var problems = FieldErrorCollector()
        let records = parts.payments.enumerated().compactMap { index, item -> ChinaBatchPaymentFile.Record? in
            let (_, payment, creditor, _, remittance) = item
            guard let code = creditor.cnapsCode else {
                problems.add(
                    "payments[\(index)].creditor_account.cnaps_code", code: "missing",
                    "a China domestic transfer needs the CNAPS code of the vendor's bank")
                return nil
            }
            return ChinaBatchPaymentFile.Record(
                sequenceNumber: index + 1, endToEndID: payment.endToEndID, payeeAccount: creditor.accountNumber.value,
                // PayHub keeps no branch address; the branch name (工商银行苏州分行) names its city, which is
                // what the address field is checked against.
                payeeName: creditor.holderName, payeeBankCode: code, payeeBankName: creditor.bankName ?? "",
                payeeBankAddress: creditor.bankName ?? "", amount: payment.amount, settlement: .normal, purpose: "货款", remark: remittance)
        }
        try problems.throwIfAny()
        return try ChinaBatchPaymentWriter.write(
            ChinaBatchPaymentFile(
                batchID: instruction.messageID, payerAccount: parts.debtorAccount.accountNumber.value,
                payerName: parts.entity.name, executionDate: instruction.executionDate, records: records))
    }
}

extension StoredInstruction {
    /// The planning day in UTC, for file headers that carry a creation date.
    var createdAtDate: LocalDate {
        let milliseconds = StoredTime.milliseconds(createdAt)
        let days = Int(milliseconds / 86_400_000) - (milliseconds % 86_400_000 < 0 ? 1 : 0)
        return (try? LocalDate(daysSinceEpoch: days)) ?? executionDate
    }

    /// The planning time of day in UTC, hours and minutes.
    var createdAtTime: NACHAFile.CreationTime {
        let minutes = Int((StoredTime.milliseconds(createdAt) % 86_400_000 + 86_400_000) % 86_400_000 / 60_000)
        return NACHAFile.CreationTime(hour: minutes / 60, minute: minutes % 60)
    }
}
