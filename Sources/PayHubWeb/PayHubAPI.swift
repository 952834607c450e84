import BankFormats
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import PayHubDomain
import PayHubServices
import PayHubStorage
import Prometheus

/// The HTTP API: every route with the permission it needs, bound to the use cases.
public struct PayHubAPI: Sendable {
    let hub: PaymentHub
    let access: AccessService
    let profiles: MappingProfileCatalog

    public init(hub: PaymentHub, access: AccessService, profiles: MappingProfileCatalog) {
        self.hub = hub
        self.access = access
        self.profiles = profiles
    }

    /// Every route PayHub serves, as declared; the OpenAPI test and the access table test walk this.
    public var declaredRoutes: [DeclaredRoute] { routeTable().routes.map(\.0) }

    /// The router with the middleware stack and every route registered behind its access check.
    public func router() -> Router<PayHubRequestContext> {
        // Metrics made before swift-metrics is bootstrapped stay no-ops forever: bootstrap first.
        _ = PayHubMetrics.registry
        let router = Router(context: PayHubRequestContext.self)
        router.add(middleware: RequestIDAndProblemMiddleware())
        router.add(middleware: LogRequestsMiddleware(.info))
        router.add(middleware: MetricsMiddleware())
        router.add(middleware: AuthenticationMiddleware(access: access))
        routeTable().register(on: router, idempotency: IdempotencyGuard(store: hub.store, clock: hub.clock))
        return router
    }

