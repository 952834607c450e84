import BankFormats
import Foundation
import PayHubDomain
import Testing

#if canImport(ProfileLoading)
    import ProfileLoading
#else
    import PayHubServices
#endif

/// Reading a file a block at a time gives exactly what reading it whole gives: the same records, the
/// same rejections, the same line numbers and raw text, wherever the blocks happen to end.
@Suite("Reading ERP files in blocks")
struct BlockReadingTests {
    static let samples: [(profile: String, file: String)] = [
        ("sap-f110", "sap-f110.csv"), ("oracle-fusion", "oracle-fusion.csv"), ("kingdee", "kingdee.csv"),
        ("yonyou", "yonyou.csv"), ("erpnext", "erpnext.csv"), ("odoo", "odoo.csv"), ("generic-csv", "generic-csv.csv"),
        ("pain001", "pain001.xml"),
    ]

    static func whole(_ data: Data, _ profile: MappingProfile) throws -> [ERPRecord] {
        try IntakeFixtures.read(data, with: profile)
    }

    static func inBlocks(_ data: Data, _ profile: MappingProfile, size: Int) throws -> [ERPRecord] {
        var records: [ERPRecord] = []
        try ERPFileReader(profile: profile).read(pieces: data, blockSize: size) { records.append($0) }
        return records
    }

    @Test("every shipped sample, in blocks of 1 to 97 bytes and of 4 MiB", arguments: samples)
    func samplesInBlocks(profile name: String, file: String) throws {
        let profile = try IntakeFixtures.profile(name)
        let data = try IntakeFixtures.sample(file)
        let expected = try Self.whole(data, profile)
        #expect(!expected.isEmpty)
        for size in [1, 2, 3, 7, 16, 31, 64, 97, 4 << 20] {
            #expect(try Self.inBlocks(data, profile, size: size) == expected, "\(file) in blocks of \(size)")
        }
    }

    @Test("a large generated file with quotes, line breaks in fields, a title and skipped lines")
    func generatedFile() throws {
        let profile = try MappingProfileLoader.load(
            yaml: """
                name: blocks
                source: test
                csv: {delimiter: ";", header_row: 2, skip_lines_after_header: 1, decimal_separator: ","}
                defaults: {currency: EUR, country: DE}
                fields:
                  external_id: Beleg
                  invoice_number: Referenz
                  invoice_date: {column: Datum, transforms: [{date: dd.MM.yyyy}]}
                  amount: Betrag
                  vendor.external_id: Kreditor
                  vendor.name: Name
                """)
        var generator = SplitMix64(seed: 7)
        var text = "Offene Posten, Stand 29.11.2026\r\nBeleg;Referenz;Datum;Betrag;Kreditor;Name\r\n--;--;--;--;--;--\r\n"
        for row in 0..<3000 {
            let name: String
            switch generator.next() % 5 {
            case 0: name = "\"Müller; Söhne \"\"Nord\"\"\nAbteilung \(row)\""
            case 1: name = "Schmidt GmbH"
            case 2: name = ""  // rejected: no vendor name
            default: name = "\"Weiß & Co.\""
            }
            let day = generator.next() % 40  // days 29..39 do not exist: rejected
            text += "B-\(row);R\(row);\(String(format: "%02d", day % 31 + (day > 30 ? 9 : 1))).11.2026;\(generator.next() % 100000),\(generator.next() % 100);K\(row % 97);\(name)\r\n"
        }
        let data = Data(text.utf8)
        let expected = try Self.whole(data, profile)
        #expect(expected.count == 3000)
        #expect(expected.contains { if case .rejected = $0 { true } else { false } })
        for size in [13, 100, 999, 4096, 65_536] {
            #expect(try Self.inBlocks(data, profile, size: size) == expected, "blocks of \(size)")
        }
    }

    @Test("a header without the profile's columns fails the same way in blocks; a header alone has no records")
    func headerOnly() throws {
        let profile = try IntakeFixtures.profile("sap-f110")
        let wrong = Data("not;an;export\n".utf8)
        let whole = #expect(throws: FormatError.self) { try Self.whole(wrong, profile) }
        let blocks = #expect(throws: FormatError.self) { try Self.inBlocks(wrong, profile, size: 5) }
        #expect(whole == blocks)
        let header = try #require(String(data: try IntakeFixtures.sample("sap-f110.csv"), encoding: .windowsCP1252)?
            .split(separator: "\r\n").first)
        let headerOnly = try #require((header + "\r\n").data(using: .windowsCP1252))
        #expect(try Self.inBlocks(headerOnly, profile, size: 8).isEmpty)
        #expect(try Self.whole(headerOnly, profile).isEmpty)
    }

    @Test("a file on disk is read a block at a time from its handle")
    func fromDisk() throws {
        let profile = try IntakeFixtures.profile("kingdee")
        let data = try IntakeFixtures.sample("kingdee.csv")
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("blocks-\(UUID().uuidString).csv")
        try data.write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        var records: [ERPRecord] = []
        try ERPFileReader(profile: profile).read(contentsOf: url, blockSize: 50) { records.append($0) }
        #expect(records == (try Self.whole(data, profile)))
    }
}
