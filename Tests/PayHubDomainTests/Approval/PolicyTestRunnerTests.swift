import Foundation
import Testing

@testable import PayHubDomain

@Suite("Policy test files")
struct PolicyTestRunnerTests {
    func samplePolicy() throws -> ApprovalPolicy {
        try ApprovalPolicy.read(json: try ApprovalFixture.sample("samples/policies/group-payments.json"))
    }

    @Test("the sample policy passes its own sample tests")
    func samplePasses() throws {
        let file = try PolicyTestFile.read(json: try ApprovalFixture.sample("samples/policies/group-payments.tests.json"))
        #expect(file.cases.count == 7)
        let report = file.run(against: try samplePolicy())
        #expect(report.allPassed, "\(report)")
        #expect(report.passedCount == 7)
        #expect(report.notes.isEmpty)
        #expect(report.description.hasSuffix("group-payments: 7 passed, 0 failed"))
    }

    static let cases = """
        {"policy": "group-payments", "cases": [
          {"name": "small rent", "facts": {
              "entity_id": "ent_de01", "amount": {"amount": "850.00", "currency": "EUR"}, "method": "sepa_credit_transfer",
              "as_of": "2026-03-02",
              "vendor": {"country": "DE", "risk_rating": "low", "created_on": "2019-05-01", "previous_payments": 40}},
           "expect": {"outcome": "auto_approve"}},
          {"name": "an author who thinks 20,000 is still one approver", "facts": {
              "entity_id": "ent_de01", "amount": {"amount": "20000.00", "currency": "EUR"}, "method": "sepa_credit_transfer",
              "as_of": "2026-03-02",
              "vendor": {"country": "DE", "risk_rating": "low", "created_on": "2019-05-01", "previous_payments": 40}},
           "expect": {"outcome": "chain", "rule": "up-to-10000", "steps": [{"role": "approver", "approvals": 1}]}},
          {"name": "an author who forgot the sanctions rule comes first", "facts": {
              "entity_id": "ent_de01", "amount": {"amount": "20.00", "currency": "EUR"}, "method": "sepa_credit_transfer",
              "as_of": "2026-03-02",
              "vendor": {"country": "IR", "risk_rating": "high", "created_on": "2019-05-01", "previous_payments": 40}},
           "expect": {"outcome": "hold", "rule": "high-risk-vendors"}}
        ]}
        """

    @Test("a passing and a failing case: the failure says what differs and why the policy decided otherwise")
    func failingCaseIsExplained() throws {
        let report = try PolicyTestFile.read(json: Data(Self.cases.utf8)).run(against: try samplePolicy())
        #expect(report.results.map(\.passed) == [true, false, false])
        #expect(report.failedCount == 2)
        #expect(!report.allPassed)
        #expect(report.results[0].differences.isEmpty)
        #expect(report.results[0].decision.ruleID == "small-domestic")

        let tooBig = report.results[1]
        #expect(tooBig.decision.ruleID == "up-to-100000")
        #expect(
            tooBig.differences == [
                "rule: expected 'up-to-10000', got rules[6] 'up-to-100000'",
                "steps: expected 1, got 2 (1 of 4 from role approver (escalate after 24 h) → 1 of 3 from group finance-managers (escalate after 24 h))",
                "why: rules[6] 'up-to-100000' matched because amount in base currency 20000.00 EUR is at most 100000.00: "
                    + "chain: 1 of 4 from role approver (escalate after 24 h) → 1 of 3 from group finance-managers (escalate after 24 h)",
                "why not: rules[5] 'up-to-10000' did not match: amount in base currency 20000.00 EUR is above 10000.00",
            ])

