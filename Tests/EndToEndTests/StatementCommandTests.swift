import Foundation
import Testing

/// Statements as an operator imports them: the real `payhub` binary and real files of the conformance corpus.
@Suite("payhub statement, end to end")
struct StatementCommandTests {
    static let conformance: URL = {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let beside = repository.deletingLastPathComponent().appendingPathComponent("shared/conformance")
        return FileManager.default.fileExists(atPath: beside.path)
            ? beside : URL(fileURLWithPath: "/work/shared/conformance")
    }()

    @Test("import a camt.053 and an MT940, the same file again, a gap and a break; list what is stored")
    func importAndList() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("payhub-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let cli = PayHubCLI(environment: ["PAYHUB_DATABASE": folder.appendingPathComponent("payhub.sqlite").path])
        let camt = Self.conformance.appendingPathComponent("camt053/viafintech-valid_example.xml").path
        let mt940 = Self.conformance.appendingPathComponent("mt940/hbci4java-test-mt940-001.sta")

        let first = try cli.run(["statement", "import", camt])
        #expect(first.status == 0, "\(first.all)")
        #expect(
            first.output.contains("stored stm_") && first.output.contains("****3626 0352C5320131227220503 #130000005"),
            "\(first.output)")
        #expect(first.output.contains("33.06 EUR → 23.06 EUR, 4 lines"), "\(first.output)")
        let again = try cli.run(["statement", "import", camt])
        #expect(again.status == 0 && again.output.contains("already imported as stm_"), "\(again.all)")

        let sta = try cli.run(["statement", "import", mt940.path, "--format", "mt940"])
        #expect(sta.status == 0 && sta.output.contains("STARTUMS/1 #1 100.00 EUR → 103.00 EUR, 2 lines"), "\(sta.all)")
        var text = try String(contentsOf: mt940, encoding: .utf8)
        text = text.replacingOccurrences(of: ":28C:1", with: ":28C:3")
        let later = folder.appendingPathComponent("later.sta")
        try Data(text.utf8).write(to: later)
        let gap = try cli.run(["statement", "import", later.path])
        #expect(
            gap.status == 0 && gap.output.contains("sequence_gap") && gap.output.contains("balance_break"), "\(gap.all)"
        )

        let list = try cli.run(["statement", "list"])
        #expect(list.status == 0, "\(list.all)")
        #expect(list.output.split(separator: "\n").filter { $0.hasPrefix("stm_") }.count == 3, "\(list.output)")

        let garbage = folder.appendingPathComponent("garbage.xml")
        try Data("<Document><Nothing/></Document>".utf8).write(to: garbage)
        let unreadable = try cli.run(["statement", "import", garbage.path])
        #expect(unreadable.status == 65, "\(unreadable.all)")
        let missing = try cli.run(["statement", "import", folder.appendingPathComponent("nope.xml").path])
        #expect(missing.status == 66, "\(missing.all)")
        let badFormat = try cli.run(["statement", "import", camt, "--format", "pdf"])
        #expect(badFormat.status != 0, "\(badFormat.all)")
    }
}
