import Foundation
import PayHubDomain
import PayHubStorage

// Shapes only the API shows; the objects themselves are in PayHubStorage's Representations.swift.

struct AuditEventResource: Encodable {
    let sequence: Int64
    let occurredAt: String
    let actorKind: String
    let actorID: String
    let action: String
    let objectType: String
    let objectID: String
    @ExplicitNull var entityID: String?
    @ExplicitNull var before: String?
    @ExplicitNull var after: String?
    let origin: String
    @ExplicitNull var requestID: String?
    let hash: String

    enum CodingKeys: String, CodingKey {
        case sequence, action, before, after, origin, hash
        case occurredAt = "occurred_at"
        case actorKind = "actor_kind"
        case actorID = "actor_id"
        case objectType = "object_type"
        case objectID = "object_id"
        case entityID = "entity_id"
        case requestID = "request_id"
    }

    init(_ event: AuditEvent) {
        sequence = event.sequence
        occurredAt = Timestamp.iso8601(event.occurredAt)
        actorKind = event.actorKind
        actorID = event.actorID
        action = event.action
        objectType = event.objectType
        objectID = event.objectID
        entityID = event.entityID
        before = event.before
        after = event.after
        origin = event.origin
        requestID = event.requestID
        hash = event.hash
    }
}

/// `{"data": [...], "next_cursor": "…" | null}`.
struct ListResource<Item: Encodable>: Encodable {
    let data: [Item]
    @ExplicitNull var nextCursor: String?

    enum CodingKeys: String, CodingKey {
        case data
        case nextCursor = "next_cursor"
    }
}
