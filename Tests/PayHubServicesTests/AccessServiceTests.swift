import Foundation
import PayHubDomain
import PayHubServices
import PayHubSQLite
import PayHubStorage
import PayHubTesting
import Testing

@Suite("Users and API keys")
struct AccessServiceTests {
    let system = CallContext(principal: .system, origin: "test")

    @Test("passwords are bcrypt-hashed, at least 12 characters, and checked")
    func passwords() async throws {
        try await TestSQLite.withFreshStore { store in
            let access = AccessService(store: store, bcryptCost: 4)
            await #expect(throws: ValidationFailure.self) {
                try await access.addUser(
                    username: "anna", displayName: "Anna", password: "short-pass1", roles: [.approver], scope: .all,
                    context: system)
            }
            _ = try await access.addUser(
                username: "Anna", displayName: "Anna Schmidt", password: "correct horse battery", roles: [.approver],
                scope: .all, context: system)
            let stored = try #require(try await store.user(username: "anna"))
            #expect(stored.passwordHash.hasPrefix("$2"), "bcrypt")
            #expect(!stored.passwordHash.contains("correct horse"))
            #expect(try await access.authenticate(username: "anna", password: "correct horse battery")?.roles == [.approver])
            #expect(try await access.authenticate(username: "anna", password: "correct horse battery!") == nil)
            #expect(try await access.authenticate(username: "nobody", password: "correct horse battery") == nil)
        }
    }

    @Test("API keys are shown once, stored hashed, and authenticate with their roles and scope")
    func apiKeys() async throws {
        try await TestSQLite.withFreshStore { store in
            var fixtures = Fixtures()
            let entity = fixtures.entity()
            try await store.createEntity(entity, context: fixtures.context())
            let access = AccessService(store: store)
            let (key, secret) = try await access.createAPIKey(
                name: "SAP DE", roles: [.integration], scope: .only([entity.id]), context: system)
            #expect(secret.hasPrefix("phk_") && secret.count > 40)
            let principal = try #require(try await access.authenticate(apiKey: secret))
            #expect(principal.actorID == key.id.rawValue && principal.scope == .only([entity.id]))
            #expect(try await access.authenticate(apiKey: secret + "x") == nil)
            let trail = try await store.auditEvents(after: 0, limit: 100).map { ($0.after ?? "") + ($0.before ?? "") }
            #expect(trail.allSatisfy { !$0.contains(secret) }, "the secret is not in the audit trail")
            await #expect(throws: ValidationFailure.self) {
                try await access.createAPIKey(name: "x", roles: [.integration], scope: .only([fixtures.id()]), context: system)
            }
        }
    }

    @Test("only holders of the permission may manage users and keys")
    func managementNeedsPermission() async throws {
        try await TestSQLite.withFreshStore { store in
            let access = AccessService(store: store, bcryptCost: 4)
            let clerk = CallContext(
                principal: Principal(kind: .user, actorID: "usr_clerk", roles: [.apClerk], scope: .all), origin: "test")
            await #expect(throws: AccessDenied.self) {
                try await access.createAPIKey(name: "mine", roles: [.admin], scope: .all, context: clerk)
            }
            await #expect(throws: AccessDenied.self) {
                try await access.addUser(
                    username: "eve", displayName: "Eve", password: "long enough password", roles: [.admin], scope: .all,
                    context: clerk)
            }
        }
    }
}

@Suite("Demo company")
struct DemoCompanyTests {
    @Test("seeds two entities, 20 vendors, 200 payables and payments along the lifecycle, once")
    func seeds() async throws {
        try await TestSQLite.withFreshStore { store in
            let demo = DemoCompany(store: store)
            #expect(try await demo.isEmpty())
            let summary = try await demo.seed()
            #expect(summary.entities.map(\.baseCurrency) == [.eur, .cny])
            #expect(try await store.vendors(VendorFilter(), PageRequest(limit: 1000), scope: .all).items.count == 20)
            let payables = try await store.payables(PayableFilter(), PageRequest(limit: 1000), scope: .all).items
            #expect(payables.count == 200)
            #expect(payables.contains { $0.amount.currency == .cny } && payables.contains { $0.amount.currency == .eur })
            let vendors = try await store.vendors(VendorFilter(), PageRequest(limit: 1000), scope: .all).items
            #expect(vendors.contains { $0.name.unicodeScalars.contains { $0.value >= 0x4E00 && $0.value <= 0x9FFF } })
            #expect(vendors.filter { $0.countryCode == "CN" }.allSatisfy {
                if case .unifiedSocialCreditCode = $0.taxID { true } else { false }
            })
            let counts = try await store.paymentCountsByState()
            #expect(counts[.settled] == 2 && counts[.pendingApproval] == 4 && counts[.rejected] == 2)
            #expect(!(try await demo.isEmpty()))
            #expect(try await AuditVerifier(store: store).verify().firstBreak == nil)
        }
    }

    @Test("its payments went through approval: a policy, approvers in groups, rates, a chain for each pending one")
    func approvals() async throws {
        try await TestSQLite.withFreshStore { store in
            let summary = try await DemoCompany(store: store).seed()
            #expect(summary.policyVersion == 1 && summary.fxRates == 9)
            let approvals = ApprovalService(hub: PaymentHub(store: store))
            let auditor = CallContext(
                principal: Principal(kind: .system, actorID: "test", roles: [.auditor], scope: .all), origin: "test")
            let (stored, policy) = try await approvals.policy(context: auditor)
            #expect(stored?.version == 1 && policy.id == "lindenhof-payments")
            #expect(try policy.rules.contains { $0.conditions.entityIDs == [try #require(summary.entities.last).id] })
            let anna = try #require(try await store.user(username: "anna.schmidt")?.user)
            #expect(try await store.groups(of: anna.id) == ["finance-managers"])
            #expect(summary.users.count == 8 && summary.users.filter { $0.groups == ["finance-managers"] }.count == 3)

            let queue = try await approvals.queue(context: auditor)
            #expect(queue.count == 4, "each payment left pending approval waits in the queue")
            #expect(queue.allSatisfy { $0.round.policyVersion == 1 && $0.approvalsGiven == 0 })
            // The creator of every demo payment is the clerk, so none of them may approve it.
            let clerk = try #require(try await store.user(username: "jana.becker")?.user)
            #expect(queue.allSatisfy { $0.round.initiators.contains(clerk.id.rawValue) })
            let settled = try await store.payments(PaymentFilter(state: .settled), PageRequest(limit: 10), scope: .all)
                .items
            for payment in settled {
                let review = try await approvals.review(payment.id.rawValue, context: auditor)
                #expect(review.round?.status == .approved && !review.actions.isEmpty, "approved by people, then sent")
            }
        }
    }

    @Test("two seeds with one clock hold the same ids, amounts, states and decisions")
    func deterministic() async throws {
        let clock = Clock { Date(timeIntervalSince1970: 1_790_000_000) }
        func snapshot(_ store: any PayHubStore) async throws -> [String] {
            _ = try await DemoCompany(store: store, clock: clock).seed()
            var lines: [String] = []
            for payment in try await store.payments(PaymentFilter(), PageRequest(limit: 100), scope: .all).items {
                let round = try await store.approvalRound(of: payment.id)?.0
                lines.append("\(payment.id) \(payment.amount) \(payment.state) \(round?.ruleID ?? "-")")
            }
            return lines
        }
        let first = try await TestSQLite.withFreshStore { try await snapshot($0) }
        let second = try await TestSQLite.withFreshStore { try await snapshot($0) }
        #expect(first.count == 16 && first == second)
    }
}
