import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import PayHubDomain
import PayHubServices
import PayHubStorage
import PayHubTesting
import PayHubWeb
import Synchronization
import Testing

/// A receiver an ERP might run, on a real loopback port: it checks every signature, processes each event
/// id once, and misbehaves on purpose the first time it sees some events.
final class MisbehavingReceiver: Sendable {
    enum Mischief: Sendable { case fail, hang, slow }

    struct State {
        var arrivals: [String] = []
        var processed: [String] = []
        var badSignatures = 0
        var mischief: [String: Mischief] = [:]
    }

    let secret = Mutex<String>("")
    let state = Mutex(State())
    let alwaysFail: Bool

    init(alwaysFail: Bool = false) { self.alwaysFail = alwaysFail }

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.post("/erp") { request, _ -> Response in
            let body = Data(try await request.body.collect(upTo: 1 << 20).readableBytesView)
            guard let header = request.headers[HTTPField.Name("PayHub-Signature")!] else { return Response(status: .unauthorized) }
            do {
                try WebhookSignature.verify(header: header, body: body, secret: self.secret.withLock { $0 }, now: Date())
            } catch {
                self.state.withLock { $0.badSignatures += 1 }
                return Response(status: .unauthorized)
            }
            guard let event = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
                let id = event["id"] as? String
            else { return Response(status: .badRequest) }
            if self.alwaysFail { return Response(status: .serviceUnavailable) }
            // What happens on the first arrival of an event decides how it misbehaves; later arrivals behave.
            let mischief: Mischief? = self.state.withLock { state in
                state.arrivals.append(id)
                let first = state.arrivals.filter { $0 == id }.count == 1
                let kind = first ? state.mischief[id] : nil
                // Processing is idempotent by event id: a repeat changes nothing.
                if kind != .fail, !state.processed.contains(id) { state.processed.append(id) }
                return kind
            }
            switch mischief {
            case .fail?: return Response(status: .internalServerError)
            case .hang?: try await Task.sleep(for: .seconds(5))  // processed, but the answer comes too late
            case .slow?: try await Task.sleep(for: .milliseconds(150))  // overtaken by later events
            case nil: break
            }
            return Response(status: .noContent)
        }
        return router
    }
}

@Suite("Webhook delivery to a real receiver")
struct WebhookDeliveryTests {
    static let quickRetries = WebhookDispatcher.Settings(
        pollInterval: .milliseconds(20), requestTimeout: 2, concurrency: 4, lease: 10,
        schedule: RetrySchedule(base: .milliseconds(50), cap: .milliseconds(200), giveUpAfter: .seconds(60)))

