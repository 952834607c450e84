import Foundation

/// Example payments and what a policy should decide for each: the policy's own tests, written by the
/// finance team next to the policy and run by `payhub policy test FILE` before a new version goes live.
///
/// ```json
/// {
///   "policy": "group-payments",
///   "cases": [
///     {"name": "rent is auto-approved",
///      "facts": {"entity_id": "ent_de01", "amount": {"amount": "850.00", "currency": "EUR"},
///                "method": "sepa_credit_transfer", "as_of": "2026-03-02",
///                "vendor": {"country": "DE", "risk_rating": "low", "created_on": "2020-01-01", "previous_payments": 40}},
///      "expect": {"outcome": "auto_approve", "rule": "small-domestic"}},
///     {"name": "a big invoice needs two steps and a release",
///      "facts": {…},
///      "expect": {"outcome": "chain", "rule": "big-payments",
///                 "steps": [{"role": "approver", "approvals": 1}, {"group": "finance-managers", "approvals": 2}],
///                 "release": {"role": "treasurer"}}}
///   ]
/// }
/// ```
public struct PolicyTestFile: Hashable, Sendable {
    /// The id of the policy the cases were written for; a run against another policy says so.
    public var policyID: String?
    public var cases: [PolicyTestCase]

    public init(policyID: String? = nil, cases: [PolicyTestCase]) {
        self.policyID = policyID
        self.cases = cases
    }

    /// Decodes a JSON test file; a problem comes back with its path (`cases[3].facts.amount.currency`).
    public static func read(json: Data) throws(ValidationFailure) -> PolicyTestFile {
        try read { try JSONDecoder().decode(PolicyTestFile.self, from: json) }
    }

    /// Runs `decode` (JSON, YAML) and checks the result: names present and unique, at least one case.
    public static func read(decoding decode: () throws -> PolicyTestFile) throws(ValidationFailure) -> PolicyTestFile {
        let file: PolicyTestFile
        do {
            file = try decode()
        } catch {
            throw ValidationFailure([FieldError(decoding: error)])
        }
        var problems = FieldErrorCollector()
        if file.cases.isEmpty { problems.add("cases", code: "no_cases", "a policy test file needs at least one case") }
        var seen: [String: Int] = [:]
        for (index, testCase) in file.cases.enumerated() {
            if testCase.name.trimmed(.whitespacesAndNewlines).isEmpty {
                problems.add("cases[\(index)].name", code: "missing_name", "every case needs a name")
            } else if let first = seen[testCase.name] {
                problems.add(
                    "cases[\(index)].name", code: "duplicate_name", "the name is already used by cases[\(first)]")
            } else {
                seen[testCase.name] = index
            }
        }
        try problems.throwIfAny()
        return file
    }

    /// Judges every case with `policy` and compares the decision with the expectation.
    public func run(against policy: ApprovalPolicy) -> PolicyTestReport {
        let results = cases.enumerated().map { index, testCase in testCase.run(index: index, against: policy) }
        var notes: [String] = []
        if let policyID, policyID != policy.id {
            notes.append("the cases were written for policy '\(policyID)', not '\(policy.id)'")
        }
        return PolicyTestReport(policyID: policy.id, policyVersion: policy.version, results: results, notes: notes)
    }
}

/// One example payment and the decision it should get.
public struct PolicyTestCase: Hashable, Sendable {
    public var name: String
    public var facts: PaymentFacts
    public var expect: PolicyExpectation

    public init(name: String, facts: PaymentFacts, expect: PolicyExpectation) {
        self.name = name
        self.facts = facts
        self.expect = expect
    }

    func run(index: Int, against policy: ApprovalPolicy) -> PolicyTestResult {
        let decision = policy.evaluate(facts: facts, explainingMisses: true)
        var differences = expect.differences(from: decision)
        if !differences.isEmpty {
            differences.append("why: " + decision.explanation)
            // When a named rule was expected, say what kept it from matching.
            if let expectedRule = expect.rule, expectedRule != decision.ruleID,
                let miss = decision.misses.first(where: { $0.rule.id == expectedRule })
            {
                differences.append("why not: " + miss.explanation)
            } else if let expectedRule = expect.rule, expectedRule != ApprovalPolicy.defaultRuleID,
                !policy.rules.contains(where: { $0.id == expectedRule })
            {
                differences.append("why not: the policy has no rule '\(expectedRule)'")
            } else if let expectedRule = expect.rule,
                let expectedIndex = policy.rules.firstIndex(where: { $0.id == expectedRule }),
                let matched = decision.rule, matched.index < expectedIndex
            {
                differences.append(
                    "why not: rules[\(expectedIndex)] '\(expectedRule)' comes after rules[\(matched.index)] '\(matched.id)', which matched first"
                )
            }
        }
        return PolicyTestResult(index: index, name: name, decision: decision, differences: differences)
    }
}

