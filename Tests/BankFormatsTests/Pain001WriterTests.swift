import BankFormats
import Foundation
import PayHubDomain
import Testing

private func instruction(
    _ e2e: String, _ amount: String, _ currency: String = "EUR", date: String = "2024-01-03",
    debtorIBAN: String = "DE89370400440532013000", debtorBIC: String? = "COBADEFFXXX",
    creditorName: String? = "Supplier Ltd", creditorIBAN: String = "GB29NWBK60161331926819",
    creditorBIC: String? = nil, instructionID: String? = nil, remittance: String? = "Invoice 4711"
) -> Pain001Input.Instruction {
    Pain001Input.Instruction(
        endToEndID: e2e, instructionID: instructionID, amount: amount, currency: currency,
        requestedExecutionDate: date,
        debtor: .init(name: "ACME GmbH", iban: debtorIBAN, bic: debtorBIC),
        creditor: .init(
            name: creditorName, iban: creditorIBAN, bic: creditorBIC, country: "GB",
            addressLines: ["1 High Street", "London"]),
        remittance: remittance)
}

/// Three (debtor, date, currency) groups, interleaved, with a text that needs escaping.
private func sample() -> Pain001Input {
    Pain001Input(
        messageID: "MSG-1", initiatingParty: .init(name: "ACME GmbH"),
        instructions: [
            instruction("E2E-1", "100.00", instructionID: "INSTR-1"),
            instruction("E2E-2", "0.5", date: "2024-01-04", creditorBIC: "NWBKGB2L", remittance: "Rechnung 4712 (Teil 2/3)"),
            instruction("E2E-3", "250.10"),
            instruction(
                "E2E-4", "1200", "USD", debtorIBAN: "FR1420041010050500013M02606", debtorBIC: nil,
                creditorName: "Smith & Sons <US> \"Übersee\"", remittance: nil),
            instruction("E2E-5", "0.01", date: "2024-01-04"),
        ])
}

private let createdAt = "2024-01-02T10:00:00Z"

@Suite("Pain001Writer")
struct Pain001WriterTests {
    @Test("written to a sink in chunks: the same bytes, never the whole file at once, nothing when invalid")
    func streamed() throws {
        // Enough transactions for many chunks.
        var input = sample()
        input.instructions = (1...2_000).map { instruction("E2E-\($0)", "\($0).25", "USD", remittance: "Invoice \($0) <&>") }
        let whole = try Pain001Writer.write(input, version: .v09, createdAt: createdAt)
        var chunks: [Data] = []
        try Pain001Writer.write(input, version: .v09, createdAt: createdAt) { chunks.append($0) }
        #expect(chunks.count > 10)
        #expect(chunks.allSatisfy { $0.count < 80 << 10 }, "chunks of about 64 KiB")
        #expect(chunks.reduce(Data(), +) == whole)

        struct DiskFull: Error {}
        var calls = 0
        #expect(throws: DiskFull.self) {
            try Pain001Writer.write(input, version: .v09, createdAt: createdAt) { _ in
                calls += 1
                throw DiskFull()
            }
        }
        #expect(calls == 1, "the sink's error stops the writing")

