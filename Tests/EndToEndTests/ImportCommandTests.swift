import Foundation
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The ERP integration as an operator meets it: the real `payhub` binary, real files, a real server.
@Suite("payhub import, webhooks and the inbox, end to end")
struct ImportCommandTests {
    static let samples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("samples/erp")

    /// A demo database in a fresh folder, with the ids of its German and Chinese entities.
    static func withDemo(_ body: (PayHubCLI, URL, [String]) async throws -> Void) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("payhub-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let cli = PayHubCLI(environment: ["PAYHUB_DATABASE": folder.appendingPathComponent("payhub.sqlite").path])
        let demo = try cli.run(["demo"])
        #expect(demo.status == 0, "\(demo.all)")
        let entities = demo.output.split(separator: "\n").filter { $0.hasPrefix("Entity ") }.map {
            String($0.split(separator: " ")[1])
        }
        try #require(entities.count == 2)
        try await body(cli, folder, entities)
    }

    @Test("import a file, read its report, fix one rejected row and discard another; exit codes say what happened")
    func importAndQuarantine() async throws {
        try await Self.withDemo { cli, folder, entities in
            let sap = Self.samples.appendingPathComponent("sap-f110.csv").path
            let first = try cli.run(["import", "payables", sap, "--profile", "sap-f110", "--entity", entities[0], "--json"])
            #expect(first.status == 0, "\(first.all)")
            let report = try #require(try JSONSerialization.jsonObject(with: Data(first.output.utf8)) as? [String: Any])
            let counts = try #require(report["counts"] as? [String: Int])
            #expect(counts == ["records": 10, "accepted": 7, "updated": 0, "duplicates": 0, "rejected": 3])
            let rejections = try #require(report["rejections"] as? [[String: Any]])
            #expect(rejections.map { $0["line"] as? Int } == [7, 9, 10])
            let importID = try #require(report["id"] as? String)

            let shown = try cli.run(["import", "show", importID])
            #expect(shown.output.contains("accepted 7") && shown.output.contains("line 7"))
            let listed = try cli.run(["import", "rejections", importID, "--state", "open"])
            let rejectionIDs = listed.output.split(separator: "\n").compactMap { $0.split(separator: " ").first.map(String.init) }
            #expect(rejectionIDs.count == 3 && rejectionIDs.allSatisfy { $0.hasPrefix("rej_") })

            let correction = folder.appendingPathComponent("fix.json")
            try Data(
                #"{"external_id": "5100000006", "invoice_number": "RE-FIX", "invoice_date": "2026-02-28", "amount": "310.00", "currency": "EUR", "vendor": {"external_id": "100777", "name": "Korrigiert GmbH", "country": "DE", "bank_account": {"iban": "DE89370400440532013000", "currency": "EUR"}}}"#
                    .utf8
            ).write(to: correction)
            let fixed = try cli.run(["import", "resubmit", rejectionIDs[0], "--json", correction.path])
            #expect(fixed.status == 0 && fixed.output.contains("created"), "\(fixed.all)")
            let discarded = try cli.run(["import", "discard", rejectionIDs[2], "--reason", "credit memo, cleared in SAP"])
            #expect(discarded.status == 0, "\(discarded.all)")
            let again = try cli.run(["import", "discard", rejectionIDs[2], "--reason", "twice"])
            #expect(again.status != 0, "a row is resolved once")
            let open = try cli.run(["import", "rejections", importID, "--state", "open"])
            #expect(open.output.split(separator: "\n").count == 1)

            let rolledBack = try cli.run([
                "import", "payables", Self.samples.appendingPathComponent("generic-csv.csv").path, "--profile",
                "generic-csv", "--entity", entities[0], "--all-or-nothing",
            ])
            #expect(rolledBack.status == 1 && rolledBack.output.contains("rolled_back"), "\(rolledBack.all)")
            let garbage = folder.appendingPathComponent("garbage.csv")
            try Data("not;an;export\n".utf8).write(to: garbage)
            let failed = try cli.run(["import", "payables", garbage.path, "--profile", "sap-f110", "--entity", entities[0]])
            #expect(failed.status == 65 && failed.output.contains("failed"), "\(failed.all)")
            let missing = try cli.run(["import", "payables", folder.appendingPathComponent("nope.csv").path, "--profile", "sap-f110", "--entity", entities[0]])
            #expect(missing.status == 66)
            let unknownProfile = try cli.run(["import", "payables", sap, "--profile", "sap-r2", "--entity", entities[0]])
            #expect(unknownProfile.status != 0 && unknownProfile.errors.contains("sap-f110"), "names the known profiles")

            let profiles = try cli.run(["import", "profiles"])
            for name in ["sap-f110", "oracle-fusion", "kingdee", "yonyou", "erpnext", "odoo", "generic-csv", "pain001"] {
                #expect(profiles.output.contains(name))
            }
            let events = try cli.run(["events", "--types", "payable.created"])
            let lines = events.output.split(separator: "\n")
            #expect(lines.count == 200 + 7 + 1, "the demo's payables, the import's and the corrected row")
            #expect(try cli.run(["audit", "verify"]).status == 0, "the trail still holds")
        }
    }