/// What a case expects. Only what is given is compared: `{"outcome": "hold"}` passes any hold.
public struct PolicyExpectation: Hashable, Sendable {
    public var outcome: RuleOutcome.Kind
    /// The deciding rule's id, or `default` for the policy's default.
    public var rule: String?
    /// For a hold or a block: the exact reason.
    public var reason: String?
    /// For a chain: its approval steps, in order and all of them.
    public var steps: [StepExpectation]?
    /// For a chain: `.some(nil)` expects no release step (`"release": null`), `.some(step)` that one.
    public var release: StepExpectation??

    public init(
        outcome: RuleOutcome.Kind, rule: String? = nil, reason: String? = nil, steps: [StepExpectation]? = nil,
        release: StepExpectation?? = nil
    ) {
        self.outcome = outcome
        self.rule = rule
        self.reason = reason
        self.steps = steps
        self.release = release
    }

    /// Each way the decision differs from this expectation, as a sentence; empty when it passes.
    public func differences(from decision: PolicyDecision) -> [String] {
        var differences: [String] = []
        if decision.outcome.kind != outcome {
            differences.append("outcome: expected \(outcome.rawValue), got \(decision.outcome)")
        }
        if let rule, rule != decision.ruleID {
            let got = decision.rule.map { "rules[\($0.index)] '\($0.id)'" } ?? "the default"
            differences.append("rule: expected '\(rule)', got \(got)")
        }
        switch decision.outcome {
        case .hold(let actual), .block(let actual):
            if let reason, reason != actual { differences.append("reason: expected '\(reason)', got '\(actual)'") }
        case .chain(let chain):
            if let steps { differences += Self.compare(steps, with: chain.steps) }
            if let release {
                switch (release, chain.release) {
                case (nil, nil): break
                case (nil, let actual?): differences.append("release: expected none, got \(actual)")
                case (let expected?, nil): differences.append("release: expected \(expected), got none")
                case (let expected?, let actual?):
                    if let difference = expected.difference(from: actual) {
                        differences.append("release: " + difference)
                    }
                }
            }
        case .autoApprove:
            break
        }
        return differences
    }

    private static func compare(_ expected: [StepExpectation], with actual: [ApprovalStep]) -> [String] {
        var differences: [String] = []
        if expected.count != actual.count {
            differences.append(
                "steps: expected \(expected.count), got \(actual.count) ("
                    + actual.map(\.description).joined(separator: " → ") + ")")
        }
        for (index, (want, got)) in zip(expected, actual).enumerated() {
            if let difference = want.difference(from: got) { differences.append("steps[\(index)]: " + difference) }
        }
        return differences
    }
}

/// The expected shape of one approval step: who approves, and optionally how many and with TOTP.
public struct StepExpectation: Hashable, Sendable, CustomStringConvertible {
    public var approvers: ApproverPool
    public var approvals: Int?
    public var requiresTOTP: Bool?

    public init(approvers: ApproverPool, approvals: Int? = nil, requiresTOTP: Bool? = nil) {
        self.approvers = approvers
        self.approvals = approvals
        self.requiresTOTP = requiresTOTP
    }

    public var description: String {
        (approvals.map { "\($0) from " } ?? "") + approvers.description
            + (requiresTOTP.map { $0 ? " (TOTP)" : " (no TOTP)" } ?? "")
    }

    func difference(from step: ApprovalStep) -> String? {
        let matches =
            approvers == step.approvers && (approvals.map { $0 == step.approvals } ?? true)
            && (requiresTOTP.map { $0 == step.requiresTOTP } ?? true)
        return matches ? nil : "expected \(self), got \(step)"
    }
}

/// The outcome of running a test file.
public struct PolicyTestReport: Hashable, Sendable, CustomStringConvertible {
    public var policyID: String
    public var policyVersion: Int?
    public var results: [PolicyTestResult]
    /// Remarks about the run as a whole (a file written for another policy).
    public var notes: [String]

