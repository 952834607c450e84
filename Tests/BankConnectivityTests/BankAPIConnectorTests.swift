import Foundation
import Testing

@testable import BankConnectivity

/// The bank API's JSON, pinned with literal documents: the simulator's HTTP front and this connector must
/// agree on these bytes, not merely on shared Swift types.
@Suite("Bank API messages and connector set-up")
struct BankAPIConnectorTests {
    static func object(_ data: Data) throws -> NSDictionary {
        try #require(try JSONSerialization.jsonObject(with: data) as? NSDictionary)
    }

    static func object(_ text: String) throws -> NSDictionary { try object(Data(text.utf8)) }

    @Test func submissionIsEncodedWithTheContractsKeysAndBase64() throws {
        let file = OutgoingBankFile(
            name: "PH-01JD8Z.xml", messageID: "01JD8Z", contents: Data([0x3C, 0x3F, 0x78, 0x00, 0xFF]))
        let encoded = try JSONEncoder().encode(BankAPIMessages.InstructionSubmission(file))
        #expect(
            try Self.object(encoded)
                == Self.object(#"{"file_name": "PH-01JD8Z.xml", "message_id": "01JD8Z", "content_base64": "PD94AP8="}"#)
        )
    }

    @Test func receiptIsDecodedFromTheContractsShape() throws {
        let json = #"""
            {"message_id": "01JD8Z", "file_name": "PH-01JD8Z.xml", "status": "received",
             "received_at": "2026-03-02T09:15:00Z"}
            """#
        let receipt = try JSONDecoder().decode(BankAPIMessages.InstructionReceipt.self, from: Data(json.utf8))
        #expect(
            receipt
                == BankAPIMessages.InstructionReceipt(
                    messageID: "01JD8Z", fileName: "PH-01JD8Z.xml", status: "received",
                    receivedAt: "2026-03-02T09:15:00Z"))
        #expect(try Self.object(JSONEncoder().encode(receipt)) == Self.object(json))
    }

    @Test(
        arguments: [
            (#"{"data": [], "next_cursor": null}"#, 0, nil),
            (
                #"{"data": [{"name": "a.xml", "size_bytes": 12, "created_at": "2026-03-02T09:15:00Z"},"#
                    + #"{"name": "b.xml", "size_bytes": 3000000000, "created_at": "2026-03-02T09:16:00Z"}], "next_cursor": "b.xml"}"#,
                2, "b.xml"
            ),
        ] as [(String, Int, String?)])
    func reportPagesDecodeAndEncodeTheCursorAsNull(json: String, count: Int, cursor: String?) throws {
        let page = try JSONDecoder().decode(BankAPIMessages.ReportPage.self, from: Data(json.utf8))
        #expect(page.data.count == count)
        #expect(page.nextCursor == cursor)
        // The last page says `"next_cursor": null` explicitly, as the contract writes it.
        #expect(try Self.object(JSONEncoder().encode(page)) == Self.object(json))
    }

    @Test func reportSizesAboveFourGigabytesFit() throws {
        let json = #"{"name": "big.xml", "size_bytes": 5000000000, "created_at": "2026-03-02T09:15:00Z"}"#
        let summary = try JSONDecoder().decode(BankAPIMessages.ReportSummary.self, from: Data(json.utf8))
        #expect(summary.sizeBytes == 5_000_000_000)
    }

    @Test func reportContentRoundTrips() throws {
        let json = #"{"name": "camt054.xml", "content_base64": "PERvY3VtZW50Lz4="}"#
        let content = try JSONDecoder().decode(BankAPIMessages.ReportContent.self, from: Data(json.utf8))
        #expect(Data(base64Encoded: content.contentBase64) == Data("<Document/>".utf8))
        #expect(try Self.object(JSONEncoder().encode(content)) == Self.object(json))
    }

    @Test func aMissingFieldIsNotAReceipt() {
        let json = #"{"message_id": "01JD8Z", "status": "received", "received_at": "2026-03-02T09:15:00Z"}"#
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(BankAPIMessages.InstructionReceipt.self, from: Data(json.utf8))
        }
    }

    @Test(arguments: [
        (
            #"{"type": "about:blank", "title": "Unauthorized", "status": 401, "detail": "bearer token expired"}"#,
            "Unauthorized: bearer token expired"
        ),
        (#"{"title": "Conflict"}"#, "Conflict"),
        ("<html>bad gateway</html>", "<html>bad gateway</html>"),
    ])
    func problemDocumentsBecomeReadableDetail(body: String, text: String) {
        #expect(BankAPIConnector.problemText(Data(body.utf8)) == text)
    }

    @Test(arguments: [
        ("01JD8Z", "01JD8Z"), ("PH-01.xml", "PH-01.xml"), ("a/b", "a%2Fb"), ("x y?z", "x%20y%3Fz"), ("é", "%C3%A9"),
    ])
    func identifiersAreOnePathSegment(text: String, segment: String) {
        #expect(BankAPIConnector.pathSegment(text) == segment)
    }

    @Test func aCACertificateFileThatIsMissingIsASettingsError() {
        let configuration = BankAPIConnector.Configuration(
            baseURL: URL(string: "https://bank.example")!, bearerToken: "secret-token",
            caCertificateFile: "/nonexistent/ca.pem")
        let error = #expect(throws: BankConnectionError.self) { try BankAPIConnector(configuration) }
        #expect(error?.code == .invalidSettings)
    }

    @Test func aCACertificateFileWithoutACertificateIsASettingsError() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("not-a-ca-\(UUID().uuidString).pem")
        try Data("not a certificate\n".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let configuration = BankAPIConnector.Configuration(
            baseURL: URL(string: "https://bank.example")!, bearerToken: "secret-token",
            caCertificateFile: file.path, trustsSystemRoots: false)
        let error = #expect(throws: BankConnectionError.self) { try BankAPIConnector(configuration) }
        #expect(error?.code == .invalidSettings)
    }

    @Test(arguments: [true, false])
    func aRealCACertificateIsAccepted(trustsSystemRoots: Bool) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("payhub-ca-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let ca = folder.appendingPathComponent("ca.pem").path
        let openssl = try Process.run(
            URL(fileURLWithPath: "/usr/bin/openssl"),
            arguments: [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
                "-subj", "/CN=PayHub test bank CA", "-keyout", folder.appendingPathComponent("ca.key").path, "-out", ca,
            ])
        openssl.waitUntilExit()
        try #require(openssl.terminationStatus == 0)
        let connector = try BankAPIConnector(
            BankAPIConnector.Configuration(
                baseURL: URL(string: "https://bank.example")!, bearerToken: "t", caCertificateFile: ca,
                trustsSystemRoots: trustsSystemRoots))
        #expect(connector.transport == "api")
    }

    @Test func withoutSystemRootsACAIsRequired() {
        let configuration = BankAPIConnector.Configuration(
            baseURL: URL(string: "https://bank.example")!, bearerToken: "secret-token", trustsSystemRoots: false)
        let error = #expect(throws: BankConnectionError.self) { try BankAPIConnector(configuration) }
        #expect(error?.code == .invalidSettings)
    }

    @Test func theTokenIsNeverInTheDescription() {
        let configuration = BankAPIConnector.Configuration(
            baseURL: URL(string: "https://bank.example/h2h")!, bearerToken: "s3cr3t-t0ken")
        #expect(!configuration.description.contains("s3cr3t"))
        #expect(configuration.description.contains("https://bank.example/h2h"))
    }

    /// Nothing listens on the port: a real connection failure, reported as a transport error.
    @Test func anUnreachableBankIsATransportFailure() async throws {
        let connector = try BankAPIConnector(
            BankAPIConnector.Configuration(
                baseURL: URL(string: "https://127.0.0.1:1")!, bearerToken: "s3cr3t-t0ken", requestTimeoutSeconds: 2))
        let file = OutgoingBankFile(name: "PH-1.xml", messageID: "1", contents: Data("x".utf8))
        let error = await #expect(throws: BankConnectionError.self) { try await connector.deliveryState(of: file) }
        #expect(error?.code == .transportFailed)
        #expect(error?.debugDescription.contains("s3cr3t") == false)
        // Staging is a no-op that needs no bank.
        try await connector.stage(file)
    }
}
