import Foundation
import HTTPTypes
import Hummingbird
import PayHubDomain
import PayHubServices
import PayHubStorage

// The ERP integration routes: batch upserts, dual control on bank details, the event feed, webhooks.

extension PayHubAPI {
    /// Batch bodies of 10,000 items run to a few megabytes.
    static let batchBodyLimit = 32 * 1024 * 1024

    func addSyncRoutes(to table: inout RouteTable) {
        let hub = self.hub
        let webhooks = WebhookAdministration(hub: hub)

        // MARK: Batches
        table.add(
            .post, "/api/v1/payables/batch", .requires(.payablesWrite),
            "Upsert up to 10,000 payables by source and external id"
        ) { request, context in
            let body = try await JSONBody.decode(PayableBatch.self, from: request, context: context, limit: Self.batchBodyLimit)
            let results = try await hub.syncPayables(body.payables, context: try context.caller())
            return try JSONBody.response(BatchResultsResource(results))
        }
        table.add(
            .post, "/api/v1/vendors/batch", .requires(.vendorsWrite),
            "Upsert up to 10,000 vendors with their bank accounts"
        ) { request, context in
            let body = try await JSONBody.decode(VendorBatch.self, from: request, context: context, limit: Self.batchBodyLimit)
            let results = try await hub.syncVendors(body.vendors, context: try context.caller())
            return try JSONBody.response(BatchResultsResource(results))
        }

        // MARK: Single upserts, by the ERP's own key
        table.add(
            .put, "/api/v1/payables/by_source/:source/:external_id", .requires(.payablesWrite),
            "Create or update one payable by source and external id"
        ) { request, context in
            let body = try await JSONBody.decode(PayableUpsertBody.self, from: request, context: context)
            let input = NewPayable(
                vendorID: body.vendorID, invoiceNumber: body.invoiceNumber, invoiceDate: body.invoiceDate,
                dueDate: body.dueDate, amount: body.amount, currency: body.currency,
                source: try context.parameters.require("source"), externalID: try context.parameters.require("external_id"))
            let result = try await hub.syncPayables([input], context: try context.caller())[0]
            return try await Self.upserted(result, hub: hub, context: context) { id, caller in
                PayableResource(try await hub.payable(id, context: caller))
            }
        }
        table.add(
            .put, "/api/v1/vendors/by_source/:source/:external_id", .requires(.vendorsWrite),
            "Create or update one vendor, with its bank account, by source and external id"
        ) { request, context in
            let body = try await JSONBody.decode(VendorUpsertBody.self, from: request, context: context)
            let input = VendorSyncInput(
                entityID: body.entityID, source: try context.parameters.require("source"),
                externalID: try context.parameters.require("external_id"), name: body.name, country: body.country,
                taxID: body.taxID, bankAccount: body.bankAccount)
            let result = try await hub.syncVendors([input], context: try context.caller())[0]
            return try await Self.upserted(result, hub: hub, context: context) { id, caller in
                VendorResource(try await hub.vendor(id, context: caller))
            }
        }

        // MARK: Dual control
        table.add(
            .post, "/api/v1/bank_accounts/:id/verify", .requires(.bankAccountsVerify),
            "Confirm a vendor's new bank details (not by whoever entered them)"
        ) { _, context in
            try JSONBody.response(
                BankAccountResource(try await hub.verifyBankAccount(try context.id(), context: try context.caller())))
        }

        // MARK: Events
        table.add(.get, "/api/v1/events", .requires(.eventsRead), "Read the event feed in commit order") {
            request, context in
            let query = ListQuery(request)
            let limit = try query.limit()
            let after = try query.parameters["after"].map { text in
                guard let cursor = Int64(text), cursor >= 0 else {
                    throw Problem.badRequest([FieldError(path: "after", code: "invalid_cursor", message: "cursor is not valid")])
                }
                return cursor
            }
            let filter: EventFilter
            do throws(FieldError) {
                filter = try EventFilter(parsing: query.parameters["types"] ?? "")
            } catch {
                throw Problem.badRequest([error])
            }
            let events = try await hub.events(
                after: after ?? 0, limit: limit + 1, filter: filter, context: try context.caller())
            let shown = events.prefix(limit)
            // A full page continues after its last event; a short page is the head of the feed, and a
            // poller continues from its last event (or from where it was) next time.
            let next = events.count > limit ? shown.last.map { "\"\($0.cursor)\"" } ?? "null" : "null"
            let body = "{\"data\":[" + shown.map(\.json).joined(separator: ",") + "],\"next_cursor\":\(next)}"
            var headers = HTTPFields()
            headers[.contentType] = "application/json; charset=utf-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
        }

        // MARK: Webhooks
        table.add(.post, "/api/v1/webhooks", .requires(.webhooksManage), "Subscribe a URL to events") {
            request, context in
            let input = try await JSONBody.decode(NewWebhook.self, from: request, context: context)
            let created = try await webhooks.create(input, context: try context.caller())
            return try JSONBody.response(WebhookResource(created, revealSecret: true), status: .created)
        }
        table.add(.get, "/api/v1/webhooks", .requires(.webhooksManage), "List webhook subscriptions") {
            request, context in
            let page = try await webhooks.list(try ListQuery(request).page(), context: try context.caller())
            return try JSONBody.response(
                ListResource(
                    data: page.items.map { WebhookResource($0, revealSecret: false) },
                    nextCursor: Cursor.encode(page.nextAfterID)))
        }
        table.add(.get, "/api/v1/webhooks/:id", .requires(.webhooksManage), "Get a webhook subscription") { _, context in
            try JSONBody.response(
                WebhookResource(try await webhooks.get(try context.id(), context: try context.caller()), revealSecret: false))
        }
        for active in [true, false] {
            table.add(
                .post, "/api/v1/webhooks/:id/\(active ? "enable" : "disable")", .requires(.webhooksManage),
                active ? "Resume deliveries to a webhook" : "Pause deliveries to a webhook"
            ) { _, context in
                try JSONBody.response(
                    WebhookResource(
                        try await webhooks.setActive(try context.id(), active, context: try context.caller()),
                        revealSecret: false))
            }
        }
        table.add(
            .get, "/api/v1/webhooks/:id/deliveries", .requires(.webhooksManage), "A webhook's delivery log"
        ) { request, context in
            let query = ListQuery(request)
            let page = try await webhooks.deliveries(
                of: try context.id(), state: try query.value("state", as: WebhookDelivery.State.self), try query.page(),
                context: try context.caller())
            return try JSONBody.response(
                ListResource(data: page.items.map { DeliveryResource($0) }, nextCursor: Cursor.encode(page.nextAfterID)))
        }
        table.add(
            .get, "/api/v1/webhook_deliveries/:id", .requires(.webhooksManage), "A delivery with every attempt"
        ) { _, context in
            let (delivery, attempts) = try await webhooks.delivery(try context.id(), context: try context.caller())
            return try JSONBody.response(DeliveryResource(delivery, attempts: attempts))
        }
        table.add(
            .post, "/api/v1/webhook_deliveries/:id/replay", .requires(.webhooksManage), "Send a delivery again now"
        ) { _, context in
            try JSONBody.response(
                DeliveryResource(try await webhooks.replay(try context.id(), context: try context.caller())))
        }
    }
}

