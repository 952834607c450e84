import Foundation
import Testing

@testable import PayHubDomain

@Suite("Approval policy documents")
struct PolicyDocumentTests {
    /// A policy whose one rule has `when` and `then` as given, and a valid default.
    static func document(when: String = #"{"amount_at_least": "1.00"}"#, then: String = #"{"outcome": "auto_approve"}"#)
        -> String
    {
        """
        {"id": "p", "rules": [{"id": "r", "when": \(when), "then": \(then)}],
         "default": {"outcome": "chain", "steps": [{"role": "approver"}]}}
        """
    }

    static func problems(_ json: String) -> [FieldError] {
        do {
            _ = try ApprovalPolicy.read(json: Data(json.utf8))
            return []
        } catch {
            return error.errors
        }
    }

    @Test("the sample policy a finance team would write reads, validates and survives a round trip")
    func samplePolicy() throws {
        let policy = try ApprovalPolicy.read(json: try ApprovalFixture.sample("samples/policies/group-payments.json"))
        #expect(policy.id == "group-payments")
        #expect(
            policy.rules.map(\.id) == [
                "sanctioned-countries", "high-risk-vendors", "large-payments", "changed-bank-details", "small-domestic",
                "up-to-10000", "up-to-100000",
            ])
        guard case .chain(let large) = policy.rules[2].outcome else {
            Issue.record("large-payments is not a chain")
            return
        }
        #expect(
            large.steps[1]
                == ApprovalStep(
                    name: "Finance managers", approvers: .group("finance-managers"), approvals: 2, of: 3,
                    escalateAfterHours: 24,
                    requiresTOTP: true))
        #expect(large.release?.approvers == .role(.treasurer))
        #expect(policy.rules[4].conditions.amountAtMost == "1000.00")
        #expect(policy.rules[4].conditions.vendorIsNew == false)
        #expect(policy.rules[4].conditions.methods == [.sepaCreditTransfer, .sepaInstant])

