import Foundation
import PayHubDomain

/// What an ERP is told about a change: written by the store in the same transaction as the change and
/// its audit event, so there is never an event for a change that rolled back, nor a change without one.
public struct EventDraft: Sendable, Hashable {
    /// `<object>.<what happened>`: `payable.created`, `payment.approved`, `payable.reopened`.
    public var type: String
    public var objectType: String
    public var objectID: String
    public var entityID: String?
    /// The object as `GET` returns it, in ``CanonicalJSON``.
    public var objectJSON: String
    /// What changed, e.g. `{"state":"accepted"}`; nil for a creation.
    public var previousJSON: String?

    public init(
        type: String, objectType: String, objectID: String, entityID: String?, objectJSON: String,
        previousJSON: String? = nil
    ) {
        self.type = type
        self.objectType = objectType
        self.objectID = objectID
        self.entityID = entityID
        self.objectJSON = objectJSON
        self.previousJSON = previousJSON
    }

    public static func payable(_ payable: Payable, _ what: String, previousState: PayableState? = nil) -> EventDraft {
        EventDraft(
            type: "payable.\(what)", objectType: "payable", objectID: payable.id.rawValue,
            entityID: payable.entityID.rawValue, objectJSON: PayableResource.canonicalJSON(payable),
            previousJSON: previousState.map { CanonicalJSON.string(["state": $0.rawValue]) })
    }

    /// A payable moved by its payment: taken (`payable.in_payment`), paid, or freed again (`payable.reopened`).
    public static func payableMoved(_ payable: Payable, from previous: PayableState) -> EventDraft {
        .payable(payable, payable.state == .open ? "reopened" : payable.state.rawValue, previousState: previous)
    }

    public static func paymentCreated(_ payment: Payment) -> EventDraft {
        EventDraft(
            type: "payment.created", objectType: "payment", objectID: payment.id.rawValue,
            entityID: payment.entityID.rawValue, objectJSON: CanonicalJSON.string(PaymentResource(payment)))
    }

    /// A lifecycle move, named after the state reached, with the state left and the reason given.
    public static func paymentMoved(_ payment: Payment, from previous: PaymentState, reason: String?) -> EventDraft {
        var previousFields = ["state": previous.rawValue]
        if let reason { previousFields["reason"] = reason }
        return EventDraft(
            type: "payment.\(payment.state.rawValue)", objectType: "payment", objectID: payment.id.rawValue,
            entityID: payment.entityID.rawValue, objectJSON: CanonicalJSON.string(PaymentResource(payment)),
            previousJSON: CanonicalJSON.string(previousFields))
    }
}

/// An event as stored, with its place in the feed.
public struct FeedEvent: Identified, Sendable, Hashable {
    public static let idPrefix = "evt"

    public let id: ID<FeedEvent>
    /// Strictly increasing in commit order, without reuse; `GET /api/v1/events?after=` continues from it.
    public let cursor: Int64
    public let type: String
    public let objectType: String
    public let objectID: String
    public let entityID: String?
    public let createdAt: Date
    public let objectJSON: String
    public let previousJSON: String?

    public init(
        id: ID<FeedEvent>, cursor: Int64, type: String, objectType: String, objectID: String, entityID: String?,
        createdAt: Date, objectJSON: String, previousJSON: String?
    ) {
        self.id = id
        self.cursor = cursor
        self.type = type
        self.objectType = objectType
        self.objectID = objectID
        self.entityID = entityID
        self.createdAt = createdAt
        self.objectJSON = objectJSON
        self.previousJSON = previousJSON
    }

    /// The event as the API lists it and as a webhook delivers it, byte for byte:
    /// `{"created_at":…,"cursor":…,"data":{"object":{…},"previous":{…}},"id":"evt_…","type":…}`.
    ///
    /// The object is spliced in as stored rather than decoded and re-encoded, so what was committed with
    /// the change is exactly what is signed and sent.
    public var json: String {
        let previous = previousJSON.map { ",\"previous\":\($0)" } ?? ""
        return "{\"created_at\":\(CanonicalJSON.string(Timestamp.iso8601(createdAt)))"
            + ",\"cursor\":\(CanonicalJSON.string(String(cursor)))"
            + ",\"data\":{\"object\":\(objectJSON)\(previous)}"
            + ",\"id\":\(CanonicalJSON.string(id.rawValue))"
            + ",\"type\":\(CanonicalJSON.string(type))}"
    }
}

