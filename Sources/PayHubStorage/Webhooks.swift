import Foundation
import PayHubDomain

/// Where an ERP wants events pushed, and which.
public struct WebhookSubscription: Identified, Sendable, Hashable {
    public static let idPrefix = "whk"

    public let id: ID<WebhookSubscription>
    public var url: URL
    public var filter: EventFilter
    public var description: String?
    /// The HMAC key deliveries are signed with. Sealed at rest like account numbers; shown once, at creation.
    public var secret: String
    /// Only events of these entities are delivered: the scope of whoever created the subscription.
    public var scope: EntityScope
    public var active: Bool
    public var createdBy: String
    public var createdAt: Date

    public init(
        id: ID<WebhookSubscription>, url: URL, filter: EventFilter, description: String?, secret: String,
        scope: EntityScope, active: Bool = true, createdBy: String, createdAt: Date
    ) {
        self.id = id
        self.url = url
        self.filter = filter
        self.description = description
        self.secret = secret
        self.scope = scope
        self.active = active
        self.createdBy = createdBy
        self.createdAt = createdAt
    }
}

/// One event on its way to one subscription: the transactional outbox row.
public struct WebhookDelivery: Identified, Sendable, Hashable {
    public static let idPrefix = "dlv"

    public enum State: String, Sendable, Hashable, Codable, CaseIterable {
        case pending, delivered
        /// Given up after the retry window: kept for people to look at and replay.
        case dead
    }

    public let id: ID<WebhookDelivery>
    public var subscriptionID: ID<WebhookSubscription>
    public var eventCursor: Int64
    public var state: State
    public var attempts: Int
    public var nextAttemptAt: Date
    public var firstAttemptAt: Date?
    public var lastStatus: Int?
    public var lastError: String?
    public var deliveredAt: Date?
    public var createdAt: Date
}

/// A delivery leased to one sender, with what it needs to send.
public struct DeliveryJob: Sendable, Hashable {
    public var delivery: WebhookDelivery
    public var subscription: WebhookSubscription
    public var event: FeedEvent
}

/// One try at delivering, as the delivery log shows it.
public struct DeliveryAttempt: Sendable, Hashable {
    public var deliveryID: ID<WebhookDelivery>
    public var attempt: Int
    public var attemptedAt: Date
    public var durationMilliseconds: Int64
    /// The receiver's HTTP status, or nil when there was none (refused, timed out).
    public var status: Int?
    /// Why it failed without a status: `timeout`, `connection refused`…
    public var error: String?

    public init(
        deliveryID: ID<WebhookDelivery>, attempt: Int, attemptedAt: Date, durationMilliseconds: Int64, status: Int?,
        error: String?
    ) {
        self.deliveryID = deliveryID
        self.attempt = attempt
        self.attemptedAt = attemptedAt
        self.durationMilliseconds = durationMilliseconds
        self.status = status
        self.error = error
    }

    public var succeeded: Bool { status.map { (200..<300).contains($0) } ?? false }
}

/// When to try again: exponential backoff from `base`, doubling up to `cap`, plus up to 20 % jitter so
/// that a receiver coming back is not hit by every retry at once; once `giveUpAfter` has passed since the
/// first attempt, the delivery is dead-lettered. Whole milliseconds throughout, like every stored time.
public struct RetrySchedule: Sendable, Hashable {
    public var base: Duration
    public var cap: Duration
    public var giveUpAfter: Duration

    public init(base: Duration = .seconds(30), cap: Duration = .seconds(6 * 3600), giveUpAfter: Duration = .seconds(3 * 24 * 3600)) {
        self.base = base
        self.cap = cap
        self.giveUpAfter = giveUpAfter
    }

    public static let standard = RetrySchedule()