        let encoded = try JSONEncoder().encode(policy)
        #expect(try ApprovalPolicy.read(json: encoded) == policy)
    }

    struct InvalidCase: CustomTestStringConvertible, Sendable {
        let label: String
        let json: String
        let path: String
        let code: String
        var testDescription: String { label }
    }

    static let invalidCases: [InvalidCase] = [
        InvalidCase(
            label: "negative amount", json: document(when: #"{"amount_at_least": "-5.00"}"#),
            path: "rules[0].when.amount_at_least", code: "negative_amount"),
        InvalidCase(
            label: "amount with a thousands separator", json: document(when: #"{"amount_below": "10,000"}"#),
            path: "rules[0].when.amount_below", code: "invalid_amount"),
        InvalidCase(
            label: "amount as a JSON number", json: document(when: #"{"amount_above": 10000}"#),
            path: "rules[0].when.amount_above", code: "amount_not_text"),
        InvalidCase(
            label: "N greater than M",
            json: document(then: #"{"outcome": "chain", "steps": [{"role": "approver", "approvals": 3, "of": 2}]}"#),
            path: "rules[0].then.steps[0].approvals", code: "approvals_exceed_pool"),
        InvalidCase(
            label: "zero approvals",
            json: document(then: #"{"outcome": "chain", "steps": [{"group": "cfo", "approvals": 0}]}"#),
            path: "rules[0].then.steps[0].approvals", code: "approvals_not_positive"),
        InvalidCase(
            label: "empty chain", json: document(then: #"{"outcome": "chain", "steps": []}"#),
            path: "rules[0].then.steps", code: "empty_chain"),
        InvalidCase(
            label: "chain without steps", json: document(then: #"{"outcome": "chain"}"#), path: "rules[0].then.steps",
            code: "empty_chain"),
        InvalidCase(
            label: "unknown role",
            json: document(then: #"{"outcome": "chain", "steps": [{"role": "approver"}, {"role": "cfo"}]}"#),
            path: "rules[0].then.steps[1].role", code: "unknown_role"),
        InvalidCase(
            label: "a role that may not approve",
            json: document(then: #"{"outcome": "chain", "steps": [{"role": "ap_clerk"}]}"#),
            path: "rules[0].then.steps[0].role", code: "role_cannot_approve"),
        InvalidCase(
            label: "release by a role that may not release",
            json: document(
                then: #"{"outcome": "chain", "steps": [{"role": "approver"}], "release": {"role": "approver"}}"#),
            path: "rules[0].then.release.role", code: "role_cannot_release"),
        InvalidCase(
            label: "both role and group",
            json: document(then: #"{"outcome": "chain", "steps": [{"role": "approver", "group": "cfo"}]}"#),
            path: "rules[0].then.steps[0].group", code: "role_and_group"),
        InvalidCase(
            label: "neither role nor group",
            json: document(then: #"{"outcome": "chain", "steps": [{"approvals": 1}]}"#),
            path: "rules[0].then.steps[0].role", code: "missing_approvers"),
        InvalidCase(
            label: "escalation limit of zero hours",
            json: document(then: #"{"outcome": "chain", "steps": [{"role": "approver", "escalate_after_hours": 0}]}"#),
            path: "rules[0].then.steps[0].escalate_after_hours", code: "hours_out_of_range"),
        InvalidCase(
            label: "misspelt condition", json: document(when: #"{"amount_atleast": "5.00"}"#),
            path: "rules[0].when.amount_atleast", code: "unknown_field"),
        InvalidCase(
            label: "unknown payment method", json: document(when: #"{"methods": ["sepa_credit_transfer", "swift"]}"#),
            path: "rules[0].when.methods[1]", code: "unknown_method"),
        InvalidCase(
            label: "unknown currency", json: document(when: #"{"currencies": ["EUR", "EURO"]}"#),
            path: "rules[0].when.currencies[1]", code: "unknown_currency"),
        InvalidCase(
            label: "unknown risk rating", json: document(when: #"{"vendor_risk_in": ["severe"]}"#),
            path: "rules[0].when.vendor_risk_in[0]", code: "unknown_risk_rating"),
        InvalidCase(
            label: "malformed entity id", json: document(when: #"{"entity_ids": ["DE01"]}"#),
            path: "rules[0].when.entity_ids[0]", code: "invalid_id"),
        InvalidCase(
            label: "lower-case country", json: document(when: #"{"vendor_country_in": ["DE", "at"]}"#),
            path: "rules[0].when.vendor_country_in[1]", code: "invalid_country"),
        InvalidCase(
            label: "a country both required and excluded",
            json: document(when: #"{"vendor_country_in": ["DE"], "vendor_country_not_in": ["DE"]}"#),
            path: "rules[0].when.vendor_country_not_in", code: "contradictory_countries"),
        InvalidCase(
            label: "empty list", json: document(when: #"{"currencies": []}"#), path: "rules[0].when.currencies",
            code: "empty_list"),
        InvalidCase(
            label: "two lower bounds", json: document(when: #"{"amount_at_least": "5.00", "amount_above": "6.00"}"#),
            path: "rules[0].when.amount_above", code: "conflicting_bounds"),
        InvalidCase(
            label: "a range no amount falls into",
            json: document(when: #"{"amount_at_least": "100.00", "amount_below": "50.00"}"#),
            path: "rules[0].when.amount_below", code: "empty_amount_range"),
        InvalidCase(
            label: "a range closed on one side only at its single point",
            json: document(when: #"{"amount_above": "100.00", "amount_at_most": "100"}"#),
            path: "rules[0].when.amount_at_most", code: "empty_amount_range"),
        InvalidCase(
            label: "negative window", json: document(when: #"{"bank_account_changed_within_days": -1}"#),
            path: "rules[0].when.bank_account_changed_within_days", code: "days_out_of_range"),
        InvalidCase(
            label: "a new-vendor window without vendor_is_new",
            json: document(when: #"{"new_vendor_within_days": 30}"#),
            path: "rules[0].when.new_vendor_within_days", code: "requires_vendor_is_new"),
        InvalidCase(
            label: "hold without a reason", json: document(then: #"{"outcome": "hold"}"#), path: "rules[0].then.reason",
            code: "missing_reason"),
        InvalidCase(
            label: "a field of another outcome",
            json: document(then: #"{"outcome": "block", "reason": "x", "steps": []}"#), path: "rules[0].then.steps",
            code: "field_not_for_outcome"),
        InvalidCase(
            label: "unknown outcome", json: document(then: #"{"outcome": "escalate"}"#), path: "rules[0].then.outcome",
            code: "unknown_outcome"),
        InvalidCase(
            label: "a wrong type", json: document(when: #"{"vendor_is_new": "yes"}"#),
            path: "rules[0].when.vendor_is_new",
            code: "wrong_type"),
        InvalidCase(
            label: "no default outcome", json: #"{"id": "p", "rules": []}"#, path: "default", code: "missing_field"),
        InvalidCase(
            label: "an invalid step in the default",
            json:
                #"{"id": "p", "default": {"outcome": "chain", "steps": [{"role": "treasurer", "approvals": 2, "of": 1}]}}"#,
            path: "default.steps[0].approvals", code: "approvals_exceed_pool"),
        InvalidCase(
            label: "a policy id that is not a slug",
            json: #"{"id": "Group Payments", "default": {"outcome": "auto_approve"}}"#, path: "id",
            code: "invalid_policy_id"),
        InvalidCase(label: "not JSON at all", json: "{\"id\": ", path: "", code: "malformed_document"),
    ]

    @Test("each kind of mistake is reported at its path with its code", arguments: invalidCases)
    func invalidDocuments(_ invalid: InvalidCase) {
        let problems = Self.problems(invalid.json)
        #expect(
            problems.map { "\($0.path) \($0.code)" } == ["\(invalid.path) \(invalid.code)"],
            "\(problems.map(\.description))")
        for problem in problems { #expect(!problem.message.isEmpty) }
    }

    @Test("duplicate rule ids, unreachable rules and the reserved id are named by their index")
    func ruleLevelProblems() {
        let json = """
            {"id": "p", "rules": [
              {"id": "small", "when": {"amount_below": "10.00"}, "then": {"outcome": "auto_approve"}},
              {"id": "small", "when": {"currencies": ["EUR"]}, "then": {"outcome": "auto_approve"}},
              {"id": "default", "when": {"currencies": ["USD"]}, "then": {"outcome": "auto_approve"}},
              {"id": "everything", "then": {"outcome": "hold", "reason": "look"}},
              {"id": "never", "when": {"currencies": ["CNY"]}, "then": {"outcome": "auto_approve"}}
            ], "default": {"outcome": "block", "reason": "no"}}
            """
        #expect(
            Self.problems(json).map { "\($0.path) \($0.code)" } == [
                "rules[1].id duplicate_rule_id", "rules[2].id reserved_rule_id", "rules[4] unreachable_rule",
            ])
    }

    @Test("a document with several problems reports all of them at once, in document order")
    func allProblemsAtOnce() {
        let json = """
            {"id": "p", "version": 0, "rules": [
              {"id": "a", "when": {"amount_at_least": "-1", "vendor_country_in": ["xx"]},
               "then": {"outcome": "chain", "steps": []}},
              {"id": "a", "when": {"methods": []}, "then": {"outcome": "block", "reason": " "}}
            ], "default": {"outcome": "chain", "steps": [{"group": "Finance Managers", "approvals": 2, "of": 1}]}}
            """
        #expect(
            Self.problems(json).map { "\($0.path) \($0.code)" } == [
                "version invalid_version",
                "rules[0].when.amount_at_least negative_amount",
                "rules[0].when.vendor_country_in[0] invalid_country",
                "rules[0].then.steps empty_chain",
                "rules[1].id duplicate_rule_id",
                "rules[1].when.methods empty_list",
                "rules[1].then.reason missing_reason",
                "default.steps[0].group invalid_group",
                "default.steps[0].approvals approvals_exceed_pool",
            ])
    }

    @Test("a policy built in code is validated the same way as a decoded one")
    func validateInCode() {
        var policy = ApprovalPolicy(
            id: "p",
            rules: [PolicyRule(id: "r", when: PolicyConditions(amountAtLeast: "1.005"), then: .autoApprove)],
            defaultOutcome: .chain(ApprovalChainSpec(steps: [ApprovalFixture.step(.role(.approver))])))
        #expect(policy.problems.isEmpty)
        #expect(throws: Never.self) { try policy.validate() }
        policy.defaultOutcome = .chain(ApprovalChainSpec(steps: []))
        #expect(
            throws: ValidationFailure([
                FieldError(
                    path: "default.steps", code: "empty_chain", message: "an approval chain needs at least one step")
            ])
        ) { try policy.validate() }
    }

    @Test("decoding errors become field errors whose paths read like the document")
    func decodingPaths() {
        let json =
            #"{"id": "p", "rules": [{"id": "r", "then": {"outcome": "auto_approve"}}, {"id": 7}], "default": {}}"#
        #expect(Self.problems(json).map(\.description) == ["rules[1].id: expected text"])
    }
}
