import Crypto
import Foundation
import Logging
import PayHubDomain
import PayHubStorage
import ServiceLifecycle

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A subscription as the API receives it.
public struct NewWebhook: Codable, Sendable {
    public var url: String
    /// `payment.*`, `payable.created`…; empty or absent means every event.
    public var eventTypes: [String]?
    public var description: String?

    enum CodingKeys: String, CodingKey {
        case url, description
        case eventTypes = "event_types"
    }

    public init(url: String, eventTypes: [String]? = nil, description: String? = nil) {
        self.url = url
        self.eventTypes = eventTypes
        self.description = description
    }
}

/// `PayHub-Signature: t=<unix seconds>,v1=<hex>`, where v1 = HMAC-SHA256(secret, "<t>.<raw body>").
///
/// Receivers recompute v1 over the raw bytes they received, compare in constant time, and reject a `t`
/// older than five minutes so a captured delivery cannot be replayed later (docs/webhooks.md).
public enum WebhookSignature {
    public static let headerName = "PayHub-Signature"
    public static let tolerance: TimeInterval = 300

    public static func header(body: Data, secret: String, timestamp: Date) -> String {
        let seconds = Int64(timestamp.timeIntervalSince1970.rounded(.down))
        return "t=\(seconds),v1=\(signature(body: body, secret: secret, seconds: seconds))"
    }

    static func signature(body: Data, secret: String, seconds: Int64) -> String {
        var mac = HMAC<SHA256>(key: SymmetricKey(data: Data(secret.utf8)))
        mac.update(data: Data("\(seconds).".utf8))
        mac.update(data: body)
        return Hex.lowercase(mac.finalize())
    }

    public enum Failure: Error, Hashable, Sendable { case malformed, stale, mismatch }

    /// What a receiver does: parse, check the age, compare the MAC in constant time.
    public static func verify(header: String, body: Data, secret: String, now: Date) throws(Failure) {
        var seconds: Int64?
        var candidates: [String] = []
        for part in header.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2 else { throw .malformed }
            if pair[0] == "t" { seconds = Int64(pair[1]) } else if pair[0] == "v1" { candidates.append(pair[1]) }
        }
        guard let seconds, !candidates.isEmpty else { throw .malformed }
        guard abs(now.timeIntervalSince1970 - TimeInterval(seconds)) <= tolerance else { throw .stale }
        let expected = Data(signature(body: body, secret: secret, seconds: seconds).utf8)
        // Constant time: every byte is compared whatever the first difference.
        let matches = candidates.contains { candidate in
            let given = Data(candidate.utf8)
            guard given.count == expected.count else { return false }
            return zip(given, expected).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
        }
        guard matches else { throw .mismatch }
    }
}

/// The webhook use cases behind the API and the CLI.
public struct WebhookAdministration: Sendable {
    let hub: PaymentHub

    public init(hub: PaymentHub) { self.hub = hub }