/// Which events a reader wants: by type (`payment.*` or an exact type) and by entity scope.
public struct EventFilter: Sendable, Hashable {
    /// Exact types or prefixes ending in `.*`; empty means every type.
    public var types: [String]

    public init(types: [String] = []) { self.types = types }

    /// Parses `payment.*,payable.created`, refusing anything that is not `word.word` or `word.*`.
    public init(parsing text: String) throws(FieldError) {
        let patterns = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        for pattern in patterns where !Self.isValid(pattern) {
            throw FieldError(
                path: "types", code: "invalid_event_type",
                message: "event types look like payment.settled or payment.*, not \(pattern.prefix(40))")
        }
        types = patterns
    }

    public func matches(_ type: String) -> Bool {
        types.isEmpty
            || types.contains { pattern in
                pattern == "*" || pattern == type
                    || (pattern.hasSuffix(".*") && type.hasPrefix(pattern.dropLast()))
            }
    }

    private static func isValid(_ pattern: String) -> Bool {
        if pattern == "*" { return true }
        let parts = pattern.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return false }
        let word = { (part: Substring) in
            !part.isEmpty && part.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || $0 == 95 }
        }
        return word(parts[0]) && (parts[1] == "*" || word(parts[1]))
    }

    /// The SQL condition for the types, with its binds; nil when every type is wanted.
    func sqlCondition() -> (String, [SQLValue])? {
        guard !types.isEmpty, !types.contains("*") else { return nil }
        var clauses: [String] = []
        var binds: [SQLValue] = []
        for pattern in types {
            if pattern.hasSuffix(".*") {
                // Type names are [a-z_.] only (checked above), so LIKE needs no escaping but the `_`.
                clauses.append("type LIKE ? ESCAPE '!'")
                binds.append(.text(pattern.dropLast().replacingOccurrences(of: "_", with: "!_") + "%"))
            } else {
                clauses.append("type = ?")
                binds.append(.text(pattern))
            }
        }
        return ("(" + clauses.joined(separator: " OR ") + ")", binds)
    }
}

extension Records {
    public static let lastEventCursor = SQLQuery("SELECT MAX(cursor) AS cursor FROM events")

