import Foundation
import PayHubDomain
import PayHubServices
import PayHubStorage
import PayHubTesting
import Testing

/// Reading bank instructions through the service: pages in id order, the state filter, the caller's
/// entity scope and the permission, on SQLite and PostgreSQL.
@Suite("Execution: reading bank instructions")
struct BankInstructionQueriesTests {
    typealias Engine = ApprovalServiceTests.Engine

    /// What ``planned(_:)`` stored: the German entity's instructions in id order (the first handed to the
    /// bank), a French entity's one, and the French world.
    struct Planned {
        var german: [StoredInstruction]
        var french: StoredInstruction
        var france: World
    }

    /// Three approved payments of the setup's German entity and one of a French entity, planned one per
    /// file (so four instructions), and the first German one handed over through the folder transport.
    static func planned(_ setup: ApprovalServiceTests.Setup) async throws -> Planned {
        for amount in ["10.00", "20.00", "30.00"] { _ = try await ExecutionPlanningTests.approved(setup, amount) }
        // Another seed than the setup's own fixtures, so the French world's ids are new ones.
        var fixtures = Fixtures(seed: 7, now: ApprovalServiceTests.today)
        let france = try await World.make(setup.store, &fixtures, country: "FR")
        let payable = fixtures.payable(of: france.vendor, amount: "500.00")
        let payment = fixtures.payment(of: [payable], from: france.debtor, to: france.creditor)
        try await setup.store.createApprovedPayments([(payable, payment)], reason: "test", context: fixtures.context())

        let stored = try await ExecutionPlanningTests.planner(setup, transactionsPerFile: 1)
            .planApprovedPayments(context: setup.context("tom"))
            .sorted { $0.id.rawValue < $1.id.rawValue }
        var german = stored.filter { $0.entityID == setup.world.entity.id }
        let french = try #require(stored.first { $0.entityID == france.entity.id })
        try #require(german.count == 3 && stored.count == 4, "one instruction per payment")

        let now = ApprovalServiceTests.today
        try await setup.store.enqueueJob(
            kind: "send_instruction", subjectID: german[0].id.rawValue, runAfter: now, now: now)
        let job = try #require(
            try await setup.store.claimJobs(kinds: ["send_instruction"], owner: "w1", now: now, lease: 60, limit: 1)
                .first)
        let claim = JobClaim(jobID: job.id, owner: "w1", lease: 60)
        let file = InstructionFile(
            name: "\(german[0].messageID).xml", sha256: String(repeating: "ab", count: 32), transport: "folder")
        let audit = AuditContext(principal: .system, origin: "test", occurredAt: now)
        let started = try await setup.store.beginHandover(
            german[0].id, file: file, members: german[0].members.map(\.paymentID), claim: claim, context: audit)
        try #require(started == .started)
        try await setup.store.completeHandover(german[0].id, claim: claim, context: audit)
        german[0] = try #require(try await setup.store.instruction(german[0].id))
        return Planned(german: german, french: french, france: france)
    }

    /// A caller holding `roles` who sees only `entities`.
    static func caller(_ roles: Set<Role>, seeing entities: Set<ID<LegalEntity>>) -> CallContext {
        CallContext(
            principal: Principal(kind: .user, actorID: "usr_reader", roles: roles, scope: .only(entities)),
            origin: "test")
    }

    @Test("the caller's instructions a page at a time in id order, with the state filter", arguments: Engine.allCases)
    func listsPagesAndFilters(engine: Engine) async throws {
        try await ApprovalServiceTests.withSetup(engine) { setup in
            let planned = try await Self.planned(setup)
            let queries = BankInstructionQueries(hub: setup.hub)
            let auditor = Self.caller([.auditor], seeing: [setup.world.entity.id])

            let first = try await queries.instructions(PageRequest(limit: 2), context: auditor)
            #expect(first.items == Array(planned.german.prefix(2)))
            let cursor = try #require(first.nextAfterID, "a third instruction follows")
            let second = try await queries.instructions(PageRequest(limit: 2, afterID: cursor), context: auditor)
            #expect(second.items == [planned.german[2]] && second.nextAfterID == nil, "the last page")

            let sent = try await queries.instructions(state: .sent, PageRequest(), context: auditor)
            #expect(sent.items.map(\.id) == [planned.german[0].id])
            let handed = try #require(sent.items.first)
            #expect(
                handed.state == .sent && handed.transport == "folder" && handed.sentAt == ApprovalServiceTests.today)
            #expect(handed.fileSHA256 == String(repeating: "ab", count: 32))
            #expect(handed.fileName == "\(handed.messageID).xml")
            let waiting = try await queries.instructions(state: .planned, PageRequest(limit: 1), context: auditor)
            #expect(waiting.items == [planned.german[1]] && waiting.nextAfterID == planned.german[1].id.rawValue)
            let rest = try await queries.instructions(
                state: .planned, PageRequest(limit: 1, afterID: waiting.nextAfterID), context: auditor)
            #expect(rest.items == [planned.german[2]], "the filter holds on later pages too")
            #expect(try await queries.instructions(state: .acknowledged, PageRequest(), context: auditor).items.isEmpty)

            // Members come back in file order with the ids that left PayHub, as planning stored them.
            for instruction in planned.german {
                #expect(instruction.members.count == 1 && instruction.controlSum.currency == .eur)
            }
            let everyone = try await queries.instructions(PageRequest(limit: 1000), context: setup.context("tom"))
            #expect(
                everyone.items.map(\.id)
                    == (planned.german + [planned.french]).map(\.id).sorted { $0.rawValue < $1.rawValue })
        }
    }

    @Test(
        "an instruction of an entity outside the caller's scope is not found, like an unknown one",
        arguments: Engine.allCases)
    func entityScope(engine: Engine) async throws {
        try await ApprovalServiceTests.withSetup(engine) { setup in
            let planned = try await Self.planned(setup)
            let queries = BankInstructionQueries(hub: setup.hub)
            let german = Self.caller([.treasurer], seeing: [setup.world.entity.id])
            let french = Self.caller([.treasurer], seeing: [planned.france.entity.id])

            #expect(try await queries.instruction(planned.german[0].id.rawValue, context: german) == planned.german[0])
            #expect(try await queries.instruction(planned.french.id.rawValue, context: french) == planned.french)
            for (id, caller) in [
                (planned.french.id.rawValue, german), (planned.german[1].id.rawValue, french),
                ("ins_0000000000000000000000000a", german), ("not-an-id", german),
                (planned.german[1].members[0].paymentID.rawValue, german),
            ] {
                await #expect(throws: StorageError(.notFound, target: "bank_instruction"), "\(id)") {
                    try await queries.instruction(id, context: caller)
                }
            }
            let frenchList = try await queries.instructions(PageRequest(limit: 1000), context: french)
            #expect(frenchList.items == [planned.french])
            let nobody = Self.caller([.treasurer], seeing: [])
            #expect(try await queries.instructions(PageRequest(limit: 1000), context: nobody).items.isEmpty)
        }
    }

    @Test("a caller without payments.read may neither list nor read instructions", arguments: Engine.allCases)
    func permission(engine: Engine) async throws {
        try await ApprovalServiceTests.withSetup(engine) { setup in
            let planned = try await Self.planned(setup)
            let queries = BankInstructionQueries(hub: setup.hub)
            // Every shipped role reads payments; a principal without roles, or the process itself, does not.
            for denied in [
                Self.caller([], seeing: [setup.world.entity.id]), CallContext(principal: .system, origin: "test"),
            ] {
                let listing = await #expect(throws: AccessDenied.self) {
                    try await queries.instructions(PageRequest(), context: denied)
                }
                let reading = await #expect(throws: AccessDenied.self) {
                    try await queries.instruction(planned.german[0].id.rawValue, context: denied)
                }
                #expect(listing?.permission == .paymentsRead && reading?.permission == .paymentsRead)
            }
        }
    }
}