    public var passedCount: Int { results.filter(\.passed).count }
    public var failedCount: Int { results.count - passedCount }
    public var allPassed: Bool { failedCount == 0 }

    /// One line per case (`PASS`/`FAIL`), the differences under each failure, and a total.
    public var description: String {
        var lines = notes.map { "note: " + $0 }
        for result in results {
            lines.append("\(result.passed ? "PASS" : "FAIL") \(result.name)")
            lines += result.differences.map { "    " + $0 }
        }
        let version = policyVersion.map { " v\($0)" } ?? ""
        lines.append("\(policyID)\(version): \(passedCount) passed, \(failedCount) failed")
        return lines.joined(separator: "\n")
    }
}

/// One case's result: the decision, and how it differs from what was expected.
public struct PolicyTestResult: Hashable, Sendable {
    /// The case's position in the file (0-based).
    public var index: Int
    public var name: String
    public var decision: PolicyDecision
    /// Empty when the case passed; otherwise each difference, then why the policy decided as it did.
    public var differences: [String]

    public var passed: Bool { differences.isEmpty }
}

// MARK: - Coding

extension PolicyTestFile: Codable {
    enum CodingKeys: String, CodingKey, CaseIterable { case policyID = "policy", cases }

    public init(from decoder: any Decoder) throws {
        try DocumentDecoding.rejectUnknownKeys(in: decoder, knowing: CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        policyID = try container.decodeIfPresent(String.self, forKey: .policyID)
        cases = try container.decode([PolicyTestCase].self, forKey: .cases)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(policyID, forKey: .policyID)
        try container.encode(cases, forKey: .cases)
    }
}

extension PolicyTestCase: Codable {
    enum CodingKeys: String, CodingKey, CaseIterable { case name, facts, expect }

    public init(from decoder: any Decoder) throws {
        try DocumentDecoding.rejectUnknownKeys(in: decoder, knowing: CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        facts = try container.decode(PaymentFacts.self, forKey: .facts)
        expect = try container.decode(PolicyExpectation.self, forKey: .expect)
    }
}

extension PolicyExpectation: Codable {
    enum CodingKeys: String, CodingKey, CaseIterable { case outcome, rule, reason, steps, release }

    public init(from decoder: any Decoder) throws {
        try DocumentDecoding.rejectUnknownKeys(in: decoder, knowing: CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        outcome = try container.decodeWord(
            RuleOutcome.Kind.self, forKey: .outcome, code: "unknown_outcome", what: "outcome")
        rule = try container.decodeIfPresent(String.self, forKey: .rule)
        reason = try container.decodeIfPresent(String.self, forKey: .reason)
        steps = try container.decodeIfPresent([StepExpectation].self, forKey: .steps)
        if container.contains(.release) {
            release = .some(
                try container.decodeNil(forKey: .release)
                    ? nil : container.decode(StepExpectation.self, forKey: .release))
        } else {
            release = nil
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(outcome, forKey: .outcome)
        try container.encodeIfPresent(rule, forKey: .rule)
        try container.encodeIfPresent(reason, forKey: .reason)
        try container.encodeIfPresent(steps, forKey: .steps)
        switch release {
        case .none: break
        case .some(.none): try container.encodeNil(forKey: .release)
        case .some(.some(let step)): try container.encode(step, forKey: .release)
        }
    }
}

extension StepExpectation: Codable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case role, group, approvals, requiresTOTP = "require_totp"
    }

    public init(from decoder: any Decoder) throws {
        try DocumentDecoding.rejectUnknownKeys(in: decoder, knowing: CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        switch (container.contains(.role), container.contains(.group)) {
        case (true, false):
            approvers = .role(try container.decodeWord(Role.self, forKey: .role, code: "unknown_role", what: "role"))
        case (false, true):
            approvers = .group(try container.decode(String.self, forKey: .group))
        default:
            throw DocumentDecoding.problem(
                "missing_approvers", "name either a role or a group", at: container.codingPath + [CodingKeys.role])
        }
        approvals = try container.decodeIfPresent(Int.self, forKey: .approvals)
        requiresTOTP = try container.decodeIfPresent(Bool.self, forKey: .requiresTOTP)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch approvers {
        case .role(let role): try container.encode(role.rawValue, forKey: .role)
        case .group(let group): try container.encode(group, forKey: .group)
        }
        try container.encodeIfPresent(approvals, forKey: .approvals)
        try container.encodeIfPresent(requiresTOTP, forKey: .requiresTOTP)
    }
}
