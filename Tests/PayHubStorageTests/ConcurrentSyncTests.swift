import Foundation
import PayHubDomain
import PayHubStorage
import PayHubTesting
import Testing

/// What several PayHub processes on one database do at once: on PostgreSQL each request has its own
/// connection and transaction, so these races are real.
@Suite("Concurrent ERP sync")
struct ConcurrentSyncTests {
    @Test("eight concurrent claims of one idempotency key: exactly one proceeds", arguments: Engine.allCases)
    func concurrentClaims(engine: Engine) async throws {
        try await engine.withFreshStore { store in
            for round in 0..<5 {
                let request = IdempotentRequest(
                    actorID: "key_erp", key: "run-\(round)", requestHash: "same", now: Date())
                let claims = try await withThrowingTaskGroup(of: IdempotencyClaim.self) { group in
                    for _ in 0..<8 { group.addTask { try await store.claimIdempotencyKey(request) } }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                #expect(claims.filter { $0 == .proceed }.count == 1, "round \(round): \(claims)")
                #expect(claims.filter { $0 == .inProgress }.count == 7)
            }
        }
    }

    @Test("the same ERP batch upserted by four writers at once creates each payable once", arguments: Engine.allCases)
    func concurrentUpserts(engine: Engine) async throws {
        try await engine.withFreshStore { store in
            var fixtures = Fixtures()
            let world = try await World.make(store, &fixtures)
            let vendor = try Vendor(
                id: fixtures.id(), entityID: world.entity.id, name: "Parallel GmbH", countryCode: "DE",
                source: SourceReference(system: "sap", externalID: "V-PAR"), createdAt: fixtures.now)
            try await store.createVendor(vendor, context: fixtures.context())
            var batches: [SyncBatch] = []
            for _ in 0..<4 {
                var items: [PayableUpsert] = []
                for index in 0..<50 {
                    var payable = fixtures.payable(of: vendor, amount: "10.00", source: "sap", externalID: "PAR-\(index)")
                    payable.invoiceNumber = "RE-\(index)"
                    items.append(PayableUpsert(payable: payable, vendor: .id(vendor.id)))
                }
                batches.append(SyncBatch(payables: items))
            }
            let context = fixtures.context()
            // A writer that lost the race to insert a key sees the unique constraint; it retries, as the
            // API's caller (the ERP) would, and then finds the row.
            let results = try await withThrowingTaskGroup(of: SyncResult.self) { group in
                for batch in batches {
                    group.addTask {
                        for attempt in 0..<3 {
                            do {
                                return try await store.sync(batch, context: context)
                            } catch let error as StorageError where error.code == .duplicate && attempt < 2 {
                                continue
                            }
                        }
                        throw StorageError(.duplicate, target: "payables")
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let statuses = results.flatMap { $0.payables.map(\.status) }
            #expect(statuses.filter { $0 == .created }.count == 50, "each payable created once")
            #expect(statuses.filter { $0 == .unchanged }.count == 150, "the others found it")
            let stored = try await store.payables(PayableFilter(vendorID: vendor.id), PageRequest(limit: 1000), scope: .all)
            #expect(stored.items.count == 50)
            let events = try await store.events(after: 0, limit: 1000, filter: EventFilter(types: ["payable.created"]), scope: .all)
            #expect(events.count == 50, "one event per payable")
            #expect(events.map(\.cursor) == events.map(\.cursor).sorted(), "in cursor order")
            let trail = try await store.auditEvents(after: 0, limit: 10_000)
            #expect(AuditChain.verify(trail) == nil, "the audit chain holds under concurrent writers")
        }
    }
}