    public func insert(_ draft: EventDraft, cursor: Int64, at date: Date) -> SQLQuery {
        var generator = SystemRandomNumberGenerator()
        let id = ID<FeedEvent>.generate(millisecondsSinceEpoch: UInt64(StoredTime.milliseconds(date)), using: &generator)
        return SQLQuery(
            """
            INSERT INTO events (cursor, id, type, object_type, object_id, entity_id, created_at, object_json,
                previous_json)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                .integer(cursor), .text(id.rawValue), .text(draft.type), .text(draft.objectType), .text(draft.objectID),
                SQLValue(draft.entityID), .integer(StoredTime.milliseconds(date)), .text(draft.objectJSON),
                SQLValue(draft.previousJSON),
            ])
    }

    /// Rows per multi-row insert: 9 values each, within the same limits as the payables'.
    static let eventRowsPerInsert = 400

    /// Several events in one statement, each with its cursor, read from the entries they belong to.
    func insertEvents(_ references: ArraySlice<FeedEventReference>, of entries: [AuditEntry], at date: Date) -> SQLQuery {
        var generator = IDRandomness()
        let created = StoredTime.milliseconds(date)
        var binds: [SQLValue] = []
        binds.reserveCapacity(references.count * 9)
        for reference in references {
            let id = ID<FeedEvent>.generate(
                millisecondsSinceEpoch: UInt64(created), sequence: UInt32(truncatingIfNeeded: reference.cursor),
                using: &generator)
            binds.append(.integer(reference.cursor))
            binds.append(.text(id.rawValue))
            binds.append(.text(entries[reference.entry].events[reference.draft].type))
            binds.append(.text(entries[reference.entry].events[reference.draft].objectType))
            binds.append(.text(entries[reference.entry].events[reference.draft].objectID))
            binds.append(SQLValue(entries[reference.entry].events[reference.draft].entityID))
            binds.append(.integer(created))
            binds.append(.text(entries[reference.entry].events[reference.draft].objectJSON))
            binds.append(SQLValue(entries[reference.entry].events[reference.draft].previousJSON))
        }
        return SQLQuery(Self.eventsInsert.sql(rows: references.count), binds)
    }

    private static let eventsInsert = MultiRowInsertSQL(
        """
        INSERT INTO events (cursor, id, type, object_type, object_id, entity_id, created_at, object_json,
            previous_json)
        """, columns: 9)

    /// Events after `cursor` in feed order, of the entities in `scope`.
    public static func events(after cursor: Int64, limit: Int, filter: EventFilter, scope: EntityScope) -> SQLQuery {
        var conditions = ["cursor > ?"]
        var binds: [SQLValue] = [.integer(cursor)]
        if let (condition, typeBinds) = filter.sqlCondition() {
            conditions.append(condition)
            binds += typeBinds
        }
        if case .only(let entities) = scope {
            let placeholders = Array(repeating: "?", count: max(entities.count, 1)).joined(separator: ", ")
            conditions.append("entity_id IN (\(placeholders))")
            binds += entities.isEmpty ? [.text("")] : entities.map(\.rawValue).sorted().map(SQLValue.text)
        }
        return SQLQuery(
            "SELECT * FROM events WHERE \(conditions.joined(separator: " AND ")) ORDER BY cursor LIMIT ?",
            binds + [.integer(Int64(limit))])
    }

    public func feedEvent(from row: some SQLRow) throws -> FeedEvent {
        FeedEvent(
            id: try ID(row.text("id")), cursor: try row.integer("cursor"), type: try row.text("type"),
            objectType: try row.text("object_type"), objectID: try row.text("object_id"),
            entityID: try row.optionalText("entity_id"), createdAt: StoredTime.date(try row.integer("created_at")),
            objectJSON: try row.text("object_json"), previousJSON: try row.optionalText("previous_json"))
    }

    public func payables(_ ids: [ID<Payable>]) -> SQLQuery {
        let placeholders = Array(repeating: "?", count: ids.count).joined(separator: ", ")
        return SQLQuery("SELECT * FROM payables WHERE id IN (\(placeholders)) ORDER BY id", ids.map { .text($0.rawValue) })
    }
}

extension SQLTransactionRunner {
    public func events(after cursor: Int64, limit: Int, filter: EventFilter, scope: EntityScope) async throws
        -> [FeedEvent]
    {
        let records = self.records
        return try await readTransaction { session in
            try session.rows(Records.events(after: cursor, limit: limit, filter: filter, scope: scope))
                .map { try records.feedEvent(from: $0) }
        }
    }

    /// The cursor of the newest event; 0 when there is none.
    public func feedHead() async throws -> Int64 {
        try await readTransaction { session in
            try session.rows(Records.lastEventCursor).first?.optionalInteger("cursor") ?? 0
        }
    }

    /// Where a consumer of the feed (a result-file writer) has read up to; 0 before its first read.
    public func feedCursor(_ consumer: String) async throws -> Int64 {
        try await readTransaction { session in
            try session.rows(SQLQuery("SELECT event_cursor FROM feed_cursors WHERE consumer = ?", [.text(consumer)]))
                .first?.integer("event_cursor") ?? 0
        }
    }

    /// Moves a consumer's cursor from `expected` to `cursor`, refusing if another instance moved it first.
    public func advanceFeedCursor(_ consumer: String, from expected: Int64, to cursor: Int64, at date: Date) async throws {
        try await writeTransaction { session in
            let changed =
                expected == 0
                ? try session.run(
                    SQLQuery(
                        "INSERT INTO feed_cursors (consumer, event_cursor, updated_at) VALUES (?, ?, ?)",
                        [.text(consumer), .integer(cursor), .integer(StoredTime.milliseconds(date))]))
                : try session.run(
                    SQLQuery(
                        "UPDATE feed_cursors SET event_cursor = ?, updated_at = ? WHERE consumer = ? AND event_cursor = ?",
                        [.integer(cursor), .integer(StoredTime.milliseconds(date)), .text(consumer), .integer(expected)]))
            guard changed == 1 else { throw StorageError(.stateChanged, target: "feed_cursor", currentState: consumer) }
        }
    }
}
