import Foundation
import Testing

/// Sanctions lists as an operator loads them: the real `payhub` binary, the sample files, a demo database.
@Suite("payhub sanctions, end to end")
struct SanctionsCommandTests {
    static let samples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("samples/sanctions")

    @Test("load OFAC's files and the EU list, list the hits; unreadable, missing and repeated files are refused")
    func loadAndHits() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("payhub-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let cli = PayHubCLI(environment: ["PAYHUB_DATABASE": folder.appendingPathComponent("payhub.sqlite").path])
        let demo = try cli.run(["demo"])
        #expect(demo.status == 0, "\(demo.all)")

        // The sample SDN.CSV with one more entry: a demo vendor's name, its words in another order.
        var sdn = try Data(contentsOf: Self.samples.appendingPathComponent("SDN.CSV"))
        while let last = sdn.last, [0x1A, 0x0D, 0x0A].contains(last) { sdn.removeLast() }  // the end-of-file line stays last
        sdn += Data(
            "\r\n10099,\"LOGISTIK HOFFMANN AG\",-0- ,\"SDGT\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n\u{1A}\r\n".utf8)
        let sdnFile = folder.appendingPathComponent("SDN.CSV")
        try sdn.write(to: sdnFile)
        let ofac = try cli.run([
            "sanctions", "load", sdnFile.path, "--source", "ofac_sdn", "--alt",
            Self.samples.appendingPathComponent("ALT.CSV").path, "--add", Self.samples.appendingPathComponent("ADD.CSV").path,
            "--version", "2026-03-01",
        ])
        #expect(ofac.status == 0, "\(ofac.all)")
        #expect(ofac.output.contains("Loaded ofac_sdn version 2026-03-01: 33 entries"), "\(ofac.output)")
        #expect(ofac.output.contains("Screened 20 vendors: 1 potential matches (1 new, 0 cleared"), "\(ofac.output)")

        let hits = try cli.run(["sanctions", "hits"])
        #expect(hits.status == 0, "\(hits.all)")
        let lines = hits.output.split(separator: "\n")
        #expect(lines.count == 1 && lines.first?.contains("Hoffmann Logistik AG") == true, "\(hits.output)")
        #expect(lines.first?.contains("ofac_sdn 2026-03-01: entry 10099 \"LOGISTIK HOFFMANN AG\" 1.00") == true, "\(hits.output)")
        let json = try cli.run(["sanctions", "hits", "--json"])
        let line = try #require(
            try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any], "\(json.all)")
        #expect(line["list_version"] as? String == "2026-03-01" && (line["vendor_id"] as? String)?.hasPrefix("ven_") == true)

        let eu = try cli.run([
            "sanctions", "load", Self.samples.appendingPathComponent("eu-consolidated.xml").path, "--source",
            "eu_consolidated",
        ])
        #expect(eu.status == 0 && eu.output.contains("version 2026-03-02T17:45:12.512+01:00: 22 entries"), "\(eu.all)")

        // Refused: a file that is no list (65, naming file and line), a missing file (66), a version again.
        let garbage = folder.appendingPathComponent("garbage.csv")
        try Data("not,a,list\n".utf8).write(to: garbage)
        let unreadable = try cli.run(["sanctions", "load", garbage.path, "--source", "ofac_sdn"])
        #expect(unreadable.status == 65 && unreadable.errors.contains("SDN.CSV line 1"), "\(unreadable.all)")
        let missing = try cli.run(["sanctions", "load", folder.appendingPathComponent("nope.csv").path, "--source", "ofac_sdn"])
        #expect(missing.status == 66, "\(missing.all)")
        let again = try cli.run(["sanctions", "load", sdnFile.path, "--source", "ofac_sdn", "--version", "2026-03-01"])
        #expect(again.status != 0 && again.errors.contains("already exists"), "\(again.all)")
        let badSource = try cli.run(["sanctions", "load", sdnFile.path, "--source", "un"])
        #expect(badSource.status != 0)
        #expect(try cli.run(["audit", "verify"]).status == 0, "the trail is intact after the loads")
    }
}