    /// Runs `body` with a receiver listening on a loopback port.
    static func withReceiver(
        _ receiver: MisbehavingReceiver, _ body: @escaping @Sendable (Int) async throws -> Void
    ) async throws {
        let app = Application(
            router: receiver.router(), configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            logger: Logger(label: "receiver"))
        try await app.test(.live) { client in try await body(try #require(client.port)) }
    }

    @Test("every event arrives and is processed once, though the receiver fails, times out and answers out of order")
    func everyEventArrivesOnce() async throws {
        let receiver = MisbehavingReceiver()
        try await Self.withReceiver(receiver) { port in
            try await TestApp.withLiveServer { app, client in
                let integration = app.germanKeys[.integration]
                let created = try await client.send(
                    .post, "/api/v1/webhooks", key: integration,
                    json: #"{"url": "http://127.0.0.1:\#(port)/erp", "event_types": ["payable.*", "payment.*"]}"#)
                let webhook = try created.jsonObject()
                receiver.secret.withLock { $0 = webhook["secret"] as? String ?? "" }

                for index in 0..<12 {
                    _ = try await client.send(
                        .post, "/api/v1/payables", key: app.germanKeys[.apClerk],
                        json: ERPSyncAPITests.payableJSON(vendor: app.germany.vendor.id.rawValue, externalID: "WH-\(index)"))
                }
                let events = try await app.store.events(after: 0, limit: 100, filter: EventFilter(), scope: .all)
                #expect(events.count == 12)
                receiver.state.withLock { state in
                    state.mischief[events[1].id.rawValue] = .fail
                    state.mischief[events[4].id.rawValue] = .fail
                    state.mischief[events[2].id.rawValue] = .hang
                    state.mischief[events[0].id.rawValue] = .slow
                    state.mischief[events[6].id.rawValue] = .slow
                }

                let dispatcher = WebhookDispatcher(
                    store: app.store, settings: Self.quickRetries, logger: Logger(label: "dispatcher"))
                let deadline = Date().addingTimeInterval(30)
                while Date() < deadline, receiver.state.withLock({ $0.processed.count }) < events.count {
                    try await dispatcher.runOnce()
                    try await Task.sleep(for: .milliseconds(30))
                }
                // Let the retry of the hanging one land as well, so the log is complete.
                while Date() < deadline,
                    try await app.store.deliveries(
                        of: try ID(webhook["id"] as? String ?? ""), state: .pending, PageRequest(limit: 100)
                    ).items.isEmpty == false
                {
                    try await dispatcher.runOnce()
                    try await Task.sleep(for: .milliseconds(30))
                }

                let state = receiver.state.withLock { $0 }
                #expect(Set(state.processed) == Set(events.map(\.id.rawValue)), "every event was processed")
                #expect(state.processed.count == events.count, "each exactly once")
                #expect(state.badSignatures == 0, "every delivery was signed with the subscription's secret")
                #expect(state.arrivals.count > events.count, "the failed and timed-out ones came again")
                #expect(state.processed != events.map(\.id.rawValue), "and not in feed order")

                let log = try await client.send(
                    .get, "/api/v1/webhooks/\(webhook["id"] as? String ?? "")/deliveries?limit=100", key: integration)
                let deliveries = try #require(try log.jsonObject()["data"] as? [[String: Any]])
                #expect(deliveries.count == events.count)
                #expect(deliveries.allSatisfy { $0["state"] as? String == "delivered" })
                let retried = deliveries.filter { ($0["attempts"] as? Int ?? 0) > 1 }
                #expect(retried.count == 3, "the two failures and the timeout were retried")
                let hangID = try #require(
                    deliveries.first { $0["event_cursor"] as? String == String(events[2].cursor) }?["id"] as? String)
                let hang = try await client.send(.get, "/api/v1/webhook_deliveries/\(hangID)", key: integration).jsonObject()
                let attempts = try #require(hang["log"] as? [[String: Any]])
                #expect(attempts.first?["error"] as? String == "timeout")
                #expect(attempts.last?["status"] as? Int == 204)
            }
        }
    }

    @Test("a receiver that never answers well is dead-lettered after the window; a replay sends it again")
    func deadLetterAndReplay() async throws {
        let broken = MisbehavingReceiver(alwaysFail: true)
        let healthy = MisbehavingReceiver()
        try await Self.withReceiver(broken) { brokenPort in
            try await Self.withReceiver(healthy) { healthyPort in
                try await TestApp.withLiveServer { app, client in
                    let integration = app.germanKeys[.integration]
                    let created = try await client.send(
                        .post, "/api/v1/webhooks", key: integration,
                        json: #"{"url": "http://127.0.0.1:\#(brokenPort)/erp", "event_types": ["payable.created"]}"#)
                    let webhook = try created.jsonObject()
                    let webhookID = try #require(webhook["id"] as? String)
                    broken.secret.withLock { $0 = webhook["secret"] as? String ?? "" }
                    _ = try await client.send(
                        .post, "/api/v1/payables", key: app.germanKeys[.apClerk],
                        json: ERPSyncAPITests.payableJSON(vendor: app.germany.vendor.id.rawValue, externalID: "DL-1"))

                    var settings = Self.quickRetries
                    settings.schedule = RetrySchedule(base: .milliseconds(20), cap: .milliseconds(40), giveUpAfter: .milliseconds(500))
                    let dispatcher = WebhookDispatcher(store: app.store, settings: settings, logger: Logger(label: "dispatcher"))
                    let deadline = Date().addingTimeInterval(20)
                    var dead: [[String: Any]] = []
                    while Date() < deadline, dead.isEmpty {
                        try await dispatcher.runOnce()
                        try await Task.sleep(for: .milliseconds(25))
                        dead = try #require(
                            try await client.send(
                                .get, "/api/v1/webhooks/\(webhookID)/deliveries?state=dead", key: integration
                            ).jsonObject()["data"] as? [[String: Any]])
                    }
                    let deliveryID = try #require(dead.first?["id"] as? String, "dead-lettered")
                    #expect((dead.first?["attempts"] as? Int ?? 0) >= 2, "retried before giving up")
                    #expect(dead.first?["last_status"] as? Int == 503)
                    try await dispatcher.runOnce()
                    let arrivalsWhenDead = broken.state.withLock { $0.arrivals.count }
                    try await dispatcher.runOnce()
                    #expect(broken.state.withLock { $0.arrivals.count } == arrivalsWhenDead, "a dead delivery is not retried")

                    // The ERP fixed its endpoint: point the data at the healthy receiver and replay.
                    try await app.store.repoint(webhookID: webhookID, to: "http://127.0.0.1:\(healthyPort)/erp")
                    healthy.secret.withLock { $0 = webhook["secret"] as? String ?? "" }
                    let replayed = try await client.send(
                        .post, "/api/v1/webhook_deliveries/\(deliveryID)/replay", key: integration)
                    #expect(try replayed.jsonObject()["state"] as? String == "pending")
                    try await dispatcher.runOnce()
                    #expect(healthy.state.withLock { $0.processed.count } == 1)
                    let after = try await client.send(.get, "/api/v1/webhook_deliveries/\(deliveryID)", key: integration)
                    #expect(try after.jsonObject()["state"] as? String == "delivered")
                    let trail = try await app.store.auditEvents(after: 0, limit: 10_000).map(\.action)
                    #expect(trail.contains("webhook_delivery.replayed"))
                }
            }
        }
    }

    @Test("a signature is refused when it is stale, altered, or made with another secret")
    func signatures() throws {
        let body = Data(#"{"id":"evt_1"}"#.utf8)
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let header = WebhookSignature.header(body: body, secret: "whsec_a", timestamp: now)
        #expect(header.hasPrefix("t=1800000000,v1="))
        try WebhookSignature.verify(header: header, body: body, secret: "whsec_a", now: now.addingTimeInterval(299))
        #expect(throws: WebhookSignature.Failure.stale) {
            try WebhookSignature.verify(header: header, body: body, secret: "whsec_a", now: now.addingTimeInterval(301))
        }
        #expect(throws: WebhookSignature.Failure.mismatch) {
            try WebhookSignature.verify(header: header, body: Data(#"{"id":"evt_2"}"#.utf8), secret: "whsec_a", now: now)
        }
        #expect(throws: WebhookSignature.Failure.mismatch) {
            try WebhookSignature.verify(header: header, body: body, secret: "whsec_b", now: now)
        }
        #expect(throws: WebhookSignature.Failure.malformed) {
            try WebhookSignature.verify(header: "v1=abc", body: body, secret: "whsec_a", now: now)
        }
        // The documented recipe, computed independently: HMAC-SHA256 over "<t>.<body>", lower-case hex.
        #expect(
            header
                == "t=1800000000,v1=" + HMACReference.sha256Hex(key: "whsec_a", message: "1800000000." + #"{"id":"evt_1"}"#))
    }

    @Test("backoff doubles from the base to the cap, and gives up after the window")
    func retrySchedule() {
        let schedule = RetrySchedule(base: .seconds(30), cap: .seconds(3600), giveUpAfter: .seconds(3 * 24 * 3600))
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        let delays = (1...10).map { failures in
            schedule.nextAttempt(afterFailures: failures, firstAttempt: start, now: start, jitterPercent: 0)!
                .timeIntervalSince(start)
        }
        #expect(delays == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600, 3600])
        let jittered = schedule.nextAttempt(afterFailures: 1, firstAttempt: start, now: start, jitterPercent: 20)!
        #expect(jittered.timeIntervalSince(start) == 36)
        let nearTheEnd = start.addingTimeInterval(3 * 24 * 3600 - 60)
        #expect(schedule.nextAttempt(afterFailures: 30, firstAttempt: start, now: nearTheEnd, jitterPercent: 0) == nil)
    }
}

extension PayHubStore {
    /// What an operator would do with SQL after an ERP moved its endpoint (the API has no URL change yet).
    func repoint(webhookID: String, to url: String) async throws {
        guard let runner = self as? any SQLTransactionRunner else { return }
        try await runner.writeTransaction { session in
            try session.run(
                SQLQuery("UPDATE webhook_subscriptions SET url = ? WHERE id = ?", [.text(url), .text(webhookID)]))
        }
    }
}

/// HMAC-SHA256 written out from its definition (RFC 2104) over SHA-256, so the signature is checked
/// against something other than the code that makes it.
enum HMACReference {
    static func sha256Hex(key: String, message: String) -> String {
        var keyBytes = Array(key.utf8)
        if keyBytes.count > 64 { keyBytes = SHA256Reference.digest(keyBytes) }
        keyBytes += Array(repeating: 0, count: 64 - keyBytes.count)
        let inner = SHA256Reference.digest(keyBytes.map { $0 ^ 0x36 } + Array(message.utf8))
        let outer = SHA256Reference.digest(keyBytes.map { $0 ^ 0x5C } + inner)
        return outer.map { String(format: "%02x", $0) }.joined()
    }
}

/// FIPS 180-4 SHA-256, plainly written; only for checking the webhook signature in tests.
enum SHA256Reference {
    static let k: [UInt32] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
        0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
        0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
        0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
        0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
        0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
        0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2,
    ]

    static func digest(_ message: [UInt8]) -> [UInt8] {
        var h: [UInt32] = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]
        var data = message + [0x80]
        while data.count % 64 != 56 { data.append(0) }
        let bits = UInt64(message.count) * 8
        data += (0..<8).reversed().map { UInt8(truncatingIfNeeded: bits >> (UInt64($0) * 8)) }
        func rotate(_ x: UInt32, _ n: UInt32) -> UInt32 { (x >> n) | (x << (32 - n)) }
        for chunk in stride(from: 0, to: data.count, by: 64) {
            var w = (0..<16).map { i in
                (0..<4).reduce(UInt32(0)) { ($0 << 8) | UInt32(data[chunk + i * 4 + $1]) }
            }
            for i in 16..<64 {
                let s0 = rotate(w[i - 15], 7) ^ rotate(w[i - 15], 18) ^ (w[i - 15] >> 3)
                let s1 = rotate(w[i - 2], 17) ^ rotate(w[i - 2], 19) ^ (w[i - 2] >> 10)
                w.append(w[i - 16] &+ s0 &+ w[i - 7] &+ s1)
            }
            var (a, b, c, d, e, f, g, hh) = (h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7])
            for i in 0..<64 {
                let t1 = hh &+ (rotate(e, 6) ^ rotate(e, 11) ^ rotate(e, 25)) &+ ((e & f) ^ (~e & g)) &+ k[i] &+ w[i]
                let t2 = (rotate(a, 2) ^ rotate(a, 13) ^ rotate(a, 22)) &+ ((a & b) ^ (a & c) ^ (b & c))
                (hh, g, f, e, d, c, b, a) = (g, f, e, d &+ t1, c, b, a, t1 &+ t2)
            }
            h = zip(h, [a, b, c, d, e, f, g, hh]).map { $0 &+ $1 }
        }
        return h.flatMap { word in (0..<4).reversed().map { UInt8(truncatingIfNeeded: word >> (UInt32($0) * 8)) } }
    }
}
