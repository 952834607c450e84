import Foundation
import HTTPTypes
import HummingbirdTesting
import PayHubDomain
import PayHubStorage
import PayHubTesting
import Testing

/// `GET /api/v1/bank_instructions` and `GET /api/v1/bank_instructions/{id}` over real HTTP.
@Suite("Bank instructions over HTTP")
struct BankInstructionAPITests {
    @Test("the list pages in id order with opaque cursors and filters by state; each instruction reads whole")
    func listAndRead() async throws {
        try await TestApp.withLiveServer { app, client in
            let payments = try await app.approveGermanPayments(["10.00", "20.00", "30.50"], seed: 77)
            let amounts = Dictionary(uniqueKeysWithValues: payments.map { ($0.id.rawValue, $0.amount.decimalString) })
            let instructions = try await app.planGermanInstructions()
            try #require(instructions.count == 3)
            let key = app.germanKeys[.auditor]

            let first = try await client.send(.get, "/api/v1/bank_instructions?limit=2", key: key)
            #expect(first.status == .ok)
            let firstPage = try first.jsonObject()
            let cursor = try #require(firstPage["next_cursor"] as? String)
            #expect(!cursor.contains("ins_"), "the cursor is opaque")
            let second = try await client.send(.get, "/api/v1/bank_instructions?limit=2&after=\(cursor)", key: key)
            let secondPage = try second.jsonObject()
            #expect(secondPage["next_cursor"] is NSNull, "the last page says so with null")
            let listed =
                ((firstPage["data"] as? [[String: Any]] ?? []) + (secondPage["data"] as? [[String: Any]] ?? []))
            #expect(listed.compactMap { $0["id"] as? String } == instructions.map(\.id.rawValue))

            for object in listed {
                let members = object["payments"] as? [[String: Any]] ?? []
                let paymentID = try #require(members.first?["payment_id"] as? String)
                let sum = object["control_sum"] as? [String: Any]
                #expect(sum?["amount"] as? String == amounts[paymentID] && sum?["currency"] as? String == "EUR")
                #expect(object["transaction_count"] as? Int == 1 && members.count == 1)
                #expect(object["entity_id"] as? String == app.germany.entity.id.rawValue)
                #expect(object["debtor_account_id"] as? String == app.germany.debtor.id.rawValue)
                #expect(object["method"] as? String == "sepa_credit_transfer")
            }

            let sent = try await client.send(.get, "/api/v1/bank_instructions?state=sent", key: key).jsonObject()
            let sentData = sent["data"] as? [[String: Any]] ?? []
            #expect(sentData.compactMap { $0["id"] as? String } == [instructions[0].id.rawValue])
            let planned = try await client.send(.get, "/api/v1/bank_instructions?state=planned", key: key).jsonObject()
            #expect(
                (planned["data"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
                    == instructions.dropFirst().map(\.id.rawValue))
            let acknowledged = try await client.send(.get, "/api/v1/bank_instructions?state=acknowledged", key: key)
            #expect((try acknowledged.jsonObject()["data"] as? [Any])?.isEmpty == true)

            // One instruction, handed over: its file and members as stored.
            let handed = instructions[0]
            let response = try await client.send(.get, "/api/v1/bank_instructions/\(handed.id)", key: key)
            #expect(response.status == .ok)
            let object = try response.jsonObject()
            #expect(object["message_id"] as? String == handed.messageID)
            #expect(object["state"] as? String == "sent" && object["transport"] as? String == "folder")
            #expect(object["file_name"] as? String == "\(handed.messageID).xml")
            #expect(object["file_sha256"] as? String == String(repeating: "0f", count: 32))
            #expect(object["execution_date"] as? String == handed.executionDate.iso8601)
            let sentAt = try #require(handed.sentAt, "the handover set sent_at")
            #expect(object["sent_at"] as? String == Timestamp.iso8601(sentAt))
            #expect(object["created_at"] as? String == Timestamp.iso8601(handed.createdAt))
            let member = try #require((object["payments"] as? [[String: Any]])?.first)
            #expect(member["payment_id"] as? String == handed.members[0].paymentID.rawValue)
            #expect(member["payment_information_id"] as? String == handed.members[0].paymentInformationID)
            #expect(member["uetr"] as? String == handed.members[0].uetr)

            // Planned, not yet handed over: the file's keys are there, null.
            let waiting = try await client.send(.get, "/api/v1/bank_instructions/\(instructions[1].id)", key: key)
                .jsonObject()
            for name in ["file_name", "file_sha256", "transport", "sent_at"] {
                #expect(waiting[name] is NSNull, "\(name) is null until the handover")
            }
        }
    }

    @Test("another entity's instruction answers 404 like a missing one; bad queries 400; no key 401")
    func scopeAndErrors() async throws {
        try await TestApp.withLiveServer { app, client in
            _ = try await app.approveGermanPayments(["10.00"], seed: 78)
            let instruction = try #require(try await app.planGermanInstructions().first)
            let path = "/api/v1/bank_instructions/\(instruction.id)"
            let chinese = app.chineseKeys[.treasurer]

            #expect(try await client.send(.get, path, key: app.germanKeys[.treasurer]).status == .ok)
            let hidden = try await client.send(.get, path, key: chinese)
            let missing = try await client.send(
                .get, "/api/v1/bank_instructions/ins_0000000000000000000000000a", key: chinese)
            #expect(hidden.status == .notFound && missing.status == .notFound)
            #expect(try hidden.jsonObject()["detail"] as? String == missing.jsonObject()["detail"] as? String)
            let list = try await client.send(.get, "/api/v1/bank_instructions?limit=1000", key: chinese).jsonObject()
            #expect((list["data"] as? [Any])?.isEmpty == true, "the Chinese entity has no instructions")

            for query in ["state=lost", "limit=0", "limit=1001", "after=not-a-cursor"] {
                let response = try await client.send(.get, "/api/v1/bank_instructions?\(query)", key: chinese)
                #expect(response.status == .badRequest, "\(query)")
                #expect(response.headers[.contentType] == "application/problem+json", "\(query)")
            }
            #expect(try await client.send(.get, "/api/v1/bank_instructions", key: nil).status == .unauthorized)
            #expect(try await client.send(.get, path, key: nil).status == .unauthorized)
        }
    }
}
