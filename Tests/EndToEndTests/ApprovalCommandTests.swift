import Foundation
import Testing

/// Approvals at the console, on the built `payhub` binary and a demo database: policies stored, refused,
/// simulated and tested; FX rates; payments submitted and approved by named users, and segregation of
/// duties refusing the person who created one.
@Suite("payhub policy, fx, approvals and payment verbs, end to end")
struct ApprovalCommandTests {
    static let samples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("samples/policies")

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

    static func write(_ text: String, to url: URL) throws {
        try Data(text.utf8).write(to: url)
    }

    static func json(_ text: String) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(text.utf8))
    }

    /// A policy as simple as the tests need: block one country, auto-approve tiny amounts, one approver else.
    static let simplePolicy = """
        id: e2e
        name: End-to-end test policy
        rules:
          - id: blocked-countries
            when: { vendor_country_in: [KP] }
            then: { outcome: block, reason: sanctioned country }
          - id: tiny
            when: { amount_at_most: "100.00" }
            then: { outcome: auto_approve }
        default:
          outcome: chain
          steps:
            - { name: Budget owner, role: approver, approvals: 1 }
        """

    @Test("the demo stores a policy, users with groups and FX rates, and leaves four payments in the queue")
    func demoShowsApprovals() async throws {
        try await Self.withDemo { cli, _, entities in
            let shown = try cli.run(["policy", "show"])
            #expect(shown.status == 0, "\(shown.all)")
            #expect(
                shown.output.contains("Approval policy lindenhof-payments, version 1 (in force)"), "\(shown.output)")
            #expect(shown.output.contains("(tom.richter)"), "who stored it")
            #expect(shown.output.contains("entity in \(entities[0]); amount at most 10000.00"), "\(shown.output)")

            let queue = try cli.run(["approvals", "--json"])
            #expect(queue.status == 0, "\(queue.all)")
            let items = try #require(try Self.json(queue.output) as? [[String: Any]])
            #expect(items.count == 4, "the demo's payments left pending approval")
            #expect(items.allSatisfy { ($0["waiting_for"] as? String)?.contains("Budget owner") == true }, "\(items)")
            let table = try cli.run(["approvals"])
            #expect(table.output.contains("WAITING FOR") && table.output.split(separator: "\n").count == 5)

            let groups = try cli.run(["user", "groups", "anna.schmidt"])
            #expect(groups.output.contains("anna.schmidt is in finance-managers"), "\(groups.all)")
            let held = try cli.run(["payment", "list", "--state", "on_hold", "--json"])
            #expect((try Self.json(held.output) as? [Any])?.count == 2)
            #expect(try cli.run(["audit", "verify"]).status == 0)
        }
    }

    @Test("policy set stores a valid document as the next version and refuses an invalid one with every path")
    func policySet() async throws {
        try await Self.withDemo { cli, folder, _ in
            let valid = folder.appendingPathComponent("policy.yaml")
            try Self.write(Self.simplePolicy, to: valid)
            let stored = try cli.run(["policy", "set", valid.path])
            #expect(stored.status == 0, "\(stored.all)")
            #expect(
                stored.output.contains("Approval policy e2e stored as version 2 (2 rules, yaml)"), "\(stored.output)")

            let invalid = folder.appendingPathComponent("bad.json")
            try Self.write(
                """
                {"id": "bad", "rules": [
                  {"id": "a", "when": {"amount_above": "-5"}, "then": {"outcome": "auto_approve"}},
                  {"id": "a", "when": {"vendor_country_in": ["D1"]}, "then": {"outcome": "hold"}}],
                 "default": {"outcome": "chain", "steps": [{"role": "ap_clerk", "approvals": 2, "of": 1}]}}
                """, to: invalid)
            let refused = try cli.run(["policy", "set", invalid.path])
            #expect(refused.status == 65, "\(refused.all)")
            for path in [
                "rules[0].when.amount_above", "rules[1].id", "rules[1].when.vendor_country_in[0]",
                "rules[1].then.reason",
                "default.steps[0].role", "default.steps[0].approvals",
            ] {
                #expect(refused.errors.contains("  \(path): "), "names \(path): \(refused.errors)")
            }
            #expect(refused.errors.contains("role_cannot_approve") && refused.errors.contains("nothing stored"))
            let undecodable = folder.appendingPathComponent("undecodable.yaml")
            try Self.write(
                "id: x\nrules:\n  - id: a\n    when: { amount_abov: \"5\" }\n    then: { outcome: auto_approve }\ndefault: { outcome: auto_approve }\n",
                to: undecodable)
            let unknown = try cli.run(["policy", "set", undecodable.path])
            #expect(unknown.status == 65 && unknown.errors.contains("rules[0].when.amount_abov"), "\(unknown.all)")
            let missing = try cli.run(["policy", "set", folder.appendingPathComponent("nope.yaml").path])
            #expect(missing.status == 66)

            let versions = try cli.run(["policy", "versions", "--json"])
            let listed = try #require(try Self.json(versions.output) as? [[String: Any]])
            #expect(listed.map { $0["version"] as? Int } == [2, 1], "nothing stored by the refused documents")
            #expect(listed.first?["in_force"] as? Bool == true && listed.first?["policy_id"] as? String == "e2e")
            let old = try cli.run(["policy", "show", "--version", "1", "--json"])
            let document = try #require(try Self.json(old.output) as? [String: Any])
            #expect(document["in_force"] as? Bool == false && document["version"] as? Int == 1)
            #expect((document["document"] as? [String: Any])?["id"] as? String == "lindenhof-payments")
        }
    }

    @Test("policy test passes the sample against its candidate policy, and a failing case exits 1 with the difference")
    func policyTest() async throws {
        try await Self.withDemo { cli, folder, entities in
            let tests = Self.samples.appendingPathComponent("group-payments.tests.json").path
            let candidate = Self.samples.appendingPathComponent("group-payments.json").path
            let passing = try cli.run(["policy", "test", tests, "--policy", candidate])
            #expect(passing.status == 0, "\(passing.all)")
            #expect(
                passing.output.split(separator: "\n").filter { $0.hasPrefix("PASS ") }.count == 7, "\(passing.output)")
            #expect(passing.output.contains("group-payments: 7 passed, 0 failed"))

            // Cases for the demo policy in force, in YAML; the second expects the wrong rule.
            let demoTests = folder.appendingPathComponent("demo.tests.yaml")
            try Self.write(
                """
                policy: lindenhof-payments
                cases:
                  - name: a 5,000 EUR invoice needs one budget owner
                    facts:
                      entity_id: \(entities[0])
                      amount: { amount: "5000.00", currency: EUR }
                      method: sepa_credit_transfer
                      as_of: "2026-03-02"
                      vendor: { country: DE, risk_rating: low, created_on: "2020-01-01", previous_payments: 4 }
                    expect: { outcome: chain, rule: up-to-10000-de, steps: [ { role: approver, approvals: 1 } ] }
                  - name: 50,000 CNY is routine in Shanghai
                    facts:
                      entity_id: \(entities[1])
                      amount: { amount: "50000.00", currency: CNY }
                      method: cn_domestic
                      as_of: "2026-03-02"
                      vendor: { country: CN, risk_rating: low, created_on: "2020-01-01", previous_payments: 4 }
                    expect: { outcome: auto_approve }
                """, to: demoTests)
            let failing = try cli.run(["policy", "test", demoTests.path])
            #expect(failing.status == 1, "\(failing.all)")
            #expect(failing.output.contains("PASS a 5,000 EUR invoice needs one budget owner"), "\(failing.output)")
            #expect(failing.output.contains("FAIL 50,000 CNY is routine in Shanghai"))
            #expect(failing.output.contains("outcome: expected auto_approve, got chain"))
            #expect(failing.output.contains("why: rules[7] 'up-to-80000-cn' matched"), "\(failing.output)")
            let json = try cli.run(["policy", "test", demoTests.path, "--version", "1", "--json"])
            let report = try #require(try Self.json(json.output) as? [String: Any])
            #expect(json.status == 1 && report["passed"] as? Int == 1 && report["failed"] as? Int == 1)

            let broken = folder.appendingPathComponent("broken.tests.json")
            try Self.write(
                #"{"cases": [{"name": "x", "facts": {"entity_id": "nope"}, "expect": {"outcome": "hold"}}]}"#,
                to: broken)
            let invalid = try cli.run(["policy", "test", broken.path])
            #expect(invalid.status == 65 && invalid.errors.contains("cases[0].facts.entity_id"), "\(invalid.all)")
            let both = try cli.run(["policy", "test", tests, "--policy", candidate, "--version", "1"])
            #expect(both.status != 0 && both.errors.contains("not both"))
            let noVersion = try cli.run(["policy", "test", tests, "--version", "9"])
            #expect(
                noVersion.status == 1 && noVersion.errors.contains("policy version 9 not found"), "\(noVersion.all)")
        }
    }

    @Test("policy simulate names the rule, the conditions that held and why earlier rules did not match")
    func simulate() async throws {
        try await Self.withDemo { cli, _, _ in
            let queue = try #require(try Self.json(try cli.run(["approvals", "--json"]).output) as? [[String: Any]])
            let first = try #require(queue.first)
            let paymentID = try #require((first["payment"] as? [String: Any])?["id"] as? String)
            let rule = try #require(first["rule"] as? String)

            let simulated = try cli.run(["policy", "simulate", paymentID])
            #expect(simulated.status == 0, "\(simulated.all)")
            #expect(
                simulated.output.contains("Policy lindenhof-payments (version 1) would decide: chain"),
                "\(simulated.output)")
            #expect(simulated.output.range(of: #"rule:  rules\[\d+\] '\#(rule)'"#, options: .regularExpression) != nil)
            #expect(
                simulated.output.contains("conditions that held:")
                    && simulated.output.contains("amount in base currency"))
            #expect(simulated.output.contains("earlier rules that did not match:"))
            #expect(simulated.output.contains("- rules[0] 'sanctioned-countries': vendor country"))
            let json = try #require(
                try Self.json(try cli.run(["policy", "simulate", paymentID, "--json"]).output) as? [String: Any])
            #expect(json["rule"] as? String == rule && json["outcome"] as? String == "chain")
            #expect(((json["decision"] as? [String: Any])?["misses"] as? [Any])?.isEmpty == false)

            let unknown = try cli.run(["policy", "simulate", "pay_00000000000000000000000000"])
            #expect(unknown.status == 1 && unknown.errors.contains("payment not found"), "\(unknown.all)")
        }
    }

    @Test("a clerk's payment is submitted and approved as named users; the creator and a clerk are refused")
    func submitAndApprove() async throws {
        try await Self.withDemo { cli, folder, entities in
            let policy = folder.appendingPathComponent("policy.yaml")
            try Self.write(Self.simplePolicy, to: policy)
            #expect(try cli.run(["policy", "set", policy.path]).status == 0)
            // Someone who may both create and approve payments: only the rule per payment stops her.
            let added = try cli.run(
                ["user", "add", "--username", "ivy.clerk", "--role", "ap_clerk", "--role", "approver"],
                input: "a sufficiently long passphrase\n")
            #expect(added.status == 0, "\(added.all)")

            let events = try cli.run(["events", "--types", "payable.created"]).output.split(separator: "\n")
            let payables = try events.compactMap { line in
                ((try Self.json(String(line)) as? [String: Any])?["data"] as? [String: Any])?["object"]
                    as? [String: Any]
            }
            let payableID = try #require(
                payables.last { $0["entity_id"] as? String == entities[0] }?["id"] as? String, "an open German payable")

            let created = try cli.run(["payment", "create", payableID, "--as", "ivy.clerk"])
            #expect(created.status == 0, "\(created.all)")
            let paymentID = try #require(
                created.output.split(separator: " ").first { $0.hasPrefix("pay_") }.map(String.init),
                "\(created.output)")

            let early = try cli.run(["payment", "approve", paymentID, "--as", "lukas.braun"])
            #expect(early.status == 1 && early.errors.contains("is draft; approve needs"), "\(early.all)")
            let anonymous = try cli.run(["payment", "submit", paymentID])
            #expect(anonymous.status != 0 && anonymous.errors.contains("--as"), "the verbs require a named user")

            let submitted = try cli.run(["payment", "submit", paymentID, "--as", "ivy.clerk"])
            #expect(submitted.status == 0, "\(submitted.all)")
            #expect(
                submitted.output.contains("pending approval under rule 'default' of policy version 2"),
                "\(submitted.output)")
            #expect(submitted.output.contains("now waiting for step 1 of 1, Budget owner: 1 from role approver"))

            let own = try cli.run(["payment", "approve", paymentID, "--as", "ivy.clerk"])
            #expect(own.status == 1, "\(own.all)")
            #expect(own.errors.contains("whoever created or imported a payment cannot approve, release or reject it"))
            #expect(own.errors.contains("initiator_cannot_act"))
            let clerk = try cli.run(["payment", "approve", paymentID, "--as", "jana.becker"])
            #expect(
                clerk.status == 1 && clerk.errors.contains("requires the payments.approve permission"), "\(clerk.all)")
            let nobody = try cli.run(["payment", "approve", paymentID, "--as", "mallory"])
            #expect(nobody.status == 1 && nobody.errors.contains("no user with that name"))

            let approved = try cli.run(["payment", "approve", paymentID, "--as", "lukas.braun"])
            #expect(approved.status == 0, "\(approved.all)")
            #expect(approved.output.contains("approved by lukas.braun: every step of its chain is done"))
            let again = try cli.run(["payment", "approve", paymentID, "--as", "anna.schmidt"])
            #expect(again.status == 1 && again.errors.contains("is approved"), "\(again.all)")

            let shown = try #require(
                try Self.json(try cli.run(["payment", "show", paymentID, "--json"]).output) as? [String: Any])
            #expect(shown["state"] as? String == "approved")
            let approval = try #require(shown["approval"] as? [String: Any])
            #expect(approval["rule"] as? String == "default" && approval["policy_version"] as? Int == 2)
            #expect((approval["actions"] as? [Any])?.count == 1)
            #expect(try cli.run(["audit", "verify"]).status == 0)
        }
    }

    @Test("hold, release and reject as named users; delegation and groups from the console")
    func holdReleaseRejectDelegate() async throws {
        try await Self.withDemo { cli, _, _ in
            let queue = try #require(try Self.json(try cli.run(["approvals", "--json"]).output) as? [[String: Any]])
            let ids = queue.compactMap { ($0["payment"] as? [String: Any])?["id"] as? String }
            try #require(ids.count == 4)

            let noReason = try cli.run(["payment", "hold", ids[0], "--as", "anna.schmidt"])
            #expect(noReason.status != 0 && noReason.errors.contains("--reason"))
            let held = try cli.run([
                "payment", "hold", ids[0], "--as", "anna.schmidt", "--reason", "vendor called: wrong amount",
            ])
            #expect(held.status == 0 && held.output.contains("put on hold by anna.schmidt"), "\(held.all)")
            let byCreator = try cli.run(["payment", "release", ids[0], "--as", "jana.becker", "--reason", "fine"])
            #expect(byCreator.status == 1, "the clerk who created it may not release it: \(byCreator.all)")
            let released = try cli.run([
                "payment", "release", ids[0], "--as", "ben.wagner", "--reason", "amount confirmed",
            ])
            #expect(
                released.status == 0 && released.output.contains("released by ben.wagner: pending approval"),
                "\(released.all)")
            let shown = try cli.run(["payment", "show", ids[0]])
            #expect(
                shown.output.contains("manual_hold [released]") && shown.output.contains("approval round 2"),
                "\(shown.output)")

            let rejected = try cli.run(["payment", "reject", ids[1], "--as", "lukas.braun", "--reason", "not ordered"])
            #expect(rejected.status == 0 && rejected.output.contains("rejected by lukas.braun"), "\(rejected.all)")

            let grouped = try cli.run(["user", "groups", "lukas.braun", "finance-managers", "cfo-office"])
            #expect(
                grouped.status == 0 && grouped.output.contains("now in cfo-office, finance-managers"), "\(grouped.all)")
            let badGroup = try cli.run(["user", "groups", "lukas.braun", "Finance Managers"])
            #expect(badGroup.status == 1 && badGroup.errors.contains("groups[0]"), "\(badGroup.all)")

            // Lukas is away: the treasurer approves budget-owner steps in his place for a day.
            let notEligible = try cli.run(["payment", "approve", ids[2], "--as", "tom.richter"])
            #expect(notEligible.status == 1 && notEligible.errors.contains("not_eligible"), "\(notEligible.all)")
            let undelegated = try cli.run([
                "payment", "approve", ids[2], "--as", "tom.richter", "--on-behalf-of", "anna.schmidt",
            ])
            #expect(undelegated.status == 1 && undelegated.errors.contains("no delegation"), "\(undelegated.all)")
            let formatter = ISO8601DateFormatter()
            let start = formatter.string(from: Date().addingTimeInterval(-3600))
            let end = formatter.string(from: Date().addingTimeInterval(86_400))
            let delegated = try cli.run([
                "delegation", "add", "--from", "lukas.braun", "--to", "tom.richter", "--from-time", start, "--until",
                end,
            ])
            #expect(delegated.status == 0, "\(delegated.all)")
            #expect(delegated.output.contains("tom.richter may approve in place of lukas.braun for every entity"))
            let backwards = try cli.run([
                "delegation", "add", "--from", "lukas.braun", "--to", "tom.richter", "--from-time", end, "--until",
                start,
            ])
            #expect(backwards.status == 1 && backwards.errors.contains("valid_until"), "\(backwards.all)")
            let viaDelegation = try cli.run([
                "payment", "approve", ids[2], "--as", "tom.richter", "--on-behalf-of", "lukas.braun",
            ])
            #expect(viaDelegation.status == 0, "\(viaDelegation.all)")
            let shown2 = try #require(
                try Self.json(try cli.run(["payment", "show", ids[2], "--json"]).output) as? [String: Any])
            let action = try #require(
                ((shown2["approval"] as? [String: Any])?["actions"] as? [[String: Any]])?.first?["action"]
                    as? [String: Any])
            #expect(
                (action["onBehalfOf"] as? [String: Any])?["from"] as? String != nil,
                "the approval records whose authority: \(action)")
            // Lukas and his stand-in count as one person: he cannot add a second approval himself.
            let twice = try cli.run(["payment", "approve", ids[2], "--as", "lukas.braun"])
            #expect(twice.status == 1, "\(twice.all)")
        }
    }

    @Test("fx import stores rates and names the line and column of every problem")
    func fxImport() async throws {
        try await Self.withDemo { cli, folder, _ in
            let good = folder.appendingPathComponent("rates.csv")
            try Self.write(
                "date,base,quote,rate,source\n2026-03-02,EUR,USD,1.0842,ECB\n2026-03-02,EUR,HKD,8.4731,ECB\n", to: good)
            let imported = try cli.run(["fx", "import", good.path, "--source", "ECB"])
            #expect(imported.status == 0 && imported.output.contains("Imported 2 rates"), "\(imported.all)")

            let bad = folder.appendingPathComponent("bad.csv")
            try Self.write(
                "date,base,quote,rate\n2026-03-02,EUR,USD,1.0842\n2026-03-03,EUR,USD,abc\n2026-13-01,EUR,XXY,1\n",
                to: bad)
            let refused = try cli.run(["fx", "import", bad.path])
            #expect(refused.status == 65, "\(refused.all)")
            #expect(refused.errors.contains("line 3, column 4 (rate)"), "\(refused.errors)")
            #expect(
                refused.errors.contains("line 4, column 1 (date)")
                    && refused.errors.contains("line 4, column 3 (quote)"))
            #expect(refused.errors.contains("nothing imported"))
        }
    }

    @Test("the new commands answer --help, and the payment verbs say why they need --as")
    func help() throws {
        let cli = PayHubCLI(environment: [:])
        for command in [
            ["policy", "show"], ["policy", "set"], ["policy", "versions"], ["policy", "simulate"], ["policy", "test"],
            ["fx", "import"], ["approvals"], ["payment", "create"], ["payment", "list"], ["payment", "show"],
            ["payment", "submit"], ["payment", "approve"], ["payment", "reject"], ["payment", "hold"],
            ["payment", "release"], ["user", "groups"], ["delegation", "add"],
        ] {
            let result = try cli.run(command + ["--help"])
            #expect(result.status == 0 && result.output.contains("USAGE"), "\(command)")
        }
        let approve = try cli.run(["payment", "approve", "--help"]).output
        #expect(approve.contains("--as <username>") && approve.contains("segregation"), "\(approve)")
    }
}