        input.instructions[1_500].creditor?.iban = "GB00NWBK60161331926819"
        var reached = false
        #expect(throws: ValidationFailure.self) {
            try Pain001Writer.write(input, version: .v09, createdAt: createdAt) { _ in reached = true }
        }
        #expect(!reached, "nothing is written from invalid input")
    }

    @Test("groups by debtor, date and currency, with counts and sums at both levels")
    func grouping() throws {
        for version in Pain001Writer.Version.allCases {
            let data = try Pain001Writer.write(sample(), version: version, createdAt: createdAt)
            let read = try Pain001Reader.read(data)
            #expect(read.warnings.isEmpty, "\(read.warnings)")
            #expect(read.format == "pain.\(version.rawValue)")
            #expect(read.numberOfTransactions == 5)
            #expect(read.controlSum.map { $0.isEqual(to: ExactDecimal("1550.61")!) } == true)
            #expect(read.payments.map(\.id) == ["MSG-1-1", "MSG-1-2", "MSG-1-3"])
            #expect(read.payments.map { $0.transactions.map(\.endToEndID) } == [
                ["E2E-1", "E2E-3"], ["E2E-2", "E2E-5"], ["E2E-4"],
            ])
            #expect(read.payments.map(\.requestedExecutionDate) == ["2024-01-03", "2024-01-04", "2024-01-03"])
            let text = String(decoding: data, as: UTF8.self)
            #expect(text.contains("<CtrlSum>1550.61</CtrlSum>"))
            #expect(text.contains("<CtrlSum>350.10</CtrlSum>"))
            #expect(text.contains("<CtrlSum>0.51</CtrlSum>"))
            #expect(text.contains("<CtrlSum>1200.00</CtrlSum>"))
            #expect(text.contains("<NbOfTxs>2</NbOfTxs>"))
            #expect(text.contains("<InstdAmt Ccy=\"EUR\">0.50</InstdAmt>"))
            #expect(text.contains("<ChrgBr>SLEV</ChrgBr>") && text.contains("<ChrgBr>SHAR</ChrgBr>"))
            #expect(text.contains("<Id>NOTPROVIDED</Id>"))
            #expect(text.contains("<Nm>Smith &amp; Sons &lt;US&gt; &quot;Übersee&quot;</Nm>"))
            if version == .v09 {
                #expect(text.contains("<BICFI>COBADEFFXXX</BICFI>") && !text.contains("<BIC>"))
                #expect(text.contains("<ReqdExctnDt>\n        <Dt>2024-01-03</Dt>"))
            } else {
                #expect(text.contains("<BIC>COBADEFFXXX</BIC>") && !text.contains("<BICFI>"))
                #expect(text.contains("<ReqdExctnDt>2024-01-03</ReqdExctnDt>"))
            }
        }
    }

    @Test("output is valid against the official XSD", arguments: Pain001Writer.Version.allCases)
    func schemaValid(version: Pain001Writer.Version) throws {
        let data = try Pain001Writer.write(sample(), version: version, createdAt: createdAt)
        try ISOWriterFiles.expectValid(data, schema: "pain.\(version.rawValue)")
    }

    @Test("a UETR (CBPR+) goes into PmtId in 001.001.09, valid against the XSD; a malformed one or 001.001.03 is refused")
    func uetr() throws {
        var input = sample()
        input.instructions[3].uetr = "8a562c67-ca16-48ba-b074-65581be6f011"
        let data = try Pain001Writer.write(input, version: .v09, createdAt: createdAt)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("<EndToEndId>E2E-4</EndToEndId>\n          <UETR>8a562c67-ca16-48ba-b074-65581be6f011</UETR>"))
        #expect(text.components(separatedBy: "<UETR>").count == 2, "only where one was given")
        try ISOWriterFiles.expectValid(data, schema: "pain.001.001.09")
        #expect(Pain001Writer.validate(input, version: .v03).map(\.code) == ["not_in_version"])
        for bad in ["8A562C67-CA16-48BA-B074-65581BE6F011", "8a562c67-ca16-38ba-b074-65581be6f011",
            "8a562c67-ca16-48ba-c074-65581be6f011", "8a562c67ca1648bab07465581be6f011", ""] {
            input.instructions[3].uetr = bad
            #expect(Pain001Writer.validate(input, version: .v09).map(\.path) == ["instructions[3].uetr"], "\(bad)")
        }
    }

    @Test("SEPA Instant payments get a PmtInf of their own with local instrument INST, valid against both XSDs", arguments: Pain001Writer.Version.allCases)
    func sepaInstant(version: Pain001Writer.Version) throws {
        var input = sample()
        input.instructions[2].localInstrument = "INST"  // E2E-3: same debtor, date and currency as E2E-1
        let data = try Pain001Writer.write(input, version: version, createdAt: createdAt)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.components(separatedBy: "<PmtInf>").count - 1 == 4, "E2E-3 leaves E2E-1's block for its own")
        #expect(text.contains("<LclInstrm>\n          <Cd>INST</Cd>\n        </LclInstrm>"))
        #expect(text.components(separatedBy: "<LclInstrm>").count == 2)
        try ISOWriterFiles.expectValid(data, schema: "pain.\(version.rawValue)")
        input.instructions[3].localInstrument = "INST"  // USD
        input.instructions[0].localInstrument = "INSTANT"
        #expect(Pain001Writer.validate(input, version: version).map(\.path) == ["instructions[0].local_instrument", "instructions[3].local_instrument"])
    }

    @Test("payment-information ids given by the caller name the blocks and keep instructions with different ids apart", arguments: Pain001Writer.Version.allCases)
    func assignedPaymentInformationIDs(version: Pain001Writer.Version) throws {
        var input = sample()
        // E2E-1 and E2E-3 share debtor, date and currency; different ids split them.
        input.instructions[0].paymentInformationID = "PI-A"
        input.instructions[2].paymentInformationID = "PI-B"
        let data = try Pain001Writer.write(input, version: version, createdAt: createdAt)
        let read = try Pain001Reader.read(data)
        #expect(read.payments.count == 4)
        #expect(read.payments.first { $0.transactions.map(\.endToEndID) == ["E2E-1"] }?.id == "PI-A")
        #expect(read.payments.first { $0.transactions.map(\.endToEndID) == ["E2E-3"] }?.id == "PI-B")
        #expect(read.payments.filter { $0.id?.hasPrefix("MSG-1-") == true }.count == 2, "the others keep generated ids")
        try ISOWriterFiles.expectValid(data, schema: "pain.\(version.rawValue)")
        input.instructions[0].paymentInformationID = String(repeating: "X", count: 36)
        #expect(Pain001Writer.validate(input, version: version).map(\.path) == ["instructions[0].payment_information_id"])
    }

    @Test("round trip through Pain001Reader", arguments: Pain001Writer.Version.allCases)
    func roundTrip(version: Pain001Writer.Version) throws {
        let input = sample()
        let read = try Pain001Reader.read(Pain001Writer.write(input, version: version, createdAt: createdAt))
        #expect(read.messageID == "MSG-1")
        #expect(read.createdAt == createdAt)
        #expect(read.initiatingParty == "ACME GmbH")
        #expect(read.payments.allSatisfy { $0.batchBooking == true })
        let transactions = read.payments.flatMap { payment in payment.transactions.map { (payment, $0) } }
        #expect(transactions.count == input.instructions.count)
        for (payment, transaction) in transactions {
            let source = try #require(input.instructions.first { $0.endToEndID == transaction.endToEndID })
            let currency = try Currency(code: source.currency!)
            let expected = try Money(parsing: source.amount!, currency: currency)
            #expect(transaction.amount.isEqual(to: ExactDecimal(expected)))
            #expect(transaction.currency == source.currency)
            #expect(transaction.instructionID == source.instructionID)
            #expect(transaction.remittance == source.remittance)
            #expect(transaction.creditor.name == source.creditor?.name)
            #expect(transaction.creditor.iban == source.creditor?.iban)
            #expect(transaction.creditor.bic == source.creditor?.bic)
            #expect(transaction.creditor.country == source.creditor?.country)
            #expect(payment.debtor.name == source.debtor?.name)
            #expect(payment.debtor.iban == source.debtor?.iban)
            #expect(payment.debtor.bic == source.debtor?.bic)
            #expect(payment.requestedExecutionDate == source.requestedExecutionDate)
        }
    }

    @Test("the same input gives the same bytes")
    func deterministic() throws {
        for version in Pain001Writer.Version.allCases {
            let first = try Pain001Writer.write(sample(), version: version, createdAt: createdAt)
            let second = try Pain001Writer.write(sample(), version: version, createdAt: createdAt)
            #expect(first == second)
        }
    }

    @Test("decodes the INPUT.json of format-json.md")
    func decodesSpecExample() throws {
        let json = """
            {
              "message_id": "MSG-1",
              "initiating_party": {"name": "ACME GmbH"},
              "instructions": [{
                "end_to_end_id": "E2E-1", "amount": "100.00", "currency": "EUR", "requested_execution_date": "2024-01-03",
                "debtor": {"name": "ACME GmbH", "iban": "DE89370400440532013000", "bic": "COBADEFFXXX"},
                "creditor": {"name": "Supplier Ltd", "iban": "GB29NWBK60161331926819", "bic": null, "country": "GB",
                             "address_lines": ["1 High Street", "London"]},
                "remittance": "Invoice 4711"
              }]
            }
            """
        let input = try JSONDecoder().decode(Pain001Input.self, from: Data(json.utf8))
        #expect(input.messageID == "MSG-1")
        #expect(input.instructions.first?.creditor?.addressLines == ["1 High Street", "London"])
        #expect(Pain001Writer.validate(input).isEmpty)
        let read = try Pain001Reader.read(Pain001Writer.write(input, version: .v09, createdAt: createdAt))
        #expect(read.payments.first?.transactions.first?.amount.isEqual(to: ExactDecimal("100.00")!) == true)
    }

    /// One broken field per case: the path and message it must produce.
    static let problems: [(String, @Sendable (inout Pain001Input.Instruction) -> Void, String, String)] = [
        ("IBAN check digit", { $0.creditor?.iban = "GB28NWBK60161331926819" }, "creditor.iban", "IBAN check digits do not match"),
        ("too many decimals", { $0.amount = "1.234" }, "amount", "EUR amounts have at most 2 decimal places"),
        ("JPY decimals", { $0.currency = "JPY"; $0.amount = "10.5" }, "amount", "JPY amounts have at most 0 decimal places"),
        ("missing creditor name", { $0.creditor?.name = nil }, "creditor.name", "creditor name is required"),
        ("unknown currency", { $0.currency = "XYZ" }, "currency", "'XYZ' is not an ISO 4217 currency code"),
        ("invalid BIC", { $0.creditor?.bic = "NWBK1" }, "creditor.bic", "BIC must have"),
        ("end-to-end id too long", { $0.endToEndID = String(repeating: "A", count: 36) }, "end_to_end_id", "at most 35 characters"),
        ("end-to-end id outside SEPA", { $0.endToEndID = "E2E_1" }, "end_to_end_id", "outside the SEPA character set"),
        ("name too long", { $0.creditor?.name = String(repeating: "n", count: 71) }, "creditor.name", "at most 70 characters"),
        ("remittance too long", { $0.remittance = String(repeating: "r", count: 141) }, "remittance", "at most 140 characters"),
        ("not a date", { $0.requestedExecutionDate = "2024-02-30" }, "requested_execution_date", "real calendar date"),
        ("negative amount", { $0.amount = "-5.00" }, "amount", "greater than zero"),
        ("EUR name outside SEPA", { $0.creditor?.name = "Müller GmbH" }, "creditor.name", "contains 'ü', outside the SEPA character set"),
        ("EUR remittance outside SEPA", { $0.remittance = "A & B" }, "remittance", "transliteration (--transliterate) can replace it"),
        ("too many address lines", { $0.creditor?.addressLines = ["a", "b", "c"] }, "creditor.address_lines", "at most 2 address lines"),
        ("instruction id too long", { $0.instructionID = String(repeating: "I", count: 36) }, "instruction_id", "at most 35 characters"),
    ]

    @Test("each problem is reported with its path and nothing is written", arguments: 0..<problems.count)
    func problem(case index: Int) {
        let (_, breakIt, field, message) = Self.problems[index]
        var input = sample()
        breakIt(&input.instructions[2])
        let errors = Pain001Writer.validate(input)
        #expect(errors.count == 1, "\(errors)")
        #expect(errors.first?.path == "instructions[2].\(field)")
        #expect(errors.first?.message.contains(message) == true, "\(errors)")
        #expect(errors.first?.description.hasPrefix("instructions[2].\(field): ") == true)
        #expect(throws: ValidationFailure.self) {
            _ = try Pain001Writer.write(input, version: .v09, createdAt: createdAt)
        }
    }

    @Test("all problems are reported at once")
    func allProblems() {
        var input = sample()
        input.instructions[0].creditor?.iban = "GB28NWBK60161331926819"
        input.instructions[3].currency = "XYZ"
        do throws(ValidationFailure) {
            _ = try Pain001Writer.write(input, version: .v03, createdAt: createdAt)
            Issue.record("invalid input was written")
        } catch {
            #expect(error.errors.map(\.path) == ["instructions[0].creditor.iban", "instructions[3].currency"])
        }
    }

    @Test("transliteration, when asked, brings EUR free texts into the SEPA set; ids are never changed")
    func transliteration() throws {
        #expect(Pain001Writer.sepaTransliterated("Müller & Söhne Façade ß Æ [1]_x \"q\" €") == "Mueller + Soehne Facade ss AE (1)-x 'q' .")
        var input = sample()
        input.instructions[0].creditor?.name = "Müller & Söhne"
        input.instructions[0].remittance = "Façade {Rechnung} é"
        input.instructions[3].creditor?.name = "Smith & Sons"  // USD: left as given
        #expect(Pain001Writer.validate(input).map(\.path) == ["instructions[0].creditor.name", "instructions[0].remittance"])
        #expect(Pain001Writer.validate(input, transliterate: true).isEmpty)
        for version in Pain001Writer.Version.allCases {
            let data = try Pain001Writer.write(input, version: version, createdAt: createdAt, transliterate: true)
            let read = try Pain001Reader.read(data)
            let transactions = read.payments.flatMap(\.transactions)
            let first = try #require(transactions.first { $0.endToEndID == "E2E-1" })
            #expect(first.creditor.name == "Mueller + Soehne")
            #expect(first.remittance == "Facade (Rechnung) e")
            #expect(transactions.first { $0.endToEndID == "E2E-4" }?.creditor.name == "Smith & Sons")
        }
        input.instructions[1].endToEndID = "E2E_2"
        #expect(Pain001Writer.validate(input, transliterate: true).map(\.path) == ["instructions[1].end_to_end_id"])
    }

    @Test("instructions of one PmtInf must agree on the debtor's name and BIC")
    func inconsistentDebtor() {
        var input = sample()
        input.instructions[2].debtor?.name = "ACME AG"
        input.instructions[2].debtor?.bic = "DEUTDEFF"
        let errors = Pain001Writer.validate(input)
        #expect(errors.map(\.path) == ["instructions[2].debtor.name", "instructions[2].debtor.bic"])
        #expect(errors.first?.message.contains("instructions[0]") == true)
    }

    @Test("SEPA character set applies to EUR only")
    func sepaOnlyForEUR() {
        var input = sample()
        input.instructions[3].endToEndID = "E2E_4"  // USD
        #expect(Pain001Writer.validate(input).isEmpty)
    }
}