extension PayHubAPI {
    /// A single upsert's answer: the object as GET returns it, 201 when it was created and 200 when it
    /// was updated or already so; a rejected item is the 422 (or 409) it would be on its own.
    static func upserted<Resource: Encodable>(
        _ result: BatchItemResult, hub: PaymentHub, context: PayHubRequestContext,
        _ read: (String, PayHubServices.CallContext) async throws -> Resource
    ) async throws -> Response {
        guard result.status != .rejected, let id = result.id else {
            if result.errors.contains(where: { $0.code == "not_editable" }) {
                throw Problem(
                    .conflict, type: "/problems/not-editable", title: "Payable taken by a payment", code: "not_editable",
                    detail: result.errors.first?.message, errors: result.errors)
            }
            throw Problem.validation(result.errors)
        }
        return try JSONBody.response(
            try await read(id, try context.caller()), status: result.status == .created ? .created : .ok)
    }
}

/// A payable whose source and external id are in the path.
struct PayableUpsertBody: Decodable {
    let vendorID: String
    let invoiceNumber: String
    let invoiceDate: String
    let dueDate: String
    let amount: String
    let currency: String

    enum CodingKeys: String, CodingKey {
        case amount, currency
        case vendorID = "vendor_id"
        case invoiceNumber = "invoice_number"
        case invoiceDate = "invoice_date"
        case dueDate = "due_date"
    }
}

