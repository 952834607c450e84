import Foundation
import PayHubDomain
import PayHubServices
import PayHubStorage
import PayHubTesting
import Testing

/// Approved payments planned into bank instructions, with their ids stored before anything is sent,
/// on SQLite and PostgreSQL.
@Suite("Execution: planning approved payments into stored instructions")
struct ExecutionPlanningTests {
    typealias Engine = ApprovalServiceTests.Engine

    static func planner(_ setup: ApprovalServiceTests.Setup, transactionsPerFile: Int = 100) throws -> ExecutionPlanner {
        ExecutionPlanner(
            hub: setup.hub, calendars: try BusinessCalendars.load(),
            limits: try BatchLimits(transactionsPerFileMax: transactionsPerFile, bytesPerFileMax: 1_000_000),
            cutOffs: ["EUR": try CutOffTime(hour: 15, minute: 0, timeZoneIdentifier: "Europe/Berlin")])
    }

    static func approved(_ setup: ApprovalServiceTests.Setup, _ amount: String) async throws -> Payment {
        let payment = try await setup.draft(amount)
        _ = try await setup.approvals.submit(payment.id.rawValue, context: setup.clerk)
        return try await setup.approvals.approve(payment.id.rawValue, context: setup.context("anna"))
    }

    @Test("approved payments become one stored instruction per file, scheduled, with ids and audit events", arguments: Engine.allCases)
    func plansAndStores(engine: Engine) async throws {
        try await ApprovalServiceTests.withSetup(engine) { setup in
            let first = try await Self.approved(setup, "1200.00")
            let second = try await Self.approved(setup, "80.50")
            let planner = try Self.planner(setup)
            await #expect(throws: AccessDenied.self, "a clerk does not send money") {
                try await planner.planApprovedPayments(context: setup.clerk)
            }
            let planned = try await planner.planApprovedPayments(context: setup.context("tom"))
            #expect(planned.count == 1)
            let instruction = try #require(planned.first)
            #expect(Set(instruction.members.map(\.paymentID)) == [first.id, second.id])
            #expect(instruction.controlSum.decimalString == "1280.50" && instruction.method == .sepaCreditTransfer)
            // 21 September 2026, 14:13 UTC: past Berlin's 15:00 cut-off, so the next TARGET2 business day.
            #expect(instruction.executionDate.iso8601 == "2026-09-22")
            #expect(instruction.members.allSatisfy { BatchIDFormat.isValidUETR($0.uetr) })
            #expect(BatchIDFormat.isValidReference(instruction.messageID))

            for payment in [first, second] {
                #expect(try await setup.store.payment(payment.id, scope: .all)?.state == .scheduled)
            }
            let stored = try await setup.store.instructions(in: .planned, limit: 10)
            #expect(stored == planned, "what was planned is what is stored, ids included")
            let trail = try await setup.store.auditEvents(after: 0, limit: 10_000).map(\.action)
            #expect(trail.filter { $0 == "payment.scheduled" }.count == 2 && trail.last == "instruction.planned")
            #expect(try await planner.planApprovedPayments(context: setup.context("tom")).isEmpty, "nothing left to plan")
        }
    }

    @Test("a bank's limit of transactions per file splits the plan into several instructions", arguments: Engine.allCases)
    func splitsByLimit(engine: Engine) async throws {
        try await ApprovalServiceTests.withSetup(engine) { setup in
            for amount in ["10.00", "20.00", "30.00"] { _ = try await Self.approved(setup, amount) }
            let planned = try await Self.planner(setup, transactionsPerFile: 2).planApprovedPayments(context: setup.context("tom"))
            #expect(planned.map(\.members.count) == [2, 1])
            #expect(Set(planned.map(\.messageID)).count == 2)
            #expect(Set(planned.flatMap(\.members).map(\.uetr)).count == 3)
        }
    }

    @Test("a payment that cannot be dated stays approved with its reason, and does not hold up the others", arguments: Engine.allCases)
    func undatablePaymentsWait(engine: Engine) async throws {
        try await ApprovalServiceTests.withSetup(engine) { setup in
            let first = try await Self.approved(setup, "10.00")
            var planner = try Self.planner(setup)
            planner.cutOffs = [:]
            let outcome = try await planner.plan(context: setup.context("tom"))
            #expect(outcome.instructions.isEmpty)
            #expect(outcome.unplanned.map(\.paymentID) == [first.id])
            #expect(outcome.unplanned.first?.reason.contains("EUR") == true)
            #expect(try await setup.store.payment(first.id, scope: .all)?.state == .approved, "left for the next pass")
        }
    }
}
