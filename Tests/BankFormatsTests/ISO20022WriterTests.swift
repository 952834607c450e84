import BankFormats
import Foundation
import PayHubDomain
import Testing

/// The official XSDs and xmllint, which checks every file a writer makes against them.
enum ISOWriterFiles {
    static let conformance = CamtConformance.root

    static func schema(_ name: String) -> URL { conformance.appendingPathComponent("xsd/\(name).xsd") }

    static func xmllint() -> String? {
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(directory)/xmllint"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Validates `data` against the XSD `schema` (`camt.053.001.08`), recording xmllint's complaints.
    static func expectValid(_ data: Data, schema: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        guard let xmllint = xmllint() else {
            Issue.record(
                "xmllint is not installed: run scripts/test, which installs libxml2-utils",
                sourceLocation: sourceLocation)
            return
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("iso-writer-\(UUID().uuidString).xml")
        try data.write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: xmllint)
        process.arguments = ["--noout", "--schema", self.schema(schema).path, file.path]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(schema): \(message)", sourceLocation: sourceLocation)
    }
}

private let createdAt = "2024-01-02T10:00:00+01:00"

private func amount(_ text: String) -> ExactDecimal { ExactDecimal(text)! }

private func sampleReport() -> PaymentStatusReport {
    PaymentStatusReport(
        format: "pain.002.001.10", messageID: "STATUS-1", createdAt: createdAt, originalMessageID: "MSG-1",
        groupStatus: "PART",
        payments: [
            // The group's own reason (as Pain002Reader represents it).
            PaymentStatus(
                originalPaymentID: nil, status: "PART",
                transactions: [TransactionStatus(status: "PART", reason: "AM05", additionalInfo: "Duplicate & late")]),
            PaymentStatus(
                originalPaymentID: "PMTINF-1", status: "PART",
                transactions: [
                    TransactionStatus(
                        originalEndToEndID: "E2E-1", status: "RJCT", reason: "AC01",
                        additionalInfo: "Format of the account number specified is not correct"),
                    TransactionStatus(originalEndToEndID: "E2E-2", originalInstructionID: "INSTR-2", status: "ACCP"),
                    TransactionStatus(
                        originalEndToEndID: "E2E-3", status: "RJCT", reason: "NARR",
                        additionalInfo: String(repeating: "long reason text ", count: 12).trimmingCharacters(
                            in: .whitespaces)),
                ]),
            PaymentStatus(
                originalPaymentID: "PMTINF-2", status: "RJCT",
                transactions: [
                    // The payment's own reason, then a proprietary one.
                    TransactionStatus(status: "RJCT", reason: "DT01", additionalInfo: "Invalid date"),
                    TransactionStatus(originalEndToEndID: "E2E-4", status: "RJCT", reason: "BANK-SPECIFIC 17"),
                ]),
        ])
}

private func sampleStatements() -> StatementDocument {
    StatementDocument(
        format: "camt.053.001.08", messageID: "MSG-STMT-1", createdAt: createdAt,
        statements: [
            Statement(
                id: "STMT-1",
                account: StatementAccount(iban: "DE89370400440532013000", bic: "COBADEFFXXX", name: "ACME <GmbH> & Co"),
                currency: "EUR",
                openingBalance: StatementBalance(amount: amount("-1234.56"), date: "2024-01-01"),
                closingBalance: StatementBalance(amount: amount("-1308.68444"), date: "2024-01-02"),
                entries: [
                    StatementEntry(
                        amount: amount("-100.00"), currency: "EUR", bookingDate: "2024-01-02", valueDate: "2024-01-02",
                        status: .booked, bankReference: "BANKREF-1", customerReference: "NONREF",
                        endToEndIDs: ["E2E-1"],
                        counterparty: Counterparty(
                            name: "Supplier Ltd", account: "GB29NWBK60161331926819", bic: "NWBKGB2L"),
                        remittance: "Invoice 4711", transactionCode: "PMNT-ICDT-ESCT"),
                    StatementEntry(
                        amount: amount("25.87556"), currency: "EUR", bookingDate: "2024-01-02", valueDate: "2024-01-03",
                        status: .pending, bankReference: "BANKREF-2", endToEndIDs: ["E2E-2", "E2E-3"],
                        counterparty: Counterparty(name: "Customer SA", account: "12345678"),
                        remittance: String(repeating: "word ", count: 40).trimmingCharacters(in: .whitespaces),
                        transactionCode: "NTRF", detailsCount: 2),
                    StatementEntry(
                        amount: amount("0.00"), currency: "EUR", bookingDate: "2024-01-02", status: .info,
                        detailsCount: 3),
                ]),
            Statement(
                id: "STMT-2", account: StatementAccount(number: "0001234567", name: "Yen account"), currency: "JPY",
                openingBalance: StatementBalance(amount: amount("1000"), date: "2024-01-01"),
                closingBalance: StatementBalance(amount: amount("1500"), date: "2024-01-02"),
                entries: [
                    StatementEntry(
                        amount: amount("-500"), currency: "JPY", bookingDate: "2024-01-02", valueDate: "2024-01-02",
                        reversal: true, bankReference: "RVSL-1", endToEndIDs: ["E2E-9"],
                        counterparty: Counterparty(name: "Shop KK"), returnReason: "AC04", detailsCount: 1),
                    StatementEntry(
                        amount: amount("1000"), currency: "JPY", bookingDate: "2024-01-02",
                        returnReason: "NOT AN ISO CODE"),
                ]),
        ])
}

/// Whether two entries agree on every field the writers carry (amounts by value).
private func expectSame(
    _ read: StatementEntry, _ source: StatementEntry, currency: String?, _ place: String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(
        read.amount.isEqual(to: source.amount), "\(place) amount \(read.amount) != \(source.amount)",
        sourceLocation: sourceLocation)
    #expect(read.currency == (source.currency ?? currency), "\(place) currency", sourceLocation: sourceLocation)
    #expect(read.bookingDate == source.bookingDate, "\(place) booking date", sourceLocation: sourceLocation)
    #expect(read.valueDate == source.valueDate, "\(place) value date", sourceLocation: sourceLocation)
    #expect(read.status == source.status, "\(place) status", sourceLocation: sourceLocation)
    #expect(read.reversal == source.reversal, "\(place) reversal", sourceLocation: sourceLocation)
    #expect(read.bankReference == source.bankReference, "\(place) bank reference", sourceLocation: sourceLocation)
    #expect(
        read.customerReference == source.customerReference, "\(place) customer reference",
        sourceLocation: sourceLocation)
    #expect(read.endToEndIDs == source.endToEndIDs, "\(place) end-to-end ids", sourceLocation: sourceLocation)
    #expect(read.counterparty == source.counterparty, "\(place) counterparty", sourceLocation: sourceLocation)
    #expect(read.remittance == source.remittance, "\(place) remittance", sourceLocation: sourceLocation)
    #expect(read.transactionCode == source.transactionCode, "\(place) transaction code", sourceLocation: sourceLocation)
    #expect(read.returnReason == source.returnReason, "\(place) return reason", sourceLocation: sourceLocation)
    #expect(
        read.detailsCount == max(source.detailsCount, source.endToEndIDs.count, 1), "\(place) details count",
        sourceLocation: sourceLocation)
}

