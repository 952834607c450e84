import BankFormats
import Foundation
import Testing

/// The statement's running number, which reconciliation uses to notice a missing statement: camt
/// `ElctrncSeqNb` (else `LglSeqNb`), MT940 the number of `:28C:` before its `/`.
@Suite("Statement sequence numbers")
struct StatementSequenceTests {
    @Test(
        "camt: ElctrncSeqNb, else LglSeqNb, else none",
        arguments: [
            ("camt053/viafintech-valid_example.xml", 130_000_005),
            ("camt053/moov-FI_camt_053_sample.xml", 120),  // both given: the electronic one
            ("camt053/oca-test-camt053.xml", 2),  // only LglSeqNb
            ("camt053/genkgo-camt053.v2.with-account-name.xml", nil),
        ] as [(String, Int?)])
    func camt(name: String, expected: Int?) throws {
        let document = try CamtConformance.read(name)
        #expect(document.statements.first?.sequenceNumber == expected, "\(name)")
    }

    @Test(
        "MT940: the statement number of :28C:, with or without a page",
        arguments: [
            (":28C:1", 1), (":28C:00027/00001", 27), (":28C:000", 0), (":28C:ABC", nil),
        ] as [(String, Int?)])
    func mt940(field: String, expected: Int?) throws {
        var text = String(decoding: try MT940Corpus.data("hbci4java-test-mt940-001.sta"), as: UTF8.self)
        text = text.replacingOccurrences(of: ":28C:1", with: field)
        let document = try MT940Reader.read(Data(text.utf8))
        #expect(document.statements.first?.sequenceNumber == expected, "\(field)")
    }
}
