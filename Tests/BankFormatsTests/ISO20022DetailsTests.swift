import BankFormats
import Foundation
import PayHubDomain
import Testing

private let createdAt = "2024-03-04T09:30:00Z"
private let uetrOne = "8a562c67-ca16-48ba-b074-65581be6f011"
private let uetrTwo = "0f4d9f4e-5c1b-4a7e-9d2a-3b6c7e8f9a0b"

private func amount(_ text: String) -> ExactDecimal { ExactDecimal(text)! }

/// A batch entry: one debit for two transfers, each with its own references, amount and creditor.
private func batchDocument() -> StatementDocument {
    StatementDocument(
        format: "camt.053.001.08", messageID: "MSG-BATCH-1", createdAt: createdAt,
        statements: [
            Statement(
                id: "STMT-BATCH-1", account: StatementAccount(iban: "DE89370400440532013000"), currency: "EUR",
                openingBalance: StatementBalance(amount: amount("1000.00"), date: "2024-03-04"),
                closingBalance: StatementBalance(amount: amount("624.50"), date: "2024-03-04"),
                entries: [
                    StatementEntry(
                        amount: amount("-375.50"), currency: "EUR", bookingDate: "2024-03-04",
                        valueDate: "2024-03-04", bankReference: "BOOK-1", customerReference: "PMTINF-7",
                        endToEndIDs: ["E2E-A", "E2E-B"], transactionCode: "PMNT-ICDT-ESCT", detailsCount: 2,
                        transactions: [
                            EntryTransaction(
                                endToEndID: "E2E-A", uetr: uetrOne, amount: amount("-125.50"),
                                counterparty: Counterparty(
                                    name: "Supplier A", account: "GB29NWBK60161331926819", bic: "NWBKGB2L"),
                                remittance: "Invoice 1"),
                            EntryTransaction(
                                endToEndID: "E2E-B", uetr: uetrTwo, amount: amount("-250.00"),
                                counterparty: Counterparty(name: "Supplier B", account: "FR1420041010050500013M02606"),
                                remittance: "Invoice 2"),
                        ])
                ])
        ])
}

@Suite("ISO20022 transaction details")
struct ISO20022DetailsTests {
    @Test("a batch entry's transactions are valid camt.053 and camt.054", arguments: CamtWriter.Message.allCases)
    func batchEntryValid(message: CamtWriter.Message) throws {
        var document = batchDocument()
        if message == .notification054 {
            document.statements[0].openingBalance = nil
            document.statements[0].closingBalance = nil
        }
        let data = try CamtWriter.write(document, as: message, createdAt: createdAt)
        try ISOWriterFiles.expectValid(data, schema: message.format)
    }

