import Foundation
import Logging
import PayHubTesting
import Testing

@testable import BankConnectivity

/// The SFTP connector against a real OpenSSH server on loopback, with strict host-key checking.
@Suite("SFTP connector", .serialized)
struct SFTPConnectorTests {
    /// Remote folders inside the server's temporary folder (the server is this machine).
    struct Remote {
        let outbox: URL
        let inbox: URL

        init(_ server: TestSSHServer) throws {
            outbox = server.directory.appendingPathComponent("remote-out", isDirectory: true)
            inbox = server.directory.appendingPathComponent("remote-in", isDirectory: true)
            try FileManager.default.createDirectory(at: outbox, withIntermediateDirectories: true)
            try FileManager.default.createDirectory(at: inbox, withIntermediateDirectories: true)
        }

        func bankListing() throws -> [String] {
            try FileManager.default.contentsOfDirectory(atPath: outbox.path).filter { !$0.hasPrefix(".") }.sorted()
        }
    }

    static func configuration(
        _ server: TestSSHServer, _ remote: Remote, acknowledgement: SFTPConnector.Configuration.Acknowledgement = .move
    ) -> SFTPConnector.Configuration {
        SFTPConnector.Configuration(
            host: "127.0.0.1", port: server.port, user: server.user, identityFile: server.identityFile,
            knownHostsFile: server.knownHostsFile, outbox: remote.outbox.path, inbox: remote.inbox.path,
            acknowledgement: acknowledgement, connectTimeoutSeconds: 10, sessionTimeoutSeconds: 60)
    }

    @Test func stageDeliverAndDeliveryStateOverSFTP() async throws {
        try await TestSSHServer.with { server in
            let remote = try Remote(server)
            let connector = SFTPConnector(Self.configuration(server, remote))
            let file = sampleFile(size: 70_000)

            try await connector.stage(file)
            #expect(try remote.bankListing().isEmpty)
            #expect(try Data(contentsOf: remote.outbox.appendingPathComponent(".\(file.name).part")) == file.contents)
            #expect(try await connector.deliveryState(of: file) == .notDelivered)

            try await connector.deliver(file)
            #expect(try remote.bankListing() == [file.name])
            #expect(try Data(contentsOf: remote.outbox.appendingPathComponent(file.name)) == file.contents)
            #expect(try await connector.deliveryState(of: file) == .delivered)
            #expect(try FileManager.default.contentsOfDirectory(atPath: remote.outbox.path) == [file.name])

            // Again: a no-op, not an error.
            try await connector.deliver(file)
            #expect(try remote.bankListing() == [file.name])

            // The bank collected it: still delivered.
            try FileManager.default.removeItem(at: remote.outbox.appendingPathComponent(file.name))
            #expect(try await connector.deliveryState(of: file) == .delivered)
            let error = await #expect(throws: BankConnectionError.self) { try await connector.deliver(file) }
            #expect(error?.code == .notStaged)
        }
    }

    @Test func stagingAgainReplacesTheStagedCopy() async throws {
        try await TestSSHServer.with { server in
            let remote = try Remote(server)
            let connector = SFTPConnector(Self.configuration(server, remote))
            var file = sampleFile()
            try await connector.stage(file)
            file.contents = Data("second copy".utf8)
            try await connector.stage(file)
            try await connector.deliver(file)
            #expect(try Data(contentsOf: remote.outbox.appendingPathComponent(file.name)) == file.contents)
            #expect(try FileManager.default.contentsOfDirectory(atPath: remote.outbox.path) == [file.name])
        }
    }

    @Test func incomingFilesAndAcknowledgementByMove() async throws {
        try await TestSSHServer.with { server in
            let remote = try Remote(server)
            let connector = SFTPConnector(Self.configuration(server, remote))
            let binary = Data((0..<3000).map { UInt8(truncatingIfNeeded: $0) })
            try binary.write(to: remote.inbox.appendingPathComponent("b-camt053.xml"))
            try Data("a".utf8).write(to: remote.inbox.appendingPathComponent("a-pain002.xml"))
            try Data("h".utf8).write(to: remote.inbox.appendingPathComponent(".hidden"))
            try Data("p".utf8).write(to: remote.inbox.appendingPathComponent("c-upload.xml.part"))
            try Data("s".utf8).write(to: remote.inbox.appendingPathComponent("with space.xml"))
            try FileManager.default.createDirectory(
                at: remote.inbox.appendingPathComponent("folder"), withIntermediateDirectories: true)

            let files = try await connector.incomingFiles()
            #expect(files.map(\.name) == ["a-pain002.xml", "b-camt053.xml"])
            #expect(files.last?.contents == binary)

            let first = try #require(files.first)
            try await connector.acknowledge(first)
            let processed = remote.inbox.appendingPathComponent("processed/a-pain002.xml")
            #expect(try Data(contentsOf: processed) == Data("a".utf8))
            #expect(try await connector.incomingFiles().map(\.name) == ["b-camt053.xml"])
            // Twice is harmless.
            try await connector.acknowledge(first)
        }
    }

