import Foundation
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The README's promises, checked on the built `payhub` binary: a demo database, API keys, the server
/// over real HTTP, and the audit trail catching a changed byte in the database file.
@Suite("payhub command line, end to end", .serialized)
struct CommandLineTests {
    @Test("demo → apikey → serve → curl with and without a key → audit verify → tamper → verify fails")
    func readmeJourney() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("payhub-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = folder.appendingPathComponent("payhub.sqlite").path
        let cli = PayHubCLI(environment: ["PAYHUB_DATABASE": database])

        let demo = try cli.run(["demo"])
        #expect(demo.status == 0, "\(demo.all)")
        let entityIDs = demo.output.split(separator: "\n").filter { $0.hasPrefix("Entity ") }.map {
            String($0.split(separator: " ")[1])
        }
        try #require(entityIDs.count == 2)
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("payhub.key").path), "key generated")

        let germanKey = try cli.run(["apikey", "create", "--name", "sap", "--role", "ap_clerk", "--entity", entityIDs[0]])
        let chineseKey = try cli.run(["apikey", "create", "--name", "kingdee", "--role", "ap_clerk", "--entity", entityIDs[1]])
        #expect(germanKey.status == 0 && chineseKey.status == 0)
        let germanSecret = germanKey.output.trimmingCharacters(in: .whitespacesAndNewlines)
        let chineseSecret = chineseKey.output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(germanSecret.hasPrefix("phk_") && chineseSecret.hasPrefix("phk_"))

        let port = try freePort()
        let server = try cli.start(["serve", "--port", String(port), "--log-format", "text"])
        defer { if server.isRunning { server.terminate() } }
        let base = "http://127.0.0.1:\(port)"
        try await waitUntilHealthy(base + "/healthz")

        let anonymous = try await get(base + "/api/v1/payables", key: nil)
        #expect(anonymous.status == 401)
        let german = try await get(base + "/api/v1/payables?limit=1000", key: germanSecret)
        #expect(german.status == 200)
        let germanPayables = try payables(german.body)
        #expect(germanPayables.count == 100, "the German entity's half of the 200 demo payables")
        #expect(germanPayables.allSatisfy { $0["entity_id"] as? String == entityIDs[0] && $0["currency"] as? String == "EUR" })
        let chinese = try payables(try await get(base + "/api/v1/payables?limit=1000", key: chineseSecret).body)
        #expect(chinese.count == 100 && chinese.allSatisfy { $0["entity_id"] as? String == entityIDs[1] })
        let germanPayableID = try #require(germanPayables.first?["id"] as? String)
        #expect(try await get(base + "/api/v1/payables/\(germanPayableID)", key: chineseSecret).status == 404)

        server.terminate()
        server.waitUntilExit()
        #expect(server.terminationStatus == 0, "SIGTERM shuts the server down gracefully")

        let verified = try cli.run(["audit", "verify"])
        #expect(verified.status == 0, "\(verified.all)")
        #expect(verified.output.contains("intact"))

        // Change one digit of one audit event's snapshot directly in the file, as a careless or
        // malicious hand with file access would.
        let needle = Data(#""invoice_number":"RE-2026-10042""#.utf8)
        var changed = false
        for file in [database, database + "-wal"] where FileManager.default.fileExists(atPath: file) {
            var bytes = try Data(contentsOf: URL(fileURLWithPath: file))
            if let range = bytes.range(of: needle) {
                let digit = range.upperBound - 2
                bytes[digit] = bytes[digit] == UInt8(ascii: "4") ? UInt8(ascii: "5") : UInt8(ascii: "4")
                try bytes.write(to: URL(fileURLWithPath: file))
                changed = true
                break
            }
        }
        try #require(changed, "the audit snapshot was found in the database file")
        let broken = try cli.run(["audit", "verify"])
        #expect(broken.status == 1)
        #expect(broken.output.range(of: #"BROKEN at event \d+"#, options: .regularExpression) != nil, "\(broken.output)")
    }

    @Test("serve --demo seeds an empty database, prints a key at once, and serves the demo payables with it")
    func serveDemo() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("payhub-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let cli = PayHubCLI(environment: ["PAYHUB_DATABASE": folder.appendingPathComponent("payhub.sqlite").path])
        let port = try freePort()
        let server = cli.process(["serve", "--demo", "--port", String(port)])
        let output = Pipe()
        server.standardOutput = output
        server.standardError = FileHandle.nullDevice
        try server.run()
        defer { if server.isRunning { server.terminate() } }
        try await waitUntilHealthy("http://127.0.0.1:\(port)/healthz")
        // The key line is written before the server listens, so it is in the pipe by now.
        let firstLine = String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
        let key = try #require(firstLine.split(separator: " ").first { $0.hasPrefix("phk_") }.map {
            String($0.prefix { !$0.isWhitespace })
        })
        let response = try await get("http://127.0.0.1:\(port)/api/v1/payables?limit=1000", key: key)
        #expect(response.status == 200)
        #expect(try payables(response.body).count == 200)
    }

    @Test("every command answers --help")
    func help() throws {
        let cli = PayHubCLI(environment: [:])
        for command in [[], ["serve"], ["migrate"], ["demo"], ["user", "add"], ["apikey", "create"], ["audit", "verify"]] {
            let result = try cli.run(command + ["--help"])
            #expect(result.status == 0, "\(command)")
            #expect(result.output.contains("USAGE"), "\(command)")
        }
    }

    @Test("migrate creates the schema and is idempotent; a user is added from standard input")
    func migrateAndUsers() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("payhub-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let cli = PayHubCLI(environment: ["PAYHUB_DATABASE": folder.appendingPathComponent("db.sqlite").path])
        let migrated = try cli.run(["migrate"]).output
        #expect(migrated.contains("0001_foundation") && migrated.contains("0002_erp_sync"), "\(migrated)")
        #expect(try cli.run(["migrate"]).status == 0)
        let added = try cli.run(
            ["user", "add", "--username", "wang.fang", "--display-name", "王芳", "--role", "approver"],
            input: "a sufficiently long passphrase\n")
        #expect(added.status == 0, "\(added.all)")
        let short = try cli.run(["user", "add", "--username", "li.na", "--role", "approver"], input: "too short\n")
        #expect(short.status != 0)
        #expect(short.all.contains("at least 12 characters"))
    }
}