    /// The time of the next attempt after `failures` failed attempts, or nil to give up.
    /// `jitterPercent` (0 to 20) comes from the caller, so tests can fix it.
    public func nextAttempt(afterFailures failures: Int, firstAttempt: Date, now: Date, jitterPercent: Int) -> Date? {
        let baseMS = Self.milliseconds(base)
        let capMS = Self.milliseconds(cap)
        var delay = baseMS
        for _ in 1..<max(failures, 1) where delay < capMS { delay *= 2 }
        delay = min(delay, capMS)
        delay += delay * Int64(min(max(jitterPercent, 0), 20)) / 100
        let nextMS = StoredTime.milliseconds(now) + delay
        guard nextMS - StoredTime.milliseconds(firstAttempt) <= Self.milliseconds(giveUpAfter) else { return nil }
        return StoredTime.date(nextMS)
    }

    private static func milliseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    }
}

extension Records {
    func webhook(from row: some SQLRow) throws -> WebhookSubscription {
        let id = try row.text("id")
        guard let url = URL(string: try row.text("url")) else { throw StorageError(.corruptRow, target: "webhooks.url") }
        return WebhookSubscription(
            id: try ID(id), url: url, filter: EventFilter(types: try row.text("event_types").split(separator: ",").map(String.init)),
            description: try row.optionalText("description"),
            secret: try cipher.open(try row.blob("secret_sealed"), rowID: id),
            scope: try Self.decodeScope(row.text("entity_scope")), active: try row.integer("active") == 1,
            createdBy: try row.text("created_by"), createdAt: StoredTime.date(try row.integer("created_at")))
    }

    func delivery(from row: some SQLRow) throws -> WebhookDelivery {
        guard let state = WebhookDelivery.State(rawValue: try row.text("state")) else {
            throw StorageError(.corruptRow, target: "webhook_deliveries.state")
        }
        return WebhookDelivery(
            id: try ID(row.text("id")), subscriptionID: try ID(row.text("subscription_id")),
            eventCursor: try row.integer("event_cursor"), state: state, attempts: Int(try row.integer("attempts")),
            nextAttemptAt: StoredTime.date(try row.integer("next_attempt_at")),
            firstAttemptAt: try row.optionalInteger("first_attempt_at").map(StoredTime.date),
            lastStatus: try row.optionalInteger("last_status").map { Int($0) }, lastError: try row.optionalText("last_error"),
            deliveredAt: try row.optionalInteger("delivered_at").map(StoredTime.date),
            createdAt: StoredTime.date(try row.integer("created_at")))
    }
}

extension AuditEntry {
    static func created(_ webhook: WebhookSubscription) -> AuditEntry {
        AuditEntry(
            action: "webhook.created", objectType: "webhook", objectID: webhook.id.rawValue,
            after: AuditSnapshot.json([
                "url": webhook.url.absoluteString, "event_types": webhook.filter.types.joined(separator: ","),
                "entities": Records.encode(webhook.scope),
            ]))
    }

    static func webhookActive(_ webhook: WebhookSubscription) -> AuditEntry {
        AuditEntry(
            action: webhook.active ? "webhook.enabled" : "webhook.disabled", objectType: "webhook",
            objectID: webhook.id.rawValue, after: AuditSnapshot.json(["active": webhook.active ? "true" : "false"]))
    }

    static func replayed(_ delivery: WebhookDelivery) -> AuditEntry {
        AuditEntry(
            action: "webhook_delivery.replayed", objectType: "webhook_delivery", objectID: delivery.id.rawValue,
            after: AuditSnapshot.json(["subscription_id": delivery.subscriptionID.rawValue, "event_cursor": String(delivery.eventCursor)]))
    }
}