private func expectSame(
    _ read: Statement, _ source: Statement, balances: Bool, _ place: String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(read.id == source.id, "\(place) id", sourceLocation: sourceLocation)
    #expect(read.account == source.account, "\(place) account", sourceLocation: sourceLocation)
    #expect(read.currency == source.currency, "\(place) currency", sourceLocation: sourceLocation)
    if balances {
        for (got, want, name) in [
            (read.openingBalance, source.openingBalance, "opening"),
            (read.closingBalance, source.closingBalance, "closing"),
        ] {
            #expect(got?.date == want?.date, "\(place) \(name) date", sourceLocation: sourceLocation)
            #expect(
                got.map { g in want.map { g.amount.isEqual(to: $0.amount) } ?? false } ?? (want == nil),
                "\(place) \(name) balance \(String(describing: got)) != \(String(describing: want))",
                sourceLocation: sourceLocation)
        }
    } else {
        #expect(read.openingBalance == nil && read.closingBalance == nil, sourceLocation: sourceLocation)
    }
    #expect(read.entries.count == source.entries.count, "\(place) entry count", sourceLocation: sourceLocation)
    for (index, (got, want)) in zip(read.entries, source.entries).enumerated() {
        expectSame(got, want, currency: source.currency, "\(place) entry \(index)", sourceLocation: sourceLocation)
    }
}

@Suite("ISO20022Writer")
struct ISO20022WriterTests {
    // MARK: pain.002

    @Test("pain.002 output is valid against pain.002.001.10.xsd")
    func pain002Valid() throws {
        try ISOWriterFiles.expectValid(
            Pain002Writer.write(sampleReport(), createdAt: createdAt), schema: "pain.002.001.10")
    }