/// A vendor whose source and external id are in the path.
struct VendorUpsertBody: Decodable {
    let entityID: String
    let name: String
    let country: String
    let taxID: String?
    let bankAccount: BankAccountSyncInput?

    enum CodingKeys: String, CodingKey {
        case name, country
        case entityID = "entity_id"
        case taxID = "tax_id"
        case bankAccount = "bank_account"
    }
}

struct PayableBatch: Decodable {
    let payables: [NewPayable]
}

struct VendorBatch: Decodable {
    let vendors: [VendorSyncInput]
}

/// `{"results": [{"index": 0, "status": "created", "id": "pyb_…", "errors": []}, …]}`.
struct BatchResultsResource: Encodable {
    struct Item: Encodable {
        let index: Int
        let status: String
        @ExplicitNull var id: String?
        let errors: [FieldError]
        let bankAccount: AccountOutcome?

        enum CodingKeys: String, CodingKey {
            case index, status, id, errors
            case bankAccount = "bank_account"
        }
    }

    struct AccountOutcome: Encodable {
        let id: String
        let status: String
    }

    let results: [Item]

    init(_ results: [BatchItemResult]) {
        self.results = results.map { result in
            Item(
                index: result.index, status: result.status.rawValue, id: result.id, errors: result.errors,
                bankAccount: result.bankAccount.map { AccountOutcome(id: $0.id, status: $0.status.rawValue) })
        }
    }
}

struct WebhookResource: Encodable {
    let id: String
    let url: String
    let eventTypes: [String]
    @ExplicitNull var description: String?
    let active: Bool
    /// Only in the answer to the creation: the receiver needs it to check signatures, and it is never shown again.
    let secret: String?
    let createdAt: String

    enum CodingKeys: String, CodingKey {
        case id, url, description, active, secret
        case eventTypes = "event_types"
        case createdAt = "created_at"
    }

    init(_ webhook: WebhookSubscription, revealSecret: Bool) {
        id = webhook.id.rawValue
        url = webhook.url.absoluteString
        eventTypes = webhook.filter.types
        description = webhook.description
        active = webhook.active
        secret = revealSecret ? webhook.secret : nil
        createdAt = Timestamp.iso8601(webhook.createdAt)
    }
}

struct DeliveryResource: Encodable {
    struct Attempt: Encodable {
        let attempt: Int
        let attemptedAt: String
        let durationMs: Int64
        @ExplicitNull var status: Int?
        @ExplicitNull var error: String?

        enum CodingKeys: String, CodingKey {
            case attempt, status, error
            case attemptedAt = "attempted_at"
            case durationMs = "duration_ms"
        }
    }

    let id: String
    let webhookID: String
    let eventCursor: String
    let state: String
    let attempts: Int
    let nextAttemptAt: String
    @ExplicitNull var lastStatus: Int?
    @ExplicitNull var lastError: String?
    @ExplicitNull var deliveredAt: String?
    let createdAt: String
    let log: [Attempt]?

    enum CodingKeys: String, CodingKey {
        case id, state, attempts, log
        case webhookID = "webhook_id"
        case eventCursor = "event_cursor"
        case nextAttemptAt = "next_attempt_at"
        case lastStatus = "last_status"
        case lastError = "last_error"
        case deliveredAt = "delivered_at"
        case createdAt = "created_at"
    }

    init(_ delivery: WebhookDelivery, attempts log: [DeliveryAttempt]? = nil) {
        id = delivery.id.rawValue
        webhookID = delivery.subscriptionID.rawValue
        eventCursor = String(delivery.eventCursor)
        state = delivery.state.rawValue
        attempts = delivery.attempts
        nextAttemptAt = Timestamp.iso8601(delivery.nextAttemptAt)
        lastStatus = delivery.lastStatus
        lastError = delivery.lastError
        deliveredAt = delivery.deliveredAt.map(Timestamp.iso8601)
        createdAt = Timestamp.iso8601(delivery.createdAt)
        self.log = log?.map {
            Attempt(
                attempt: $0.attempt, attemptedAt: Timestamp.iso8601($0.attemptedAt),
                durationMs: $0.durationMilliseconds, status: $0.status, error: $0.error)
        }
    }
}
