import Foundation
import Testing

/// `payhub format` on the built binary: what it prints and the exit statuses format-json.md promises.
@Suite("payhub format, end to end")
struct FormatCommandTests {
    /// `../shared/conformance` beside the repository; a clone elsewhere falls back to the workspace's.
    static let conformance: URL = {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let beside = repository.deletingLastPathComponent().appendingPathComponent("shared/conformance")
        return FileManager.default.fileExists(atPath: beside.path) ? beside : URL(fileURLWithPath: "/work/shared/conformance")
    }()

    let cli = PayHubCLI(environment: [:])

    static func path(_ name: String) -> String { conformance.appendingPathComponent(name).path }

    @Test("validate: 0 valid, 1 invalid with a line per problem, 65 unreadable as its format, 66 no file")
    func validateStatuses() throws {
        let valid = try cli.run(["format", "validate", Self.path("pain001/sepaking-pain.001.001.03.xml")])
        #expect(valid.status == 0, "\(valid.all)")
        #expect(valid.output.contains("pain.001.001.03 against pain.001.001.03.xsd: valid"))

        let invalid = try cli.run(["format", "validate", Self.path("camt053/genkgo-camt053.v2.minimal.xml")])
        #expect(invalid.status == 1, "\(invalid.all)")
        #expect(invalid.output.contains("invalid, 1 problem"))
        #expect(invalid.output.contains("statement 1: opening 18.15 + entries 8.85 != closing -27.00 [balance_mismatch]"))

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("payhub-format-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let broken = folder.appendingPathComponent("broken.xml")
        try Data("<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.08\"><BkToCstmrStmt>".utf8).write(to: broken)
        let malformed = try cli.run(["format", "validate", broken.path])
        #expect(malformed.status == 65, "\(malformed.all)")
        #expect(malformed.errors.contains("line 1"))

        let missing = try cli.run(["format", "validate", folder.appendingPathComponent("nothing.xml").path])
        #expect(missing.status == 66)
    }

    @Test("validate --json is the report as JSON")
    func validateJSON() throws {
        let result = try cli.run(["format", "validate", "--json", Self.path("pain002/hbci4java-pain.002.001.10-02.xml")])
        #expect(result.status == 1)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
        #expect(report["format"] as? String == "pain.002.001.10")
        #expect(report["schema"] as? String == "pain.002.001.10.xsd")
        #expect(report["valid"] as? Bool == false)
        let problems = try #require(report["problems"] as? [[String: Any]])
        #expect(problems.first?["source"] as? String == "schema")
        #expect((problems.first?["location"] as? String)?.hasPrefix("line ") == true)
    }

    @Test("parse prints the normalised JSON; 65 for a malformed file")
    func parse() throws {
        let result = try cli.run(["format", "parse", Self.path("camt054/genkgo-camt054.v8.xml")])
        #expect(result.status == 0, "\(result.all)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
        #expect(document["kind"] as? String == "statement")
        #expect(document["format"] as? String == "camt.054.001.08")
        let garbage = try cli.run(["format", "parse", "--format", "camt", Self.path("mt940/hbci4java-test-mt940-001.sta")])
        #expect(garbage.status == 65)
    }
}