extension SQLTransactionRunner {
    /// Stores a subscription that receives the events committed from now on.
    public func createWebhook(_ webhook: WebhookSubscription, context: AuditContext) async throws {
        let records = self.records
        let sealed = try records.cipher.seal(webhook.secret, rowID: webhook.id.rawValue)
        try await writeTransaction { session in
            var chain = try ChainAppender(locking: session)
            let head = try session.rows(Records.lastEventCursor).first?.optionalInteger("cursor") ?? 0
            try session.run(
                SQLQuery(
                    """
                    INSERT INTO webhook_subscriptions (id, url, event_types, description, secret_sealed, entity_scope,
                        active, fanout_cursor, created_by, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                    [
                        .text(webhook.id.rawValue), .text(webhook.url.absoluteString),
                        .text(webhook.filter.types.joined(separator: ",")), SQLValue(webhook.description), .blob(sealed),
                        .text(Records.encode(webhook.scope)), .integer(webhook.active ? 1 : 0), .integer(head),
                        .text(webhook.createdBy), .integer(StoredTime.milliseconds(webhook.createdAt)),
                    ]))
            try chain.append(.created(webhook), context: context, records: records, in: session)
        }
    }

    public func webhook(_ id: ID<WebhookSubscription>) async throws -> WebhookSubscription? {
        let records = self.records
        return try await readTransaction { session in
            try session.rows(SQLQuery("SELECT * FROM webhook_subscriptions WHERE id = ?", [.text(id.rawValue)]))
                .first.map { try records.webhook(from: $0) }
        }
    }

    public func webhooks(_ page: PageRequest) async throws -> Page<WebhookSubscription> {
        let records = self.records
        return try await readTransaction { session in
            var builder = ListQueries.Builder(table: "webhook_subscriptions")
            let fetched = try session.rows(builder.query(page)).map { try records.webhook(from: $0) }
            return Page(fetched: fetched, limit: page.limit, id: \.id.rawValue)
        }
    }

    public func setWebhookActive(_ id: ID<WebhookSubscription>, _ active: Bool, context: AuditContext) async throws
        -> WebhookSubscription
    {
        let records = self.records
        return try await writeTransaction { session in
            guard
                var webhook = try session.rows(
                    SQLQuery("SELECT * FROM webhook_subscriptions WHERE id = ?", [.text(id.rawValue)])
                ).first.map({ try records.webhook(from: $0) })
            else { throw StorageError(.notFound, target: "webhook") }
            webhook.active = active
            try session.run(
                SQLQuery("UPDATE webhook_subscriptions SET active = ? WHERE id = ?", [.integer(active ? 1 : 0), .text(id.rawValue)]))
            var chain = try ChainAppender(locking: session)
            try chain.append(.webhookActive(webhook), context: context, records: records, in: session)
            return webhook
        }
    }

    /// Turns new events into deliveries for every active subscription they match; returns how many.
    ///
    /// Each subscription advances its own cursor with a guarded update in the same transaction as its
    /// deliveries, so two PayHub instances fanning out at once cannot deliver an event twice.
    public func fanOutWebhookDeliveries(now: Date, limit: Int = 500) async throws -> Int {
        let records = self.records
        let subscriptions = try await readTransaction { session in
            try session.rows(SQLQuery("SELECT * FROM webhook_subscriptions WHERE active = 1 ORDER BY id"))
                .map { (try records.webhook(from: $0), try $0.integer("fanout_cursor")) }
        }
        var created = 0
        for (subscription, cursor) in subscriptions {
            created += try await writeTransaction { session in
                let events = try session.rows(
                    Records.events(after: cursor, limit: limit, filter: EventFilter(), scope: .all)
                ).map { try records.feedEvent(from: $0) }
                guard let last = events.last else { return 0 }
                var count = 0
                for event in events where subscription.filter.matches(event.type) && subscription.sees(event) {
                    var generator = SystemRandomNumberGenerator()
                    let id = ID<WebhookDelivery>.generate(
                        millisecondsSinceEpoch: UInt64(StoredTime.milliseconds(now)), using: &generator)
                    try session.run(
                        SQLQuery(
                            """
                            INSERT INTO webhook_deliveries (id, subscription_id, event_cursor, state, attempts,
                                next_attempt_at, created_at)
                            VALUES (?, ?, ?, 'pending', 0, ?, ?)
                            """,
                            [
                                .text(id.rawValue), .text(subscription.id.rawValue), .integer(event.cursor),
                                .integer(StoredTime.milliseconds(now)), .integer(StoredTime.milliseconds(now)),
                            ]))
                    count += 1
                }
                let advanced = try session.run(
                    SQLQuery(
                        "UPDATE webhook_subscriptions SET fanout_cursor = ? WHERE id = ? AND fanout_cursor = ?",
                        [.integer(last.cursor), .text(subscription.id.rawValue), .integer(cursor)]))
                guard advanced == 1 else {
                    throw StorageError(.stateChanged, target: "webhook_subscription", currentState: "fanned_out")
                }
                return count
            }
        }
        return created
    }

    /// Leases up to `limit` deliveries that are due, so that no other sender takes them for `lease`. A
    /// paused subscription's deliveries wait until it is enabled again.
    public func claimDueDeliveries(now: Date, limit: Int, lease: TimeInterval) async throws -> [DeliveryJob] {
        let records = self.records
        let nowMS = StoredTime.milliseconds(now)
        let leaseUntil = StoredTime.milliseconds(now.addingTimeInterval(lease))
        return try await writeTransaction { session in
            let due = try session.rows(
                SQLQuery(
                    """
                    SELECT * FROM webhook_deliveries
                    WHERE state = 'pending' AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until <= ?)
                        AND subscription_id IN (SELECT id FROM webhook_subscriptions WHERE active = 1)
                    ORDER BY next_attempt_at, event_cursor LIMIT ?
                    """,
                    [.integer(nowMS), .integer(nowMS), .integer(Int64(limit))])
            ).map { try records.delivery(from: $0) }
            var jobs: [DeliveryJob] = []
            var subscriptions: [ID<WebhookSubscription>: WebhookSubscription] = [:]
            for delivery in due {
                let taken = try session.run(
                    SQLQuery(
                        """
                        UPDATE webhook_deliveries SET lease_until = ?
                        WHERE id = ? AND state = 'pending' AND (lease_until IS NULL OR lease_until <= ?)
                        """,
                        [.integer(leaseUntil), .text(delivery.id.rawValue), .integer(nowMS)]))
                guard taken == 1 else { continue }
                if subscriptions[delivery.subscriptionID] == nil {
                    subscriptions[delivery.subscriptionID] = try session.rows(
                        SQLQuery("SELECT * FROM webhook_subscriptions WHERE id = ?", [.text(delivery.subscriptionID.rawValue)])
                    ).first.map { try records.webhook(from: $0) }
                }
                guard let subscription = subscriptions[delivery.subscriptionID],
                    let event = try session.rows(
                        SQLQuery("SELECT * FROM events WHERE cursor = ?", [.integer(delivery.eventCursor)])
                    ).first.map({ try records.feedEvent(from: $0) })
                else { throw StorageError(.referenceMissing, target: "webhook_deliveries") }
                jobs.append(DeliveryJob(delivery: delivery, subscription: subscription, event: event))
            }
            return jobs
        }
    }

    /// Logs an attempt and moves the delivery on: delivered, due again later, or dead after the window.
    public func recordDeliveryAttempt(
        _ attempt: DeliveryAttempt, of delivery: WebhookDelivery, nextAttemptAt: Date?
    ) async throws -> WebhookDelivery {
        var updated = delivery
        updated.attempts = attempt.attempt
        updated.firstAttemptAt = delivery.firstAttemptAt ?? attempt.attemptedAt
        updated.lastStatus = attempt.status
        updated.lastError = attempt.error
        if attempt.succeeded {
            updated.state = .delivered
            updated.deliveredAt = attempt.attemptedAt
        } else if let nextAttemptAt {
            updated.nextAttemptAt = nextAttemptAt
        } else {
            updated.state = .dead
        }
        let final = updated
        try await writeTransaction { session in
            try session.run(
                SQLQuery(
                    """
                    INSERT INTO webhook_attempts (delivery_id, attempt, attempted_at, duration_ms, response_status, error)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """,
                    [
                        .text(attempt.deliveryID.rawValue), .integer(Int64(attempt.attempt)),
                        .integer(StoredTime.milliseconds(attempt.attemptedAt)), .integer(attempt.durationMilliseconds),
                        SQLValue(attempt.status.map(Int64.init)), SQLValue(attempt.error),
                    ]))
            try session.run(
                SQLQuery(
                    """
                    UPDATE webhook_deliveries SET state = ?, attempts = ?, next_attempt_at = ?, first_attempt_at = ?,
                        last_status = ?, last_error = ?, delivered_at = ?, lease_until = NULL
                    WHERE id = ?
                    """,
                    [
                        .text(final.state.rawValue), .integer(Int64(final.attempts)),
                        .integer(StoredTime.milliseconds(final.nextAttemptAt)),
                        SQLValue(final.firstAttemptAt.map(StoredTime.milliseconds)),
                        SQLValue(final.lastStatus.map(Int64.init)), SQLValue(final.lastError),
                        SQLValue(final.deliveredAt.map(StoredTime.milliseconds)), .text(final.id.rawValue),
                    ]))
        }
        return final
    }

    /// A subscription's deliveries, newest first is what people want, but the log pages by id ascending
    /// like every list; filter by state to find the dead ones.
    public func deliveries(
        of subscriptionID: ID<WebhookSubscription>, state: WebhookDelivery.State?, _ page: PageRequest
    ) async throws -> Page<WebhookDelivery> {
        let records = self.records
        return try await readTransaction { session in
            var builder = ListQueries.Builder(table: "webhook_deliveries")
            builder.equal("subscription_id", subscriptionID.rawValue)
            builder.equal("state", state?.rawValue)
            let fetched = try session.rows(builder.query(page)).map { try records.delivery(from: $0) }
            return Page(fetched: fetched, limit: page.limit, id: \.id.rawValue)
        }
    }

    public func delivery(_ id: ID<WebhookDelivery>) async throws -> WebhookDelivery? {
        let records = self.records
        return try await readTransaction { session in
            try session.rows(SQLQuery("SELECT * FROM webhook_deliveries WHERE id = ?", [.text(id.rawValue)]))
                .first.map { try records.delivery(from: $0) }
        }
    }

    public func deliveryAttempts(_ id: ID<WebhookDelivery>) async throws -> [DeliveryAttempt] {
        try await readTransaction { session in
            try session.rows(
                SQLQuery("SELECT * FROM webhook_attempts WHERE delivery_id = ? ORDER BY attempt", [.text(id.rawValue)])
            ).map { row in
                DeliveryAttempt(
                    deliveryID: id, attempt: Int(try row.integer("attempt")),
                    attemptedAt: StoredTime.date(try row.integer("attempted_at")),
                    durationMilliseconds: try row.integer("duration_ms"),
                    status: try row.optionalInteger("response_status").map { Int($0) }, error: try row.optionalText("error"))
            }
        }
    }

    /// Sends a delivery again (dead, delivered or pending): due now, with a fresh retry window.
    public func replayDelivery(_ id: ID<WebhookDelivery>, now: Date, context: AuditContext) async throws
        -> WebhookDelivery
    {
        let records = self.records
        return try await writeTransaction { session in
            guard
                var delivery = try session.rows(
                    SQLQuery("SELECT * FROM webhook_deliveries WHERE id = ?", [.text(id.rawValue)])
                ).first.map({ try records.delivery(from: $0) })
            else { throw StorageError(.notFound, target: "webhook_delivery") }
            delivery.state = .pending
            delivery.nextAttemptAt = now
            delivery.firstAttemptAt = nil
            try session.run(
                SQLQuery(
                    """
                    UPDATE webhook_deliveries SET state = 'pending', next_attempt_at = ?, first_attempt_at = NULL,
                        lease_until = NULL
                    WHERE id = ?
                    """,
                    [.integer(StoredTime.milliseconds(now)), .text(id.rawValue)]))
            var chain = try ChainAppender(locking: session)
            try chain.append(.replayed(delivery), context: context, records: records, in: session)
            return delivery
        }
    }
}

extension WebhookSubscription {
    /// Whether the subscription's owner may see the event's entity; events of no entity go to all.
    func sees(_ event: FeedEvent) -> Bool {
        guard let entity = event.entityID, let id = try? ID<LegalEntity>(entity) else { return true }
        return scope.contains(id)
    }
}