    @Test func acknowledgementByDelete() async throws {
        try await TestSSHServer.with { server in
            let remote = try Remote(server)
            let connector = SFTPConnector(Self.configuration(server, remote, acknowledgement: .delete))
            try Data("r".utf8).write(to: remote.inbox.appendingPathComponent("r.xml"))
            let file = try #require(try await connector.incomingFiles().first)
            try await connector.acknowledge(file)
            #expect(try FileManager.default.contentsOfDirectory(atPath: remote.inbox.path).isEmpty)
            #expect(try await connector.incomingFiles().isEmpty)
        }
    }

    @Test func anUnknownHostKeyIsRefusedByDefault() async throws {
        try await TestSSHServer.with { server in
            let remote = try Remote(server)
            var configuration = Self.configuration(server, remote)
            let emptyKnownHosts = server.directory.appendingPathComponent("empty_known_hosts").path
            try Data().write(to: URL(fileURLWithPath: emptyKnownHosts))
            configuration.knownHostsFile = emptyKnownHosts

            let error = await #expect(throws: BankConnectionError.self) {
                try await SFTPConnector(configuration).stage(sampleFile())
            }
            #expect(error?.code == .remoteCommandFailed)
            #expect(error?.debugDescription.contains("Host key verification failed") == true)
            #expect(try FileManager.default.contentsOfDirectory(atPath: remote.outbox.path).isEmpty)

            // Accepting a new key is explicit, and records it.
            configuration.acceptsNewHostKey = true
            try await SFTPConnector(configuration).stage(sampleFile())
            #expect(try String(contentsOfFile: emptyKnownHosts, encoding: .utf8).contains("ssh-ed25519"))
        }
    }

    @Test func aKeyTheServerDoesNotKnowIsRefused() async throws {
        try await TestSSHServer.with { server in
            let remote = try Remote(server)
            var configuration = Self.configuration(server, remote)
            let otherKey = server.directory.appendingPathComponent("other_ed25519").path
            let keygen = try Process.run(
                URL(fileURLWithPath: "/usr/bin/ssh-keygen"),
                arguments: ["-q", "-t", "ed25519", "-N", "", "-f", otherKey])
            keygen.waitUntilExit()
            configuration.identityFile = otherKey

            let error = await #expect(throws: BankConnectionError.self) {
                try await SFTPConnector(configuration).deliveryState(of: sampleFile())
            }
            #expect(error?.code == .remoteCommandFailed)
            #expect(error?.debugDescription.contains("Permission denied") == true)
            // The generic description carries the code, not sftp's words.
            #expect(error?.description.contains("Permission denied") == false)
        }
    }

    @Test func aMissingRemoteFolderIsAnErrorCarryingSftpsMessage() async throws {
        try await TestSSHServer.with { server in
            let remote = try Remote(server)
            var configuration = Self.configuration(server, remote)
            configuration.outbox = server.directory.appendingPathComponent("no-such-folder").path
            let error = await #expect(throws: BankConnectionError.self) {
                try await SFTPConnector(configuration).stage(sampleFile())
            }
            #expect(error?.code == .remoteCommandFailed)
            #expect(error?.debugDescription.contains("No such file") == true)
        }
    }

    @Test func commandLineKeepsStrictCheckingAndCarriesNoSecrets() {
        let configuration = SFTPConnector.Configuration(
            host: "sftp.bank.example", port: 2222, user: "acme", identityFile: "/etc/payhub/key",
            knownHostsFile: "/etc/payhub/known_hosts", outbox: "/upload", inbox: "/download")
        let arguments = configuration.arguments
        #expect(arguments.prefix(2) == ["-b", "-"])
        #expect(arguments.contains("StrictHostKeyChecking=yes"))
        #expect(arguments.contains("BatchMode=yes"))
        #expect(arguments.contains("UserKnownHostsFile=/etc/payhub/known_hosts"))
        #expect(arguments.suffix(2) == ["--", "sftp.bank.example"])
        #expect(zip(arguments, arguments.dropFirst()).contains { $0 == "-P" && $1 == "2222" })
        #expect(zip(arguments, arguments.dropFirst()).contains { $0 == "-i" && $1 == "/etc/payhub/key" })
        var ipv6 = configuration
        ipv6.host = "::1"
        #expect(ipv6.arguments.last == "[::1]")
    }

    @Test func longListingKeepsRegularFilesWithSafeNames() {
        let listing = """
            sftp> ls -lan
            drwxr-xr-x    3 0        0            4096 Jan  2 10:00 .
            drwxr-xr-x    5 0        0            4096 Jan  2 10:00 ..
            -rw-r--r--    1 0        0               1 Jan  2 10:00 .hidden
            -rw-r--r--    1 0        0              10 Jan  2 10:00 z.xml
            -rw-r--r--    1 0        0              10 Jan  2  2023 a.xml
            -rw-r--r--    1 0        0              10 Jan  2 10:00 up.xml.part
            -rw-r--r--    1 0        0              10 Jan  2 10:00 two words.xml
            lrwxrwxrwx    1 0        0              10 Jan  2 10:00 link.xml
            drwxr-xr-x    2 0        0            4096 Jan  2 10:00 processed
            """
        let names = SFTPConnector.regularFileNames(inLongListing: listing, logger: Logger(label: "test"))
        #expect(names == ["a.xml", "z.xml"])
    }
}