    func routeTable() -> RouteTable {
        var table = RouteTable()
        let hub = self.hub
        let store = hub.store

        // MARK: Operations
        table.add(.get, "/healthz", .public, "Liveness: the process answers") { _, _ in
            try JSONBody.response(["status": "ok"])
        }
        table.add(.get, "/readyz", .public, "Readiness: the database is reachable and migrated") { _, _ in
            // An unreachable database is "not ready" (503), not a server error: load balancers act on it.
            guard let migrations = try? await store.appliedMigrations() else {
                return try JSONBody.response(["status": "database_unavailable"], status: .serviceUnavailable)
            }
            let ready = migrations == Schema.migrations.map(\.id)
            return try JSONBody.response(
                ["status": ready ? "ready" : "migrations_pending"], status: ready ? .ok : .serviceUnavailable)
        }
        table.add(.get, "/metrics", .public, "Prometheus metrics") { _, _ in
            let counts = try await store.paymentCountsByState()
            let payments = MetricNameDescriptor(
                namespace: "payhub", metricName: "payments", unitName: "", helpText: "Payments in each state")
            for state in PaymentState.allCases {
                PayHubMetrics.registry.makeGauge(descriptor: payments, labels: [("state", state.rawValue)])
                    .set(Int64(counts[state] ?? 0))
            }
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(
                status: .ok, headers: headers,
                body: .init(byteBuffer: ByteBuffer(bytes: PayHubMetrics.registry.emitToBuffer())))
        }
        table.add(.get, "/api/v1/openapi.json", .public, "This API's OpenAPI 3.1 document") { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "application/json; charset=utf-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: OpenAPIDocument.json)))
        }

        // MARK: Entities
        table.add(.get, "/api/v1/entities", .requires(.entitiesRead), "List legal entities") { request, context in
            let query = ListQuery(request)
            let page = try await hub.entities(query.page(), context: try context.caller())
            return try JSONBody.response(
                ListResource(data: page.items.map(EntityResource.init), nextCursor: Cursor.encode(page.nextAfterID)))
        }
        table.add(.post, "/api/v1/entities", .requires(.entitiesWrite), "Create a legal entity") { request, context in
            let input = try await JSONBody.decode(NewEntity.self, from: request, context: context)
            return try JSONBody.response(
                EntityResource(try await hub.createEntity(input, context: try context.caller())), status: .created)
        }
        table.add(.get, "/api/v1/entities/:id", .requires(.entitiesRead), "Get a legal entity") { _, context in
            try JSONBody.response(EntityResource(try await hub.entity(try context.id(), context: try context.caller())))
        }
        table.add(.patch, "/api/v1/entities/:id", .requires(.entitiesWrite), "Change a legal entity's name or LEI") {
            request, context in
            let changes = try await JSONBody.decode(EntityChanges.self, from: request, context: context)
            return try JSONBody.response(
                EntityResource(try await hub.updateEntity(try context.id(), changes, context: try context.caller())))
        }

        // MARK: Bank accounts
        table.add(.get, "/api/v1/bank_accounts", .requires(.bankAccountsRead), "List bank accounts") { request, context in
            let query = ListQuery(request)
            let filter = BankAccountFilter(
                entityID: try query.id("entity", "entity_id"), vendorID: try query.id("vendor", "vendor_id"))
            let page = try await hub.bankAccounts(filter, query.page(), context: try context.caller())
            return try JSONBody.response(
                ListResource(data: page.items.map(BankAccountResource.init), nextCursor: Cursor.encode(page.nextAfterID)))
        }
        table.add(.post, "/api/v1/bank_accounts", .requires(.bankAccountsWrite), "Add an account an entity pays from") {
            request, context in
            let input = try await JSONBody.decode(NewBankAccount.self, from: request, context: context)
            guard input.entityID != nil else {
                throw Problem.badRequest([FieldError(path: "entity_id", code: "missing_field", message: "entity_id is required")])
            }
            guard input.vendorID == nil else {
                throw Problem.validation([
                    FieldError(
                        path: "vendor_id", code: "use_vendor_route",
                        message: "add a vendor's account with POST /api/v1/vendors/{id}/bank_accounts")
                ])
            }
            return try JSONBody.response(
                BankAccountResource(try await hub.createBankAccount(input, context: try context.caller())), status: .created)
        }
        table.add(.get, "/api/v1/bank_accounts/:id", .requires(.bankAccountsRead), "Get a bank account") { _, context in
            try JSONBody.response(BankAccountResource(try await hub.bankAccount(try context.id(), context: try context.caller())))
        }

        // MARK: Vendors
        table.add(.get, "/api/v1/vendors", .requires(.vendorsRead), "List vendors") { request, context in
            let query = ListQuery(request)
            let page = try await hub.vendors(
                VendorFilter(entityID: try query.id("entity", "entity_id")), query.page(), context: try context.caller())
            return try JSONBody.response(
                ListResource(data: page.items.map(VendorResource.init), nextCursor: Cursor.encode(page.nextAfterID)))
        }
        table.add(.post, "/api/v1/vendors", .requires(.vendorsWrite), "Create a vendor") { request, context in
            let input = try await JSONBody.decode(NewVendor.self, from: request, context: context)
            return try JSONBody.response(
                VendorResource(try await hub.createVendor(input, context: try context.caller())), status: .created)
        }
        table.add(.get, "/api/v1/vendors/:id", .requires(.vendorsRead), "Get a vendor") { _, context in
            try JSONBody.response(VendorResource(try await hub.vendor(try context.id(), context: try context.caller())))
        }
        table.add(.patch, "/api/v1/vendors/:id", .requires(.vendorsWrite), "Change a vendor's name, country or tax id") {
            request, context in
            let changes = try await JSONBody.decode(VendorChanges.self, from: request, context: context)
            return try JSONBody.response(
                VendorResource(try await hub.updateVendor(try context.id(), changes, context: try context.caller())))
        }
        table.add(.post, "/api/v1/vendors/:id/bank_accounts", .requires(.vendorsWrite), "Add a vendor's bank account") {
            request, context in
            var input = try await JSONBody.decode(NewBankAccount.self, from: request, context: context)
            input.entityID = nil
            input.vendorID = try context.id()
            return try JSONBody.response(
                BankAccountResource(try await hub.createBankAccount(input, context: try context.caller())), status: .created)
        }

        // MARK: Payables
        table.add(.get, "/api/v1/payables", .requires(.payablesRead), "List payables") { request, context in
            let query = ListQuery(request)
            let filter = PayableFilter(
                entityID: try query.id("entity", "entity_id"), vendorID: try query.id("vendor", "vendor_id"),
                state: try query.value("state", as: PayableState.self), dueDateFrom: try query.date("due_date_from"),
                dueDateTo: try query.date("due_date_to"))
            let page = try await hub.payables(filter, query.page(), context: try context.caller())
            return try JSONBody.response(
                ListResource(data: page.items.map(PayableResource.init), nextCursor: Cursor.encode(page.nextAfterID)))
        }
        table.add(.post, "/api/v1/payables", .requires(.payablesWrite), "Create a payable") { request, context in
            let input = try await JSONBody.decode(NewPayable.self, from: request, context: context)
            return try JSONBody.response(
                PayableResource(try await hub.createPayable(input, context: try context.caller())), status: .created)
        }
        table.add(.get, "/api/v1/payables/:id", .requires(.payablesRead), "Get a payable") { _, context in
            try JSONBody.response(PayableResource(try await hub.payable(try context.id(), context: try context.caller())))
        }
        table.add(.patch, "/api/v1/payables/:id", .requires(.payablesWrite), "Change an open payable") { request, context in
            let changes = try await JSONBody.decode(PayableChanges.self, from: request, context: context)
            return try JSONBody.response(
                PayableResource(try await hub.updatePayable(try context.id(), changes, context: try context.caller())))
        }

        // MARK: Payments
        table.add(.get, "/api/v1/payments", .requires(.paymentsRead), "List payments") { request, context in
            let query = ListQuery(request)
            let filter = PaymentFilter(
                entityID: try query.id("entity", "entity_id"), vendorID: try query.id("vendor", "vendor_id"),
                state: try query.value("state", as: PaymentState.self))
            let page = try await hub.payments(filter, query.page(), context: try context.caller())
            return try JSONBody.response(
                ListResource(data: page.items.map(PaymentResource.init), nextCursor: Cursor.encode(page.nextAfterID)))
        }
        table.add(.post, "/api/v1/payments", .requires(.paymentsCreate), "Create a payment from payables") {
            request, context in
            let input = try await JSONBody.decode(NewPayment.self, from: request, context: context)
            return try JSONBody.response(
                PaymentResource(try await hub.createPayment(input, context: try context.caller())), status: .created)
        }
        table.add(.get, "/api/v1/payments/:id", .requires(.paymentsRead), "Get a payment") { _, context in
            try JSONBody.response(PaymentResource(try await hub.payment(try context.id(), context: try context.caller())))
        }
        // MARK: Bank formats
        table.add(.post, "/api/v1/formats/parse", .requires(.formatsParse), "Read a bank file into normalised JSON") {
            request, context in
            let format = try ListQuery(request).value("format", as: BankFileFormat.self)
            // Statements can be large; this route alone accepts bodies up to 64 MiB.
            let buffer = try await request.body.collect(upTo: 64 * 1024 * 1024)
            guard buffer.readableBytes > 0 else {
                throw Problem.badRequest([FieldError(path: "", code: "empty_body", message: "send the bank file as the body")])
            }
            do {
                let parsed = try BankFileReader.parse(Data(buffer.readableBytesView), format: format)
                var headers = HTTPFields()
                headers[.contentType] = "application/json; charset=utf-8"
                return Response(
                    status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: parsed.json.rendered())))
            } catch let error as FormatError {
                throw Problem(
                    .unprocessableContent, type: "/problems/bank-file", title: "Unreadable bank file", code: error.code.rawValue,
                    detail: error.message, errors: [FieldError(path: error.location ?? "", code: error.code.rawValue, message: error.message)])
            }
        }

        addSyncRoutes(to: &table)
        addApprovalRoutes(to: &table)
        addSanctionsRoutes(to: &table)
        addImportRoutes(to: &table)
        addExecutionRoutes(to: &table)
        addStatementRoutes(to: &table)

        // MARK: Audit
        table.add(.get, "/api/v1/audit_events", .requires(.auditRead), "Read the audit trail in chain order") {
            request, context in
            let query = ListQuery(request)
            let page = try query.page()
            let after = try page.afterID.map { text in
                guard let sequence = Int64(text) else {
                    throw Problem.badRequest([FieldError(path: "after", code: "invalid_cursor", message: "cursor is not valid")])
                }
                return sequence
            }
            let scope = try context.caller().principal.scope
            let events = try await store.auditEvents(after: after ?? 0, limit: page.limit + 1, scope: scope)
            let shown = Array(events.prefix(page.limit))
            let next = events.count > page.limit ? shown.last.map { String($0.sequence) } : nil
            return try JSONBody.response(ListResource(data: shown.map(AuditEventResource.init), nextCursor: Cursor.encode(next)))
        }
        return table
    }

    /// Transition verbs take an optional body: `{"reason": "…"}`.
    static func optionalBody<Body: Decodable>(_ type: Body.Type, _ request: Request, _ context: PayHubRequestContext)
        async throws -> Body?
    {
        let buffer = try await request.body.collect(upTo: context.maxUploadSize)
        guard buffer.readableBytes > 0 else { return nil }
        do {
            return try JSONDecoder().decode(Body.self, from: Data(buffer.readableBytesView))
        } catch let error as DecodingError {
            throw Problem.badRequest([JSONBody.fieldError(error)])
        }
    }
}

extension PayHubRequestContext {
    /// The authenticated caller; routes behind a permission always have one.
    func caller() throws -> PayHubServices.CallContext {
        guard let principal else { throw Problem.unauthenticated }
        return requestContext(for: principal)
    }

    func id() throws -> String { try parameters.require("id") }
}
