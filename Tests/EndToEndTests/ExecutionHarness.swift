import Foundation
import Testing

/// A PayHub installation and a simulated bank in a temporary folder, as separate processes: the demo
/// company, a bank simulator configured with its paying accounts, and `payhub serve` with a bank
/// connection to it.
final class ExecutionWorld: @unchecked Sendable {
    let root: URL
    let cli: PayHubCLI
    let database: String
    var simulator: Process?
    var servers: [Process] = []
    var apiKey = ""
    var port = 0
    /// Run by ``remove()`` after the processes stopped (dropping a PostgreSQL database).
    var onRemove: [() -> Void] = []

    /// `database` is a SQLite path (default: in the folder) or a PostgreSQL URL.
    init(database: String? = nil) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("payhub-exec-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        self.database = database ?? root.appendingPathComponent("payhub.sqlite").path
        cli = PayHubCLI(environment: [
            "PAYHUB_DATABASE": self.database, "PAYHUB_KEY_FILE": root.appendingPathComponent("payhub.key").path,
        ])
    }

    func path(_ name: String) -> String { root.appendingPathComponent(name).path }

    func remove() {
        stopServers()
        if let simulator, simulator.isRunning {
            simulator.terminate()
            simulator.waitUntilExit()
        }
        for action in onRemove { action() }
        // Kept for a post-mortem when asked (logs, the bank's state, the database).
        guard ProcessInfo.processInfo.environment["PAYHUB_KEEP_TEST_FOLDERS"] == nil else { return }
        try? FileManager.default.removeItem(at: root)
    }

    @discardableResult
    func run(_ arguments: [String]) throws -> PayHubCLI.Result {
        let result = try cli.run(arguments)
        guard result.status == 0 else {
            throw TestFailure("payhub \(arguments.joined(separator: " ")) exited \(result.status): \(result.errors.suffix(2000))")
        }
        return result
    }

    /// The demo company, `extra` approved EUR payments, and an API key that reads payments.
    func seed(approvedPayments extra: Int) throws {
        try run(["demo"])
        if extra > 0 { try run(["demo", "--approved-payments", String(extra)]) }
        apiKey = try run(["apikey", "create", "--name", "e2e", "--role", "auditor"]).output
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Writes the simulator's configuration (PayHub's accounts, days ahead so every execution date is due)
    /// with the given random rejection and return rates.
    func configureBank(rejectionPerMille: Int, returnPerMille: Int) throws {
        let start = Calendar(identifier: .gregorian).date(byAdding: .day, value: 10, to: Date())!
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd"
        formatter.timeZone = TimeZone(identifier: "UTC")
        let config = try run([
            "bank-sim", "config", "--start-date", formatter.string(from: start),
            "--rejection-rate-per-mille", String(rejectionPerMille), "--return-rate-per-mille", String(returnPerMille),
        ]).output
        try Data(config.utf8).write(to: root.appendingPathComponent("bank.json"))
    }

    /// Starts `payhub bank-sim run` with these arguments after the configuration, state and reports.
    func startBank(_ arguments: [String], reports: String) throws {
        let process = cli.process(
            ["bank-sim", "run", "--config", path("bank.json"), "--state", path("bank-state"), "--reports", reports,
             "--poll-interval-ms", "50"] + arguments)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try logFile("bank-sim.log")
        try process.run()
        simulator = process
    }

    /// Holds back the bank's answers in a folder inbox, as a slow network would: what is there moves aside
    /// and PayHub sees an empty inbox until ``releaseAnswers(to:)``.
    func holdAnswers(in inbox: String) throws {
        try FileManager.default.moveItem(atPath: inbox, toPath: inbox + "-held")
        try FileManager.default.createDirectory(atPath: inbox, withIntermediateDirectories: true)
    }

