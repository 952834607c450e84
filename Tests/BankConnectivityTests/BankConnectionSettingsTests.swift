import Foundation
import PayHubDomain
import Testing

@testable import BankConnectivity

@Suite("Bank connection settings")
struct BankConnectionSettingsTests {
    static func decode(_ json: String) throws(ValidationFailure) -> BankConnectionSettings {
        try BankConnectionSettings.decode(json: Data(json.utf8))
    }

    /// The problems reported, as `path code` pairs.
    static func problems(_ json: String) -> [String] {
        do {
            _ = try decode(json)
            return []
        } catch {
            return error.errors.map { "\($0.path) \($0.code)" }
        }
    }

    @Test func folderSettings() throws {
        let settings = try Self.decode(
            #"{"transport": "folder", "folder": {"outbox": "/srv/out", "inbox": "/srv/in"}}"#)
        #expect(settings == .folder(.init(outbox: "/srv/out", inbox: "/srv/in")))
        let connector = try #require(try settings.makeConnector() as? FolderConnector)
        #expect(connector.outbox.path == "/srv/out")
        #expect(connector.inbox.path == "/srv/in")
    }

    @Test func sftpSettingsWithDefaults() throws {
        let settings = try Self.decode(
            #"""
            {"transport": "sftp", "sftp": {"host": "sftp.bank.example", "user": "acme",
             "identity_file": "/etc/payhub/bank_ed25519", "known_hosts_file": "/etc/payhub/known_hosts",
             "outbox": "/upload", "inbox": "/download"}}
            """#)
        guard case .sftp(let sftp) = settings else {
            Issue.record("expected sftp settings, got \(settings)")
            return
        }
        #expect(sftp.port == 22)
        #expect(sftp.acknowledgement == .move)
        #expect(!sftp.acceptsNewHostKey)
        #expect(sftp.arguments.contains("StrictHostKeyChecking=yes"))
        #expect(try settings.makeConnector().transport == "sftp")
    }

    @Test func sftpSettingsWithEveryOption() throws {
        let settings = try Self.decode(
            #"""
            {"transport": "sftp", "sftp": {"host": "10.0.0.5", "port": 2222, "user": "acme",
             "identity_file": "/k", "known_hosts_file": "/kh", "outbox": "/up", "inbox": "/down",
             "acknowledge": "delete", "accept_new_host_key": true, "sftp_executable": "/opt/bin/sftp",
             "connect_timeout_seconds": 5, "session_timeout_seconds": 120}}
            """#)
        #expect(
            settings
                == .sftp(
                    .init(
                        host: "10.0.0.5", port: 2222, user: "acme", identityFile: "/k", knownHostsFile: "/kh",
                        outbox: "/up", inbox: "/down", acknowledgement: .delete, acceptsNewHostKey: true,
                        sftpExecutable: "/opt/bin/sftp", connectTimeoutSeconds: 5, sessionTimeoutSeconds: 120)))
    }

    @Test func apiSettingsKeepTheTokenOutOfTheDescription() throws {
        let settings = try Self.decode(
            #"""
            {"transport": "api", "api": {"base_url": "https://api.bank.example/h2h", "bearer_token": "s3cr3t-t0ken",
             "trust_system_roots": true, "request_timeout_seconds": 20}}
            """#)
        #expect(
            settings
                == .api(
                    .init(
                        baseURL: URL(string: "https://api.bank.example/h2h")!, token: .inline("s3cr3t-t0ken"),
                        requestTimeoutSeconds: 20)))
        #expect(!settings.description.contains("s3cr3t"))
        #expect(!String(describing: settings).contains("s3cr3t"))
        #expect(try settings.makeConnector().transport == "api")
    }

    @Test func aTokenFileIsReadWhenTheConnectorIsMade() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("token-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: file) }
        let settings = try Self.decode(
            #"{"transport": "api", "api": {"base_url": "https://bank.example", "bearer_token_file": "\#(file.path)"}}"#)
        // Missing file: a settings error when the connector is made, not at the first payment.
        let error = #expect(throws: BankConnectionError.self) { try settings.makeConnector() }
        #expect(error?.code == .invalidSettings)

        try Data("tok-123\n".utf8).write(to: file)
        let connector = try #require(try settings.makeConnector() as? BankAPIConnector)
        #expect(connector.configuration.bearerToken == "tok-123")
    }

    @Test(arguments: [
        (#"{"transport": "folder", "folder": {"outbox": "/srv/out", "inbox": "/srv/in"}}"#),
        (#"{"transport": "sftp", "sftp": {"host": "h", "port": 22, "user": "u", "identity_file": "/k","#
            + #""known_hosts_file": "/kh", "outbox": "/up", "inbox": "/down", "acknowledge": "move","#
            + #""accept_new_host_key": false, "sftp_executable": "/usr/bin/sftp", "connect_timeout_seconds": 30,"#
            + #""session_timeout_seconds": 600}}"#),
        (#"{"transport": "api", "api": {"base_url": "https://bank.example/x", "bearer_token_file": "/t","#
            + #""ca_certificate_file": "/ca.pem", "trust_system_roots": false, "request_timeout_seconds": 60}}"#),
    ])
    func encodingGivesBackTheSameDocument(json: String) throws {
        let settings = try Self.decode(json)
        let encoded = try JSONEncoder().encode(settings)
        let expected = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? NSDictionary
        #expect(try JSONSerialization.jsonObject(with: encoded) as? NSDictionary == expected)
        #expect(try BankConnectionSettings.decode(json: encoded) == settings)
    }

    @Test(
        arguments: [
            (#"{"transport": "ftp"}"#, ["transport unknown_transport"]),
            (#"{"folder": {"outbox": "/a", "inbox": "/b"}}"#, ["transport missing_field"]),
            (#"{"transport": "folder"}"#, ["folder missing_field"]),
            (#"{"transport": "folder", "folder": {"outbox": "/a"}}"#, ["folder.inbox missing_field"]),
            (#"{"transport": "folder", "folder": {"outbox": 3, "inbox": "/b"}}"#, ["folder.outbox wrong_type"]),
            (
                #"{"transport": "folder", "folder": {"outbox": "out", "inbox": "/x/"}, "sftp": {}}"#,
                ["sftp unused_section", "folder.outbox not_absolute_path"]
            ),
            (#"{"transport": "folder", "folder": {"outbox": "/x", "inbox": "/x/"}}"#, ["folder.inbox same_folder"]),
            (
                #"{"transport": "folder", "folder": {"outbox": "/a", "inbox": "/b", "inbx": "/c"}, "extra": 1}"#,
                ["extra unknown_field", "folder.inbx unknown_field"]
            ),
            (
                #"{"transport": "sftp", "sftp": {"host": "-oProxyCommand=x", "port": 0, "user": "a b", "identity_file": "/k","#
                    + #""known_hosts_file": "/a b", "outbox": "/up*", "inbox": "/down\"", "acknowledge": "archive","#
                    + #""connect_timeout_seconds": 0, "session_timeout_seconds": 0, "sftp_executable": "sftp"}}"#,
                [
                    "sftp.acknowledge unknown_acknowledgement", "sftp.host invalid_host", "sftp.user invalid_user",
                    "sftp.port out_of_range", "sftp.known_hosts_file invalid_path", "sftp.outbox invalid_path",
                    "sftp.inbox invalid_path", "sftp.sftp_executable not_absolute_path",
                    "sftp.connect_timeout_seconds out_of_range", "sftp.session_timeout_seconds out_of_range",
                ]
            ),
            (
                #"{"transport": "sftp", "sftp": {"host": "h", "user": "u", "identity_file": "/k", "known_hosts_file": "/kh"}}"#,
                ["sftp.outbox missing_field"]
            ),
            (
                #"{"transport": "api", "api": {"base_url": "http://bank.example", "bearer_token": "t"}}"#,
                ["api.base_url not_https"]
            ),
            (
                #"{"transport": "api", "api": {"base_url": "https://u:p@bank.example", "bearer_token": "t"}}"#,
                ["api.base_url invalid_url"]
            ),
            (#"{"transport": "api", "api": {"base_url": "https://bank.example"}}"#, ["api.bearer_token missing_field"]),
            (
                #"{"transport": "api", "api": {"base_url": "https://bank.example", "bearer_token": "a", "bearer_token_file": "/t"}}"#,
                ["api.bearer_token_file conflicting_fields"]
            ),
            (
                #"{"transport": "api", "api": {"base_url": "https://bank.example", "bearer_token": "two words\r\nX: y"}}"#,
                ["api.bearer_token invalid_token"]
            ),
            (
                #"{"transport": "api", "api": {"base_url": "https://bank.example", "bearer_token": "t", "trust_system_roots": false,"#
                    + #""request_timeout_seconds": 0}}"#,
                ["api.ca_certificate_file missing_field", "api.request_timeout_seconds out_of_range"]
            ),
            ("not json", [" malformed_document"]),
        ] as [(String, [String])])
    func problemsAreNamedByFieldPath(json: String, expected: [String]) {
        #expect(Self.problems(json) == expected)
    }

    @Test func aRefusedTokenIsNotRepeatedInTheError() {
        do {
            _ = try Self.decode(
                #"{"transport": "api", "api": {"base_url": "https://b.example", "bearer_token": "sec ret"}}"#)
            Issue.record("a token with a space was accepted")
        } catch {
            #expect(!error.description.contains("sec ret"))
        }
    }

    @Test func settingsNestedInALargerDocumentReportFullPaths() throws {
        struct Configuration: Decodable { var banks: [String: BankConnectionSettings] }
        let json =
            #"{"banks": {"acme": {"transport": "sftp", "sftp": {"host": "h", "port": 70000, "user": "u","#
            + #""identity_file": "/k", "known_hosts_file": "/kh", "outbox": "/up", "inbox": "/down"}}}}"#
        do {
            _ = try JSONDecoder().decode(Configuration.self, from: Data(json.utf8))
            Issue.record("port 70000 was accepted")
        } catch {
            let errors = BankConnectionSettings.fieldErrors(from: error)
            #expect(errors.map { "\($0.path) \($0.code)" } == ["banks.acme.sftp.port out_of_range"])
        }
    }
}
