import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import PayHubDomain
import PayHubTesting
import PayHubServices
import PayHubWeb
import PayHubStorage
import Synchronization
import Testing

/// The OpenAPI document is written by hand; these tests hold it to the routes and to what they answer.
@Suite("OpenAPI document")
struct OpenAPITests {
    /// `Sources/PayHubWeb/Resources/openapi.json`, read from the source tree.
    static let documentURL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources/PayHubWeb/Resources/openapi.json")

    static let httpMethods: Set<String> = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]

    static func documentData() throws -> Data { try Data(contentsOf: documentURL) }

    static func document() throws -> SchemaValue { try SchemaValue.parse(try documentData()) }

    // MARK: Routes

    @Test("every declared route is documented with its access, and nothing is documented that is not a route")
    func routesAndDocumentAgree() async throws {
        let declaredRoutes = Mutex<[DeclaredRoute]>([])
        try await TestApp.withLiveServer { app, _ in declaredRoutes.withLock { $0 = app.api.declaredRoutes } }
        let routes = declaredRoutes.withLock { $0 }
        #expect(routes.count >= 30, "the API declares its routes")
        let document = try Self.document()
        let validator = JSONSchemaValidator(root: document)
        let paths = try #require(document["paths"]?.objectValue)

        var declared: Set<String> = []
        var operationIDs: Set<String> = []
        for route in routes {
            let method = route.method.rawValue.lowercased()
            let key = "\(method) \(route.openAPIPath)"
            #expect(declared.insert(key).inserted, "\(key) is declared twice")
            guard let pathItem = paths[route.openAPIPath], let operation = pathItem[method] else {
                Issue.record("\(key) (\(route.summary)) is not in openapi.json")
                continue
            }
            if let operationID = operation["operationId"]?.stringValue {
                #expect(operationIDs.insert(operationID).inserted, "operationId \(operationID) is used twice")
            } else {
                Issue.record("\(key) has no operationId")
            }
            #expect(operation["summary"]?.stringValue == route.summary, "\(key): summary differs from the route's")
            #expect(operation["tags"]?.arrayValue?.isEmpty == false, "\(key) has no tags")

            switch route.access {
            case .public:
                #expect(operation["security"] == .array([]), "\(key) is public: security must be []")
                #expect(operation["x-payhub-permission"] == nil, "\(key) is public: no x-payhub-permission")
            case .requires(let permission):
                #expect(
                    operation["security"] == .array([.object(["bearerAuth": .array([])])]),
                    "\(key) needs \(permission.rawValue): security must be bearerAuth")
                #expect(
                    operation["x-payhub-permission"] == .string(permission.rawValue),
                    "\(key): x-payhub-permission must be \(permission.rawValue)")
                for status in ["401", "403"] {
                    #expect(operation["responses"]?[status] != nil, "\(key) must document \(status)")
                }
            }

            let responses = try #require(operation["responses"]?.objectValue, "\(key) has no responses")
            #expect(responses.keys.contains { $0.hasPrefix("2") }, "\(key) documents no success response")
            // Errors are problem+json; readyz's 503 is its own JSON status body, so 501 and up are not checked.
            for (status, response) in responses where Int(status).map({ (400...500).contains($0) }) ?? false {
                let resolved = try validator.dereference(response)
                #expect(
                    resolved["content"]?["application/problem+json"]?["schema"] == .object(["$ref": .string("#/components/schemas/Problem")]),
                    "\(key) \(status) must be application/problem+json with the Problem schema")
            }

            // Every `{name}` of the path template has a required path parameter.
            var parameters = (pathItem["parameters"]?.arrayValue ?? []) + (operation["parameters"]?.arrayValue ?? [])
            parameters = try parameters.map { try validator.dereference($0) }
            for segment in route.openAPIPath.split(separator: "/") where segment.hasPrefix("{") {
                let name = String(segment.dropFirst().dropLast())
                #expect(
                    parameters.contains {
                        $0["name"] == .string(name) && $0["in"] == .string("path") && $0["required"] == .bool(true)
                    }, "\(key) does not document its path parameter \(name)")
            }
        }

        for (path, item) in paths {
            for method in (item.objectValue ?? [:]).keys where Self.httpMethods.contains(method) {
                #expect(declared.contains("\(method) \(path)"), "openapi.json documents \(method) \(path), which is no route")
            }
        }
    }

    // MARK: The document itself

    @Test("GET /api/v1/openapi.json serves the committed file, a well-formed OpenAPI 3.1.0 document")
    func servedDocumentIsTheFile() async throws {
        let file = try Self.documentData()
        try await TestApp.withLiveServer { _, client in
            let response = try await client.send(.get, "/api/v1/openapi.json", key: nil)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
            #expect(Data(response.text.utf8) == file, "the served document differs from Resources/openapi.json")
        }

        let document = try SchemaValue.parse(file)
        #expect(document["openapi"] == .string("3.1.0"))
        #expect(document["info"]?["title"]?.stringValue?.isEmpty == false)
        #expect(document["info"]?["version"]?.stringValue?.isEmpty == false)
        let description = try #require(document["info"]?["description"]?.stringValue)
        for topic in ["Authentication", "Pagination", "Errors", "decimal strings"] {
            #expect(description.contains(topic), "info.description explains \(topic)")
        }
        let bearer = document["components"]?["securitySchemes"]?["bearerAuth"]
        #expect(bearer?["type"] == .string("http"))
        #expect(bearer?["scheme"] == .string("bearer"))
        let schemas = try #require(document["components"]?["schemas"]?.objectValue)
        for name in [
            "Entity", "BankAccount", "Vendor", "Payable", "Payment", "AuditEvent", "EntityList", "BankAccountList",
            "VendorList", "PayableList", "PaymentList", "AuditEventList", "Problem", "FieldError", "NewEntity",
            "EntityChanges", "NewEntityBankAccount", "NewVendorBankAccount", "NewVendor", "VendorChanges", "NewPayable",
            "PayableChanges", "NewPayment", "TransitionRequest",
        ] {
            #expect(schemas[name] != nil, "components.schemas.\(name)")
        }
        #expect(
            schemas["Payment"]?["properties"]?["state"]?["enum"]
                == .array(PaymentState.allCases.map { .string($0.rawValue) }), "Payment.state lists every payment state")
        #expect(
            schemas["Payable"]?["properties"]?["state"]?["enum"]
                == .array(PayableState.allCases.map { .string($0.rawValue) }), "Payable.state lists every payable state")

        // Every $ref resolves, and every operation has an operationId and only documented statuses.
        let validator = JSONSchemaValidator(root: document)
        var references: [String] = []
        func collect(_ value: SchemaValue) {
            switch value {
            case .object(let members):
                if let reference = members["$ref"]?.stringValue { references.append(reference) }
                members.values.forEach(collect)
            case .array(let items): items.forEach(collect)
            default: break
            }
        }
        collect(document)
        #expect(!references.isEmpty)
        for reference in Set(references) {
            #expect((try? validator.resolve(reference: reference)) != nil, "\(reference) does not resolve")
        }

        // Response objects need a description; examples must obey their own schema.
        for (name, response) in document["components"]?["responses"]?.objectValue ?? [:] {
            #expect(response["description"]?.stringValue != nil, "components.responses.\(name) has a description")
            for (mediaType, content) in response["content"]?.objectValue ?? [:] {
                guard let example = content["example"], let schema = content["schema"] else { continue }
                let mismatch = validator.validate(example, against: schema)
                #expect(mismatch == nil, "the example of \(name) \(mediaType): \(mismatch.map(\.description) ?? "")")
            }
        }
        for (path, item) in document["paths"]?.objectValue ?? [:] {
            for (method, operation) in item.objectValue ?? [:] where Self.httpMethods.contains(method) {
                for (status, response) in operation["responses"]?.objectValue ?? [:] {
                    #expect(Int(status).map { (200...599).contains($0) } ?? false, "\(method) \(path): status \(status)")
                    #expect(
                        try validator.dereference(response)["description"]?.stringValue != nil,
                        "\(method) \(path) \(status) has a description")
                }
            }
        }
    }

    // MARK: Responses against the document

    @Test("responses of the live API, success and error alike, match the schemas the document gives")
    func responsesMatchTheDocument() async throws {
        let document = try Self.document()
        let conformance = Conformance(document: document)
        try await TestApp.withLiveServer { app, client in
            let admin = try #require(app.germanKeys[.admin])
            let clerk = try #require(app.germanKeys[.apClerk])
            let approver = try #require(app.germanKeys[.approver])
            let auditor = try #require(app.germanKeys[.auditor])
            let chineseClerk = try #require(app.chineseKeys[.apClerk])
            let entityID = app.germany.entity.id.rawValue
            let debtorID = app.germany.debtor.id.rawValue

            func call(
                _ method: HTTPRequest.Method, _ uri: String, key: String?, json: String? = nil, as documented: String,
                expect status: HTTPResponse.Status, sourceLocation: SourceLocation = #_sourceLocation
            ) async throws -> SchemaValue {
                let response = try await client.send(method, uri, key: key, json: json)
                return try conformance.check(
                    response, method.rawValue.lowercased(), documented, expect: status, sourceLocation: sourceLocation)
            }
            func id(_ body: SchemaValue, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
                try #require(body["id"]?.stringValue, "the body has an id", sourceLocation: sourceLocation)
            }

            // Operations
            _ = try await call(.get, "/healthz", key: nil, as: "/healthz", expect: .ok)
            _ = try await call(.get, "/readyz", key: nil, as: "/readyz", expect: .ok)
            _ = try await call(.get, "/metrics", key: nil, as: "/metrics", expect: .ok)
            _ = try await call(.get, "/api/v1/openapi.json", key: nil, as: "/api/v1/openapi.json", expect: .ok)

            // Bank formats: a real camt.053 in, normalised JSON out; a file that is none gives 422.
            // `../shared` beside the repository; a clone elsewhere falls back to the workspace's.
            let sample = "shared/conformance/camt053/genkgo-camt053.v8.xml"
            let beside = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(sample)
            let camt = try String(
                contentsOf: FileManager.default.fileExists(atPath: beside.path)
                    ? beside : URL(fileURLWithPath: "/work/\(sample)"),
                encoding: .utf8)
            let parsed = try await call(
                .post, "/api/v1/formats/parse", key: clerk, json: camt, as: "/api/v1/formats/parse", expect: .ok)
            #expect(parsed["kind"] == .string("statement") && parsed["format"] == .string("camt.053.001.08"))
            _ = try await call(
                .post, "/api/v1/formats/parse", key: clerk, json: "not a bank file", as: "/api/v1/formats/parse",
                expect: .unprocessableContent)

            // Entities
            let newEntity = try await call(
                .post, "/api/v1/entities", key: admin,
                json: #"{"name": "ACME France SAS", "country": "FR", "base_currency": "EUR"}"#,
                as: "/api/v1/entities", expect: .created)
            #expect(newEntity["lei"] == .null, "an entity without LEI has the key, null")
            let entities = try await call(.get, "/api/v1/entities", key: admin, as: "/api/v1/entities", expect: .ok)
            #expect(entities["next_cursor"] == .null, "the last page has next_cursor null, not absent")
            _ = try await call(
                .get, "/api/v1/entities/\(entityID)", key: admin, as: "/api/v1/entities/{id}", expect: .ok)
            _ = try await call(
                .patch, "/api/v1/entities/\(entityID)", key: admin, json: #"{"name": "ACME Deutschland GmbH"}"#,
                as: "/api/v1/entities/{id}", expect: .ok)

            // Bank accounts of the entity
            let entityAccount = try await call(
                .post, "/api/v1/bank_accounts", key: admin,
                json: #"{"entity_id": "\#(entityID)", "iban": "DE89370400440532013000", "bic": "COBADEFFXXX", "currency": "EUR", "holder_name": "ACME Deutschland GmbH", "bank_name": "Commerzbank"}"#,
                as: "/api/v1/bank_accounts", expect: .created)
            #expect(entityAccount["account_number_masked"] == .string("****3000"))
            _ = try await call(
                .get, "/api/v1/bank_accounts?entity_id=\(entityID)&limit=2", key: admin, as: "/api/v1/bank_accounts",
                expect: .ok)
            let entityAccountID = try id(entityAccount)
            _ = try await call(
                .get, "/api/v1/bank_accounts/\(entityAccountID)", key: admin, as: "/api/v1/bank_accounts/{id}",
                expect: .ok)

            // Vendors and their accounts
            let vendor = try await call(
                .post, "/api/v1/vendors", key: clerk,
                json: #"{"entity_id": "\#(entityID)", "name": "Lieferant GmbH", "country": "DE", "tax_id": "DE123456789", "source": "sap", "external_id": "V-1000"}"#,
                as: "/api/v1/vendors", expect: .created)
            let vendorID = try id(vendor)
            _ = try await call(.get, "/api/v1/vendors?entity=\(entityID)", key: clerk, as: "/api/v1/vendors", expect: .ok)
            _ = try await call(.get, "/api/v1/vendors/\(vendorID)", key: clerk, as: "/api/v1/vendors/{id}", expect: .ok)
            _ = try await call(
                .patch, "/api/v1/vendors/\(vendorID)", key: clerk, json: #"{"name": "Lieferant AG"}"#,
                as: "/api/v1/vendors/{id}", expect: .ok)
            let creditor = try await call(
                .post, "/api/v1/vendors/\(vendorID)/bank_accounts", key: clerk,
                json: #"{"iban": "DE89 3704 0044 0532 0130 00", "currency": "EUR", "holder_name": "Lieferant AG"}"#,
                as: "/api/v1/vendors/{id}/bank_accounts", expect: .created)
            #expect(creditor["vendor_id"] == .string(vendorID))
            let creditorID = try id(creditor)

            // Payables
            var payableIDs: [String] = []
            for index in 0..<3 {
                let payable = try await call(
                    .post, "/api/v1/payables", key: clerk,
                    json: #"{"vendor_id": "\#(vendorID)", "invoice_number": "RE-\#(index)", "invoice_date": "2026-11-01", "due_date": "2026-12-01", "amount": "1250.00", "currency": "EUR", "source": "sap", "external_id": "5100\#(index)"}"#,
                    as: "/api/v1/payables", expect: .created)
                payableIDs.append(try id(payable))
            }
            _ = try await call(
                .get, "/api/v1/payables?vendor_id=\(vendorID)&state=open&due_date_from=2026-01-01&due_date_to=2026-12-31",
                key: clerk, as: "/api/v1/payables", expect: .ok)
            _ = try await call(
                .get, "/api/v1/payables/\(payableIDs[0])", key: clerk, as: "/api/v1/payables/{id}", expect: .ok)
            _ = try await call(
                .patch, "/api/v1/payables/\(payableIDs[0])", key: clerk, json: #"{"amount": "1300.00"}"#,
                as: "/api/v1/payables/{id}", expect: .ok)

            // Payments and their verbs
            func newPayment(_ payableID: String, date: String? = nil) async throws -> String {
                let execution = date.map { #", "requested_execution_date": "\#($0)""# } ?? ""
                let payment = try await call(
                    .post, "/api/v1/payments", key: clerk,
                    json: #"{"payable_ids": ["\#(payableID)"], "debtor_account_id": "\#(debtorID)", "creditor_account_id": "\#(creditorID)"\#(execution)}"#,
                    as: "/api/v1/payments", expect: .created)
                #expect(payment["state"] == .string("draft"))
                return try id(payment)
            }
            let approved = try await newPayment(payableIDs[0], date: "2026-12-01")
            let rejected = try await newPayment(payableIDs[1])
            let cancelled = try await newPayment(payableIDs[2])
            func verb(
                _ paymentID: String, _ name: String, key: String, reason: String? = nil,
                expect status: HTTPResponse.Status = .ok, sourceLocation: SourceLocation = #_sourceLocation
            ) async throws -> SchemaValue {
                try await call(
                    .post, "/api/v1/payments/\(paymentID)/\(name)", key: key, json: reason.map { #"{"reason": "\#($0)"}"# },
                    as: "/api/v1/payments/{id}/\(name)", expect: status, sourceLocation: sourceLocation)
            }
            _ = try await verb(approved, "submit", key: clerk)
            let approval = try await verb(approved, "approve", key: approver, reason: "within budget")
            #expect(approval["state"] == .string("approved"))
            _ = try await verb(rejected, "submit", key: clerk)
            _ = try await verb(rejected, "hold", key: approver, reason: "check the bank details")
            _ = try await verb(rejected, "release", key: approver, expect: .unprocessableContent)
            _ = try await verb(rejected, "release", key: approver, reason: "bank details confirmed by phone")
            _ = try await verb(rejected, "reject", key: approver, reason: "duplicate invoice")
            _ = try await verb(cancelled, "cancel", key: clerk, reason: "paid by card")

            // Approvals: the review of a payment, the queue, policies, simulation, policy tests, FX rates,
            // delegations, approver groups, risk ratings
            let treasurer = try #require(app.germanKeys[.treasurer])
            let review = try await call(
                .get, "/api/v1/payments/\(approved)/approval", key: clerk, as: "/api/v1/payments/{id}/approval", expect: .ok)
            #expect(review["status"] == .string("approved") && review["policy_version"] == .integer(0))
            let policy = #"{"id": "acme", "rules": [{"id": "large", "when": {"amount_above": "10000.00"}, "then": {"outcome": "chain", "steps": [{"role": "approver", "approvals": 2}]}}], "default": {"outcome": "chain", "steps": [{"role": "approver", "approvals": 1}]}}"#
            let stored = try await call(
                .post, "/api/v1/policies/approval", key: admin, json: policy, as: "/api/v1/policies/approval",
                expect: .created)
            #expect(stored["version"] == .integer(1) && stored["source_format"] == .string("json"))
            _ = try await call(.get, "/api/v1/policies/approval", key: approver, as: "/api/v1/policies/approval", expect: .ok)
            let controls = try await call(
                .post, "/api/v1/policies/controls", key: admin,
                json: #"{"duplicates": {"invoice_date_window_days": 30}, "limits": [{"entity_id": "\#(entityID)", "single_payment_max": {"amount": "250000.00", "currency": "EUR"}}]}"#,
                as: "/api/v1/policies/controls", expect: .created)
            #expect(controls["version"] == .integer(1))
            _ = try await call(.get, "/api/v1/policies/controls", key: approver, as: "/api/v1/policies/controls", expect: .ok)
            _ = try await call(
                .get, "/api/v1/policies/approval/versions", key: approver, as: "/api/v1/policies/approval/versions",
                expect: .ok)
            let waiting = try await newPayment(payableIDs[1])
            _ = try await verb(waiting, "submit", key: clerk)
            let queue = try await call(.get, "/api/v1/approvals", key: approver, as: "/api/v1/approvals", expect: .ok)
            #expect(queue["data"]?[0]?["payment"]?["id"] == .string(waiting))
            let simulated = try await call(
                .post, "/api/v1/policies/simulate", key: approver, json: #"{"payment_id": "\#(waiting)"}"#,
                as: "/api/v1/policies/simulate", expect: .ok)
            #expect(simulated["rule"]?["id"] == nil || simulated["rule"] == .null, "the default outcome, no rule")
            let tests = #"{"cases": [{"name": "big", "facts": {"entity_id": "\#(entityID)", "amount": {"amount": "20000.00", "currency": "EUR"}, "method": "sepa_credit_transfer", "as_of": "2026-03-02", "vendor": {"country": "DE", "risk_rating": "low", "created_on": "2020-01-01", "previous_payments": 3}}, "expect": {"outcome": "chain", "rule": "large"}}]}"#
            let report = try await call(
                .post, "/api/v1/policies/test", key: approver, json: tests, as: "/api/v1/policies/test", expect: .ok)
            #expect(report["passed"] == .integer(1) && report["failed"] == .integer(0))
            let rates = try await call(
                .post, "/api/v1/fx_rates?source=ECB", key: treasurer, json: "date,base,quote,rate\n2026-09-18,EUR,USD,1.2000\n",
                as: "/api/v1/fx_rates", expect: .ok)
            #expect(rates["imported"] == .integer(1))
            let access = AccessService(store: app.store, bcryptCost: 4)
            let system = CallContext(principal: .system, origin: "test")
            var people: [String] = []
            for name in ["anna", "tina"] {
                people.append(
                    try await access.addUser(
                        username: name, displayName: name, password: "correct horse battery", roles: [.approver],
                        scope: .only([app.germany.entity.id]), context: system
                    ).id.rawValue)
            }
            _ = try await call(
                .post, "/api/v1/delegations", key: admin,
                json: #"{"from": "\#(people[0])", "to": "\#(people[1])", "valid_from": "2026-09-20T00:00:00Z", "valid_until": "2026-09-30T00:00:00+02:00"}"#,
                as: "/api/v1/delegations", expect: .created)
            let groups = try await call(
                .put, "/api/v1/users/\(people[1])/groups", key: admin, json: #"{"groups": ["finance-managers"]}"#,
                as: "/api/v1/users/{id}/groups", expect: .ok)
            #expect(groups["groups"] == .array([.string("finance-managers")]))
            _ = try await call(
                .put, "/api/v1/vendors/\(vendorID)/risk_rating", key: treasurer, json: #"{"risk_rating": "medium"}"#,
                as: "/api/v1/vendors/{id}/risk_rating", expect: .ok)
            _ = try await verb(waiting, "reject", key: approver, reason: "not ordered")
            _ = try await call(
                .get, "/api/v1/payments?state=approved&entity_id=\(entityID)&vendor=\(vendorID)", key: clerk,
                as: "/api/v1/payments", expect: .ok)
            _ = try await call(.get, "/api/v1/payments/\(approved)", key: clerk, as: "/api/v1/payments/{id}", expect: .ok)

            // Audit trail, two pages
            let firstPage = try await call(
                .get, "/api/v1/audit_events?limit=3", key: auditor, as: "/api/v1/audit_events", expect: .ok)
            let cursor = try #require(firstPage["next_cursor"]?.stringValue, "more events than one page of 3")
            _ = try await call(
                .get, "/api/v1/audit_events?after=\(cursor)&limit=1000", key: auditor, as: "/api/v1/audit_events",
                expect: .ok)

            // 400: a bad query parameter, a body that is not JSON or not of the right shape
            _ = try await call(.get, "/api/v1/payments?limit=0", key: clerk, as: "/api/v1/payments", expect: .badRequest)
            _ = try await call(.get, "/api/v1/payables?state=lost", key: clerk, as: "/api/v1/payables", expect: .badRequest)
            _ = try await call(
                .get, "/api/v1/vendors?entity_id=nonsense", key: clerk, as: "/api/v1/vendors", expect: .badRequest)
            _ = try await call(
                .get, "/api/v1/audit_events?after=not-a-cursor", key: auditor, as: "/api/v1/audit_events",
                expect: .badRequest)
            let malformed = try await call(
                .post, "/api/v1/vendors", key: clerk, json: "{", as: "/api/v1/vendors", expect: .badRequest)
            #expect(malformed["code"] == .string("bad_request"))
            let numericAmount = try await call(
                .post, "/api/v1/payables", key: clerk, json: #"{"vendor_id": "\#(vendorID)", "amount": 12}"#,
                as: "/api/v1/payables", expect: .badRequest)
            #expect(numericAmount["errors"]?[0]?["path"] != nil)
            _ = try await call(
                .post, "/api/v1/payments/\(approved)/hold", key: approver, json: #"{"reason": 5}"#,
                as: "/api/v1/payments/{id}/hold", expect: .badRequest)

            // 401: no credentials on a protected route, or a key that is not valid (even on a public route)
            _ = try await call(.get, "/api/v1/payments", key: nil, as: "/api/v1/payments", expect: .unauthorized)
            _ = try await call(.get, "/api/v1/vendors", key: "not-a-key", as: "/api/v1/vendors", expect: .unauthorized)
            _ = try await verb(approved, "approve", key: "", expect: .unauthorized)
            _ = try await call(.get, "/healthz", key: "not-a-key", as: "/healthz", expect: .unauthorized)

            // 403: authenticated without the permission
            let forbidden = try await verb(approved, "approve", key: clerk, expect: .forbidden)
            #expect(forbidden["code"] == .string("forbidden"))
            _ = try await call(.get, "/api/v1/audit_events", key: clerk, as: "/api/v1/audit_events", expect: .forbidden)
            _ = try await call(
                .post, "/api/v1/entities", key: clerk, json: #"{"name": "X", "country": "DE", "base_currency": "EUR"}"#,
                as: "/api/v1/entities", expect: .forbidden)
            _ = try await call(
                .post, "/api/v1/bank_accounts", key: clerk,
                json: #"{"entity_id": "\#(entityID)", "iban": "DE89370400440532013000", "currency": "EUR", "holder_name": "X"}"#,
                as: "/api/v1/bank_accounts", expect: .forbidden)

            // 404: unknown, malformed, or of an entity the caller may not see
            _ = try await call(
                .get, "/api/v1/payments/pay_0000000000", key: clerk, as: "/api/v1/payments/{id}", expect: .notFound)
            _ = try await call(
                .get, "/api/v1/payments/\(approved)", key: chineseClerk, as: "/api/v1/payments/{id}", expect: .notFound)
            _ = try await verb("pay_nothere", "submit", key: clerk, expect: .notFound)
            _ = try await call(
                .get, "/api/v1/entities/\(app.china.entity.id.rawValue)", key: admin, as: "/api/v1/entities/{id}",
                expect: .notFound)
            _ = try await call(
                .get, "/api/v1/bank_accounts/not-an-id", key: admin, as: "/api/v1/bank_accounts/{id}", expect: .notFound)
            _ = try await call(.get, "/api/v1/vendors/ven_unknown", key: clerk, as: "/api/v1/vendors/{id}", expect: .notFound)
            _ = try await call(
                .patch, "/api/v1/payables/pyb_unknown", key: clerk, json: #"{"amount": "1.00"}"#,
                as: "/api/v1/payables/{id}", expect: .notFound)
            _ = try await call(
                .post, "/api/v1/vendors/ven_unknown/bank_accounts", key: clerk,
                json: #"{"iban": "DE89370400440532013000", "currency": "EUR", "holder_name": "X"}"#,
                as: "/api/v1/vendors/{id}/bank_accounts", expect: .notFound)
            _ = try await call(
                .post, "/api/v1/bank_accounts", key: admin,
                json: #"{"entity_id": "\#(app.china.entity.id.rawValue)", "iban": "DE89370400440532013000", "currency": "EUR", "holder_name": "X"}"#,
                as: "/api/v1/bank_accounts", expect: .unprocessableContent)

            // 409: an illegal move, a duplicate, a payable that no longer changes
            let illegal = try await verb(approved, "approve", key: approver, expect: .conflict)
            #expect(illegal["code"] == .string("invalid_transition"))
            #expect(illegal["detail"]?.stringValue?.contains("approved") == true, "the problem names the current state")
            _ = try await verb(cancelled, "submit", key: clerk, expect: .conflict)
            let locked = try await call(
                .patch, "/api/v1/payables/\(payableIDs[0])", key: clerk, json: #"{"amount": "1.00"}"#,
                as: "/api/v1/payables/{id}", expect: .conflict)
            #expect(locked["code"] == .string("not_editable"))
            let duplicate = try await call(
                .post, "/api/v1/payables", key: clerk,
                json: #"{"vendor_id": "\#(vendorID)", "invoice_number": "RE-9", "invoice_date": "2026-11-01", "due_date": "2026-12-01", "amount": "10.00", "currency": "EUR", "source": "sap", "external_id": "51000"}"#,
                as: "/api/v1/payables", expect: .conflict)
            #expect(duplicate["code"] == .string("duplicate"))
            _ = try await call(
                .post, "/api/v1/vendors", key: clerk,
                json: #"{"entity_id": "\#(entityID)", "name": "Lieferant GmbH", "country": "DE", "source": "sap", "external_id": "V-1000"}"#,
                as: "/api/v1/vendors", expect: .conflict)

            // 422: well-formed but invalid
            let decimals = try await call(
                .post, "/api/v1/payables", key: clerk,
                json: #"{"vendor_id": "\#(vendorID)", "invoice_number": "RE-10", "invoice_date": "2026-11-01", "due_date": "2026-12-01", "amount": "12.345", "currency": "EUR", "source": "sap", "external_id": "51010"}"#,
                as: "/api/v1/payables", expect: .unprocessableContent)
            #expect(decimals["errors"]?[0]?["path"] == .string("amount"))
            #expect(decimals["errors"]?[0]?["code"] == .string("too_many_decimals"))
            let noReason = try await verb(approved, "reject", key: approver, expect: .unprocessableContent)
            #expect(noReason["errors"]?[0]?["code"] == .string("reason_required"))
            _ = try await verb(approved, "cancel", key: clerk, reason: " ", expect: .unprocessableContent)
            _ = try await call(
                .post, "/api/v1/payments", key: clerk,
                json: #"{"payable_ids": ["\#(payableIDs[0])"], "debtor_account_id": "\#(debtorID)", "creditor_account_id": "\#(creditorID)"}"#,
                as: "/api/v1/payments", expect: .unprocessableContent)
            _ = try await call(
                .post, "/api/v1/bank_accounts", key: admin,
                json: #"{"iban": "DE89370400440532013000", "currency": "EUR", "holder_name": "X"}"#,
                as: "/api/v1/bank_accounts", expect: .badRequest)
            _ = try await call(
                .post, "/api/v1/vendors/\(vendorID)/bank_accounts", key: clerk,
                json: #"{"iban": "DE00370400440532013000", "currency": "EUR", "holder_name": "Lieferant AG"}"#,
                as: "/api/v1/vendors/{id}/bank_accounts", expect: .unprocessableContent)
            _ = try await call(
                .post, "/api/v1/vendors", key: clerk,
                json: #"{"entity_id": "\#(app.china.entity.id.rawValue)", "name": "X", "country": "DE"}"#,
                as: "/api/v1/vendors", expect: .unprocessableContent)
            _ = try await call(
                .patch, "/api/v1/vendors/\(vendorID)", key: clerk, json: #"{"country": "Germany"}"#,
                as: "/api/v1/vendors/{id}", expect: .unprocessableContent)
            _ = try await call(
                .post, "/api/v1/entities", key: admin, json: #"{"name": "X", "country": "DE", "base_currency": "EURO"}"#,
                as: "/api/v1/entities", expect: .unprocessableContent)
            _ = try await call(
                .patch, "/api/v1/entities/\(entityID)", key: admin, json: #"{"lei": "not a lei"}"#,
                as: "/api/v1/entities/{id}", expect: .unprocessableContent)

            // ERP sync: batches answer per item; new bank details wait for a second person.
            let batch = try await call(
                .post, "/api/v1/payables/batch", key: clerk,
                json: #"{"payables": [{"vendor_id": "\#(vendorID)", "invoice_number": "B-1", "invoice_date": "2026-11-01", "due_date": "2026-12-01", "amount": "10.00", "currency": "EUR", "source": "sap", "external_id": "B-1"}, {"vendor_id": "\#(vendorID)", "invoice_number": "B-2", "invoice_date": "2026-11-01", "due_date": "2026-12-01", "amount": "1.001", "currency": "EUR", "source": "sap", "external_id": "B-2"}]}"#,
                as: "/api/v1/payables/batch", expect: .ok)
            #expect(batch["results"]?[0]?["status"] == .string("created") && batch["results"]?[1]?["status"] == .string("rejected"))
            let vendorItem = { (iban: String) in
                #"{"vendors": [{"entity_id": "\#(entityID)", "source": "sap", "external_id": "V-77", "name": "Nordsee Logistik GmbH", "country": "DE", "bank_account": {"iban": "\#(iban)", "currency": "EUR"}}]}"#
            }
            _ = try await call(
                .post, "/api/v1/vendors/batch", key: clerk, json: vendorItem("DE89370400440532013000"),
                as: "/api/v1/vendors/batch", expect: .ok)
            let changed = try await call(
                .post, "/api/v1/vendors/batch", key: clerk, json: vendorItem("DE02120300000000202051"),
                as: "/api/v1/vendors/batch", expect: .ok)
            #expect(changed["results"]?[0]?["bank_account"]?["status"] == .string("pending_verification"))
            let pendingID = try #require(changed["results"]?[0]?["bank_account"]?["id"]?.stringValue)
            // (the treasurer key from above verifies)
            let verified = try await call(
                .post, "/api/v1/bank_accounts/\(pendingID)/verify", key: treasurer,
                as: "/api/v1/bank_accounts/{id}/verify", expect: .ok)
            #expect(verified["verification"] == .string("active"))
            let events = try await call(
                .get, "/api/v1/events?types=payable.*&limit=2", key: clerk, as: "/api/v1/events", expect: .ok)
            #expect(events["data"]?[0]?["type"] == .string("payable.created") && events["next_cursor"] != .null)

            // Single upserts by the ERP's own key: created, then the same again, then refused.
            let single = #"{"vendor_id": "\#(vendorID)", "invoice_number": "S-1", "invoice_date": "2026-11-01", "due_date": "2026-12-01", "amount": "12.00", "currency": "EUR"}"#
            let put = try await call(
                .put, "/api/v1/payables/by_source/sap/S-1", key: clerk, json: single,
                as: "/api/v1/payables/by_source/{source}/{external_id}", expect: .created)
            #expect(put["external_id"] == .string("S-1") && put["source"] == .string("sap"))
            _ = try await call(
                .put, "/api/v1/payables/by_source/sap/S-1", key: clerk, json: single,
                as: "/api/v1/payables/by_source/{source}/{external_id}", expect: .ok)
            _ = try await call(
                .put, "/api/v1/payables/by_source/sap/S-2", key: clerk, json: single.replacingOccurrences(of: "12.00", with: "0.00"),
                as: "/api/v1/payables/by_source/{source}/{external_id}", expect: .unprocessableContent)
            let vendorPut = try await call(
                .put, "/api/v1/vendors/by_source/sap/V-900", key: clerk,
                json: #"{"entity_id": "\#(entityID)", "name": "Einzel GmbH", "country": "DE", "bank_account": {"iban": "DE89370400440532013000", "currency": "EUR"}}"#,
                as: "/api/v1/vendors/by_source/{source}/{external_id}", expect: .created)
            #expect(vendorPut["external_id"] == .string("V-900"))
            _ = try await call(
                .put, "/api/v1/vendors/by_source/sap/V-900", key: clerk,
                json: #"{"entity_id": "\#(entityID)", "name": "Einzel GmbH & Co. KG", "country": "DE"}"#,
                as: "/api/v1/vendors/by_source/{source}/{external_id}", expect: .ok)

            // Webhooks: a subscription, a delivery from the outbox, its log and a replay.
            let integration = try #require(app.germanKeys[.integration])
            let webhook = try await call(
                .post, "/api/v1/webhooks", key: integration,
                json: #"{"url": "http://127.0.0.1:9/erp", "event_types": ["payable.*"], "description": "SAP"}"#,
                as: "/api/v1/webhooks", expect: .created)
            #expect(webhook["secret"]?.stringValue?.hasPrefix("whsec_") == true)
            let webhookID = try id(webhook)
            _ = try await call(.get, "/api/v1/webhooks", key: integration, as: "/api/v1/webhooks", expect: .ok)
            let shown = try await call(
                .get, "/api/v1/webhooks/\(webhookID)", key: integration, as: "/api/v1/webhooks/{id}", expect: .ok)
            #expect(shown["secret"] == nil, "the secret is shown once")
            _ = try await call(
                .post, "/api/v1/webhooks/\(webhookID)/disable", key: integration, as: "/api/v1/webhooks/{id}/disable",
                expect: .ok)
            _ = try await call(
                .post, "/api/v1/webhooks/\(webhookID)/enable", key: integration, as: "/api/v1/webhooks/{id}/enable",
                expect: .ok)
            _ = try await call(
                .post, "/api/v1/payables/batch", key: clerk,
                json: #"{"payables": [{"vendor_id": "\#(vendorID)", "invoice_number": "B-3", "invoice_date": "2026-11-01", "due_date": "2026-12-01", "amount": "30.00", "currency": "EUR", "source": "sap", "external_id": "B-3"}]}"#,
                as: "/api/v1/payables/batch", expect: .ok)
            #expect(try await app.store.fanOutWebhookDeliveries(now: Date(), limit: 100) == 1)
            let deliveries = try await call(
                .get, "/api/v1/webhooks/\(webhookID)/deliveries", key: integration,
                as: "/api/v1/webhooks/{id}/deliveries", expect: .ok)
            let deliveryID = try #require(deliveries["data"]?[0]?["id"]?.stringValue)
            _ = try await call(
                .get, "/api/v1/webhook_deliveries/\(deliveryID)", key: integration, as: "/api/v1/webhook_deliveries/{id}",
                expect: .ok)
            _ = try await call(
                .post, "/api/v1/webhook_deliveries/\(deliveryID)/replay", key: integration,
                as: "/api/v1/webhook_deliveries/{id}/replay", expect: .ok)

            // Imports: SAP's sample by upload, its report, its quarantine worked both ways.
            _ = try await call(.get, "/api/v1/profiles", key: clerk, as: "/api/v1/profiles", expect: .ok)
            let sapSample = try Data(contentsOf: SampleFiles.url("sap-f110.csv"))
            let upload = try await client.sendMultipart(
                "/api/v1/imports", key: clerk, fields: ["profile": "sap-f110", "entity_id": entityID],
                file: ("sap-f110.csv", sapSample))
            let imported = try conformance.check(upload, "post", "/api/v1/imports", expect: .created)
            #expect(imported["counts"]?["accepted"] == .integer(7) && imported["counts"]?["rejected"] == .integer(3))
            let importID = try id(imported)
            _ = try await call(.get, "/api/v1/imports", key: clerk, as: "/api/v1/imports", expect: .ok)
            _ = try await call(.get, "/api/v1/imports/\(importID)", key: clerk, as: "/api/v1/imports/{id}", expect: .ok)
            let rejections = try await call(
                .get, "/api/v1/imports/\(importID)/rejections?state=open", key: clerk, as: "/api/v1/imports/{id}/rejections",
                expect: .ok)
            let firstRejection = try #require(rejections["data"]?[0]?["id"]?.stringValue)
            let secondRejection = try #require(rejections["data"]?[1]?["id"]?.stringValue)
            let resubmitted = try await call(
                .post, "/api/v1/import_rejections/\(firstRejection)/resubmit", key: clerk,
                json: #"{"external_id": "5100000777", "invoice_number": "RE-777", "invoice_date": "2026-02-28", "amount": "99.00", "currency": "EUR", "vendor": {"external_id": "100777", "name": "Korrigiert GmbH", "country": "DE"}}"#,
                as: "/api/v1/import_rejections/{id}/resubmit", expect: .ok)
            #expect(resubmitted["state"] == .string("resubmitted"))
            _ = try await call(
                .post, "/api/v1/import_rejections/\(secondRejection)/discard", key: clerk,
                json: #"{"reason": "credit note, booked by hand"}"#, as: "/api/v1/import_rejections/{id}/discard",
                expect: .ok)

            // Sanctions: OFAC's three files by upload, the EU list as the body; the lists; a vendor's screening.
            let listed = try await call(
                .post, "/api/v1/vendors", key: clerk,
                json: #"{"entity_id": "\#(entityID)", "name": "José María García López", "country": "MX"}"#,
                as: "/api/v1/vendors", expect: .created)
            let ofacUpload = try await client.sendMultipart(
                "/api/v1/sanctions_lists?source=ofac_sdn&version=2026-03-01", key: admin,
                files: [
                    ("file", "SDN.CSV", try SanctionsSamples.data("SDN.CSV")),
                    ("alt", "ALT.CSV", try SanctionsSamples.data("ALT.CSV")),
                    ("add", "ADD.CSV", try SanctionsSamples.data("ADD.CSV")),
                ])
            let ofacLoad = try conformance.check(ofacUpload, "post", "/api/v1/sanctions_lists", expect: .created)
            #expect(ofacLoad["list"]?["entry_count"] == .integer(32) && ofacLoad["previous_version"] == .null)
            #expect(ofacLoad["rescreen"]?["potential_matches"] == .integer(1), "the vendor named like OFAC entry 10008")
            let euUpload = try await client.execute(
                uri: "/api/v1/sanctions_lists?source=eu_consolidated", method: .post,
                headers: [.authorization: "Bearer \(admin)", .contentType: "application/xml"],
                body: ByteBuffer(bytes: try SanctionsSamples.data("eu-consolidated.xml")))
            let euLoad = try conformance.check(euUpload, "post", "/api/v1/sanctions_lists", expect: .created)
            #expect(euLoad["list"]?["version"] == .string("2026-03-02T17:45:12.512+01:00"))
            let twice = try await client.sendMultipart(
                "/api/v1/sanctions_lists?source=ofac_sdn&version=2026-03-01", key: admin,
                files: [("sdn", "SDN.CSV", try SanctionsSamples.data("SDN.CSV"))])
            try conformance.check(twice, "post", "/api/v1/sanctions_lists", expect: .conflict)
            _ = try await call(
                .post, "/api/v1/sanctions_lists?source=ofac_sdn", key: admin, json: "not a list",
                as: "/api/v1/sanctions_lists", expect: .unprocessableContent)
            _ = try await call(
                .post, "/api/v1/sanctions_lists?source=ofac_sdn", key: clerk, json: "not a list",
                as: "/api/v1/sanctions_lists", expect: .forbidden)
            let sanctionsLists = try await call(
                .get, "/api/v1/sanctions_lists", key: clerk, as: "/api/v1/sanctions_lists", expect: .ok)
            #expect(sanctionsLists["data"]?.arrayValue?.count == 2)
            let screening = try await call(
                .get, "/api/v1/vendors/\(try id(listed))/screening", key: clerk, as: "/api/v1/vendors/{id}/screening",
                expect: .ok)
            #expect(screening["screenings"]?[0]?["outcome"] == .string("potential_match"))
            #expect(screening["screenings"]?[1]?["hits"]?[0]?["entry_id"] == .string("10008"))
            _ = try await call(
                .get, "/api/v1/vendors/\(try id(listed))/screening", key: chineseClerk,
                as: "/api/v1/vendors/{id}/screening", expect: .notFound)

            // Execution: the approved payment and one more planned into two bank instructions, the first
            // handed over, so a sent instruction and a planned one (its file fields null) are both checked.
            _ = try await app.approveGermanPayments(["75.00"], seed: 4242)
            let instructions = try await app.planGermanInstructions()
            #expect(instructions.count == 2 && instructions.first?.state == .sent)
            let instructionPage = try await call(
                .get, "/api/v1/bank_instructions?limit=1", key: auditor, as: "/api/v1/bank_instructions", expect: .ok)
            let instructionCursor = try #require(
                instructionPage["next_cursor"]?.stringValue, "two instructions, pages of 1")
            let plannedPage = try await call(
                .get, "/api/v1/bank_instructions?state=planned&limit=1000&after=\(instructionCursor)", key: auditor,
                as: "/api/v1/bank_instructions", expect: .ok)
            #expect(plannedPage["data"]?[0]?["id"] == .string(instructions[1].id.rawValue))
            for instruction in instructions {
                let read = try await call(
                    .get, "/api/v1/bank_instructions/\(instruction.id)", key: clerk,
                    as: "/api/v1/bank_instructions/{id}", expect: .ok)
                #expect(read["state"] == .string(instruction.state.rawValue))
            }
            _ = try await call(
                .get, "/api/v1/bank_instructions?state=lost", key: auditor, as: "/api/v1/bank_instructions",
                expect: .badRequest)
            _ = try await call(
                .get, "/api/v1/bank_instructions/\(instructions[0].id)", key: chineseClerk,
                as: "/api/v1/bank_instructions/{id}", expect: .notFound)
            _ = try await call(
                .get, "/api/v1/bank_instructions", key: nil, as: "/api/v1/bank_instructions", expect: .unauthorized)

            // Statements: the camt.053 above, its account made one of the German entity's, stored, then recognised.
            _ = try await call(
                .post, "/api/v1/bank_accounts", key: admin,
                json: #"{"entity_id": "\#(entityID)", "iban": "NL26VAYB8060476890", "bic": "VAYBNL2A", "currency": "EUR", "holder_name": "ACME Deutschland GmbH"}"#,
                as: "/api/v1/bank_accounts", expect: .created)
            let statementTreasurer = try #require(app.germanKeys[.treasurer])
            let statementFile = Data(camt.utf8)
            let statementUpload = try await client.sendMultipart(
                "/api/v1/statements", key: statementTreasurer, files: [("file", "statement.xml", statementFile)])
            let statementImported = try conformance.check(statementUpload, "post", "/api/v1/statements", expect: .created)
            #expect(statementImported["statements"]?[0]?["result"] == .string("stored"))
            let statementID = try #require(statementImported["statements"]?[0]?["statement_id"]?.stringValue)
            #expect(statementImported["statements"]?[0]?["statement"]?["entity_id"] == .string(entityID))
            let repeated = try conformance.check(
                try await client.sendMultipart(
                    "/api/v1/statements", key: statementTreasurer, files: [("file", "statement.xml", statementFile)]),
                "post", "/api/v1/statements", expect: .created)
            #expect(repeated["statements"]?[0]?["result"] == .string("already_imported"))
            #expect(repeated["statements"]?[0]?["statement"] == .null)
            try conformance.check(
                try await client.sendMultipart(
                    "/api/v1/statements", key: statementTreasurer, files: [("file", "statement.xml", Data("no statement".utf8))]),
                "post", "/api/v1/statements", expect: .unprocessableContent)
            try conformance.check(
                try await client.sendMultipart(
                    "/api/v1/statements", key: clerk, files: [("file", "statement.xml", statementFile)]),
                "post", "/api/v1/statements", expect: .forbidden)
            let statements = try await call(
                .get, "/api/v1/statements", key: auditor, as: "/api/v1/statements", expect: .ok)
            #expect(statements["data"]?.arrayValue?.count == 1)
            let statementLines = try await call(
                .get, "/api/v1/statements/\(statementID)/lines?limit=5", key: auditor,
                as: "/api/v1/statements/{id}/lines", expect: .ok)
            #expect(statementLines["data"]?.arrayValue?.count == 1 && statementLines["next_cursor"] == .null, "one entry")
            _ = try await call(
                .get, "/api/v1/statements/\(statementID)/lines", key: try #require(app.chineseKeys[.auditor]),
                as: "/api/v1/statements/{id}/lines", expect: .notFound)
        }

        // Every documented operation had its success response checked, and each error status was seen.
        for (path, item) in document["paths"]?.objectValue ?? [:] {
            for (method, operation) in item.objectValue ?? [:] where Self.httpMethods.contains(method) {
                let success = (operation["responses"]?.objectValue ?? [:]).keys.filter { $0.hasPrefix("2") }.sorted()
                let status = try #require(success.first, "\(method) \(path) has a success response")
                #expect(
                    conformance.checked.contains("\(method) \(path) \(status)"),
                    "no live \(status) of \(method) \(path) was checked against the document")
            }
        }
        for status in [400, 401, 403, 404, 409, 422] {
            #expect(conformance.checked.contains { $0.hasSuffix(" \(status)") }, "no \(status) response was checked")
        }
    }

    // MARK: The validator itself

    /// A payment as the API returns it.
    static let paymentJSON = #"""
        {"id": "pay_01abc", "entity_id": "ent_01abc", "vendor_id": "ven_01abc", "payable_ids": ["pyb_01abc"],
         "amount": "1250.00", "currency": "EUR", "debtor_account_id": "bac_01abc", "creditor_account_id": "bac_02abc",
         "state": "approved", "end_to_end_id": "01ABC", "requested_execution_date": null,
         "created_at": "2026-09-21T12:53:20.000Z"}
        """#

    @Test("the validator accepts a conforming body and reports the first mismatch by JSON path")
    func validatorReportsMismatches() throws {
        let document = try Self.document()
        let validator = JSONSchemaValidator(root: document)
        let payment: SchemaValue = .object(["$ref": .string("#/components/schemas/Payment")])
        let list: SchemaValue = .object(["$ref": .string("#/components/schemas/PaymentList")])
        let valid = try SchemaValue.parse(Self.paymentJSON)
        #expect(validator.validate(valid, against: payment) == nil)

        // A missing required key.
        var members = try #require(valid.objectValue)
        members["state"] = nil
        let missing = try #require(validator.validate(.object(members), against: payment))
        #expect(missing.path == "$.state")
        #expect(missing.message.contains("required"))

        // An extra key on a closed object.
        members = try #require(valid.objectValue)
        members["account_number"] = .string("DE89370400440532013000")
        let extra = try #require(validator.validate(.object(members), against: payment))
        #expect(extra.path == "$.account_number")
        #expect(extra.message.contains("not allowed"))

        // Deep in a list: an amount as a number, a state not in the enum, an id with the wrong prefix.
        for (key, value, expectedPath) in [
            ("amount", SchemaValue.number(1250), "$.data[1].amount"),
            ("state", .string("paid"), "$.data[1].state"),
            ("payable_ids", .array([.string("pyb_1"), .string("pay_2")]), "$.data[1].payable_ids[1]"),
            ("requested_execution_date", .integer(20261201), "$.data[1].requested_execution_date"),
        ] {
            var bad = try #require(valid.objectValue)
            bad[key] = value
            let page: SchemaValue = .object(["data": .array([valid, .object(bad)]), "next_cursor": .null])
            #expect(validator.validate(page, against: list)?.path == expectedPath, "\(key) = \(value)")
        }
        // next_cursor may be null or a string, never absent or a number.
        #expect(validator.validate(.object(["data": .array([]), "next_cursor": .string("abc")]), against: list) == nil)
        #expect(validator.validate(.object(["data": .array([])]), against: list)?.path == "$.next_cursor")
        #expect(validator.validate(.object(["data": .array([]), "next_cursor": .integer(1)]), against: list)?.path == "$.next_cursor")
    }

    @Test("the validator's keywords: types, integer against number, enum, pattern, bounds, oneOf, anyOf")
    func validatorKeywords() throws {
        let parsed = try SchemaValue.parse(#"[null, true, 1, 1.5, "x", [], {}]"#)
        #expect(parsed == .array([.null, .bool(true), .integer(1), .number(1.5), .string("x"), .array([]), .object([:])]))

        let validator = JSONSchemaValidator(root: .object([
            "defs": .object(["small": .object(["type": .string("integer"), "minimum": .integer(0), "maximum": .integer(9)])])
        ]))
        func schema(_ json: String) throws -> SchemaValue { try SchemaValue.parse(json) }
        func ok(_ value: SchemaValue, _ json: String) throws -> Bool { validator.validate(value, against: try schema(json)) == nil }

        #expect(try ok(.integer(3), #"{"type": "integer"}"#))
        #expect(try ok(.number(3.0), #"{"type": "integer"}"#))
        #expect(try !ok(.number(3.5), #"{"type": "integer"}"#))
        #expect(try ok(.number(3.5), #"{"type": "number"}"#))
        #expect(try ok(.integer(3), #"{"type": "number"}"#))
        #expect(try !ok(.bool(true), #"{"type": "number"}"#))
        #expect(try !ok(.string("3"), #"{"type": "integer"}"#))
        #expect(try ok(.null, #"{"type": ["string", "null"]}"#))
        #expect(try !ok(.null, #"{"type": "string"}"#))
        #expect(try ok(.string("b"), #"{"enum": ["a", "b"]}"#))
        #expect(try !ok(.string("c"), #"{"enum": ["a", "b"]}"#))
        #expect(try ok(.string("pay_01ab"), #"{"type": "string", "pattern": "^pay_[a-z0-9]+$"}"#))
        #expect(try !ok(.string("pay_01AB"), #"{"type": "string", "pattern": "^pay_[a-z0-9]+$"}"#))
        #expect(try !ok(.string("-1.5x"), #"{"type": "string", "pattern": "^-?[0-9]+(\\.[0-9]+)?$"}"#))
        #expect(try ok(.integer(9), ##"{"$ref": "#/defs/small"}"##))
        #expect(try !ok(.integer(10), ##"{"$ref": "#/defs/small"}"##))
        #expect(try !ok(.integer(-1), ##"{"$ref": "#/defs/small"}"##))
        #expect(try ok(.string("x"), #"{"oneOf": [{"type": "string"}, {"type": "integer"}]}"#))
        #expect(try !ok(.integer(1), #"{"oneOf": [{"type": "number"}, {"type": "integer"}]}"#), "oneOf: exactly one")
        #expect(try !ok(.bool(true), #"{"oneOf": [{"type": "string"}, {"type": "integer"}]}"#))
        #expect(try ok(.integer(1), #"{"anyOf": [{"type": "number"}, {"type": "integer"}]}"#))
        #expect(try !ok(.null, #"{"anyOf": [{"type": "number"}, {"type": "integer"}]}"#))
        #expect(try !ok(.array([.integer(1), .string("2")]), #"{"type": "array", "items": {"type": "integer"}}"#))
        #expect(
            validator.validate(.object(["a": .object(["b": .integer(1)])]), against: try schema(
                #"{"properties": {"a": {"properties": {"b": {"type": "string"}}}}}"#))?.path == "$.a.b")
        #expect(validator.validate(.integer(1), against: try schema(##"{"$ref": "#/defs/missing"}"##)) != nil)
    }
}

/// Checks responses against the operation the document gives for their method, path and status, and
/// remembers which it checked.
final class Conformance: Sendable {
    let document: SchemaValue
    let validator: JSONSchemaValidator
    private let seen = Mutex<Set<String>>([])

    /// `get /api/v1/payments/{id} 404`: each method, documented path and status checked so far.
    var checked: Set<String> { seen.withLock { $0 } }

    init(document: SchemaValue) {
        self.document = document
        validator = JSONSchemaValidator(root: document)
    }

    /// Expects `status`, then validates the body against the schema documented for the status the server
    /// actually answered with and its media type. Returns the body (a string for non-JSON media types).
    @discardableResult
    func check(
        _ response: TestResponse, _ method: String, _ path: String, expect status: HTTPResponse.Status,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> SchemaValue {
        let actual = Int(response.status.code)
        let label = "\(method.uppercased()) \(path) → \(actual)"
        #expect(
            response.status == status, "\(method.uppercased()) \(path): expected \(status.code), body \(response.text.prefix(400))",
            sourceLocation: sourceLocation)
        let operation = try #require(
            document["paths"]?[path]?[method], "\(method) \(path) is not documented", sourceLocation: sourceLocation)
        let documented = try #require(
            operation["responses"]?[String(actual)], "\(label) is not a documented status", sourceLocation: sourceLocation)
        let declared = try validator.dereference(documented)
        let contentType = try #require(response.headers[.contentType], "\(label) has no Content-Type", sourceLocation: sourceLocation)
        let mediaType = contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        let schema = try #require(
            declared["content"]?[mediaType]?["schema"], "\(label): media type \(mediaType) is not documented",
            sourceLocation: sourceLocation)
        let body: SchemaValue
        if mediaType == "application/json" || mediaType.hasSuffix("+json") {
            body = try SchemaValue.parse(response.text)
        } else {
            body = .string(response.text)
        }
        if let mismatch = validator.validate(body, against: schema) {
            Issue.record("\(label): \(mismatch)\n\(response.text.prefix(600))", sourceLocation: sourceLocation)
        }
        if mediaType == "application/problem+json" {
            #expect(body["status"] == .integer(Int64(actual)), "\(label): problem status", sourceLocation: sourceLocation)
        }
        seen.withLock { _ = $0.insert("\(method) \(path) \(actual)") }
        return body
    }
}
