import Foundation
import PayHubDomain
import PayHubServices
import PayHubStorage
import PayHubTesting
import Testing

/// The approval workflow on real SQLite files: the policy in force judges each submission, chains are
/// enforced with segregation of duties, controls hold what a person must see, and every step is one
/// audit event.
@Suite("Approvals: policies, chains, controls")
struct ApprovalServiceTests {
    static let today = Date(timeIntervalSince1970: 1_790_000_000)  // 2026-09-21

    struct Setup {
        let store: any PayHubStore
        let hub: PaymentHub
        let approvals: ApprovalService
        let world: World
        let clerk: CallContext
        let users: [String: User]

        func context(_ name: String) -> CallContext {
            let user = users[name]!
            return CallContext(
                principal: Principal(kind: .user, actorID: user.id.rawValue, roles: user.roles, scope: .all), origin: "test")
        }

        /// A payable and a draft payment for it, both made by the clerk.
        func draft(_ amount: String, invoice: String = UUID().uuidString.prefix(8).description, date: String = "2026-09-01")
            async throws -> Payment
        {
            let payable = try await hub.createPayable(
                NewPayable(
                    vendorID: world.vendor.id.rawValue, invoiceNumber: invoice, invoiceDate: date, dueDate: "2026-10-01",
                    amount: amount, currency: world.entity.baseCurrency.code, source: "sap", externalID: UUID().uuidString),
                context: clerk)
            return try await hub.createPayment(
                NewPayment(
                    payableIDs: [payable.id.rawValue], debtorAccountID: world.debtor.id.rawValue,
                    creditorAccountID: world.creditor.id.rawValue), context: clerk)
        }

        func auditActions(of payment: Payment) async throws -> [String] {
            try await store.auditEvents(after: 0, limit: 10_000).filter { $0.objectID == payment.id.rawValue }.map(\.action)
        }
    }

    /// Both engines, real: a SQLite file and a database on the throwaway PostgreSQL server.
    enum Engine: String, CaseIterable, CustomTestStringConvertible {
        case sqlite, postgres
        var testDescription: String { rawValue }
    }

    static func withSetup(_ engine: Engine, _ body: (Setup) async throws -> Void) async throws {
        switch engine {
        case .sqlite: try await TestSQLite.withFreshStore { store in try await withSetup(store, body) }
        case .postgres: try await TestPostgres.withFreshStore { store in try await withSetup(store, body) }
        }
    }

    static func withSetup(_ store: any PayHubStore, _ body: (Setup) async throws -> Void) async throws {
        do {
            var fixtures = Fixtures()
            let world = try await World.make(store, &fixtures)
            let clock = Clock { today }
            let hub = PaymentHub(store: store, clock: clock)
            let access = AccessService(store: store, clock: clock, bcryptCost: 4)
            let system = CallContext(principal: .system, origin: "test")
            var users: [String: User] = [:]
            for (name, roles) in [
                ("clerk", [Role.apClerk]), ("anna", [.approver]), ("ben", [.approver]), ("carla", [.approver]),
                ("tom", [.treasurer]), ("tina", [.treasurer]), ("admin", [.admin]),
            ] {
                users[name] = try await access.addUser(
                    username: name, displayName: name.capitalized, password: "correct horse battery", roles: Set(roles),
                    scope: .all, context: system)
            }
            let clerk = CallContext(
                principal: Principal(kind: .user, actorID: users["clerk"]!.id.rawValue, roles: [.apClerk], scope: .all),
                origin: "test")
            try await body(
                Setup(
                    store: store, hub: hub, approvals: ApprovalService(hub: hub), world: world, clerk: clerk, users: users))
        }
    }

    static let chainPolicy = """
        id: acme
        rules:
          - id: blocked-countries
            when: { vendor_country_in: [KP] }
            then: { outcome: block, reason: sanctioned country }
          - id: risky
            when: { vendor_risk_in: [high] }
            then: { outcome: hold, reason: compliance review }
          - id: small
            when: { amount_at_most: "100.00" }
            then: { outcome: auto_approve }
          - id: large
            when: { amount_above: "10000.00" }
            then:
              outcome: chain
              steps:
                - { name: Approvers, role: approver, approvals: 2, of: 3 }
                - { name: Finance, group: finance-managers, approvals: 1 }
              release: { name: Treasury, role: treasurer, approvals: 1 }
        default:
          outcome: chain
          steps:
            - { role: approver, approvals: 1 }
        """