        let order = report.results[2]
        #expect(
            order.differences == [
                "outcome: expected hold, got block (vendor country is under sanctions)",
                "rule: expected 'high-risk-vendors', got rules[0] 'sanctioned-countries'",
                "why: rules[0] 'sanctioned-countries' matched because vendor country IR is one of BY, CU, IR, KP, RU, SY: "
                    + "block (vendor country is under sanctions)",
                "why not: rules[1] 'high-risk-vendors' comes after rules[0] 'sanctioned-countries', which matched first",
            ])
        #expect(
            report.description.contains("FAIL an author who thinks 20,000 is still one approver\n    rule: expected"))
        #expect(report.description.hasSuffix("1 passed, 2 failed"))
    }

    @Test("releases, reasons and unknown rules are compared too")
    func otherExpectations() throws {
        let policy = try samplePolicy()
        let facts = ApprovalFixture.facts(amount: ApprovalFixture.eur("250000.00"))
        func differences(_ expect: PolicyExpectation) -> [String] {
            PolicyTestFile(cases: [PolicyTestCase(name: "c", facts: facts, expect: expect)]).run(against: policy)
                .results[0].differences
        }
        #expect(
            differences(PolicyExpectation(outcome: .chain, rule: "large-payments", release: .some(nil))).first
                == "release: expected none, got 1 of 2 from role treasurer (TOTP)")
        #expect(
            differences(
                PolicyExpectation(
                    outcome: .chain, release: .some(StepExpectation(approvers: .role(.treasurer), approvals: 2)))
            ).first
                == "release: expected 2 from role treasurer, got 1 of 2 from role treasurer (TOTP)")
        #expect(
            differences(
                PolicyExpectation(outcome: .chain, release: .some(StepExpectation(approvers: .role(.treasurer))))
            )
            .isEmpty)
        #expect(
            differences(PolicyExpectation(outcome: .chain, rule: "huge-payments")).last
                == "why not: the policy has no rule 'huge-payments'")
        let held = PolicyTestFile(cases: [
            PolicyTestCase(
                name: "c", facts: ApprovalFixture.facts(risk: .high), expect: PolicyExpectation(outcome: .hold, reason: "risky")
            )
        ]).run(against: policy)
        #expect(
            held.results[0].differences.first == "reason: expected 'risky', got 'high-risk vendor: compliance review'")
        let otherPolicy = PolicyTestFile(
            policyID: "eu-payments",
            cases: [
                PolicyTestCase(name: "c", facts: facts, expect: PolicyExpectation(outcome: .chain))
            ]
        ).run(against: policy)
        #expect(otherPolicy.notes == ["the cases were written for policy 'eu-payments', not 'group-payments'"])
    }

    @Test(
        "problems in a test file come back with their path",
        arguments: [
            (#"{"cases": []}"#, "cases no_cases"),
            (
                #"{"cases": [{"name": "a", "facts": {}, "expect": {"outcome": "hold"}}]}"#,
                "cases[0].facts.entity_id missing_field"
            ),
            (
                #"{"cases": [{"name": "a", "facts": {"entity_id": "ent_x", "amount": {"amount": "1.00", "currency": "EURO"}}, "expect": {"outcome": "hold"}}]}"#,
                "cases[0].facts.amount.currency unknown_currency"
            ),
            (
                #"{"cases": [{"name": "a", "facts": {"entity_id": "ent_x", "amount": {"amount": "1.001", "currency": "EUR"}}, "expect": {"outcome": "hold"}}]}"#,
                "cases[0].facts.amount.amount too_many_decimals"
            ),
            (
                #"{"cases": [{"name": "a", "facts": {"entity_id": "ent_x", "amount": {"amount": "1", "currency": "EUR"}, "method": "wire"}, "expect": {"outcome": "hold"}}]}"#,
                "cases[0].facts.method unknown_method"
            ),
            (
                #"{"cases": [{"name": "a", "facts": {"entity_id": "ent_x", "amount": {"amount": "1", "currency": "EUR"}, "method": "us_ach", "as_of": "2026-03-02", "vendor": {"country": "US", "risk_rating": "low", "created_on": "2020-01-01", "previous_payments": 1, "tier": 2}}, "expect": {"outcome": "hold"}}]}"#,
                "cases[0].facts.vendor.tier unknown_field"
            ),
            (
                #"{"cases": [{"name": "a", "facts": {"entity_id": "ent_x", "amount": {"amount": "1", "currency": "EUR"}, "method": "us_ach", "as_of": "2026-03-02", "vendor": {"country": "US", "risk_rating": "low", "created_on": "2020-01-01", "previous_payments": 1}}, "expect": {"outcome": "approve"}}]}"#,
                "cases[0].expect.outcome unknown_outcome"
            ),
        ])
    func badFiles(json: String, expected: String) {
        do {
            _ = try PolicyTestFile.read(json: Data(json.utf8))
            Issue.record("a bad test file was read")
        } catch {
            #expect(error.errors.map { "\($0.path) \($0.code)" } == [expected])
        }
    }

    @Test("test cases need distinct names; a file survives a round trip")
    func namesAndRoundTrip() throws {
        let data = try ApprovalFixture.sample("samples/policies/group-payments.tests.json")
        var file = try PolicyTestFile.read(json: data)
        #expect(try PolicyTestFile.read(json: try JSONEncoder().encode(file)) == file)
        file.cases[2].name = file.cases[0].name
        do {
            _ = try PolicyTestFile.read { file }
            Issue.record("duplicate names were accepted")
        } catch {
            #expect(error.errors.map { "\($0.path) \($0.code)" } == ["cases[2].name duplicate_name"])
        }
    }
}
