import Foundation
import HTTPTypes
import HummingbirdTesting
import PayHubDomain
import PayHubStorage
import PayHubTesting
import PayHubWeb
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

@Suite("ERP sync over HTTP")
struct ERPSyncAPITests {
    static func payableJSON(vendor: String, externalID: String, amount: String = "100.00") -> String {
        #"{"vendor_id": "\#(vendor)", "invoice_number": "RE-\#(externalID)", "invoice_date": "2026-11-01", "due_date": "2026-12-01", "amount": "\#(amount)", "currency": "EUR", "source": "sap", "external_id": "\#(externalID)"}"#
    }

    @Test("the same Idempotency-Key from 8 concurrent clients runs the request exactly once")
    func concurrentIdempotentRequests() async throws {
        try await TestApp.withLiveServer { app, client in
            let port = try #require(client.port)
            let clerk = try #require(app.germanKeys[.apClerk])
            let body = Data(Self.payableJSON(vendor: app.germany.vendor.id.rawValue, externalID: "IDEM-1").utf8)
            let auditBefore = try await app.store.auditEvents(after: 0, limit: 10_000).count

            // Real HTTP clients on their own connections, all released at once.
            let session = URLSession(configuration: .ephemeral)
            let answers = try await withThrowingTaskGroup(of: (Int, String?, Data).self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/api/v1/payables")!)
                        request.httpMethod = "POST"
                        request.httpBody = body
                        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
                        request.setValue("Bearer \(clerk)", forHTTPHeaderField: "Authorization")
                        request.setValue("erp-run-4711", forHTTPHeaderField: "Idempotency-Key")
                        let (data, response) = try await session.data(for: request)
                        let http = try #require(response as? HTTPURLResponse)
                        return (http.statusCode, http.value(forHTTPHeaderField: "Idempotent-Replayed"), data)
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let created = answers.filter { $0.0 == 201 && $0.1 == nil }
            let replayed = answers.filter { $0.0 == 201 && $0.1 == "true" }
            let busy = answers.filter { $0.0 == 409 }
            #expect(created.count == 1, "exactly one request ran: \(answers.map(\.0))")
            #expect(replayed.count + busy.count == 7, "the others were replayed or told it is in use")
            for (_, _, data) in busy {
                #expect(String(decoding: data, as: UTF8.self).contains("idempotency_key_in_use"))
            }
            for (_, _, data) in replayed { #expect(data == created[0].2, "a replay is the first response, byte for byte") }
            let payables = try await app.store.payables(
                PayableFilter(vendorID: app.germany.vendor.id), PageRequest(limit: 100), scope: .all)
            #expect(payables.items.filter { $0.source.externalID == "IDEM-1" }.count == 1, "one payable")
            #expect(try await app.store.auditEvents(after: 0, limit: 10_000).count == auditBefore + 1, "one audit event")

            // Afterwards: the same request replays; the same key with another body is refused.
            let again = try await client.send(
                .post, "/api/v1/payables", key: clerk, json: String(decoding: body, as: UTF8.self),
                headers: [HTTPField.Name("Idempotency-Key")!: "erp-run-4711"])
            #expect(again.status == .created && again.headers[HTTPField.Name("Idempotent-Replayed")!] == "true")
            let other = try await client.send(
                .post, "/api/v1/payables", key: clerk,
                json: Self.payableJSON(vendor: app.germany.vendor.id.rawValue, externalID: "IDEM-2"),
                headers: [HTTPField.Name("Idempotency-Key")!: "erp-run-4711"])
            #expect(other.status == .unprocessableContent)
            #expect(try other.jsonObject()["code"] as? String == "idempotency_key_reused")
            // A key is the caller's own: another integration may use the same words.
            let otherCaller = try await client.send(
                .post, "/api/v1/payables/batch", key: app.germanKeys[.integration],
                json: #"{"payables": [\#(Self.payableJSON(vendor: app.germany.vendor.id.rawValue, externalID: "IDEM-3"))]}"#,
                headers: [HTTPField.Name("Idempotency-Key")!: "erp-run-4711"])
            #expect(otherCaller.status == .ok)
            // A rejected request is stored too: the retry gets the same 422, not a second attempt.
            let firstInvalid = try await client.send(
                .post, "/api/v1/payables/batch", key: clerk, json: "{}", headers: [HTTPField.Name("Idempotency-Key")!: "bad-1"])
            #expect(firstInvalid.status == .badRequest)
            let retriedInvalid = try await client.send(
                .post, "/api/v1/payables/batch", key: clerk, json: "{}", headers: [HTTPField.Name("Idempotency-Key")!: "bad-1"])
            #expect(retriedInvalid.status == .badRequest && retriedInvalid.headers[HTTPField.Name("Idempotent-Replayed")!] == "true")
            let tooLong = try await client.send(
                .post, "/api/v1/payables/batch", key: clerk, json: "{}",
                headers: [HTTPField.Name("Idempotency-Key")!: String(repeating: "k", count: 256)])
            #expect(tooLong.status == .badRequest)
        }
    }

    @Test("a batch answers every item in order; bad items do not stop good ones; 10,001 items are refused")
    func batches() async throws {
        try await TestApp.withLiveServer { app, client in
            let clerk = app.germanKeys[.apClerk]
            let vendor = app.germany.vendor.id.rawValue
            let items = [
                Self.payableJSON(vendor: vendor, externalID: "B-1", amount: "10.00"),
                Self.payableJSON(vendor: vendor, externalID: "B-2", amount: "-5.00"),
                Self.payableJSON(vendor: app.china.vendor.id.rawValue, externalID: "B-3"),
                Self.payableJSON(vendor: vendor, externalID: "B-4", amount: "20.00"),
            ]
            let first = try await client.send(
                .post, "/api/v1/payables/batch", key: clerk, json: #"{"payables": [\#(items.joined(separator: ","))]}"#)
            #expect(first.status == .ok)
            let results = try #require(try first.jsonObject()["results"] as? [[String: Any]])
            #expect(results.map { $0["index"] as? Int } == [0, 1, 2, 3])
            #expect(results.map { $0["status"] as? String } == ["created", "rejected", "rejected", "created"])
            let errorCodes = { (index: Int) in ((results[index]["errors"] as? [[String: Any]]) ?? []).compactMap { $0["code"] as? String } }
            #expect(errorCodes(1) == ["amount_not_positive"], "the negative amount says why")
            #expect(errorCodes(2) == ["unknown_vendor"], "another entity's vendor does not exist for this caller")

            // The same items again: unchanged, and a changed amount is an update.
            let changed = items[0].replacingOccurrences(of: "10.00", with: "11.00")
            let second = try await client.send(
                .post, "/api/v1/payables/batch", key: clerk, json: #"{"payables": [\#(changed), \#(items[3])]}"#)
            let secondResults = try #require(try second.jsonObject()["results"] as? [[String: Any]])
            #expect(secondResults.map { $0["status"] as? String } == ["updated", "unchanged"])
            #expect(secondResults[0]["id"] as? String == results[0]["id"] as? String)

            let many = Array(repeating: items[0], count: 10_001).joined(separator: ",")
            let tooMany = try await client.send(.post, "/api/v1/payables/batch", key: clerk, json: #"{"payables": [\#(many)]}"#)
            #expect(tooMany.status == .unprocessableContent)
            #expect(tooMany.text.contains("batch_too_large"))
            let auditor = try await client.send(
                .post, "/api/v1/payables/batch", key: app.germanKeys[.auditor], json: #"{"payables": [\#(items[0])]}"#)
            #expect(auditor.status == .forbidden)
        }
    }

    @Test("new bank details from the ERP are not payable until a different person verifies them")
    func dualControlOverHTTP() async throws {
        try await TestApp.withLiveServer { app, client in
            let integration = app.germanKeys[.integration]
            let entity = app.germany.entity.id.rawValue
            func vendorBatch(_ iban: String) -> String {
                #"{"vendors": [{"entity_id": "\#(entity)", "source": "sap", "external_id": "V-55", "name": "Rhein Metall Handel GmbH", "country": "DE", "bank_account": {"iban": "\#(iban)", "bic": "COBADEFFXXX", "currency": "EUR"}}]}"#
            }
            let first = try await client.send(.post, "/api/v1/vendors/batch", key: integration, json: vendorBatch("DE89370400440532013000"))
            let firstResult = try #require((try first.jsonObject()["results"] as? [[String: Any]])?.first)
            let vendorID = try #require(firstResult["id"] as? String)
            let firstAccount = try #require(firstResult["bank_account"] as? [String: Any])
            #expect(firstAccount["status"] as? String == "created")

            let changed = try await client.send(.post, "/api/v1/vendors/batch", key: integration, json: vendorBatch("DE02120300000000202051"))
            let changedResult = try #require((try changed.jsonObject()["results"] as? [[String: Any]])?.first)
            #expect(changedResult["status"] as? String == "unchanged", "the vendor itself did not change")
            let pending = try #require(changedResult["bank_account"] as? [String: Any])
            #expect(pending["status"] as? String == "pending_verification")
            let pendingID = try #require(pending["id"] as? String)

            // Paying the pending account is refused; the old one still works until the new one is verified.
            let payable = try await client.send(
                .post, "/api/v1/payables", key: app.germanKeys[.apClerk],
                json: Self.payableJSON(vendor: vendorID, externalID: "DC-1"))
            let payableID = try #require(try payable.jsonObject()["id"] as? String)
            let refused = try await client.send(
                .post, "/api/v1/payments", key: app.germanKeys[.apClerk],
                json: #"{"payable_ids": ["\#(payableID)"], "debtor_account_id": "\#(app.germany.debtor.id)", "creditor_account_id": "\#(pendingID)"}"#)
            #expect(refused.status == .unprocessableContent)
            #expect(refused.text.contains("account_not_verified"))

            let verified = try await client.send(.post, "/api/v1/bank_accounts/\(pendingID)/verify", key: app.germanKeys[.treasurer])
            #expect(verified.status == .ok)
            let account = try verified.jsonObject()
            #expect(account["verification"] as? String == "active")
            #expect((account["requested_by"] as? String)?.hasPrefix("key_") == true)
            #expect((account["verified_by"] as? String) != (account["requested_by"] as? String))
            let old = try await client.send(.get, "/api/v1/bank_accounts/\(firstAccount["id"] as? String ?? "")", key: integration)
            #expect(try old.jsonObject()["verification"] as? String == "superseded")
            let paid = try await client.send(
                .post, "/api/v1/payments", key: app.germanKeys[.apClerk],
                json: #"{"payable_ids": ["\#(payableID)"], "debtor_account_id": "\#(app.germany.debtor.id)", "creditor_account_id": "\#(pendingID)"}"#)
            #expect(paid.status == .created)
            let again = try await client.send(.post, "/api/v1/bank_accounts/\(pendingID)/verify", key: app.germanKeys[.treasurer])
            #expect(again.status == .conflict)
            #expect(try again.jsonObject()["code"] as? String == "not_pending_verification")
            let trail = try await app.store.auditEvents(after: 0, limit: 10_000).map(\.action)
            #expect(trail.filter { $0 == "bank_account.change_requested" }.count == 1)
            #expect(trail.filter { $0 == "bank_account.verified" }.count == 1)
        }
    }

    @Test("the event feed pages in commit order and shows each caller only its entities")
    func eventFeed() async throws {
        try await TestApp.withLiveServer { app, client in
            let german = app.germany.vendor.id.rawValue
            let chinese = app.china.vendor.id.rawValue
            for index in 0..<5 {
                _ = try await client.send(
                    .post, "/api/v1/payables", key: app.germanKeys[.apClerk],
                    json: Self.payableJSON(vendor: german, externalID: "EV-\(index)"))
            }
            _ = try await client.send(
                .post, "/api/v1/payables", key: app.chineseKeys[.apClerk],
                json: Self.payableJSON(vendor: chinese, externalID: "EV-CN").replacingOccurrences(of: "EUR", with: "CNY"))

            var seen: [String] = []
            var after = ""
            while true {
                let page = try await client.send(.get, "/api/v1/events?limit=2\(after)", key: app.germanKeys[.apClerk])
                let body = try page.jsonObject()
                let data = try #require(body["data"] as? [[String: Any]], "\(page.status) \(page.text.prefix(300))")
                seen += data.compactMap { ($0["data"] as? [String: Any])?["object"] as? [String: Any] }
                    .compactMap { $0["external_id"] as? String }
                guard let next = body["next_cursor"] as? String else { break }
                after = "&after=\(next)"
            }
            #expect(seen == (0..<5).map { "EV-\($0)" }, "every German event once, in order; no Chinese one")
            let chineseFeed = try await client.send(.get, "/api/v1/events", key: app.chineseKeys[.apClerk]).jsonObject()
            #expect((chineseFeed["data"] as? [Any])?.count == 1)
            let badTypes = try await client.send(.get, "/api/v1/events?types=payment.%25", key: app.germanKeys[.apClerk])
            #expect(badTypes.status == .badRequest)
        }
    }
}
