import Foundation
import HTTPTypes
import HummingbirdTesting
import PayHubDomain
import PayHubStorage
import PayHubTesting
import PayHubWeb
import Testing

@Suite("REST API")
struct APITests {
    @Test("an ERP creates a vendor, its account, payables, a payment; the approver approves; each write is audited once")
    func paymentFlow() async throws {
        try await TestApp.withLiveServer { app, client in
            let clerk = app.germanKeys[.apClerk]
            var auditCount = try await app.store.auditEvents(after: 0, limit: 10_000).count
            func expectOneNewAuditEvent(_ action: String) async throws {
                let events = try await app.store.auditEvents(after: 0, limit: 10_000)
                #expect(events.count == auditCount + 1, "one audit event for \(action)")
                #expect(events.last?.action == action)
                auditCount = events.count
            }

            let vendor = try await client.send(
                .post, "/api/v1/vendors", key: clerk,
                json: #"{"entity_id": "\#(app.germany.entity.id)", "name": "Schäfer Stahl GmbH", "country": "DE", "source": "sap", "external_id": "V-100"}"#)
            #expect(vendor.status == .created)
            let vendorID = try #require(try vendor.jsonObject()["id"] as? String)
            try await expectOneNewAuditEvent("vendor.created")

            let account = try await client.send(
                .post, "/api/v1/vendors/\(vendorID)/bank_accounts", key: clerk,
                json: #"{"iban": "DE89 3704 0044 0532 0130 00", "bic": "COBADEFFXXX", "currency": "EUR", "holder_name": "Schäfer Stahl GmbH"}"#)
            #expect(account.status == .created)
            let accountJSON = try account.jsonObject()
            #expect(accountJSON["account_number_masked"] as? String == "****3000")
            #expect(!account.text.contains("0532013000"), "the API never returns a full account number")
            let accountID = try #require(accountJSON["id"] as? String)
            try await expectOneNewAuditEvent("bank_account.created")

            var payableIDs: [String] = []
            for (index, amount) in ["1200.50", "99.50"].enumerated() {
                let payable = try await client.send(
                    .post, "/api/v1/payables", key: clerk,
                    json: #"{"vendor_id": "\#(vendorID)", "invoice_number": "RE-\#(index)", "invoice_date": "2026-11-01", "due_date": "2026-12-01", "amount": "\#(amount)", "currency": "EUR", "source": "sap", "external_id": "51000\#(index)"}"#)
                #expect(payable.status == .created)
                #expect(try payable.jsonObject()["amount"] as? String == amount)
                payableIDs.append(try #require(try payable.jsonObject()["id"] as? String))
                try await expectOneNewAuditEvent("payable.created")
            }

            let payment = try await client.send(
                .post, "/api/v1/payments", key: clerk,
                json: #"{"payable_ids": ["\#(payableIDs[0])", "\#(payableIDs[1])"], "debtor_account_id": "\#(app.germany.debtor.id)", "creditor_account_id": "\#(accountID)"}"#)
            #expect(payment.status == .created)
            let paymentJSON = try payment.jsonObject()
            #expect(paymentJSON["amount"] as? String == "1300.00")
            #expect(paymentJSON["state"] as? String == "draft")
            let paymentID = try #require(paymentJSON["id"] as? String)
            try await expectOneNewAuditEvent("payment.created")

            let submitted = try await client.send(.post, "/api/v1/payments/\(paymentID)/submit", key: clerk)
            #expect(try submitted.jsonObject()["state"] as? String == "pending_approval")
            try await expectOneNewAuditEvent("payment.pending_approval")

            let clerkApproves = try await client.send(.post, "/api/v1/payments/\(paymentID)/approve", key: clerk)
            #expect(clerkApproves.status == .forbidden, "whoever creates payments cannot approve them")
            let approved = try await client.send(.post, "/api/v1/payments/\(paymentID)/approve", key: app.germanKeys[.approver])
            #expect(try approved.jsonObject()["state"] as? String == "approved")
            try await expectOneNewAuditEvent("payment.approved")

            let again = try await client.send(.post, "/api/v1/payments/\(paymentID)/approve", key: app.germanKeys[.approver])
            #expect(again.status == .conflict)
            let problem = try again.jsonObject()
            #expect(problem["code"] as? String == "invalid_transition")
            #expect((problem["detail"] as? String)?.contains("approved") == true, "names the current state")

            let taken = try await client.send(
                .patch, "/api/v1/payables/\(payableIDs[0])", key: clerk, json: #"{"amount": "1.00"}"#)
            #expect(taken.status == .conflict, "a payable in a payment can no longer change")

            let rejectWithoutReason = try await client.send(
                .post, "/api/v1/payments/\(paymentID)/cancel", key: clerk)
            #expect(rejectWithoutReason.status == .unprocessableContent)
            let events = try await app.store.auditEvents(after: 0, limit: 10_000)
            #expect(AuditChain.verify(events) == nil)
            #expect(events.last?.requestID?.hasPrefix("req_") == true, "the audit event carries the request id")
        }
    }

    @Test("bad input answers 422 problem+json naming every field, and nothing is written")
    func validationProblems() async throws {
        try await TestApp.withLiveServer { app, client in
            let before = try await app.store.auditEvents(after: 0, limit: 10_000).count
            let response = try await client.send(
                .post, "/api/v1/payables", key: app.germanKeys[.apClerk],
                json: #"{"vendor_id": "\#(app.germany.vendor.id)", "invoice_number": "X", "invoice_date": "2026-02-30", "due_date": "2026-12-01", "amount": "12.345", "currency": "EUR", "source": "sap", "external_id": "1"}"#)
            #expect(response.status == .unprocessableContent)
            #expect(response.headers[.contentType] == "application/problem+json")
            let problem = try response.jsonObject()
            #expect(problem["type"] as? String == "/problems/validation")
            let errors = try #require(problem["errors"] as? [[String: String]])
            #expect(Set(errors.compactMap { $0["path"] }) == ["amount", "invoice_date"])
            #expect(errors.contains { $0["code"] == "too_many_decimals" })
            #expect(try await app.store.auditEvents(after: 0, limit: 10_000).count == before)

            let wrongType = try await client.send(
                .post, "/api/v1/payments", key: app.germanKeys[.apClerk],
                json: #"{"payable_ids": ["pyb_a", 7], "debtor_account_id": "bac_a", "creditor_account_id": "bac_b"}"#)
            #expect(wrongType.status == .badRequest)
            let typeErrors = try #require(try wrongType.jsonObject()["errors"] as? [[String: String]])
            #expect(typeErrors.first?["path"] == "payable_ids[1]")

            let notJSON = try await client.send(.post, "/api/v1/vendors", key: app.germanKeys[.apClerk], json: "{nope")
            #expect(notJSON.status == .badRequest)

            let duplicate = #"{"vendor_id": "\#(app.germany.vendor.id)", "invoice_number": "D-1", "invoice_date": "2026-11-01", "due_date": "2026-12-01", "amount": "5.00", "currency": "EUR", "source": "sap", "external_id": "DUP-1"}"#
            #expect(try await client.send(.post, "/api/v1/payables", key: app.germanKeys[.apClerk], json: duplicate).status == .created)
            let second = try await client.send(.post, "/api/v1/payables", key: app.germanKeys[.apClerk], json: duplicate)
            #expect(second.status == .conflict)
            #expect(try second.jsonObject()["code"] as? String == "duplicate")
        }
    }

    @Test("lists page with opaque cursors and exact-match filters")
    func pagination() async throws {
        try await TestApp.withLiveServer { app, client in
            let clerk = app.germanKeys[.apClerk]
            for index in 0..<5 {
                let response = try await client.send(
                    .post, "/api/v1/payables", key: clerk,
                    json: #"{"vendor_id": "\#(app.germany.vendor.id)", "invoice_number": "P-\#(index)", "invoice_date": "2026-11-01", "due_date": "2026-12-0\#(index + 1)", "amount": "10.00", "currency": "EUR", "source": "sap", "external_id": "P\#(index)"}"#)
                #expect(response.status == .created)
            }
            var seen: [String] = []
            var cursor: String? = nil
            repeat {
                let uri = "/api/v1/payables?limit=2" + (cursor.map { "&after=\($0)" } ?? "")
                let page = try await client.send(.get, uri, key: clerk).jsonObject()
                seen += (page["data"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
                cursor = page["next_cursor"] as? String
            } while cursor != nil && seen.count < 20
            #expect(seen.count == 5 && Set(seen).count == 5)
            let ranged = try await client.send(
                .get, "/api/v1/payables?due_date_from=2026-12-02&due_date_to=2026-12-03&state=open", key: clerk
            ).jsonObject()
            #expect((ranged["data"] as? [Any])?.count == 2)
            #expect(try await client.send(.get, "/api/v1/payables?limit=0", key: clerk).status == .badRequest)
            #expect(try await client.send(.get, "/api/v1/payables?limit=1001", key: clerk).status == .badRequest)
            #expect(try await client.send(.get, "/api/v1/payables?after=garbage!", key: clerk).status == .badRequest)
            #expect(try await client.send(.get, "/api/v1/payables?state=lost", key: clerk).status == .badRequest)
        }
    }

    @Test("health, readiness and Prometheus metrics with payments by state")
    func operations() async throws {
        try await TestApp.withLiveServer { app, client in
            #expect(try await client.send(.get, "/healthz", key: nil).status == .ok)
            #expect(try await client.send(.get, "/readyz", key: nil).status == .ok)
            _ = try await client.send(.get, "/api/v1/entities", key: app.germanKeys[.auditor])
            let metrics = try await client.send(.get, "/metrics", key: nil)
            #expect(metrics.status == .ok)
            #expect(metrics.text.contains(#"payhub_payments{state="draft"} 0"#))
            #expect(metrics.text.contains("hb_requests") || metrics.text.contains("hb_request"), "request counts")
            let unknown = try await client.send(.get, "/api/v1/nothing-here", key: nil)
            #expect(unknown.status == .notFound)
            #expect(unknown.headers[.contentType] == "application/problem+json")
            #expect(unknown.headers[HTTPField.Name("X-Request-Id")!] != nil)
        }
    }

    @Test("logs carry the request id on every line and never an account number")
    func logs() async throws {
        let capture = LogCapture()
        try await TestApp.withLiveServer(logger: capture.logger) { app, client in
            let response = try await client.send(
                .post, "/api/v1/vendors/\(app.germany.vendor.id)/bank_accounts", key: app.germanKeys[.apClerk],
                json: #"{"iban": "GB29NWBK60161331926819", "currency": "GBP", "holder_name": "Muster Ltd"}"#,
                headers: [HTTPField.Name("X-Request-Id")!: "trace-abc-123"])
            #expect(response.status == .created)
            let bad = try await client.send(
                .post, "/api/v1/vendors/\(app.germany.vendor.id)/bank_accounts", key: app.germanKeys[.apClerk],
                json: #"{"iban": "GB00NWBK60161331926819", "currency": "GBP", "holder_name": "Muster Ltd"}"#)
            #expect(bad.status == .unprocessableContent)
            #expect(!bad.text.contains("60161331926819"), "error messages never echo the account number")
        }
        let lines = capture.all
        #expect(!lines.isEmpty)
        let requestLines = lines.filter { $0.contains("trace-abc-123") }
        #expect(!requestLines.isEmpty, "the caller's request id is on the request's log lines")
        let perRequest = lines.filter { $0.contains("hb.request.id=") }
        #expect(perRequest.count >= 2)
        #expect(perRequest.allSatisfy { $0.contains("request_id=") }, "every request log line has our request id")
        #expect(lines.allSatisfy { !$0.contains("60161331926819") && !$0.contains("NWBK6016") })
    }
}