    @Test("before any policy is stored, one approver approves; the creator cannot, and each step is one audit event", arguments: Engine.allCases)
    func builtInPolicy(engine: Engine) async throws {
        try await Self.withSetup(engine) { setup in
            let payment = try await setup.draft("250.00")
            let submitted = try await setup.approvals.submit(payment.id.rawValue, context: setup.clerk)
            #expect(submitted.state == .pendingApproval)
            let approver = CallContext(
                principal: Principal(kind: .user, actorID: setup.users["clerk"]!.id.rawValue, roles: [.approver], scope: .all),
                origin: "test")
            // Even holding the approver role, whoever created the payment cannot approve it.
            await #expect(throws: ApprovalChainError(code: .initiator, stage: 0)) {
                try await setup.approvals.approve(payment.id.rawValue, context: approver)
            }
            let approved = try await setup.approvals.approve(payment.id.rawValue, context: setup.context("anna"))
            #expect(approved.state == .approved)
            #expect(try await setup.auditActions(of: payment) == ["payment.created", "payment.pending_approval", "payment.approved"])
            let review = try await setup.approvals.review(payment.id.rawValue, context: setup.context("anna"))
            #expect(review.round?.policyVersion == 0 && review.round?.status == .approved && review.actions.count == 1)

            // Held after approval, before it leaves: the approval lapses, and a release judges it afresh.
            #expect(try await setup.approvals.hold(payment.id.rawValue, reason: "call the vendor", context: setup.context("ben")).state == .onHold)
            #expect(try await setup.approvals.review(payment.id.rawValue, context: setup.context("anna")).round?.status == .superseded)
            let released = try await setup.approvals.release(payment.id.rawValue, reason: "vendor confirmed", context: setup.context("ben"))
            #expect(released.state == .pendingApproval)
            let again = try await setup.approvals.review(payment.id.rawValue, context: setup.context("anna"))
            #expect(again.round?.round == 2 && again.actions.isEmpty && again.findings.map(\.kind) == [.manualHold])
        }
    }

    @Test("a stored policy decides: auto-approval, a chain with distinct approvers, groups and a separate releaser", arguments: Engine.allCases)
    func chainWithRelease(engine: Engine) async throws {
        try await Self.withSetup(engine) { setup in
            let (saved, _) = try await setup.approvals.savePolicy(Self.chainPolicy, context: setup.context("admin"))
            #expect(saved.version == 1 && saved.sourceFormat == "yaml")

            let small = try await setup.approvals.submit(try await setup.draft("80.00").id.rawValue, context: setup.clerk)
            #expect(small.state == .approved, "rule small auto-approves")

            let large = try await setup.draft("25000.00")
            let id = large.id.rawValue
            #expect(try await setup.approvals.submit(id, context: setup.clerk).state == .pendingApproval)
            _ = try await setup.approvals.approve(id, context: setup.context("anna"))
            // Each person's queue holds what they can act on: not Anna (she approved), Ben yes, the clerk no.
            #expect(try await setup.approvals.queue(mine: true, context: setup.context("anna")).isEmpty)
            #expect(try await setup.approvals.queue(mine: true, context: setup.context("ben")).map(\.payment.id) == [large.id])
            #expect(try await setup.approvals.queue(mine: true, context: setup.context("tom")).isEmpty, "a treasurer, not an approver")
            #expect(try await setup.approvals.queue(context: setup.context("tom")).first?.waitingFor.contains("1 given") == true)
            await #expect(throws: ApprovalChainError(code: .alreadyActed, stage: 0)) {
                try await setup.approvals.approve(id, context: setup.context("anna"))
            }
            _ = try await setup.approvals.approve(id, context: setup.context("ben"))
            // The finance step needs the group; carla is an approver but not in it, until an admin adds her.
            await #expect(throws: ApprovalChainError(code: .notEligible, stage: 1)) {
                try await setup.approvals.approve(id, context: setup.context("carla"))
            }
            _ = try await setup.approvals.setGroups(["finance-managers"], of: setup.users["carla"]!.id.rawValue, context: setup.context("admin"))
            #expect(try await setup.approvals.approve(id, context: setup.context("carla")).state == .pendingApproval)
            // The release needs a treasurer: an approver is refused outright.
            let refused = await #expect(throws: AccessDenied.self) {
                try await setup.approvals.approve(id, context: setup.context("anna"))
            }
            #expect(refused?.permission == .paymentsRelease)
            let queue = try await setup.approvals.queue(context: setup.context("tom"))
            #expect(queue.map(\.payment.id) == [large.id] && queue.first?.isRelease == true)
            let released = try await setup.approvals.approve(id, context: setup.context("tom"))
            #expect(released.state == .approved)
            let review = try await setup.approvals.review(id, context: setup.context("tom"))
            #expect(review.round?.ruleID == "large" && review.round?.policyVersion == 1 && review.actions.count == 4)
            #expect(
                try await setup.auditActions(of: large) == [
                    "payment.created", "payment.pending_approval", "payment.approval_given", "payment.approval_given",
                    "payment.approval_given", "payment.approved",
                ])
        }
    }

    @Test("block rejects with the rule's reason; hold waits for a person; release judges again without that rule", arguments: Engine.allCases)
    func blockAndHold(engine: Engine) async throws {
        try await Self.withSetup(engine) { setup in
            _ = try await setup.approvals.savePolicy(Self.chainPolicy, context: setup.context("admin"))
            try await setup.approvals.setRiskRating("high", of: setup.world.vendor.id.rawValue, context: setup.context("tom"))
            let payment = try await setup.draft("500.00")
            let held = try await setup.approvals.submit(payment.id.rawValue, context: setup.clerk)
            #expect(held.state == .onHold)
            let findings = try await setup.approvals.review(payment.id.rawValue, context: setup.context("anna")).findings
            #expect(findings.map(\.kind) == [.policyHold] && findings[0].summary.contains("risky"))
            let clerkAsApprover = CallContext(
                principal: Principal(kind: .user, actorID: setup.users["clerk"]!.id.rawValue, roles: [.approver], scope: .all),
                origin: "test")
            await #expect(throws: ApprovalChainError(code: .initiator, stage: nil), "the creator cannot wave it through") {
                try await setup.approvals.release(payment.id.rawValue, reason: "mine", context: clerkAsApprover)
            }
            let released = try await setup.approvals.release(payment.id.rawValue, reason: "vendor called back", context: setup.context("anna"))
            #expect(released.state == .pendingApproval, "judged again without the hold rule: the default chain")
            let review = try await setup.approvals.review(payment.id.rawValue, context: setup.context("anna"))
            #expect(review.round?.round == 2 && review.round?.ruleID == "default")
            #expect(review.findings.allSatisfy { $0.state == .released && $0.resolutionReason == "vendor called back" })

            // A rule that blocks: the payment is rejected at once, with the rule and its reason.
            _ = try await setup.approvals.savePolicy(
                Self.chainPolicy.replacingOccurrences(of: "vendor_country_in: [KP]", with: "vendor_country_in: [KP, DE]"),
                context: setup.context("admin"))
            let blocked = try await setup.approvals.submit(try await setup.draft("50.00").id.rawValue, context: setup.clerk)
            #expect(blocked.state == .rejected)
            let trail = try await setup.store.auditEvents(after: 0, limit: 10_000).filter { $0.objectID == blocked.id.rawValue }
            #expect(trail.last?.action == "payment.rejected")
            #expect(trail.last?.after?.contains("blocked by rule blocked-countries: sanctioned country") == true)
        }
    }

    @Test("the same invoice again, written differently, is held as a duplicate until a person releases it", arguments: Engine.allCases)
    func duplicateHeld(engine: Engine) async throws {
        try await Self.withSetup(engine) { setup in
            let first = try await setup.draft("1200.00", invoice: "INV-0001", date: "2026-09-01")
            #expect(try await setup.approvals.submit(first.id.rawValue, context: setup.clerk).state == .pendingApproval)
            let second = try await setup.draft("1200.00", invoice: "inv 1", date: "2026-09-03")
            let held = try await setup.approvals.submit(second.id.rawValue, context: setup.clerk)
            #expect(held.state == .onHold)
            let findings = try await setup.approvals.review(second.id.rawValue, context: setup.context("anna")).findings
            #expect(findings.count == 1 && findings[0].kind == .duplicate)
            #expect(findings[0].detailsJSON.contains(first.payableIDs[0].rawValue), "names the earlier payable")
            // A different invoice of the same vendor is not held.
            let other = try await setup.draft("1200.00", invoice: "INV-0002", date: "2026-09-03")
            #expect(try await setup.approvals.submit(other.id.rawValue, context: setup.clerk).state == .pendingApproval)
        }
    }

    @Test("a delegate approves in the delegator's place, and the two count as one person", arguments: Engine.allCases)
    func delegation(engine: Engine) async throws {
        try await Self.withSetup(engine) { setup in
            _ = try await setup.approvals.savePolicy(Self.chainPolicy, context: setup.context("admin"))
            // Tina (a treasurer) stands in for Anna while Anna is away.
            let delegation = try await setup.approvals.delegate(
                from: setup.users["anna"]!.id.rawValue, to: setup.users["tina"]!.id.rawValue,
                from: "2026-09-20T00:00:00Z", until: "2026-09-30T00:00:00Z", entityID: nil, context: setup.context("admin"))
            #expect(delegation.from == setup.users["anna"]!.id)
            let payment = try await setup.draft("25000.00")
            let id = payment.id.rawValue
            _ = try await setup.approvals.submit(id, context: setup.clerk)
            _ = try await setup.approvals.approve(id, onBehalfOf: setup.users["anna"]!.id.rawValue, context: setup.context("tina"))
            await #expect(throws: ApprovalChainError(code: .alreadyActed, stage: 0)) {
                try await setup.approvals.approve(id, context: setup.context("anna"))
            }
            let review = try await setup.approvals.review(id, context: setup.context("anna"))
            #expect(review.actions.count == 1 && review.actions[0].actionJSON.contains(setup.users["anna"]!.id.rawValue))
            await #expect(throws: ValidationFailure.self, "no delegation from Ben to Carla") {
                try await setup.approvals.approve(id, onBehalfOf: setup.users["ben"]!.id.rawValue, context: setup.context("carla"))
            }
        }
    }

    @Test("amounts are judged in the entity's base currency at the stored rate; without one, submission says so", arguments: Engine.allCases)
    func foreignCurrency(engine: Engine) async throws {
        try await Self.withSetup(engine) { setup in
            _ = try await setup.approvals.savePolicy(Self.chainPolicy, context: setup.context("admin"))
            var fixtures = Fixtures(seed: 9)
            let usd = fixtures.vendorAccount(of: setup.world.vendor, currency: .usd)
            try await setup.store.createBankAccount(usd, context: fixtures.context())
            let debtor = fixtures.entityAccount(of: setup.world.entity, currency: .usd)
            try await setup.store.createBankAccount(debtor, context: fixtures.context())
            let payable = try await setup.hub.createPayable(
                NewPayable(
                    vendorID: setup.world.vendor.id.rawValue, invoiceNumber: "US-1", invoiceDate: "2026-09-01",
                    dueDate: "2026-10-01", amount: "11500.00", currency: "USD", source: "sap", externalID: "US-1"),
                context: setup.clerk)
            let payment = try await setup.hub.createPayment(
                NewPayment(payableIDs: [payable.id.rawValue], debtorAccountID: debtor.id.rawValue, creditorAccountID: usd.id.rawValue),
                context: setup.clerk)
            await #expect(throws: ValidationFailure.self) {
                try await setup.approvals.submit(payment.id.rawValue, context: setup.clerk)
            }
            await #expect(throws: ValidationFailure.self, "a bad line is refused whole") {
                try await setup.approvals.importRates(csv: "date,base,quote,rate\n2026-09-18,EUR,USD,abc\n", source: "ECB", context: setup.context("tom"))
            }
            #expect(
                try await setup.approvals.importRates(
                    csv: "date,base,quote,rate\n2026-09-18,EUR,USD,1.2000\n", source: "ECB", context: setup.context("tom")) == 1)
            // 11,500 USD at 1.20 is 9,583.33 EUR: under the 10,000 threshold of rule large, so the default chain.
            let decision = try await setup.approvals.simulate(paymentID: payment.id.rawValue, context: setup.context("anna"))
            #expect(decision.ruleID == "default")
            #expect(try await setup.approvals.submit(payment.id.rawValue, context: setup.clerk).state == .pendingApproval)
        }
    }

    @Test("limits per entity, vendor and day hold what would exceed them, counting today's live submissions", arguments: Engine.allCases)
    func limits(engine: Engine) async throws {
        try await Self.withSetup(engine) { setup in
            let entity = setup.world.entity.id.rawValue
            let vendor = setup.world.vendor.id.rawValue
            let controls = """
                limits:
                  - { entity_id: \(entity), single_payment_max: { amount: "5000.00", currency: EUR } }
                  - { entity_id: \(entity), vendor_id: \(vendor), daily_total_max: { amount: "1000.00", currency: EUR } }
                """
            let (saved, settings) = try await setup.approvals.saveControls(controls, context: setup.context("admin"))
            #expect(saved.kind == .controls && saved.version == 1 && settings.limits.limits.count == 2)
            #expect(try await setup.approvals.submit(try await setup.draft("600.00").id.rawValue, context: setup.clerk).state == .pendingApproval)
            #expect(try await setup.approvals.submit(try await setup.draft("400.00").id.rawValue, context: setup.clerk).state == .pendingApproval, "exactly at the limit")
            let over = try await setup.draft("0.01")
            #expect(try await setup.approvals.submit(over.id.rawValue, context: setup.clerk).state == .onHold)
            let finding = try #require(try await setup.approvals.review(over.id.rawValue, context: setup.context("anna")).findings.first)
            #expect(finding.kind == .limit && finding.summary.contains("daily total") && finding.summary.contains("0.01"))
            // One payment above the single-payment maximum is held for that limit too.
            let big = try await setup.draft("6000.00")
            #expect(try await setup.approvals.submit(big.id.rawValue, context: setup.clerk).state == .onHold)
            let findings = try await setup.approvals.review(big.id.rawValue, context: setup.context("anna")).findings
            #expect(findings.map(\.summary).contains { $0.contains("single payment") }, "\(findings.map(\.summary))")
            await #expect(throws: ValidationFailure.self, "a limit in an unknown currency is refused with its path") {
                try await setup.approvals.saveControls(
                    "limits: [{ entity_id: \(entity), daily_total_max: { amount: \"1.00\", currency: XXQ } }]",
                    context: setup.context("admin"))
            }
        }
    }

    @Test("a step waiting longer than its limit is escalated once, as an event the ERP and alerts receive", arguments: Engine.allCases)
    func escalation(engine: Engine) async throws {
        try await Self.withSetup(engine) { setup in
            _ = try await setup.approvals.savePolicy(
                "id: e\nrules: []\ndefault: { outcome: chain, steps: [{ name: Budget owner, role: approver, approvals: 1, escalate_after_hours: 24 }, { role: treasurer, approvals: 1, escalate_after_hours: 4 }] }",
                context: setup.context("admin"))
            let payment = try await setup.draft("900.00")
            _ = try await setup.approvals.submit(payment.id.rawValue, context: setup.clerk)
            // The same store, a day and an hour later.
            let later = ApprovalService(hub: PaymentHub(store: setup.store, clock: Clock { Self.today.addingTimeInterval(25 * 3600) }))
            let before = try await setup.store.feedHead()
            #expect(try await later.escalateOverdueSteps() == [payment.id])
            #expect(try await later.escalateOverdueSteps().isEmpty, "once per step")
            let events = try await setup.store.events(after: before, limit: 10, filter: EventFilter(), scope: .all)
            #expect(events.map(\.type) == ["payment.approval_escalated"])
            #expect(events.first?.previousJSON?.contains("Budget owner") == true)
            // The next step has its own limit, counted from when it became current.
            _ = try await ApprovalService(hub: PaymentHub(store: setup.store, clock: Clock { Self.today.addingTimeInterval(26 * 3600) }))
                .approve(payment.id.rawValue, context: setup.context("anna"))
            #expect(try await later.escalateOverdueSteps().isEmpty)
            let muchLater = ApprovalService(hub: PaymentHub(store: setup.store, clock: Clock { Self.today.addingTimeInterval(31 * 3600) }))
            #expect(try await muchLater.escalateOverdueSteps() == [payment.id])
        }
    }

    @Test("a policy that does not validate is refused with every path, and nothing is stored", arguments: Engine.allCases)
    func invalidPolicy(engine: Engine) async throws {
        try await Self.withSetup(engine) { setup in
            let text = """
                id: broken
                rules:
                  - id: a
                    when: { amount_above: "-5" }
                    then: { outcome: chain, steps: [{ role: approver, approvals: 3, of: 2 }] }
                default: { outcome: auto_approve }
                """
            do {
                _ = try await setup.approvals.savePolicy(text, context: setup.context("admin"))
                Issue.record("an invalid policy was stored")
            } catch let failure as ValidationFailure {
                #expect(failure.errors.map(\.path).contains { $0.hasPrefix("rules[0].when") })
                #expect(failure.errors.map(\.path).contains { $0.hasPrefix("rules[0].then.steps[0]") })
            }
            #expect(try await setup.approvals.policyVersions(context: setup.context("admin")).isEmpty)
            let refused = await #expect(throws: AccessDenied.self) {
                try await setup.approvals.savePolicy(Self.chainPolicy, context: setup.clerk)
            }
            #expect(refused?.permission == .policiesWrite)
        }
    }
}