    func releaseAnswers(to inbox: String) throws {
        let held = inbox + "-held"
        for name in try FileManager.default.contentsOfDirectory(atPath: held) where !name.hasPrefix(".") {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: held + "/" + name, isDirectory: &isDirectory), !isDirectory.boolValue
            else { continue }
            try FileManager.default.moveItem(atPath: held + "/" + name, toPath: inbox + "/" + name)
        }
    }

    /// Instructions still waiting to be handed over, from the database.
    func plannedInstructions() throws -> Int {
        let planned = try run(["instruction", "list", "--state", "planned", "--json"]).output
        return (try JSONSerialization.jsonObject(with: Data(planned.utf8)) as? [Any])?.count ?? -1
    }

    func logFile(_ name: String) throws -> FileHandle {
        let url = root.appendingPathComponent(name)
        if !FileManager.default.fileExists(atPath: url.path) { FileManager.default.createFile(atPath: url.path, contents: nil) }
        let handle = try FileHandle(forWritingTo: url)
        try handle.seekToEnd()
        return handle
    }

    /// Writes the execution settings with one connection, catch-all.
    func connect(_ settings: String, intervalSeconds: Double = 0.2, leaseSeconds: Int = 2, perFile: Int = 500) throws {
        let json = """
            {"connections": [{"name": "bank", "settings": \(settings)}],
             "interval_seconds": \(intervalSeconds), "lease_seconds": \(leaseSeconds), "transactions_per_file_max": \(perFile)}
            """
        try Data(json.utf8).write(to: root.appendingPathComponent("execution.json"))
    }

    /// Starts one `payhub serve` with the execution settings; `environment` adds to it (a crash point).
    @discardableResult
    func startServer(environment: [String: String] = [:], log: String = "serve.log") throws -> Process {
        if port == 0 { port = try freePort() }
        let serverPort = servers.isEmpty ? port : try freePort()
        let process = cli.process([
            "serve", "--port", String(serverPort), "--bank-connections", path("execution.json"), "--log-format", "text",
        ])
        process.environment = (process.environment ?? [:]).merging(environment) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try logFile(log)
        try process.run()
        servers.append(process)
        return process
    }

    func stopServers() {
        for server in servers where server.isRunning {
            server.terminate()
            server.waitUntilExit()
        }
        servers.removeAll()
    }

    /// Every payment, by end-to-end id: its state.
    func paymentStates() async throws -> [String: String] {
        var states: [String: String] = [:]
        var after: String?
        repeat {
            var url = "http://127.0.0.1:\(port)/api/v1/payments?limit=1000"
            if let after { url += "&after=\(after)" }
            let (status, body) = try await get(url, key: apiKey)
            guard status == 200, let page = try JSONSerialization.jsonObject(with: body) as? [String: Any] else {
                throw TestFailure("GET payments answered \(status)")
            }
            for payment in page["data"] as? [[String: Any]] ?? [] {
                if let id = payment["end_to_end_id"] as? String, let state = payment["state"] as? String { states[id] = state }
            }
            after = page["next_cursor"] as? String
        } while after != nil
        return states
    }

    /// The simulator's log, one dictionary per line.
    func bankLog() throws -> [[String: Any]] {
        guard let text = try? String(contentsOfFile: path("bank-state/received.jsonl"), encoding: .utf8) else { return [] }
        return try text.split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] ?? [:]
        }
    }

    /// Waits until `done` holds, polling; fails with `what` and the servers' last log lines otherwise.
    func wait(
        _ what: String, seconds: Double = 60, every interval: Duration = .milliseconds(200), until done: () async throws -> Bool
    ) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if (try? await done()) == true { return }
            try await Task.sleep(for: interval)
        }
        let log = (try? String(contentsOfFile: path("serve.log"), encoding: .utf8)) ?? ""
        let bank = (try? String(contentsOfFile: path("bank-sim.log"), encoding: .utf8)) ?? ""
        throw TestFailure("timed out waiting for \(what)\n--- serve.log\n\(log.suffix(3000))\n--- bank-sim.log\n\(bank.suffix(1500))")
    }
}

/// What the bank's log says happened to each end-to-end id, and whether anything arrived twice.
struct BankOutcomes {
    /// End-to-end id → the number of times the bank received it (duplicates included).
    var receipts: [String: Int] = [:]
    /// End-to-end id → `ACSP` or `RJCT`, from the first receipt.
    var decisions: [String: String] = [:]
    var booked: Set<String> = []
    var returned: Set<String> = []

    init(_ log: [[String: Any]]) {
        for line in log {
            guard let id = line["end_to_end_id"] as? String else { continue }
            switch line["event"] as? String {
            case "received":
                receipts[id, default: 0] += 1
                if decisions[id] == nil, let outcome = line["outcome"] as? String { decisions[id] = outcome }
            case "booked": booked.insert(id)
            case "returned": returned.insert(id)
            default: break
            }
        }
    }

    /// The state PayHub must show for a payment the bank decided on.
    func expectedState(_ id: String) -> String? {
        if returned.contains(id) { return "returned" }
        if booked.contains(id) { return "settled" }
        if decisions[id] == "RJCT" { return "failed" }
        if decisions[id] == "ACSP" { return "accepted" }
        return nil
    }
}
