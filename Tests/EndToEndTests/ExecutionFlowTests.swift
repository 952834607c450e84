import Foundation
import Testing

/// The whole way of a payment, between real processes: demo payables approved, planned into files,
/// handed to `payhub bank-sim` by each transport, answered with pain.002, booked in camt.054 and camt.053,
/// some rejected and some returned, until PayHub's states agree with the bank's log.
@Suite("Execution end to end: PayHub and the bank simulator", .serialized)
struct ExecutionFlowTests {
    enum Transport: String, CaseIterable, CustomTestStringConvertible {
        case folder, sftp, api
        var testDescription: String { rawValue }
    }

    @Test("approved payments reach the bank once, and PayHub's states match the bank's log", arguments: [Transport.folder])
    func flow(transport: Transport) async throws {
        let world = try ExecutionWorld()
        defer { world.remove() }
        try world.seed(approvedPayments: 40)
        // Pending demo payments are approved by people, through the policy, as the flow begins.
        try approvePending(world)
        try world.configureBank(rejectionPerMille: 150, returnPerMille: 150)
        let listed = try world.run(["payment", "list", "--state", "approved", "--json"]).output
        let approvedAtStart = Set(
            (try JSONSerialization.jsonObject(with: Data(listed.utf8)) as? [[String: Any]] ?? [])
                .compactMap { $0["end_to_end_id"] as? String })
        #expect(approvedAtStart.count >= 46, "40 loaded, 2 approved by the demo, 4 approved above")
        try await TransportSetup.start(transport, in: world)
        try world.startServer()
        try await waitUntilHealthy("http://127.0.0.1:\(world.port)/healthz")

        // Every approved payment reached the bank exactly once and PayHub agrees with what the bank did,
        // returns (which come a simulated day later) included.
        try await world.wait("PayHub to agree with the bank", seconds: 90) {
            let outcomes = BankOutcomes(try world.bankLog())
            guard Set(outcomes.receipts.keys).isSuperset(of: approvedAtStart), !outcomes.returned.isEmpty else { return false }
            let states = try await world.paymentStates()
            return approvedAtStart.allSatisfy { states[$0] == outcomes.expectedState($0) }
        }
        let outcomes = BankOutcomes(try world.bankLog())
        #expect(outcomes.receipts.filter { $0.value != 1 }.isEmpty, "no end-to-end id reached the bank twice")
        #expect(Set(outcomes.receipts.keys) == approvedAtStart, "only approved payments were sent")
        let states = try await world.paymentStates()
        let finals = Dictionary(grouping: approvedAtStart, by: { states[$0] ?? "?" }).mapValues(\.count)
        print("execution e2e \(transport): \(finals), bank received \(outcomes.receipts.count)")
        #expect(finals["settled", default: 0] > 0 && finals["failed", default: 0] > 0 && finals["returned", default: 0] > 0, "\(finals)")
        let received = try world.bankLog().filter { $0["event"] as? String == "received" }
        #expect(received.allSatisfy { $0["transport"] as? String == TransportSetup.simulatorTransport(transport) })
    }

    /// Approves the demo's pending payments as its approvers would, through `payhub payment approve`.
    func approvePending(_ world: ExecutionWorld) throws {
        let listed = try world.run(["payment", "list", "--state", "pending_approval", "--json"]).output
        let pending = (try JSONSerialization.jsonObject(with: Data(listed.utf8)) as? [[String: Any]] ?? [])
            .compactMap { $0["id"] as? String }
        #expect(!pending.isEmpty, "the demo leaves payments waiting for approval")
        for id in pending {
            for approver in ["lukas.braun", "anna.schmidt", "ben.wagner", "chen.jing", "wang.fang"] {
                if try world.cli.run(["payment", "approve", id, "--as", approver]).output.contains("every step of its chain is done") {
                    break
                }
            }
        }
    }
}

/// How each transport is set up between PayHub and the simulator.
enum TransportSetup {
    static func simulatorTransport(_ transport: ExecutionFlowTests.Transport) -> String {
        switch transport {
        case .folder: "folder"
        case .sftp: "sftp"
        case .api: "http"
        }
    }

    static func start(_ transport: ExecutionFlowTests.Transport, in world: ExecutionWorld) async throws {
        switch transport {
        case .folder:
            let outbox = world.path("h2h/to-bank")
            let inbox = world.path("h2h/from-bank")
            try world.startBank(["--drop", "folder:\(outbox)", "--day-length-seconds", "3"], reports: inbox)
            try world.connect(#"{"transport": "folder", "folder": {"outbox": "\#(outbox)", "inbox": "\#(inbox)"}}"#)
        case .sftp, .api:
            throw TestFailure("\(transport) is set up in the connectors' integration")
        }
    }
}