struct PayHubCLI {
    let environment: [String: String]

    /// The `payhub` binary SwiftPM built next to this test bundle.
    var binary: URL {
        if let override = ProcessInfo.processInfo.environment["PAYHUB_BINARY"] { return URL(fileURLWithPath: override) }
        return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("payhub")
    }

    struct Result {
        let status: Int32
        /// Standard output: what a script would capture (an API key secret, a report).
        let output: String
        /// Standard error: progress, warnings, errors.
        let errors: String
        var all: String { output + errors }
    }

    func process(_ arguments: [String]) -> Process {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        return process
    }

    func run(_ arguments: [String], input: String? = nil) throws -> Result {
        let process = process(arguments)
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        let stdin = Pipe()
        process.standardInput = stdin
        try process.run()
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        try stdin.fileHandleForWriting.close()
        // Drain standard error on another thread so neither pipe can fill up and stall the process.
        let errorData = DataHandOver()
        let reader = Thread { errorData.set(errors.fileHandleForReading.readDataToEndOfFile()) }
        reader.start()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, output: String(decoding: outputData, as: UTF8.self),
            errors: String(decoding: errorData.wait(), as: UTF8.self))
    }

    func start(_ arguments: [String]) throws -> Process {
        let process = process(arguments)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }
}

/// A value handed from one thread to another once.
final class DataHandOver: @unchecked Sendable {
    private let condition = NSCondition()
    private var value: Data?

    func set(_ data: Data) {
        condition.lock()
        value = data
        condition.signal()
        condition.unlock()
    }

    func wait() -> Data {
        condition.lock()
        defer { condition.unlock() }
        while value == nil { condition.wait() }
        return value!
    }
}

func freePort() throws -> Int {
    let socket = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(socket) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) }
    }
    guard bound == 0 else { throw TestFailure("could not bind a port") }
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) }
    }
    return Int(UInt16(bigEndian: address.sin_port))
}

func get(_ url: String, key: String?) async throws -> (status: Int, body: Data) {
    var request = URLRequest(url: URL(string: url)!)
    if let key { request.setValue("Bearer \(key)", forHTTPHeaderField: "Authorization") }
    let (data, response) = try await URLSession.shared.data(for: request)
    return ((response as? HTTPURLResponse)?.statusCode ?? 0, data)
}

func waitUntilHealthy(_ url: String) async throws {
    for _ in 0..<300 {
        if let (status, _) = try? await get(url, key: nil), status == 200 { return }
        try await Task.sleep(for: .milliseconds(100))
    }
    throw TestFailure("server did not become healthy at \(url)")
}

func payables(_ body: Data) throws -> [[String: Any]] {
    let object = try JSONSerialization.jsonObject(with: body) as? [String: Any]
    return object?["data"] as? [[String: Any]] ?? []
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