    @Test("pain.002 reads back unchanged through Pain002Reader")
    func pain002RoundTrip() throws {
        let source = sampleReport()
        let data = try Pain002Writer.write(source, createdAt: createdAt)
        let read = try Pain002Reader.read(data)
        #expect(read.warnings.isEmpty, "\(read.warnings)")
        #expect(read.format == "pain.002.001.10")
        #expect(read.messageID == "STATUS-1")
        #expect(read.createdAt == createdAt)
        #expect(read.originalMessageID == "MSG-1")
        #expect(read.groupStatus == "PART")
        #expect(read.payments == source.payments)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("<Cd>AC01</Cd>"))
        #expect(text.contains("<Prtry>BANK-SPECIFIC 17</Prtry>"))
        #expect(text.contains("<OrgnlMsgNmId>pain.001.001.09</OrgnlMsgNmId>"))
        #expect(text.contains("Duplicate &amp; late"))
    }

    @Test("pain.002 bytes are deterministic")
    func pain002Deterministic() throws {
        #expect(
            try Pain002Writer.write(sampleReport(), createdAt: createdAt)
                == Pain002Writer.write(sampleReport(), createdAt: createdAt))
    }

    @Test("pain.002 refuses what the schema cannot take, naming the field")
    func pain002Refusals() {
        var report = sampleReport()
        report.messageID = nil
        #expect(throws: FormatError(.missingField, at: "message_id", "message id is required")) {
            try Pain002Writer.write(report, createdAt: createdAt)
        }
        report = sampleReport()
        report.payments[1].transactions[0].status = "rejected"
        do {
            _ = try Pain002Writer.write(report, createdAt: createdAt)
            Issue.record("a status of eight lower-case letters was written")
        } catch {
            #expect(error.location == "payments[1].transactions[0].status")
            #expect(error.message.contains("four capital letters"))
        }
        report = sampleReport()
        report.originalMessageID = ""
        #expect(throws: FormatError.self) { try Pain002Writer.write(report, createdAt: createdAt) }
        report = sampleReport()
        report.payments[2].originalPaymentID = nil
        do {
            _ = try Pain002Writer.write(report, createdAt: createdAt)
            Issue.record("a payment without id was written")
        } catch { #expect(error.location == "payments[2].original_payment_id") }
        report = sampleReport()
        report.payments[1].transactions[1].originalEndToEndID = String(repeating: "X", count: 36)
        do {
            _ = try Pain002Writer.write(report, createdAt: createdAt)
            Issue.record("a 36-character id was written")
        } catch { #expect(error.location == "payments[1].transactions[1].original_end_to_end_id") }
        #expect(throws: FormatError.self) { try Pain002Writer.write(sampleReport(), createdAt: "yesterday") }
        report = sampleReport()
        report.payments[2].transactions[0] = TransactionStatus(status: "RJCT")
        do {
            _ = try Pain002Writer.write(report, createdAt: createdAt)
            Issue.record("a status line without ids nor reason was dropped silently")
        } catch { #expect(error.location == "payments[2].transactions[0].reason") }
    }

    @Test("pain.002 conformance file: read, written, read again gives the same status")
    func pain002Conformance() throws {
        let folder = ISOWriterFiles.conformance.appendingPathComponent("pain002")
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path).filter({ $0.hasSuffix(".xml") })
            .sorted()
        {
            let url = ISOWriterFiles.conformance.appendingPathComponent("pain002/\(name)")
            let original = try Pain002Reader.read(Data(contentsOf: url))
            let data = try Pain002Writer.write(original, createdAt: original.createdAt ?? createdAt)
            try ISOWriterFiles.expectValid(data, schema: "pain.002.001.10")
            let again = try Pain002Reader.read(data)
            #expect(again.messageID == original.messageID, "\(name)")
            #expect(again.originalMessageID == original.originalMessageID, "\(name)")
            #expect(again.groupStatus == original.groupStatus, "\(name)")
            #expect(again.payments == original.payments, "\(name)")
        }
    }

    // MARK: camt.053 / camt.054

    @Test(
        "camt output is valid against camt.053.001.08.xsd and camt.054.001.08.xsd",
        arguments: CamtWriter.Message.allCases)
    func camtValid(message: CamtWriter.Message) throws {
        try ISOWriterFiles.expectValid(
            CamtWriter.write(sampleStatements(), as: message, createdAt: createdAt), schema: message.format)
    }

    @Test("camt reads back unchanged through CamtReader", arguments: CamtWriter.Message.allCases)
    func camtRoundTrip(message: CamtWriter.Message) throws {
        let source = sampleStatements()
        let data = try CamtWriter.write(source, as: message, createdAt: createdAt)
        var read = try CamtReader.read(data)
        read.checkBalances()
        #expect(read.warnings.isEmpty, "\(read.warnings)")
        #expect(read.format == message.format)
        #expect(read.messageID == "MSG-STMT-1")
        #expect(read.createdAt == createdAt)
        #expect(read.statements.count == source.statements.count)
        for (index, (got, want)) in zip(read.statements, source.statements).enumerated() {
            expectSame(got, want, balances: message == .statement053, "statement \(index)")
        }
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("<Amt Ccy=\"EUR\">25.87556</Amt>"))
        #expect(text.contains("<Amt Ccy=\"JPY\">500</Amt>"))
        #expect(text.contains("<Amt Ccy=\"EUR\">0.00</Amt>"))
        #expect(text.contains("<EndToEndId>NOTPROVIDED</EndToEndId>"))
        #expect(text.contains("<Prtry>NOT AN ISO CODE</Prtry>"))
        #expect(text.contains("ACME &lt;GmbH&gt; &amp; Co"))
        if message == .statement053 {
            #expect(text.contains("<Cd>OPBD</Cd>"))
            #expect(text.contains("<CdtDbtInd>DBIT</CdtDbtInd>\n        <Dt>"))
        } else {
            #expect(!text.contains("<Bal>"))
        }
    }

    @Test("camt bytes are deterministic")
    func camtDeterministic() throws {
        for message in CamtWriter.Message.allCases {
            let first = try CamtWriter.write(sampleStatements(), as: message, createdAt: createdAt)
            #expect(try first == CamtWriter.write(sampleStatements(), as: message, createdAt: createdAt))
        }
    }

    @Test("camt refuses what the schema cannot take, naming the field")
    func camtRefusals() {
        func location(_ change: (inout StatementDocument) -> Void) -> String? {
            var document = sampleStatements()
            change(&document)
            do {
                _ = try CamtWriter.write(document, as: .statement053, createdAt: createdAt)
                return nil
            } catch { return error.location }
        }
        #expect(location { $0.messageID = nil } == "message_id")
        #expect(location { $0.statements[0].id = "" } == "statements[0].id")
        #expect(
            location { $0.statements[0].entries[0].amount = ExactDecimal("1.123456")! }
                == "statements[0].entries[0].amount")
        #expect(
            location { $0.statements[0].entries[1].bookingDate = "02.01.2024" }
                == "statements[0].entries[1].booking_date")
        #expect(location { $0.statements[0].account.bic = "cobadeff" } == "statements[0].account.bic")
        #expect(location { $0.statements[1].currency = "XYZ1" } == "statements[1].currency")
        #expect(location { $0.statements[1].account = StatementAccount() } == "statements[1].account")
        #expect(
            location {
                $0.statements[1].openingBalance = nil
                $0.statements[1].closingBalance = nil
            } == "statements[1].closing_balance")
        #expect(
            location { $0.statements[0].entries[0].endToEndIDs = [String(repeating: "E", count: 36)] }
                == "statements[0].entries[0].end_to_end_ids[0]")
        do {
            var document = sampleStatements()
            document.statements[0].entries[0].bookingDate = "2024-13-01"
            _ = try CamtWriter.write(document, as: .notification054, createdAt: createdAt)
            Issue.record("an impossible date was written")
        } catch {
            #expect(error.code == .invalidValue)
            #expect(error.description.contains("booking date \"2024-13-01\" is not a date"))
        }
    }

    @Test("camt conformance files: read, written, read again agree on the shared fields")
    func camtConformance() throws {
        var files: [(String, CamtWriter.Message)] = []
        for (folder, message) in [("camt053", CamtWriter.Message.statement053), ("camt054", .notification054)] {
            let names = try FileManager.default.contentsOfDirectory(
                atPath: ISOWriterFiles.conformance.appendingPathComponent(folder).path)
            files += names.filter { $0.hasSuffix(".xml") }.sorted().map { ("\(folder)/\($0)", message) }
        }
        for (name, message) in files {
            let original = try CamtReader.read(
                Data(contentsOf: ISOWriterFiles.conformance.appendingPathComponent(name)))
            if message == .statement053,
                original.statements.contains(where: { $0.openingBalance == nil && $0.closingBalance == nil })
            {
                // camt.053 requires a balance; the writer refuses rather than invent one.
                #expect(throws: FormatError.self, "\(name)") {
                    try CamtWriter.write(original, as: message, createdAt: original.createdAt ?? createdAt)
                }
                continue
            }
            let data = try CamtWriter.write(original, as: message, createdAt: original.createdAt ?? createdAt)
            try ISOWriterFiles.expectValid(data, schema: message.format)
            let again = try CamtReader.read(data)
            #expect(again.messageID == original.messageID, "\(name)")
            #expect(again.statements.count == original.statements.count, "\(name)")
            for (index, (got, want)) in zip(again.statements, original.statements).enumerated() {
                expectSame(got, want, balances: message == .statement053, "\(name) statement \(index)")
            }
        }
    }
}
