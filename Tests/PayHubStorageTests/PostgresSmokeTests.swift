import Foundation
import PayHubDomain
import PayHubPostgres
import PayHubStorage
import PayHubTesting
import Testing

/// A first proof that the PostgreSQL adapter works against a real server (see TestPostgres for how one is
/// found). The full, adapter-neutral contract lives in PayHubTesting's StorageContract.
@Suite("PostgreSQL adapter smoke test")
struct PostgresSmokeTests {
    @Test("objects round-trip, keys refuse duplicates, updates are guarded, the audit chain holds")
    func smoke() async throws {
        try await TestPostgres.withFreshStore { store in
            var fixtures = Fixtures()
            #expect(try await store.appliedMigrations() == Schema.migrations.map(\.id))
            try await store.migrate()  // a second start changes nothing
            #expect(try await store.appliedMigrations() == Schema.migrations.map(\.id))

            let world = try await World.make(store, &fixtures)
            #expect(try await store.entity(world.entity.id, scope: .all) == world.entity)
            #expect(try await store.vendor(world.vendor.id, scope: .all) == world.vendor)
            #expect(try await store.bankAccount(world.debtor.id, scope: .all) == world.debtor)
            #expect(try await store.bankAccount(world.creditor.id, scope: .all) == world.creditor)

            let payable = fixtures.payable(of: world.vendor, amount: "1234567.89", source: "sap", externalID: "4711")
            try await store.createPayable(payable, context: fixtures.context())
            #expect(try await store.payable(payable.id, scope: .all) == payable)

            let twin = fixtures.payable(of: world.vendor, source: "sap", externalID: "4711")
            let duplicate = await #expect(throws: StorageError.self) {
                try await store.createPayable(twin, context: fixtures.context())
            }
            #expect(duplicate?.code == .duplicate)
            #expect(duplicate?.target == "payables.source_system")
            #expect(try await store.payable(twin.id, scope: .all) == nil)

            let orphan = try Payable(
                id: fixtures.id(), entityID: world.entity.id, vendorID: fixtures.id(), invoiceNumber: "X-1",
                invoiceDate: LocalDate(iso8601: "2026-11-01"), dueDate: LocalDate(iso8601: "2026-12-01"),
                amount: Money(parsing: "1.00", currency: .eur), source: SourceReference(system: "sap", externalID: "X-1"),
                createdAt: fixtures.now)
            let missing = await #expect(throws: StorageError.self) {
                try await store.createPayable(orphan, context: fixtures.context())
            }
            #expect(missing?.code == .referenceMissing)

            let payment = fixtures.payment(of: [payable], from: world.debtor, to: world.creditor)
            try await store.createPayment(payment, context: fixtures.context())
            #expect(try await store.payment(payment.id, scope: .all) == payment)
            #expect(try await store.payable(payable.id, scope: .all)?.state == .inPayment)
            #expect(try await store.payments(PaymentFilter(), PageRequest(), scope: .all).items == [payment])

            let second = fixtures.payable(of: world.vendor)
            try await store.createPayable(second, context: fixtures.context())
            let clash = try Payment(
                id: fixtures.id(), endToEndID: payment.endToEndID, payables: [second], debtorAccount: world.debtor,
                creditorAccount: world.creditor, createdAt: fixtures.now)
            let e2e = await #expect(throws: StorageError.self) {
                try await store.createPayment(clash, context: fixtures.context())
            }
            #expect(e2e?.code == .duplicate)
            #expect(e2e?.target == "payments.end_to_end_id")
            #expect(try await store.payable(second.id, scope: .all)?.state == .open)

            let submitted = try await store.transitionPayment(
                payment.id, from: .draft, to: .pendingApproval, reason: nil, context: fixtures.context())
            #expect(submitted.state == .pendingApproval)
            let stale = await #expect(throws: StorageError.self) {
                _ = try await store.transitionPayment(
                    payment.id, from: .draft, to: .pendingApproval, reason: nil, context: fixtures.context())
            }
            #expect(stale?.code == .stateChanged)
            #expect(stale?.currentState == "pending_approval")

            // Racing writers: each reads pending_approval, only one guarded UPDATE changes the row.
            let context = fixtures.context()
            let winners = try await withThrowingTaskGroup(of: PaymentState?.self) { group in
                for target in [PaymentState.approved, .rejected, .onHold, .cancelled, .approved, .rejected] {
                    group.addTask {
                        do {
                            return try await store.transitionPayment(
                                payment.id, from: .pendingApproval, to: target, reason: nil, context: context
                            ).state
                        } catch let error as StorageError where error.code == .stateChanged {
                            return nil
                        }
                    }
                }
                return try await group.reduce(into: [PaymentState]()) { if let state = $1 { $0.append(state) } }
            }
            #expect(winners.count == 1)
            #expect(try await store.payment(payment.id, scope: .all)?.state == winners.first)
            #expect(try await store.paymentCountsByState() == [winners[0]: 1])

            let user = try User(
                id: fixtures.id(), username: "li.wei", displayName: "李伟", roles: [.approver], scope: .all,
                createdAt: fixtures.now)
            try await store.createUser(user, passwordHash: "$2b$12$hash", context: fixtures.context())
            #expect(try await store.user(username: "Li.Wei")?.user == user)
            let sameName = try User(
                id: fixtures.id(), username: "li.wei", displayName: "x", roles: [.auditor], scope: .all,
                createdAt: fixtures.now)
            let userTwin = await #expect(throws: StorageError.self) {
                try await store.createUser(sameName, passwordHash: "x", context: fixtures.context())
            }
            #expect(userTwin?.target == "users.username")

            let events = try await store.auditEvents(after: 0, limit: 1000)
            #expect(AuditChain.verify(events) == nil)
            // entity, vendor, 2 accounts, 2 payables, payment, submit, the one winning move, user.
            #expect(events.count == 10)
            #expect(events.map(\.sequence) == Array(1...Int64(events.count)))
            #expect(events.filter { $0.objectID == payment.id.rawValue }.count == 3)
        }
    }

    @Test("a bad URL is refused with a reason and without the password")
    func urlErrors() throws {
        for url in [
            "mysql://u:hunter2@h/db", "postgres://u:hunter2@/db", "postgres://:hunter2@h/db",
            "postgres://u:hunter2@h:5432", "postgres://u:hunter2@h/db?sslmode=prefer", "postgres://u:hunter2@h/db?x=1",
        ] {
            let error = #expect(throws: PostgresURLError.self) { try PostgresURL(url) }
            #expect(error.map { !$0.description.contains("hunter2") } == true, "\(url)")
        }
        let local = try PostgresURL("postgresql://payhub:p%40ss@127.0.0.1:5433/payhub")
        #expect(local.password == "p@ss" && local.port == 5433 && local.database == "payhub" && local.sslMode == .disable)
        #expect(try PostgresURL("postgres://payhub@db.example.com/payhub").sslMode == .require)
        #expect(try PostgresURL("postgres://payhub@db.example.com/payhub?sslmode=disable").sslMode == .disable)
    }
}