    @Test("the server imports what an ERP drops in its inbox and writes results to the outbox")
    func serverWithInboxAndOutbox() async throws {
        try await Self.withDemo { cli, folder, entities in
            let inbox = folder.appendingPathComponent("inbox")
            let outbox = folder.appendingPathComponent("outbox")
            let drop = inbox.appendingPathComponent("kingdee/\(entities[1])")
            try FileManager.default.createDirectory(at: drop, withIntermediateDirectories: true)
            func key(_ role: String) throws -> String {
                try cli.run(["apikey", "create", "--name", "kingdee-\(role)", "--role", role, "--entity", entities[1]])
                    .output.trimmingCharacters(in: .whitespacesAndNewlines)
            }
            let secret = try key("integration")
            let clerk = try key("ap_clerk")
            let approver = try key("approver")

            let port = try freePort()
            let server = try cli.start([
                "serve", "--port", String(port), "--inbox", inbox.path, "--outbox", outbox.path, "--log-format", "text",
            ])
            defer { if server.isRunning { server.terminate() } }
            try await waitUntilHealthy("http://127.0.0.1:\(port)/healthz")
            try Data(contentsOf: Self.samples.appendingPathComponent("kingdee.csv"))
                .write(to: drop.appendingPathComponent("AP_20261129.csv"))

            var imports: [[String: Any]] = []
            // Until the import is there and has finished (it is listed while it runs).
            for _ in 0..<150 where imports.first?["state"] as? String ?? "running" == "running" {
                try await Task.sleep(for: .milliseconds(200))
                let listed = try await get("http://127.0.0.1:\(port)/api/v1/imports", key: secret)
                imports = (try JSONSerialization.jsonObject(with: listed.body) as? [String: Any])?["data"] as? [[String: Any]] ?? []
            }
            let run = try #require(imports.first, "the inbox file was imported")
            #expect(run["channel"] as? String == "folder" && run["state"] as? String == "completed")
            #expect((run["counts"] as? [String: Any])?["accepted"] as? Int == 5)
            // The watcher moves the file once the import has finished, a moment after the run says so.
            var processed: [String] = []
            for _ in 0..<50 where !processed.contains(where: { $0.hasSuffix("AP_20261129.csv") }) {
                processed = (try? FileManager.default.contentsOfDirectory(atPath: drop.appendingPathComponent("processed").path)) ?? []
                if !processed.contains(where: { $0.hasSuffix("AP_20261129.csv") }) { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(processed.contains { $0.hasSuffix("AP_20261129.csv") })

            // The approver refuses a payment of an imported invoice: Kingdee hears of it in its own file.
            let base = "http://127.0.0.1:\(port)/api/v1"
            func object(_ response: (status: Int, body: Data)) throws -> [String: Any] {
                try #require(try JSONSerialization.jsonObject(with: response.body) as? [String: Any])
            }
            let payables = try object(try await get("\(base)/payables?entity_id=\(entities[1])&limit=1000", key: clerk))
            let invoice = try #require(
                (payables["data"] as? [[String: Any]])?.first {
                    ($0["external_id"] as? String)?.hasPrefix("AP-") == true && $0["state"] as? String == "open"
                }, "an imported invoice (the demo has Kingdee payables of its own)")
            let vendorID = try #require(invoice["vendor_id"] as? String)
            let accounts = try object(try await get("\(base)/bank_accounts?vendor_id=\(vendorID)", key: clerk))
            let creditor = try #require((accounts["data"] as? [[String: Any]])?.first?["id"] as? String)
            let own = try object(try await get("\(base)/bank_accounts?entity_id=\(entities[1])&limit=1000", key: clerk))
            let debtor = try #require((own["data"] as? [[String: Any]])?.first { $0["vendor_id"] is NSNull }?["id"] as? String)
            let payment = try object(
                try await post(
                    "\(base)/payments", key: clerk,
                    json: #"{"payable_ids": ["\#(invoice["id"] as? String ?? "")"], "debtor_account_id": "\#(debtor)", "creditor_account_id": "\#(creditor)"}"#))
            let paymentID = try #require(payment["id"] as? String, "\(payment)")
            #expect(try await post("\(base)/payments/\(paymentID)/submit", key: clerk, json: "{}").status == 200)
            let rejected = try await post(
                "\(base)/payments/\(paymentID)/reject", key: approver, json: #"{"reason": "发票重复 duplicate invoice"}"#)
            #expect(rejected.status == 200)

            var files: [String] = []
            let results = outbox.appendingPathComponent("kingdee")
            for _ in 0..<100 where files.isEmpty {
                try await Task.sleep(for: .milliseconds(200))
                files = (try? FileManager.default.contentsOfDirectory(atPath: results.path))?.filter { $0.hasSuffix(".csv") } ?? []
            }
            #expect(files.count == 1, "one file: the demo's history before the outbox was switched on is not sent")
            let file = try #require(files.first, "a result file for Kingdee")
            let text = try #require(
                String(
                    data: try Data(contentsOf: results.appendingPathComponent(file)),
                    encoding: String.Encoding(rawValue: 0x8000_0632)))
            #expect(text.contains("\(invoice["external_id"] as? String ?? "?"),审批拒绝,发票重复 duplicate invoice"), "\(text)")

            server.terminate()
            server.waitUntilExit()
            #expect(server.terminationStatus == 0, "workers stop with the server")
        }
    }
}

func post(_ url: String, key: String, json: String) async throws -> (status: Int, body: Data) {
    var request = URLRequest(url: URL(string: url)!)
    request.httpMethod = "POST"
    request.httpBody = Data(json.utf8)
    request.setValue("application/json", forHTTPHeaderField: "Content-Type")
    request.setValue("Bearer \(key)", forHTTPHeaderField: "Authorization")
    let (data, response) = try await URLSession.shared.data(for: request)
    return ((response as? HTTPURLResponse)?.statusCode ?? 0, data)
}
