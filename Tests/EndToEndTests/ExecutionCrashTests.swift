import Foundation
import Testing

/// Exactly-once under the worst failure there is: PayHub killed with SIGKILL at every step boundary of
/// execution (`PAYHUB_CRASH_AT=point#n`: the n-th time the process reaches the point), restarted, and let
/// finish. Every run must end with each approved payment received by the bank exactly once and in a
/// final state that agrees with the bank.
@Suite("Execution survives SIGKILL at every step boundary", .serialized)
struct ExecutionCrashTests {
    enum Engine: String, CaseIterable, CustomTestStringConvertible {
        case sqlite, postgres
        var testDescription: String { rawValue }
    }

    /// The step boundaries of the flow (CrashPoint in PayHubServices).
    static let points = [
        "plan.after_save", "send.before_stage", "send.after_stage", "send.after_begin", "send.after_deliver",
        "send.after_complete", "collect.after_fetch", "collect.after_apply",
    ]
    /// Each point on its 1st to 8th passage: 64 runs per engine. Planning passes end early when there is
    /// nothing left to plan, so a few of them finish before their point; the test asks at least 50 kills.
    static let occurrences = 1...8

    @Test("at least 50 kills per engine, each followed by a restart: nothing sent twice, nothing left behind", arguments: Engine.allCases)
    func killEverywhere(engine: Engine) async throws {
        let template = try CrashTemplate(engine: engine)
        defer { template.remove() }
        var killed = 0
        var notReached: [String] = []
        // PAYHUB_CRASH_TEST_POINTS=send.after_deliver#2,… runs only those, to look into one.
        let only = ProcessInfo.processInfo.environment["PAYHUB_CRASH_TEST_POINTS"].map { Set($0.split(separator: ",").map(String.init)) }
        for point in Self.points {
            for occurrence in Self.occurrences where only?.contains("\(point)#\(occurrence)") ?? true {
                if try await run(template, crashAt: "\(point)#\(occurrence)") {
                    killed += 1
                } else {
                    notReached.append("\(point)#\(occurrence)")
                }
            }
        }
        print("crash test on \(engine): killed in \(killed) runs; not reached: \(notReached.joined(separator: ", "))")
        #expect(killed >= (only == nil ? 50 : 1), "the process was killed in \(killed) runs")
    }