    @Test("a batch entry's transactions read back with their own references, amounts and parties")
    func batchEntryRoundTrip() throws {
        let source = batchDocument()
        let data = try CamtWriter.write(source, as: .statement053, createdAt: createdAt)
        let read = try CamtReader.read(data)
        #expect(read.warnings.isEmpty, "\(read.warnings)")
        let entry = try #require(read.statements.first?.entries.first)
        let want = source.statements[0].entries[0]
        #expect(entry.endToEndIDs == ["E2E-A", "E2E-B"])
        #expect(entry.detailsCount == 2)
        #expect(entry.customerReference == "PMTINF-7")
        // The parties differ, so the entry as a whole names none.
        #expect(entry.counterparty == nil)
        #expect(entry.transactions.count == want.transactions.count)
        for (got, expected) in zip(entry.transactions, want.transactions) {
            #expect(got.endToEndID == expected.endToEndID)
            #expect(got.uetr == expected.uetr)
            #expect(got.amount.map { a in expected.amount.map { a.isEqual(to: $0) } ?? false } == true)
            #expect(got.counterparty == expected.counterparty)
            #expect(got.remittance == expected.remittance)
        }
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("<UETR>\(uetrOne)</UETR>"))
    }

    @Test("an entry written without transactions reads back one per TxDtls, NOTPROVIDED as no id")
    func plainEntryDetails() throws {
        var document = batchDocument()
        document.statements[0].entries[0].transactions = []
        document.statements[0].entries[0].endToEndIDs = ["E2E-A"]
        document.statements[0].entries[0].detailsCount = 2
        let read = try CamtReader.read(CamtWriter.write(document, as: .statement053, createdAt: createdAt))
        let entry = try #require(read.statements.first?.entries.first)
        #expect(entry.transactions.map(\.endToEndID) == ["E2E-A", nil])
        #expect(entry.transactions.allSatisfy { $0.amount == nil && $0.uetr == nil })
    }

    @Test("a UETR is written in lowercase; one the schema cannot take is left out, not refused")
    func uetrNormalised() throws {
        var document = batchDocument()
        document.statements[0].entries[0].transactions[0].uetr = uetrOne.uppercased()
        // A version 5 UUID, as a real bank's statement carries: not a UUIDv4Identifier.
        document.statements[0].entries[0].transactions[1].uetr = "d0826d0f-a005-5e3b-b3dc-54da4ac7f0d0"
        let data = try CamtWriter.write(document, as: .notification054, createdAt: createdAt)
        try ISOWriterFiles.expectValid(data, schema: "camt.054.001.08")
        let entry = try #require(CamtReader.read(data).statements.first?.entries.first)
        #expect(entry.transactions.map(\.uetr) == [uetrOne, nil])
    }

    @Test("a transaction's over-long end-to-end id is refused, naming the transaction")
    func refusals() {
        var document = batchDocument()
        document.statements[0].entries[0].transactions[0].endToEndID = String(repeating: "X", count: 36)
        do {
            _ = try CamtWriter.write(document, as: .notification054, createdAt: createdAt)
            Issue.record("an end-to-end id of 36 characters was written")
        } catch {
            #expect(error.location == "statements[0].entries[0].transactions[0].end_to_end_id")
        }
    }

    @Test("a batch's own description goes to AddtlNtryInf when its transactions' remittances differ")
    func batchDescription() throws {
        var document = batchDocument()
        document.statements[0].entries[0].remittance = "Batch PMTINF-7"
        let data = try CamtWriter.write(document, as: .statement053, createdAt: createdAt)
        try ISOWriterFiles.expectValid(data, schema: "camt.053.001.08")
        let entry = try #require(CamtReader.read(data).statements.first?.entries.first)
        #expect(entry.remittance == "Batch PMTINF-7")
        #expect(entry.transactions.map(\.remittance) == ["Invoice 1", "Invoice 2"])
        #expect(String(decoding: data, as: UTF8.self).contains("<AddtlNtryInf>Batch PMTINF-7</AddtlNtryInf>"))
    }

    @Test("pain.001.001.09 UETRs are read; 001.001.03 has none")
    func pain001UETR() throws {
        func input(uetr: String?) -> Pain001Input {
            Pain001Input(
                messageID: "MSG-UETR-1", initiatingParty: Pain001Input.Party(name: "ACME"),
                instructions: [
                    Pain001Input.Instruction(
                        endToEndID: "E2E-U1", amount: "10.00", currency: "EUR", requestedExecutionDate: "2024-03-04",
                        debtor: Pain001Input.Debtor(name: "ACME", iban: "DE89370400440532013000"),
                        creditor: Pain001Input.Creditor(name: "Supplier", iban: "FR1420041010050500013M02606"),
                        uetr: uetr)
                ])
        }
        let v09 = try Pain001Reader.read(Pain001Writer.write(input(uetr: uetrOne), version: .v09, createdAt: createdAt))
        #expect(v09.payments.first?.transactions.first?.uetr == uetrOne)
        let v03 = try Pain001Reader.read(Pain001Writer.write(input(uetr: nil), version: .v03, createdAt: createdAt))
        #expect(v03.payments.first?.transactions.first?.uetr == nil)
        #expect(v03.payments.first?.transactions.first?.endToEndID == "E2E-U1")
    }

    @Test("pain.002 names the original message's kind when given, and reads it back")
    func pain002OriginalMessageName() throws {
        for name in ["pain.001.001.03", "nacha", nil] as [String?] {
            let report = PaymentStatusReport(
                format: "pain.002.001.10", messageID: "STATUS-9", originalMessageID: "MSG-9",
                originalMessageName: name, groupStatus: "RJCT",
                payments: [PaymentStatus(transactions: [TransactionStatus(status: "RJCT", reason: "FF01")])])
            let data = try Pain002Writer.write(report, createdAt: createdAt)
            try ISOWriterFiles.expectValid(data, schema: "pain.002.001.10")
            let read = try Pain002Reader.read(data)
            #expect(read.originalMessageName == name ?? Pain002Writer.originalMessageName)
            #expect(read.groupStatus == "RJCT")
            #expect(read.payments.flatMap(\.transactions) == report.payments.flatMap(\.transactions))
        }
    }
}
