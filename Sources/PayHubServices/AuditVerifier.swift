import PayHubStorage

/// Walks the whole audit trail in pages and checks every link of its hash chain.
public struct AuditVerifier: Sendable {
    let store: any PayHubStore
    /// Events read per round trip; bounded so a long trail never has to fit in memory.
    let pageSizeMax: Int

    public init(store: any PayHubStore, pageSizeMax: Int = 1000) {
        self.store = store
        self.pageSizeMax = pageSizeMax
    }

    public struct Report: Sendable, Hashable {
        public var eventsChecked: Int
        /// The first event that breaks the chain, or nil when the whole trail holds.
        public var firstBreak: AuditChainBreak?
    }

    public func verify(progress: (Int) -> Void = { _ in }) async throws -> Report {
        var checked = 0
        var lastSequence: Int64 = 0
        var lastHash = AuditChain.genesisHash
        while true {
            let events = try await store.auditEvents(after: lastSequence, limit: pageSizeMax)
            if let broken = AuditChain.verify(events, previousSequence: lastSequence, previousHash: lastHash) {
                return Report(eventsChecked: checked, firstBreak: broken)
            }
            guard let last = events.last else { break }
            checked += events.count
            lastSequence = last.sequence
            lastHash = last.hash
            progress(checked)
            if events.count < pageSizeMax { break }
        }
        return Report(eventsChecked: checked, firstBreak: nil)
    }
}
