import Foundation
import PayHubDomain
import PayHubStorage

/// What every storage adapter must do, written once and run unchanged against SQLite and PostgreSQL.
///
/// Each check gets a fresh, migrated store and throws ``ContractViolation`` naming what differed.
public struct StorageContract: Sendable, CustomStringConvertible {
    public let name: String
    public let run: @Sendable (any PayHubStore) async throws -> Void

    public var description: String { name }

    public static let all: [StorageContract] = [
        migrationsAreIdempotent, objectsRoundTrip, payableSourceIsUnique, endToEndIDIsUnique,
        guardedTransitionHasOneWinner, illegalTransitionWritesNothing, payablesFollowTheirPayment,
        paymentCannotTakeATakenPayable, openPayablesAreEditable, entityScopeHidesOtherEntities,
        listsPageWithStableCursors, everyWriteAppendsOneChainedAuditEvent, auditTrailRespectsScope, usersAndAPIKeys,
    ] + sync + sanctions + jobs

    static let migrationsAreIdempotent = StorageContract(name: "migrations are idempotent") { store in
        try await store.migrate()
        try await store.migrate()
        try await expect(try await store.appliedMigrations() == Schema.migrations.map(\.id), "applied migrations")
    }

    static let objectsRoundTrip = StorageContract(name: "objects read back as written") { store in
        var fixtures = Fixtures()
        let world = try await World.make(store, &fixtures)
        try await expect(try await store.entity(world.entity.id, scope: .all) == world.entity, "entity")
        try await expect(try await store.vendor(world.vendor.id, scope: .all) == world.vendor, "vendor")
        try await expect(try await store.bankAccount(world.debtor.id, scope: .all) == world.debtor, "debtor account")
        try await expect(try await store.bankAccount(world.creditor.id, scope: .all) == world.creditor, "creditor account")
        let payable = fixtures.payable(of: world.vendor, amount: "1234567.89")
        try await store.createPayable(payable, context: fixtures.context())
        try await expect(try await store.payable(payable.id, scope: .all) == payable, "payable")
        let payment = fixtures.payment(of: [payable], from: world.debtor, to: world.creditor)
        try await store.createPayment(payment, context: fixtures.context())
        try await expect(try await store.payment(payment.id, scope: .all) == payment, "payment")
        try await expect(try await store.payment(fixtures.id(), scope: .all) == nil, "unknown payment is nil")
    }

    static let payableSourceIsUnique = StorageContract(name: "a payable's ERP id is unique") { store in
        var fixtures = Fixtures()
        let world = try await World.make(store, &fixtures)
        let first = fixtures.payable(of: world.vendor, source: "sap", externalID: "4711")
        try await store.createPayable(first, context: fixtures.context())
        let auditBefore = try await store.auditEvents(after: 0, limit: 1000).count
        let second = fixtures.payable(of: world.vendor, source: "sap", externalID: "4711")
        try await expectStorageError(.duplicate, target: "payables.source_system") {
            try await store.createPayable(second, context: fixtures.context())
        }
        try await expect(try await store.payable(second.id, scope: .all) == nil, "rejected payable not stored")
        try await expect(try await store.auditEvents(after: 0, limit: 1000).count == auditBefore, "no audit for a failed write")
        // The same external id from another ERP is a different invoice.
        try await store.createPayable(fixtures.payable(of: world.vendor, source: "kingdee", externalID: "4711"), context: fixtures.context())
    }

    static let endToEndIDIsUnique = StorageContract(name: "a payment's end-to-end id is unique") { store in
        var fixtures = Fixtures()
        let world = try await World.make(store, &fixtures)
        let first = fixtures.payable(of: world.vendor)
        let second = fixtures.payable(of: world.vendor)
        for payable in [first, second] { try await store.createPayable(payable, context: fixtures.context()) }
        let payment = fixtures.payment(of: [first], from: world.debtor, to: world.creditor)
        try await store.createPayment(payment, context: fixtures.context())
        let clash = try Payment(
            id: fixtures.id(), endToEndID: payment.endToEndID, payables: [second], debtorAccount: world.debtor,
            creditorAccount: world.creditor, createdAt: fixtures.now)
        try await expectStorageError(.duplicate, target: "payments.end_to_end_id") {
            try await store.createPayment(clash, context: fixtures.context())
        }
        try await expect(try await store.payable(second.id, scope: .all)?.state == .open, "payable of the failed payment stays open")
    }

