import Foundation
import PayHubDomain
import PayHubStorage

extension DemoCompany {
    /// Adds `count` approved EUR payments of the demo's German entity, one payable each, for load tests of
    /// execution (several `payhub serve` processes sending ten thousand payments) and for demos.
    ///
    /// They are approved by recorded moves (`draft → pending_approval → approved`, each audited, reason
    /// "load test"), not through the policy: what is measured is execution, and ten thousand approval
    /// chains would measure the approval engine instead. Written 500 to a transaction, `lanes` at once.
    public func addApprovedPayments(
        _ count: Int, lanes: Int = 2, progress: @escaping @Sendable (Int, Int) -> Void = { _, _ in }
    ) async throws -> Int {
        guard count > 0 else { return 0 }
        guard
            let entity = try await store.entities(PageRequest(limit: 100), scope: .all).items.first(where: {
                $0.baseCurrency == .eur
            })
        else { throw StorageError(.notFound, target: "demo entity paying in EUR") }
        let accounts = try await store.bankAccounts(
            BankAccountFilter(entityID: entity.id), PageRequest(limit: PageRequest.limitMax), scope: .all
        ).items.filter { $0.currency == .eur }
        guard let debtor = accounts.first(where: { $0.holder == .entity(entity.id) }) else {
            throw StorageError(.notFound, target: "demo debtor account")
        }
        let creditors = accounts.filter { if case .vendor = $0.holder { true } else { false } }
        guard !creditors.isEmpty else { throw StorageError(.notFound, target: "demo vendor account") }

        let start = clock.now()
        let today = try LocalDate(daysSinceEpoch: Int(start.timeIntervalSince1970 / 86_400))
        let audit = AuditContext(actorKind: .system, actorID: "system", origin: "demo load", occurredAt: start)
        // Chunks of 500 in one transaction each, a few chunks at once.
        let chunkSize = 500
        let chunks = stride(from: 0, to: count, by: chunkSize).map { $0..<min($0 + chunkSize, count) }
        let done = Counter()
        let lanes = max(1, min(lanes, chunks.count))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for lane in 0..<lanes {
                group.addTask {
                    var random = SplitMix64(seed: self.seed &+ UInt64(lane) &* 7919 &+ UInt64(start.timeIntervalSince1970))
                    for chunk in stride(from: lane, to: chunks.count, by: lanes).map({ chunks[$0] }) {
                        var pairs: [(Payable, Payment)] = []
                        for index in chunk {
                            let creditor = creditors[index % creditors.count]
                            guard case .vendor(let vendorID) = creditor.holder else { continue }
                            let now = self.clock.now()
                            let payable = try Payable(
                                id: self.clock.newID(), entityID: entity.id, vendorID: vendorID,
                                invoiceNumber: "LOAD-\(Int(start.timeIntervalSince1970))-\(index)", invoiceDate: today,
                                dueDate: try today.adding(days: 30),
                                amount: Money(minorUnits: Int64.random(in: 10_00...9_999_99, using: &random), currency: .eur),
                                source: try SourceReference(
                                    system: "load", externalID: "\(Int(start.timeIntervalSince1970))-\(index)"),
                                createdAt: now)
                            let paymentID: ID<Payment> = self.clock.newID()
                            pairs.append(
                                (
                                    payable,
                                    try Payment(
                                        id: paymentID, endToEndID: EndToEndID.derived(from: paymentID), payables: [payable],
                                        debtorAccount: debtor, creditorAccount: creditor, createdAt: now)
                                ))
                        }
                        try await self.store.createApprovedPayments(pairs, reason: "load test", context: audit)
                        done.add(pairs.count) { progress($0, count) }
                    }
                }
            }
            try await group.waitForAll()
        }
        return count
    }
}

/// A count shared by the load's lanes; progress is reported under its lock, one lane at a time.
private final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0

    func add(_ amount: Int, _ report: (Int) -> Void) {
        lock.withLock {
            value += amount
            report(value)
        }
    }
}
