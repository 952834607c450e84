import Foundation
import Testing

/// Several `payhub serve` processes on one PostgreSQL share the execution work through the job table;
/// ten thousand payments go to the bank with not one sent twice.
@Suite("Execution: several processes on one PostgreSQL", .serialized)
struct ExecutionScaleTests {
    static let payments = 10_000

    @Test("2 and then 4 processes each send 10,000 approved payments with 0 duplicates")
    func processesShareTheWork() async throws {
        guard let admin = ProcessInfo.processInfo.environment["PAYHUB_TEST_POSTGRES_URL"], !admin.isEmpty else {
            throw TestFailure("PostgreSQL tests need PAYHUB_TEST_POSTGRES_URL (scripts/test sets it)")
        }
        let name = "payhub_scale_\(UInt32.random(in: .min ... .max))"
        try Psql.run(admin, "CREATE DATABASE \(name)")
        let world = try ExecutionWorld(database: Psql.url(admin, database: name))
        world.onRemove.append { try? Psql.run(admin, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)") }
        defer { world.remove() }
        try world.seed(approvedPayments: 0)
        try world.configureBank(rejectionPerMille: 20, returnPerMille: 0)
        let outbox = world.path("h2h/to-bank")
        let inbox = world.path("h2h/from-bank")
        try world.startBank(["--drop", "folder:\(outbox)"], reports: inbox)
        try world.connect(
            #"{"transport": "folder", "folder": {"outbox": "\#(outbox)", "inbox": "\#(inbox)"}}"#, intervalSeconds: 0.2,
            leaseSeconds: 30, perFile: 100)

        // The demo's own payments (fewer than a page), so each round counts only its own.
        var sentBefore = Set(try demoPayments(world))
        // The demo's approved payments go to the bank in the first round, besides the round's own.
        let demoCount = sentBefore.count
        for processes in [2, 4] {
            try world.run(["demo", "--approved-payments", String(Self.payments)])
            for index in 0..<processes { try world.startServer(log: "serve-\(processes)-\(index).log") }
            try await waitUntilHealthy("http://127.0.0.1:\(world.port)/healthz")
            var batch: Set<String> = []
            // Done when the bank has every payment of the round and PayHub has recorded each as handed over
            // (or already answered); the statements that follow are the end-to-end test's business.
            let handedOver: Set<String> = ["sent", "accepted", "settled", "failed"]
            try await world.wait("\(processes) processes to send \(Self.payments) payments", seconds: 600, every: .seconds(2)) {
                let outcomes = BankOutcomes(try world.bankLog())
                guard outcomes.receipts.count >= sentBefore.count - demoCount + Self.payments else { return false }
                let states = try await world.paymentStates()
                batch = Set(states.keys).subtracting(sentBefore)
                return batch.count >= Self.payments
                    && batch.allSatisfy { handedOver.contains(states[$0] ?? "") && outcomes.receipts[$0] != nil }
            }
            let outcomes = BankOutcomes(try world.bankLog())
            let duplicates = outcomes.receipts.filter { $0.value > 1 }
            #expect(duplicates.isEmpty, "\(processes) processes: \(duplicates.count) end-to-end ids reached the bank twice")
            #expect(batch.count == Self.payments && batch.isSubset(of: Set(outcomes.receipts.keys)))
            print("execution scale: \(processes) processes sent \(batch.count) payments, \(duplicates.count) duplicates")
            // Every process took part: each one's log shows instructions it handed over.
            for index in 0..<processes {
                let log = (try? String(contentsOfFile: world.path("serve-\(processes)-\(index).log"), encoding: .utf8)) ?? ""
                #expect(log.contains("instruction handed to the bank"), "process \(index) of \(processes) sent nothing")
            }
            world.stopServers()
            sentBefore.formUnion(batch)
        }
    }

    func demoPayments(_ world: ExecutionWorld) throws -> [String] {
        let listed = try world.run(["payment", "list", "--json"]).output
        return (try JSONSerialization.jsonObject(with: Data(listed.utf8)) as? [[String: Any]] ?? [])
            .compactMap { $0["end_to_end_id"] as? String }
    }
}