    /// One run; true when the crash point was reached and the process died there.
    func run(_ template: CrashTemplate, crashAt: String) async throws -> Bool {
        let world = try template.freshWorld()
        defer { world.remove() }
        let outbox = world.path("h2h/to-bank")
        let inbox = world.path("h2h/from-bank")
        try world.startBank(["--drop", "folder:\(outbox)"], reports: inbox)
        try world.connect(
            #"{"transport": "folder", "folder": {"outbox": "\#(outbox)", "inbox": "\#(inbox)"}}"#, intervalSeconds: 0.1,
            leaseSeconds: 1, perFile: 2)
        let victim = try world.startServer(environment: ["PAYHUB_CRASH_AT": crashAt])
        let approved = template.approved
        // Until the process dies at its point, or finishes the work without reaching it.
        let deadline = Date().addingTimeInterval(30)
        while victim.isRunning, Date() < deadline {
            if let states = try? await world.paymentStates(), template.isFinished(states) { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        let wasKilled = !victim.isRunning
        if wasKilled {
            #expect(victim.terminationReason == .uncaughtSignal && victim.terminationStatus == SIGKILL, "\(crashAt)")
            // The bank's answers are held back while PayHub restarts (as a slow network would), so no status
            // report settles what the restarted process must find out by asking where its file is.
            try await Task.sleep(for: .milliseconds(300))
            try world.holdAnswers(in: inbox)
        } else {
            // The work was done before the point was reached as often as asked: stop the process before it
            // dies at the point during the checks, and carry on with a clean one.
            victim.terminate()
            victim.waitUntilExit()
        }
        world.servers.removeAll()
        try world.startServer()
        try await waitUntilHealthy("http://127.0.0.1:\(world.port)/healthz")
        try await world.wait("every handover through after \(crashAt)", seconds: 60) { try world.plannedInstructions() == 0 }
        if wasKilled { try world.releaseAnswers(to: inbox) }
        try await world.wait("every payment final after \(crashAt)", seconds: 60) {
            let finished = template.isFinished(try await world.paymentStates())
            return try finished && world.plannedInstructions() == 0
        }
        let outcomes = BankOutcomes(try world.bankLog())
        let states = try await world.paymentStates()
        #expect(outcomes.receipts.filter { $0.value != 1 }.isEmpty, "\(crashAt): an end-to-end id reached the bank twice")
        #expect(Set(outcomes.receipts.keys) == approved, "\(crashAt): every approved payment reached the bank")
        for id in approved where states[id] != outcomes.expectedState(id) {
            Issue.record("\(crashAt): \(id) is \(states[id] ?? "missing") in PayHub, the bank says \(outcomes.expectedState(id) ?? "nothing")")
        }
        return wasKilled
    }
}

/// A seeded database (demo company, approved payments) made once per engine and copied for each run.
struct CrashTemplate {
    let engine: ExecutionCrashTests.Engine
    let world: ExecutionWorld
    let approved: Set<String>
    let adminURL: String?
    let templateDatabase: String?

    init(engine: ExecutionCrashTests.Engine) throws {
        self.engine = engine
        switch engine {
        case .sqlite:
            adminURL = nil
            templateDatabase = nil
            world = try ExecutionWorld()
        case .postgres:
            guard let url = ProcessInfo.processInfo.environment["PAYHUB_TEST_POSTGRES_URL"], !url.isEmpty else {
                throw TestFailure("PostgreSQL tests need PAYHUB_TEST_POSTGRES_URL (scripts/test sets it)")
            }
            let name = "payhub_crash_tpl_\(UInt32.random(in: .min ... .max))"
            try Psql.run(url, "CREATE DATABASE \(name)")
            adminURL = url
            templateDatabase = name
            world = try ExecutionWorld(database: Psql.url(url, database: name))
        }
        // With two payments to a file, enough instructions that every send point is passed eight times.
        try world.seed(approvedPayments: 16)
        try world.configureBank(rejectionPerMille: 150, returnPerMille: 0)
        let states = try world.run(["payment", "list", "--state", "approved", "--json"]).output
        approved = Set(
            (try JSONSerialization.jsonObject(with: Data(states.utf8)) as? [[String: Any]] ?? [])
                .compactMap { $0["end_to_end_id"] as? String })
    }

    /// A world whose database is a copy of the template's, with the same key and bank configuration.
    func freshWorld() throws -> ExecutionWorld {
        switch engine {
        case .sqlite:
            let fresh = try ExecutionWorld()
            for suffix in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: world.database + suffix) {
                try FileManager.default.copyItem(atPath: world.database + suffix, toPath: fresh.database + suffix)
            }
            try copyShared(to: fresh)
            return fresh
        case .postgres:
            let name = "payhub_crash_\(UInt32.random(in: .min ... .max))"
            try Psql.run(adminURL!, "CREATE DATABASE \(name) TEMPLATE \(templateDatabase!)")
            let fresh = try ExecutionWorld(database: Psql.url(adminURL!, database: name))
            fresh.onRemove.append { [adminURL] in try? Psql.run(adminURL!, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)") }
            try copyShared(to: fresh)
            return fresh
        }
    }

    func copyShared(to fresh: ExecutionWorld) throws {
        for name in ["payhub.key", "bank.json"] {
            try FileManager.default.copyItem(atPath: world.path(name), toPath: fresh.path(name))
        }
        fresh.apiKey = world.apiKey
    }

    /// Every approved payment is settled or failed (no returns are configured for these runs).
    func isFinished(_ states: [String: String]) -> Bool {
        approved.allSatisfy { ["settled", "failed"].contains(states[$0] ?? "") }
    }

    func remove() {
        world.remove()
        if let adminURL, let templateDatabase {
            try? Psql.run(adminURL, "DROP DATABASE IF EXISTS \(templateDatabase) WITH (FORCE)")
        }
    }
}

/// The PostgreSQL client, for creating databases from a template as an operator would.
enum Psql {
    static func run(_ url: String, _ sql: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["psql", url, "-v", "ON_ERROR_STOP=1", "-q", "-c", sql]
        process.standardOutput = FileHandle.nullDevice
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw TestFailure("psql: \(String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))")
        }
    }

    static func url(_ admin: String, database: String) -> String {
        var components = URLComponents(string: admin)!
        components.path = "/" + database
        return components.string!
    }
}