    static let guardedTransitionHasOneWinner = StorageContract(name: "of racing transitions exactly one wins") { store in
        var fixtures = Fixtures()
        let world = try await World.make(store, &fixtures)
        let payment = try await world.submittedPayment(store, &fixtures)
        let context = fixtures.context()
        let targets: [PaymentState] = [.approved, .rejected, .onHold, .cancelled, .approved, .rejected, .onHold, .cancelled]
        let outcomes = try await withThrowingTaskGroup(of: PaymentState?.self) { group in
            for target in targets {
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
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let winners = outcomes.compactMap { $0 }
        try await expect(winners.count == 1, "exactly one of \(targets.count) racing writers wins, got \(winners.count)")
        try await expect(try await store.payment(payment.id, scope: .all)?.state == winners.first, "stored state is the winner's")
        let moves = try await store.auditEvents(after: 0, limit: 1000).filter {
            $0.objectID == payment.id.rawValue && $0.action != "payment.created" && $0.action != "payment.pending_approval"
        }
        try await expect(moves.count == 1, "one audit event for the one move, got \(moves.count)")
    }

    static let illegalTransitionWritesNothing = StorageContract(name: "an illegal move is refused and writes nothing") { store in
        var fixtures = Fixtures()
        let world = try await World.make(store, &fixtures)
        let payment = try await world.submittedPayment(store, &fixtures)
        let auditBefore = try await store.auditEvents(after: 0, limit: 1000).count
        do {
            _ = try await store.transitionPayment(payment.id, from: .pendingApproval, to: .settled, reason: nil, context: fixtures.context())
            throw ContractViolation("pending_approval → settled was allowed")
        } catch let error as InvalidTransition {
            try await expect(error.from == .pendingApproval && error.to == .settled, "error names the move")
        }
        try await expect(try await store.payment(payment.id, scope: .all)?.state == .pendingApproval, "state unchanged")
        try await expect(try await store.auditEvents(after: 0, limit: 1000).count == auditBefore, "no audit event")
        // A stale expectation is caught by the guard, not by luck.
        try await expectStorageError(.stateChanged) {
            _ = try await store.transitionPayment(payment.id, from: .draft, to: .pendingApproval, reason: nil, context: fixtures.context())
        }
    }

    static let payablesFollowTheirPayment = StorageContract(name: "payables follow their payment's state") { store in
        var fixtures = Fixtures()
        let world = try await World.make(store, &fixtures)
        let payment = try await world.submittedPayment(store, &fixtures)
        for id in payment.payableIDs {
            try await expect(try await store.payable(id, scope: .all)?.state == .inPayment, "payable taken by the payment")
        }
        _ = try await store.transitionPayment(payment.id, from: .pendingApproval, to: .cancelled, reason: "duplicate invoice", context: fixtures.context())
        for id in payment.payableIDs {
            try await expect(try await store.payable(id, scope: .all)?.state == .open, "payable reopened after cancel")
        }
        let settledPayment = try await world.submittedPayment(store, &fixtures)
        var state = PaymentState.pendingApproval
        for next in [PaymentState.approved, .scheduled, .sent, .accepted, .settled] {
            _ = try await store.transitionPayment(settledPayment.id, from: state, to: next, reason: nil, context: fixtures.context())
            state = next
        }
        for id in settledPayment.payableIDs {
            try await expect(try await store.payable(id, scope: .all)?.state == .paid, "payable paid after settlement")
        }
    }

    static let paymentCannotTakeATakenPayable = StorageContract(name: "two payments cannot take one payable") { store in
        var fixtures = Fixtures()
        let world = try await World.make(store, &fixtures)
        let payable = fixtures.payable(of: world.vendor)
        try await store.createPayable(payable, context: fixtures.context())
        let first = fixtures.payment(of: [payable], from: world.debtor, to: world.creditor)
        let second = fixtures.payment(of: [payable], from: world.debtor, to: world.creditor)
        try await store.createPayment(first, context: fixtures.context())
        try await expectStorageError(.payableNotOpen) {
            try await store.createPayment(second, context: fixtures.context())
        }
        try await expect(try await store.payment(second.id, scope: .all) == nil, "second payment rolled back")
    }

    static let openPayablesAreEditable = StorageContract(name: "only open payables can change") { store in
        var fixtures = Fixtures()
        let world = try await World.make(store, &fixtures)
        var payable = fixtures.payable(of: world.vendor)
        try await store.createPayable(payable, context: fixtures.context())
        payable.amount = try Money(parsing: "99.95", currency: .eur)
        try await store.updatePayable(payable, context: fixtures.context())
        try await expect(try await store.payable(payable.id, scope: .all)?.amount == payable.amount, "amount updated")
        let payment = fixtures.payment(of: [payable], from: world.debtor, to: world.creditor)
        try await store.createPayment(payment, context: fixtures.context())
        payable.amount = try Money(parsing: "1.00", currency: .eur)
        try await expectStorageError(.notEditable, target: "payable") {
            try await store.updatePayable(payable, context: fixtures.context())
        }
    }

    static let entityScopeHidesOtherEntities = StorageContract(name: "an entity scope hides other entities") { store in
        var fixtures = Fixtures()
        let germany = try await World.make(store, &fixtures)
        let china = try await World.make(store, &fixtures, currency: .cny, country: "CN")
        let germanPayment = try await germany.submittedPayment(store, &fixtures)
        let chinaOnly = EntityScope.only([china.entity.id])
        try await expect(try await store.entity(germany.entity.id, scope: chinaOnly) == nil, "entity hidden")
        try await expect(try await store.vendor(germany.vendor.id, scope: chinaOnly) == nil, "vendor hidden")
        try await expect(try await store.bankAccount(germany.debtor.id, scope: chinaOnly) == nil, "account hidden")
        try await expect(try await store.payable(germanPayment.payableIDs[0], scope: chinaOnly) == nil, "payable hidden")
        try await expect(try await store.payment(germanPayment.id, scope: chinaOnly) == nil, "payment hidden")
        let listed = try await store.payables(PayableFilter(), PageRequest(limit: 1000), scope: chinaOnly).items
        try await expect(listed.allSatisfy { $0.entityID == china.entity.id }, "list shows only the scope's entity")
        try await expect(try await store.entities(PageRequest(), scope: chinaOnly).items.map(\.id) == [china.entity.id], "entities")
        try await expect(try await store.payments(PaymentFilter(), PageRequest(), scope: .only([])).items.isEmpty, "empty scope sees nothing")
    }

    static let listsPageWithStableCursors = StorageContract(name: "lists page by cursor, filters apply") { store in
        var fixtures = Fixtures()
        let world = try await World.make(store, &fixtures)
        var created: [Payable] = []
        for index in 0..<7 {
            var payable = fixtures.payable(of: world.vendor)
            payable.dueDate = try LocalDate(iso8601: "2026-12-0\(index + 1)")
            try await store.createPayable(payable, context: fixtures.context())
            created.append(payable)
        }
        var seen: [ID<Payable>] = []
        var after: String? = nil
        var pages = 0
        repeat {
            let page = try await store.payables(PayableFilter(), PageRequest(limit: 3, afterID: after), scope: .all)
            seen += page.items.map(\.id)
            after = page.nextAfterID
            pages += 1
            // A concurrent insert must not disturb the pages already being walked.
            if pages == 1 { try await store.createPayable(fixtures.payable(of: world.vendor), context: fixtures.context()) }
        } while after != nil && pages < 10
        try await expect(Set(created.map(\.id)).isSubset(of: Set(seen)), "every payable listed")
        try await expect(seen == seen.sorted(), "ordered by id")
        try await expect(Set(seen).count == seen.count, "no payable twice")
        let ranged = try await store.payables(
            PayableFilter(dueDateFrom: LocalDate(iso8601: "2026-12-02"), dueDateTo: LocalDate(iso8601: "2026-12-04")),
            PageRequest(), scope: .all)
        try await expect(ranged.items.count == 3, "due date range is inclusive, got \(ranged.items.count)")
        let none = try await store.payables(PayableFilter(state: .paid), PageRequest(), scope: .all)
        try await expect(none.items.isEmpty && none.nextAfterID == nil, "state filter")
    }

    static let everyWriteAppendsOneChainedAuditEvent = StorageContract(name: "every write appends one chained audit event") { store in
        var fixtures = Fixtures()
        let world = try await World.make(store, &fixtures)
        let payment = try await world.submittedPayment(store, &fixtures)
        let events = try await store.auditEvents(after: 0, limit: 1000)
        // entity, vendor, 2 accounts, 1 payable, payment created, payment submitted.
        try await expect(events.count == 7, "seven writes, seven events; got \(events.count)")
        try await expect(
            events.map(\.action) == [
                "entity.created", "vendor.created", "bank_account.created", "bank_account.created",
                "payable.created", "payment.created", "payment.pending_approval",
            ], "actions in order: \(events.map(\.action))")
        try await expect(AuditChain.verify(events) == nil, "chain verifies")
        try await expect(events.last?.objectID == payment.id.rawValue && events.last?.requestID == "req-test", "stamped")
        let joined = events.map { ($0.before ?? "") + ($0.after ?? "") }.joined()
        try await expect(!joined.contains(world.debtor.accountNumber.value), "no clear account number in the trail")
        let tail = try await store.auditEvents(after: 5, limit: 1)
        try await expect(tail.map(\.sequence) == [6], "paging the trail")
    }

    static let auditTrailRespectsScope = StorageContract(name: "the audit trail shows a scope only its own entities") { store in
        var fixtures = Fixtures()
        let germany = try await World.make(store, &fixtures)
        let china = try await World.make(store, &fixtures, currency: .cny, country: "CN")
        let chinaOnly = try await store.auditEvents(after: 0, limit: 1000, scope: .only([china.entity.id]))
        try await expect(chinaOnly.count == 4 && chinaOnly.allSatisfy { $0.entityID == china.entity.id.rawValue }, "only China's events")
        let germanyOnly = try await store.auditEvents(after: 0, limit: 1000, scope: .only([germany.entity.id]))
        try await expect(germanyOnly.map(\.sequence) == [1, 2, 3, 4], "Germany's events, in order")
        try await expect(try await store.auditEvents(after: 0, limit: 1000, scope: .only([])).isEmpty, "empty scope")
        try await expect(try await store.auditEvents(after: 0, limit: 1000).count == 8, "the whole trail")
    }

    static let usersAndAPIKeys = StorageContract(name: "users and API keys") { store in
        var fixtures = Fixtures()
        let user = try User(id: fixtures.id(), username: "Li.Wei", displayName: "李伟", roles: [.approver], scope: .all, createdAt: fixtures.now)
        try await store.createUser(user, passwordHash: "$2b$12$hash", context: fixtures.context())
        let stored = try await store.user(username: "li.wei")
        try await expect(stored?.user == user && stored?.passwordHash == "$2b$12$hash", "user by username")
        try await expect(try await store.user(user.id) == user, "user by id")
        let twin = try User(id: fixtures.id(), username: "li.wei", displayName: "x", roles: [.auditor], scope: .all, createdAt: fixtures.now)
        try await expectStorageError(.duplicate, target: "users.username") {
            try await store.createUser(twin, passwordHash: "x", context: fixtures.context())
        }
        let entity = fixtures.entity()
        try await store.createEntity(entity, context: fixtures.context())
        let key = APIKey(id: fixtures.id(), name: "SAP DE", roles: [.integration], scope: .only([entity.id]), createdAt: fixtures.now)
        try await store.createAPIKey(key, secretHash: "abc123", context: fixtures.context())
        try await expect(try await store.apiKey(secretHash: "abc123") == key, "key by hash")
        try await expect(try await store.apiKey(secretHash: "abc124") == nil, "unknown hash")
    }
}

/// An entity with a debtor account and a vendor with an account: what most checks start from.
public struct World: Sendable {
    public let entity: LegalEntity
    public let vendor: Vendor
    public let debtor: BankAccount
    public let creditor: BankAccount

    public static func make(
        _ store: any PayHubStore, _ fixtures: inout Fixtures, currency: Currency = .eur, country: String = "DE"
    ) async throws -> World {
        let entity = fixtures.entity(country: country, currency: currency)
        let vendor = fixtures.vendor(of: entity)
        let debtor = fixtures.entityAccount(of: entity)
        let creditor = fixtures.vendorAccount(of: vendor, currency: currency)
        let context = fixtures.context()
        try await store.createEntity(entity, context: context)
        try await store.createVendor(vendor, context: context)
        try await store.createBankAccount(debtor, context: context)
        try await store.createBankAccount(creditor, context: context)
        return World(entity: entity, vendor: vendor, debtor: debtor, creditor: creditor)
    }

    /// A new payable and a payment for it, submitted for approval.
    public func submittedPayment(_ store: any PayHubStore, _ fixtures: inout Fixtures) async throws -> Payment {
        let payable = fixtures.payable(of: vendor, currency: entity.baseCurrency)
        try await store.createPayable(payable, context: fixtures.context())
        let payment = fixtures.payment(of: [payable], from: debtor, to: creditor)
        try await store.createPayment(payment, context: fixtures.context())
        return try await store.transitionPayment(payment.id, from: .draft, to: .pendingApproval, reason: nil, context: fixtures.context())
    }
}

public struct ContractViolation: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

func expect(_ condition: @autoclosure () async throws -> Bool, _ what: String) async throws {
    guard try await condition() else { throw ContractViolation("expected: \(what)") }
}

func expectStorageError(_ code: StorageError.Code, target: String, _ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as StorageError {
        guard error.code == code, error.target == target else {
            throw ContractViolation("expected \(code.rawValue) on \(target), got \(error.code.rawValue) on \(error.target)")
        }
        return
    }
    throw ContractViolation("expected \(code.rawValue) on \(target), but the write succeeded")
}

func expectStorageError(_ code: StorageError.Code, _ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as StorageError {
        guard error.code == code else {
            throw ContractViolation("expected \(code.rawValue), got \(error.code.rawValue) on \(error.target)")
        }
        return
    }
    throw ContractViolation("expected \(code.rawValue), but the write succeeded")
}
