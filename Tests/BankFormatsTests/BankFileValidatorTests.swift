import BankFormats
import Foundation
import PayHubDomain
import Testing

/// `payhub format validate`: the official XSD where PayHub ships it, and PayHub's own checks of what a
/// file says, on real files and on real files with one thing broken.
@Suite("bank file validation")
struct BankFileValidatorTests {
    static func file(_ name: String) throws -> Data { try CamtConformance.data(name) }

    static func text(_ name: String) throws -> String { String(decoding: try file(name), as: UTF8.self) }

    @Test("the XSDs ship with PayHub, each found by its target namespace")
    func shippedSchemas() throws {
        #expect(ISOSchema.shipped.count == 12)
        let swiss = try #require(
            ISOSchema.forNamespace("http://www.six-interbank-clearing.com/de/pain.001.001.03.ch.02.xsd"))
        #expect(swiss.fileName == "pain.001.001.03.ch.02.xsd")
        #expect(ISOSchema.forNamespace("urn:iso:std:iso:20022:tech:xsd:camt.053.001.08")?.fileName == "camt.053.001.08.xsd")
        #expect(ISOSchema.forNamespace("urn:iso:std:iso:20022:tech:xsd:camt.053.001.13") == nil)
    }

    @Test(
        "real files that are right are valid, checked against their schema",
        arguments: [
            ("pain001/sepaking-pain.001.001.03.xml", "pain.001.001.03.xsd"),
            ("pain001/sepaking-pain.001.001.03.ch.02.xml", "pain.001.001.03.ch.02.xsd"),
            ("pain002/hbci4java-pain.002.001.10-03.xml", "pain.002.001.10.xsd"),
            ("camt053/dvbern-postfinance-camt.053_P_CH0309000000250090342.xml", "camt.053.001.04.xsd"),
            ("camt054/genkgo-camt054.v8.xml", "camt.054.001.08.xsd"),
        ])
    func validFiles(_ name: String, schema: String) throws {
        let report = try BankFileValidator.validate(Self.file(name))
        #expect(report.isValid, "\(report.problems)")
        #expect(report.schema == schema)
        #expect(report.notes.isEmpty)
    }

    @Test("what we write is valid against the official XSD, by libxml2 as by xmllint")
    func ourOwnOutput() throws {
        let read = try CamtReader.read(Self.file("camt053/dvbern-postfinance-camt.053_P_CH0309000000250090342.xml"))
        for message in CamtWriter.Message.allCases {
            let written = try CamtWriter.write(read, as: message, createdAt: "2024-01-02T10:00:00+01:00")
            let report = try BankFileValidator.validate(written)
            #expect(report.schema == "\(message.format).xsd")
            #expect(report.isValid, "\(message): \(report.problems)")
        }
    }

    @Test("a schema violation is reported with its line, and only the schema's view of it")
    func schemaProblem() throws {
        let text = try Self.text("pain001/sepaking-pain.001.001.03.xml")
        // The reader does not need the creation time; the schema requires it.
        let broken = text.replacing(#/<CreDtTm>[^<]*</CreDtTm>/#, with: "")
        let report = try BankFileValidator.validate(Data(broken.utf8))
        #expect(!report.isValid)
        let problem = try #require(report.problems.first)
        #expect(problem.source == .schema && problem.code == "xsd")
        let line = try #require(broken.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains("<NbOfTxs>") })
        #expect(problem.location == "line \(line + 1)", "\(problem)")
        #expect(problem.message.contains("CreDtTm"), "\(problem.message)")
        #expect(!problem.message.contains("urn:iso"), "namespaces are left out of messages")
    }

    @Test("check digits, control sums and balances are checked whatever the schema says")
    func contentProblems() throws {
        let text = try Self.text("pain001/sepaking-pain.001.001.03.xml")
        // Valid against the XSD (an IBAN is only a pattern there) but not a real IBAN.
        let badIBAN = text.replacingOccurrences(of: "DE21500500009876543210", with: "DE22500500009876543210")
        let ibanReport = try BankFileValidator.validate(Data(badIBAN.utf8))
        #expect(ibanReport.problems.map(\.code) == ["invalid_identifier"])
        #expect(ibanReport.problems.first?.location == "payment 1, transaction 1")
        #expect(ibanReport.problems.first?.message.contains("check digits") == true)
        #expect(ibanReport.problems.first?.message.contains("9876543210") == false, "no account number in a message")

        let badSum = text.replacingOccurrences(of: "<CtrlSum>6655.86</CtrlSum>", with: "<CtrlSum>6655.87</CtrlSum>")
        let sumReport = try BankFileValidator.validate(Data(badSum.utf8))
        #expect(sumReport.problems.contains { $0.code == "control_sum_mismatch" }, "\(sumReport.problems)")

        let statement = try BankFileValidator.validate(Self.file("camt053/genkgo-camt053.v2.minimal.xml"))
        #expect(statement.problems.map(\.code) == ["balance_mismatch"])
        #expect(statement.problems.first?.location == "statement 1")
        #expect(statement.schema == "camt.053.001.02.xsd")
    }

    @Test("a version without a shipped schema is checked by content, and the report says so")
    func noSchema() throws {
        let report = try BankFileValidator.validate(Self.file("pain002/moov-valid_pain_v11.xml"))
        #expect(report.schema == nil)
        #expect(report.notes.count == 1 && report.notes[0].contains("pain.002.001.11"))
        #expect(report.isValid)
    }

    @Test("text formats are checked by content only, with no note needed")
    func textFormats() throws {
        let good = try BankFileValidator.validate(Self.file("mt940/hbci4java-test-mt940-001.sta"))
        #expect(good.isValid && good.schema == nil && good.notes.isEmpty, "\(good.problems)")
        let bai2 = try BankFileValidator.validate(Self.file("bai2/moov-sample5-issue113.bai2"))
        #expect(!bai2.isValid)
        #expect(bai2.problems.allSatisfy { $0.source == .content })
    }

    @Test("a file that cannot be read is an error, not a report", arguments: ["<Document", "hello"])
    func unreadable(_ text: String) {
        #expect(throws: FormatError.self) { try BankFileValidator.validate(Data(text.utf8)) }
    }

    @Test("every conformance XML file gets a report: against its schema, or with a note why not")
    func corpus() throws {
        let names = CamtConformance.files(in: ["camt053", "camt054", "pain001", "pain002"])
        #expect(names.count >= 60)
        var againstSchema = 0
        for name in names {
            let report = try BankFileValidator.validate(Self.file(name))
            if report.schema != nil { againstSchema += 1 } else { #expect(report.notes.count == 1, "\(name)") }
        }
        #expect(againstSchema >= 50, "\(againstSchema) of \(names.count)")
    }
}