    public func create(_ input: NewWebhook, context: CallContext) async throws -> WebhookSubscription {
        try hub.require(.webhooksManage, context)
        var problems = FieldErrorCollector()
        let url = URL(string: input.url)
        if url == nil || !["http", "https"].contains(url?.scheme?.lowercased() ?? "") || url?.host == nil {
            problems.add("url", code: "invalid_url", "give an absolute http or https URL")
        }
        let filter = problems.field { () throws(FieldError) in
            try EventFilter(parsing: (input.eventTypes ?? []).joined(separator: ","))
        }
        try problems.throwIfAny()
        guard let url, let filter else { throw ValidationFailure(problems.errors) }
        var generator = SystemRandomNumberGenerator()
        let secret = "whsec_" + Hex.lowercase((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
        let webhook = WebhookSubscription(
            id: hub.clock.newID(), url: url, filter: filter, description: input.description, secret: secret,
            scope: context.principal.scope, createdBy: context.principal.actorID, createdAt: hub.clock.now())
        try await hub.store.createWebhook(webhook, context: context.audit(at: hub.clock.now()))
        return webhook
    }

    public func list(_ page: PageRequest, context: CallContext) async throws -> Page<WebhookSubscription> {
        try hub.require(.webhooksManage, context)
        var result = try await hub.store.webhooks(page)
        result.items = result.items.filter { visible($0, context) }
        return result
    }

    public func get(_ id: String, context: CallContext) async throws -> WebhookSubscription {
        try hub.require(.webhooksManage, context)
        guard let id = try? ID<WebhookSubscription>(id), let webhook = try await hub.store.webhook(id),
            visible(webhook, context)
        else { throw StorageError(.notFound, target: "webhook") }
        return webhook
    }

    public func setActive(_ id: String, _ active: Bool, context: CallContext) async throws -> WebhookSubscription {
        let webhook = try await get(id, context: context)
        return try await hub.store.setWebhookActive(webhook.id, active, context: context.audit(at: hub.clock.now()))
    }

    public func deliveries(
        of id: String, state: WebhookDelivery.State?, _ page: PageRequest, context: CallContext
    ) async throws -> Page<WebhookDelivery> {
        let webhook = try await get(id, context: context)
        return try await hub.store.deliveries(of: webhook.id, state: state, page)
    }

    public func delivery(_ id: String, context: CallContext) async throws -> (WebhookDelivery, [DeliveryAttempt]) {
        try hub.require(.webhooksManage, context)
        guard let id = try? ID<WebhookDelivery>(id), let delivery = try await hub.store.delivery(id) else {
            throw StorageError(.notFound, target: "webhook_delivery")
        }
        _ = try await get(delivery.subscriptionID.rawValue, context: context)
        return (delivery, try await hub.store.deliveryAttempts(id))
    }

    public func replay(_ id: String, context: CallContext) async throws -> WebhookDelivery {
        let (delivery, _) = try await self.delivery(id, context: context)
        return try await hub.store.replayDelivery(delivery.id, now: hub.clock.now(), context: context.audit(at: hub.clock.now()))
    }

    /// A subscription made by a caller limited to some entities is theirs to see; an unrestricted
    /// caller sees all. Someone limited to other entities does not learn it exists.
    private func visible(_ webhook: WebhookSubscription, _ context: CallContext) -> Bool {
        switch (context.principal.scope, webhook.scope) {
        case (.all, _): true
        case (.only(let mine), .only(let theirs)): theirs.isSubset(of: mine)
        case (.only, .all): false
        }
    }
}

/// Sends webhook deliveries from the outbox: fans new events out into deliveries, leases the due ones,
/// POSTs each signed, and records the outcome with exponential backoff, dead-lettering after the window.
///
/// Several PayHub instances may run it against one PostgreSQL database: fan-out and leases are guarded
/// updates, so each delivery is sent by one of them at a time. A receiver may still see an event twice
/// (a lost answer is retried) and out of order; event ids let it process each once.
public struct WebhookDispatcher: Service {
    public struct Settings: Sendable {
        public var pollInterval: Duration
        /// Whole seconds, at least 1: Foundation's URLSession on Linux truncates a fraction, and a
        /// truncated 0 times every request out at once.
        public var requestTimeout: TimeInterval
        public var concurrency: Int
        public var lease: TimeInterval
        public var schedule: RetrySchedule

        public init(
            pollInterval: Duration = .seconds(1), requestTimeout: TimeInterval = 10, concurrency: Int = 8,
            lease: TimeInterval = 60, schedule: RetrySchedule = .standard
        ) {
            self.pollInterval = pollInterval
            self.requestTimeout = max(1, requestTimeout.rounded(.up))
            self.concurrency = concurrency
            self.lease = lease
            self.schedule = schedule
        }
    }

    let store: any PayHubStore
    let clock: Clock
    let settings: Settings
    let logger: Logger
    let session: URLSession

    public init(store: any PayHubStore, clock: Clock = .system, settings: Settings = Settings(), logger: Logger) {
        self.store = store
        self.clock = clock
        self.settings = settings
        self.logger = logger
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = settings.requestTimeout
        configuration.timeoutIntervalForResource = settings.requestTimeout
        configuration.httpMaximumConnectionsPerHost = settings.concurrency
        session = URLSession(configuration: configuration)
    }

    public func run() async throws {
        await SchemaReadiness.wait(for: store)
        // A graceful shutdown stops polling; a delivery in flight is recorded or, if cut off, its lease
        // runs out and the next start sends it again.
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    _ = try await runOnce()
                } catch {
                    logger.error("webhook dispatch failed", metadata: ["error_type": "\(type(of: error))"])
                }
                try? await Task.sleep(for: settings.pollInterval)
            }
        }
    }

    /// One round: fan out, then send every due delivery; returns how many attempts were made.
    @discardableResult
    public func runOnce() async throws -> Int {
        _ = try await store.fanOutWebhookDeliveries(now: clock.now(), limit: 500)
        var attempts = 0
        while true {
            let jobs = try await store.claimDueDeliveries(
                now: clock.now(), limit: settings.concurrency * 4, lease: settings.lease)
            if jobs.isEmpty { return attempts }
            try await withThrowingTaskGroup(of: Void.self) { group in
                var running = 0
                for job in jobs {
                    if running == settings.concurrency {
                        try await group.next()
                        running -= 1
                    }
                    group.addTask { try await deliver(job) }
                    running += 1
                }
                try await group.waitForAll()
            }
            attempts += jobs.count
        }
    }

    private func deliver(_ job: DeliveryJob) async throws {
        let body = Data(job.event.json.utf8)
        let started = clock.now()
        var request = URLRequest(url: job.subscription.url, timeoutInterval: settings.requestTimeout)
        request.httpMethod = "POST"
        request.httpBody = body
        request.setValue("application/json; charset=utf-8", forHTTPHeaderField: "Content-Type")
        request.setValue("PayHub-Webhooks/1", forHTTPHeaderField: "User-Agent")
        request.setValue(job.event.id.rawValue, forHTTPHeaderField: "PayHub-Event-Id")
        request.setValue(
            WebhookSignature.header(body: body, secret: job.subscription.secret, timestamp: started),
            forHTTPHeaderField: WebhookSignature.headerName)
        var status: Int?
        var failure: String?
        do {
            let (_, response) = try await session.data(for: request)
            status = (response as? HTTPURLResponse)?.statusCode
        } catch let error as URLError {
            failure = error.code == .timedOut ? "timeout" : "network error \(error.code.rawValue)"
        } catch {
            failure = "network error"
        }
        let finished = clock.now()
        let attempt = DeliveryAttempt(
            deliveryID: job.delivery.id, attempt: job.delivery.attempts + 1, attemptedAt: started,
            durationMilliseconds: Int64(finished.timeIntervalSince(started) * 1000), status: status, error: failure)
        let next = settings.schedule.nextAttempt(
            afterFailures: attempt.attempt, firstAttempt: job.delivery.firstAttemptAt ?? started, now: finished,
            jitterPercent: Int.random(in: 0...20))
        let recorded = try await store.recordDeliveryAttempt(attempt, of: job.delivery, nextAttemptAt: next)
        if recorded.state == .dead {
            logger.warning(
                "webhook delivery dead-lettered",
                metadata: ["delivery": "\(recorded.id)", "webhook": "\(job.subscription.id)", "attempts": "\(recorded.attempts)"])
        }
    }
}
