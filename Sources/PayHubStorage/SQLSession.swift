import Foundation
import PayHubDomain

/// One open transaction, as the storage features written once in this module see it.
///
/// Features that are a conversation with the database (upsert a batch of ERP records, take an
/// idempotency key, fan events out to webhooks) are written once against this protocol and run
/// unchanged on both adapters, each of which supplies the transaction (see ``SQLTransactionRunner``).
public protocol SQLSession {
    var dialect: Schema.Dialect { get }
    func rows(_ query: SQLQuery) throws -> [any SQLRow]
    /// Runs a statement and returns how many rows it changed.
    @discardableResult func run(_ query: SQLQuery) throws -> Int
    /// Serialises appends to the audit chain and the event feed until this transaction ends. PostgreSQL
    /// takes a transaction-scoped advisory lock; SQLite has a single writer and needs nothing.
    func lockChain() throws
}

/// An adapter that can run the shared features: a write transaction (committed when `body` returns,
/// rolled back when it throws) and a consistent read.
public protocol SQLTransactionRunner: PayHubStore {
    var records: Records { get }
    @discardableResult
    func writeTransaction<Result: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> Result) async throws
        -> Result
    func readTransaction<Result: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> Result) async throws
        -> Result
}

/// Appends audit events, and the feed events they carry, after the heads of both chains.
///
/// The heads are read once, under the chain lock, and then kept here, so a batch of thousands of
/// changes costs one read of each head rather than one per change.
public struct ChainAppender {
    private var auditSequence: Int64
    private var auditHash: String
    private var eventCursor: Int64

    /// Reads both heads; the caller must hold the chain lock (``SQLSession/lockChain()``) already.
    public static let headQueries = (audit: Records.lastAuditEvent, events: Records.lastEventCursor)

    public init(lastAudit: (any SQLRow)?, lastEventCursor: (any SQLRow)?) throws {
        auditSequence = try lastAudit?.integer("sequence") ?? 0
        auditHash = try lastAudit?.text("hash") ?? AuditChain.genesisHash
        eventCursor = try lastEventCursor?.optionalInteger("cursor") ?? 0
    }

    /// Locks the chains and reads their heads in `session`.
    public init(locking session: any SQLSession) throws {
        try session.lockChain()
        try self.init(
            lastAudit: session.rows(Self.headQueries.audit).first,
            lastEventCursor: session.rows(Self.headQueries.events).first)
    }

    /// The statements that append `entry` and its events; the heads advance as if they had run.
    public mutating func statements(for entry: AuditEntry, context: AuditContext, records: Records) -> [SQLQuery] {
        let event = AuditChain.event(entry, context: context, previousSequence: auditSequence, previousHash: auditHash)
        auditSequence = event.sequence
        auditHash = event.hash
        var statements = [records.insert(event)]
        for draft in entry.events {
            eventCursor += 1
            statements.append(records.insert(draft, cursor: eventCursor, at: context.occurredAt))
        }
        return statements
    }

    public mutating func append(_ entry: AuditEntry, context: AuditContext, records: Records, in session: any SQLSession)
        throws
    {
        for statement in statements(for: entry, context: context, records: records) { try session.run(statement) }
    }

    /// Appends many entries with multi-row inserts: a batch of thousands of changes costs a few dozen
    /// statements instead of two per change (and, on PostgreSQL, as few round trips).
    public mutating func append(
        _ entries: [AuditEntry], context: AuditContext, records: Records, in session: any SQLSession
    ) throws {
        // Each entry's place in the chain (sequence, previous hash, hash), and where each feed event is
        // (entry, draft) with its cursor: the entries are bound where they are, not copied into events
        // and drafts of their own first (an import appends 10,000 at a time).
        var links: [AuditLink] = []
        var feed: [FeedEventReference] = []
        links.reserveCapacity(entries.count)
        let occurred = StoredTime.milliseconds(context.occurredAt)
        for index in entries.indices {
            let sequence = auditSequence + 1
            let hash = AuditChain.hash(
                sequence: sequence, occurredAtMilliseconds: occurred, actorKind: context.actorKind.rawValue,
                actorID: context.actorID, action: entries[index].action, objectType: entries[index].objectType,
                objectID: entries[index].objectID, entityID: entries[index].entityID, before: entries[index].before,
                after: entries[index].after, origin: context.origin, requestID: context.requestID,
                previousHash: auditHash)
            links.append(AuditLink(entry: index, sequence: sequence, previousHash: auditHash, hash: hash))
            (auditSequence, auditHash) = (sequence, hash)
            for draft in entries[index].events.indices {
                eventCursor += 1
                feed.append(FeedEventReference(entry: index, draft: draft, cursor: eventCursor))
            }
        }
        for chunk in links.chunks(of: Records.auditRowsPerInsert) {
            try session.run(records.insertAudit(chunk, of: entries, context: context))
        }
        for chunk in feed.chunks(of: Records.eventRowsPerInsert) {
            try session.run(records.insertEvents(chunk, of: entries, at: context.occurredAt))
        }
    }
}

/// An entry's link in the audit chain, by its place among the entries being appended.
struct AuditLink {
    let entry: Int
    let sequence: Int64
    let previousHash: String
    let hash: String
}

/// A feed event by its place among the entries being appended, with the cursor it gets.
struct FeedEventReference {
    let entry: Int
    let draft: Int
    let cursor: Int64
}

extension Array {
    /// Consecutive slices of at most `size` elements.
    func chunks(of size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
