import Foundation
import HTTPTypes
import HummingbirdTesting
import PayHubDomain
import PayHubServices
import PayHubStorage
import PayHubTesting
import Testing

/// Random policies, random people with random roles and random actions, all over real HTTP: no payment
/// ever reaches `approved` without the distinct approvers its policy version demands, and no verb or
/// edit gets around the controls.
@Suite("Approvals: property test over the API")
struct ApprovalPropertyTests {
    struct Person {
        let key: String
        let actorID: String
        let role: Role
    }

    /// A random chain policy: 1 to 3 steps of 1 or 2 approvals by approvers or treasurers, maybe a release.
    static func randomPolicy(_ random: inout SplitMix64) -> (json: String, steps: [(Role, Int)], release: Bool) {
        var steps: [(Role, Int)] = []
        for _ in 0..<Int.random(in: 1...3, using: &random) {
            steps.append((Bool.random(using: &random) ? .approver : .treasurer, Int.random(in: 1...2, using: &random)))
        }
        let release = Bool.random(using: &random)
        let stepsJSON = steps.map { #"{"role": "\#($0.0.rawValue)", "approvals": \#($0.1)}"# }.joined(separator: ", ")
        let releaseJSON = release ? #", "release": {"role": "treasurer", "approvals": 1}"# : ""
        let json = #"{"id": "random", "rules": [], "default": {"outcome": "chain", "steps": [\#(stepsJSON)]\#(releaseJSON)}}"#
        return (json, steps, release)
    }

    @Test("random people, roles and verbs against random policies never approve a payment its policy would not")
    func randomSequences() async throws {
        try await TestApp.withLiveServer { app, client in
            let seed = UInt64(ProcessInfo.processInfo.environment["PAYHUB_PROPERTY_SEED"] ?? "") ?? 20_261_129
            var random = SplitMix64(seed: seed)
            let access = AccessService(store: app.store, bcryptCost: 4)
            let system = CallContext(principal: .system, origin: "test")
            let germany = app.germany.entity.id
            var people: [Person] = []
            for (role, count) in [(Role.apClerk, 2), (.approver, 4), (.treasurer, 3), (.auditor, 1), (.admin, 1)] {
                for index in 0..<count {
                    let (key, secret) = try await access.createAPIKey(
                        name: "\(role.rawValue)-\(index)", roles: [role], scope: .only([germany]), context: system)
                    people.append(Person(key: secret, actorID: key.id.rawValue, role: role))
                }
            }
            let admin = people.first { $0.role == .admin }!
            let clerks = people.filter { $0.role == .apClerk }
            var invoice = 0
            var approvedSeen = 0

            for round in 0..<6 {
                let policy = Self.randomPolicy(&random)
                let stored = try await client.send(.post, "/api/v1/policies/approval", key: admin.key, json: policy.json)
                #expect(stored.status == .created, "seed \(seed) round \(round): \(stored.text)")
                let version = try #require(try stored.jsonObject()["version"] as? Int)

                // A few payments, each created by a random clerk.
                var payments: [(id: String, creator: Person, payableID: String)] = []
                for _ in 0..<3 {
                    invoice += 1
                    let creator = clerks.randomElement(using: &random)!
                    let payable = try await client.send(
                        .post, "/api/v1/payables", key: creator.key,
                        json: #"{"vendor_id": "\#(app.germany.vendor.id)", "invoice_number": "P-\#(invoice)", "invoice_date": "2026-0\#(1 + invoice % 9)-1\#(invoice % 9)", "due_date": "2026-12-01", "amount": "\#(100 + invoice * 37).00", "currency": "EUR", "source": "prop", "external_id": "P-\#(invoice)"}"#)
                    let payableID = try #require(try payable.jsonObject()["id"] as? String, "\(payable.text)")
                    let payment = try await client.send(
                        .post, "/api/v1/payments", key: creator.key,
                        json: #"{"payable_ids": ["\#(payableID)"], "debtor_account_id": "\#(app.germany.debtor.id)", "creditor_account_id": "\#(app.germany.creditor.id)"}"#)
                    let paymentID = try #require(try payment.jsonObject()["id"] as? String, "\(payment.text)")
                    payments.append((paymentID, creator, payableID))
                }

                // Approvers and treasurers act most often, or few chains would ever finish.
                let deciders = people.filter { $0.role == .approver || $0.role == .treasurer }
                for _ in 0..<80 {
                    let (paymentID, creator, payableID) = payments.randomElement(using: &random)!
                    let verb = [
                        "submit", "submit", "approve", "approve", "approve", "approve", "approve", "approve", "reject",
                        "hold", "release", "cancel", "edit",
                    ].randomElement(using: &random)!
                    // Mostly whoever would plausibly try: clerks submit, approvers and treasurers decide;
                    // anyone, now and then, tries anything.
                    let likely = verb == "submit" ? clerks : (verb == "edit" ? people : deciders)
                    let actor = (Int.random(in: 0..<10, using: &random) < 8 ? likely : people).randomElement(using: &random)!
                    let before = try await client.send(.get, "/api/v1/payments/\(paymentID)", key: admin.key)
                    let stateBefore = try #require(try before.jsonObject()["state"] as? String)
                    let response: TestResponse
                    if verb == "edit" {
                        // Changing what is being approved, behind the approvers' backs.
                        response = try await client.send(
                            .patch, "/api/v1/payables/\(payableID)", key: actor.key, json: #"{"amount": "999999.00"}"#)
                        // Only a cancelled, rejected or failed payment lets go of its payables.
                        if !["cancelled", "rejected", "failed"].contains(stateBefore) {
                            #expect(
                                ![200, 201].contains(response.status.code),
                                "seed \(seed): a payable in payment was edited (\(stateBefore))")
                        }
                        continue
                    }
                    let reason = Bool.random(using: &random) ? #"{"reason": "property test"}"# : nil
                    response = try await client.send(.post, "/api/v1/payments/\(paymentID)/\(verb)", key: actor.key, json: reason)
                    let stateAfter = try #require(
                        try await client.send(.get, "/api/v1/payments/\(paymentID)", key: admin.key).jsonObject()["state"] as? String)
                    if ProcessInfo.processInfo.environment["PAYHUB_PROPERTY_DEBUG"] != nil {
                        print("DEBUG \(verb) by \(actor.role) \(stateBefore) -> \(stateAfter) \(response.status.code) \(response.text.prefix(160))")
                    }
                    if response.status.code >= 400 {
                        #expect(stateAfter == stateBefore, "seed \(seed): a refused \(verb) changed the payment")
                    }
                    if verb == "approve", actor.actorID == creator.actorID || actor.role == .apClerk {
                        #expect(response.status.code >= 400, "seed \(seed): the creator or a clerk approved")
                    }
                    guard stateAfter == "approved", stateBefore != "approved" else { continue }
                    approvedSeen += 1
                    // The invariant: the approvals that got it there are what this policy version demands.
                    let review = try await client.send(.get, "/api/v1/payments/\(paymentID)/approval", key: admin.key).jsonObject()
                    #expect(review["policy_version"] as? Int == version, "seed \(seed)")
                    let actions = try #require(review["actions"] as? [[String: Any]])
                    let acts = actions.compactMap { $0["action"] as? [String: Any] }
                    let approvers = acts.filter { $0["kind"] as? String == "approve" }.compactMap { $0["actor"] as? String }
                    let releasers = acts.filter { $0["kind"] as? String == "release" }.compactMap { $0["actor"] as? String }
                    #expect(approvers.count == policy.steps.map(\.1).reduce(0, +), "seed \(seed): \(acts)")
                    #expect(Set(approvers).count == approvers.count, "seed \(seed): someone approved twice")
                    #expect(releasers.count == (policy.release ? 1 : 0), "seed \(seed)")
                    #expect(Set(releasers).isDisjoint(with: approvers), "seed \(seed): the releaser also approved")
                    #expect(!(approvers + releasers).contains(creator.actorID), "seed \(seed): the creator acted")
                    // Each approval was by someone holding the role of the step it filled, in order.
                    var cursor = 0
                    for (role, count) in policy.steps {
                        for approver in approvers[cursor..<min(cursor + count, approvers.count)] {
                            #expect(people.first { $0.actorID == approver }?.role == role, "seed \(seed)")
                        }
                        cursor += count
                    }
                    for releaser in releasers {
                        #expect(people.first { $0.actorID == releaser }?.role == .treasurer, "seed \(seed)")
                    }
                }
            }
            #expect(approvedSeen >= 2, "seed \(seed): the run must approve payments to check anything")
        }
    }
}
