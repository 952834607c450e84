import Foundation
import Testing

@testable import BankConnectivity

@Suite("Running the sftp client")
struct ProcessRunnerTests {
    static func withWorkDirectory<T>(_ body: (URL) async throws -> T) async throws -> T {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("payhub-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        return try await body(folder)
    }

    @Test func inputOutputErrorAndStatusComeBack() async throws {
        let output = try await Self.withWorkDirectory { folder in
            try await ProcessRunner.run(
                executable: "/bin/sh", arguments: ["-c", "tr a-z A-Z; echo oops >&2; exit 3"],
                input: Data("batch\n".utf8), workDirectory: folder, timeoutSeconds: 30)
        }
        #expect(output.status == 3)
        #expect(String(decoding: output.standardOutput, as: UTF8.self) == "BATCH\n")
        #expect(output.standardErrorText == "oops")
        #expect(!output.timedOut)
    }

    @Test func aSessionThatOverrunsIsKilled() async throws {
        let started = ContinuousClock.now
        let output = try await Self.withWorkDirectory { folder in
            try await ProcessRunner.run(
                executable: "/bin/sleep", arguments: ["300"], input: Data(), workDirectory: folder, timeoutSeconds: 1)
        }
        #expect(output.timedOut)
        #expect(output.status != 0)
        // Killed, not left to sleep its 300 seconds; the margin is wide because a loaded machine (the whole
        // suite in parallel) can take many seconds to schedule the kill.
        #expect(ContinuousClock.now - started < .seconds(120))
    }

    @Test func aMissingSftpClientIsAProcessFailure() async throws {
        let configuration = SFTPConnector.Configuration(
            host: "127.0.0.1", user: "u", identityFile: "/k", knownHostsFile: "/kh", outbox: "/up", inbox: "/down",
            sftpExecutable: "/nonexistent/sftp")
        let error = await #expect(throws: BankConnectionError.self) {
            try await SFTPConnector(configuration).deliveryState(of: sampleFile())
        }
        #expect(error?.code == .processFailed)
    }
}
