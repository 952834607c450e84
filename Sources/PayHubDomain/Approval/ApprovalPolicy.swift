import Foundation

/// The rules that decide how a payment is approved: a document a finance team writes (JSON here, YAML
/// through any `Decoder`), stored in versions, and judged in order.
///
/// ```json
/// {
///   "id": "group-payments",
///   "rules": [
///     {"id": "sanctioned-countries", "when": {"vendor_country_in": ["IR", "KP"]},
///      "then": {"outcome": "block", "reason": "sanctioned country"}},
///     {"id": "small-domestic", "when": {"amount_at_most": "1000.00", "methods": ["sepa_credit_transfer"]},
///      "then": {"outcome": "auto_approve"}}
///   ],
///   "default": {"outcome": "chain", "steps": [{"role": "approver", "approvals": 1}]}
/// }
/// ```
///
/// The first rule whose conditions all hold decides (``evaluate(facts:explainingMisses:)``); when none
/// does, the required `default` outcome applies, so there is never a payment the policy says nothing
/// about. Decode with ``read(json:)`` or ``read(decoding:)``, which check the document with ``validate()``
/// and report every problem with its path (`rules[2].when.amount_at_least`).
public struct ApprovalPolicy: Hashable, Sendable {
    /// The policy's name as a slug (`group-payments`): lowercase letters, digits, `-` and `_`.
    public var id: String
    /// A title for people, such as "Payments of the German entities".
    public var name: String?
    /// Assigned by storage when a version is saved (1, 2, …); absent from a document being written.
    public var version: Int?
    /// What the policy is for, in prose (`description` in the document).
    public var summary: String?
    /// Judged in order; the first whose conditions all hold decides.
    public var rules: [PolicyRule]
    /// The outcome when no rule matches (`default` in the document).
    public var defaultOutcome: RuleOutcome

    public init(
        id: String, name: String? = nil, version: Int? = nil, summary: String? = nil, rules: [PolicyRule],
        defaultOutcome: RuleOutcome
    ) {
        self.id = id
        self.name = name
        self.version = version
        self.summary = summary
        self.rules = rules
        self.defaultOutcome = defaultOutcome
    }
}

/// One rule: conditions (`when`) that must all hold, and the outcome (`then`) when they do.
public struct PolicyRule: Hashable, Sendable {
    /// Unique within the policy, as a slug (`big-payments`); decisions and audit events name it.
    public var id: String
    /// Why the rule exists, in prose (`description` in the document).
    public var summary: String?
    /// All must hold. A rule without conditions matches every payment.
    public var conditions: PolicyConditions
    public var outcome: RuleOutcome

    public init(
        id: String, summary: String? = nil, when conditions: PolicyConditions = PolicyConditions(),
        then outcome: RuleOutcome
    ) {
        self.id = id
        self.summary = summary
        self.conditions = conditions
        self.outcome = outcome
    }
}

/// What a rule decides for a payment.
public enum RuleOutcome: Hashable, Sendable {
    /// Approved without anyone signing: small, routine payments.
    case autoApprove
    /// Stopped until someone with `controls.release` looks at it; the reason is shown to them.
    case hold(reason: String)
    /// Refused outright; no approval can let it through.
    case block(reason: String)
    /// Approved only by the people of an ``ApprovalChainSpec``, step by step.
    case chain(ApprovalChainSpec)

    /// The outcome's name in documents: `auto_approve`, `hold`, `block`, `chain`.
    public var kind: Kind {
        switch self {
        case .autoApprove: .autoApprove
        case .hold: .hold
        case .block: .block
        case .chain: .chain
        }
    }

    public enum Kind: String, Sendable, Hashable, CaseIterable, Codable {
        case autoApprove = "auto_approve"
        case hold
        case block
        case chain
    }
}

/// Who must approve, in order, and who releases at the end.
public struct ApprovalChainSpec: Hashable, Sendable {
    /// Approved one after the other: step 2 starts when step 1 has its approvals.
    public var steps: [ApprovalStep]
    /// An optional last step that lets the approved payment go to the bank, by treasurers who approved
    /// nothing else in the chain.
    public var release: ApprovalStep?

    public init(steps: [ApprovalStep], release: ApprovalStep? = nil) {
        self.steps = steps
        self.release = release
    }
}

/// One step of a chain: `approvals` (N) distinct people of a pool of `poolSize` (M).
public struct ApprovalStep: Hashable, Sendable {
    /// A label for people ("Finance managers"); optional.
    public var name: String?
    /// Who may sign this step.
    public var approvers: ApproverPool
    /// N: how many different people must approve.
    public var approvals: Int
    /// M: how many people the pool is meant to hold (`of` in the document), so that "2 of 3" reads as
    /// written. Only checked against N; the pool's real members are known when someone acts.
    public var poolSize: Int?
    /// Waiting longer than this since the step became current makes it overdue (see
    /// ``ApprovalChainState/overdueStep(at:)``).
    public var escalateAfterHours: Int?
    /// Whether each approval of this step needs a fresh second factor (TOTP), not just a session.
    public var requiresTOTP: Bool

    public init(
        name: String? = nil, approvers: ApproverPool, approvals: Int = 1, of poolSize: Int? = nil,
        escalateAfterHours: Int? = nil, requiresTOTP: Bool = false
    ) {
        self.name = name
        self.approvers = approvers
        self.approvals = approvals
        self.poolSize = poolSize
        self.escalateAfterHours = escalateAfterHours
        self.requiresTOTP = requiresTOTP
    }
}

/// Where a step's approvers come from.
public enum ApproverPool: Hashable, Sendable, CustomStringConvertible {
    /// Everyone who holds the role (in the payment's entity).
    case role(Role)
    /// The members of a named group (`cfo-office`); membership is given when someone acts.
    case group(String)

    public var description: String {
        switch self {
        case .role(let role): "role \(role.rawValue)"
        case .group(let group): "group \(group)"
        }
    }
}

// MARK: - Coding
//
// Hand-written so that the same shape reads from JSON and YAML, unknown fields are refused rather than
// ignored, and every problem carries its path.

extension ApprovalPolicy: Codable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case id, name, version, summary = "description", rules, defaultOutcome = "default"
    }

    public init(from decoder: any Decoder) throws {
        try DocumentDecoding.rejectUnknownKeys(in: decoder, knowing: CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        name = try container.decodeIfPresent(String.self, forKey: .name)
        version = try container.decodeIfPresent(Int.self, forKey: .version)
        summary = try container.decodeIfPresent(String.self, forKey: .summary)
        rules = try container.decodeIfPresent([PolicyRule].self, forKey: .rules) ?? []
        defaultOutcome = try container.decode(RuleOutcome.self, forKey: .defaultOutcome)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encodeIfPresent(name, forKey: .name)
        try container.encodeIfPresent(version, forKey: .version)
        try container.encodeIfPresent(summary, forKey: .summary)
        try container.encode(rules, forKey: .rules)
        try container.encode(defaultOutcome, forKey: .defaultOutcome)
    }
}

extension PolicyRule: Codable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case id, summary = "description", conditions = "when", outcome = "then"
    }

    public init(from decoder: any Decoder) throws {
        try DocumentDecoding.rejectUnknownKeys(in: decoder, knowing: CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        summary = try container.decodeIfPresent(String.self, forKey: .summary)
        conditions = try container.decodeIfPresent(PolicyConditions.self, forKey: .conditions) ?? PolicyConditions()
        outcome = try container.decode(RuleOutcome.self, forKey: .outcome)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encodeIfPresent(summary, forKey: .summary)
        if !conditions.isEmpty { try container.encode(conditions, forKey: .conditions) }
        try container.encode(outcome, forKey: .outcome)
    }
}

extension RuleOutcome: Codable {
    enum CodingKeys: String, CodingKey, CaseIterable { case outcome, reason, steps, release }

    /// `{"outcome": "auto_approve"}`, `{"outcome": "hold", "reason": "…"}`,
    /// `{"outcome": "chain", "steps": […], "release": {…}}`.
    public init(from decoder: any Decoder) throws {
        try DocumentDecoding.rejectUnknownKeys(in: decoder, knowing: CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let kind = try container.decodeWord(Kind.self, forKey: .outcome, code: "unknown_outcome", what: "outcome")
        // A field that belongs to another outcome is a mistake in the document, not something to drop.
        let allowed: Set<CodingKeys> =
            switch kind {
            case .autoApprove: [.outcome]
            case .hold, .block: [.outcome, .reason]
            case .chain: [.outcome, .steps, .release]
            }
        for key in CodingKeys.allCases where container.contains(key) && !allowed.contains(key) {
            throw DocumentDecoding.problem(
                "field_not_for_outcome", "'\(key.stringValue)' does not belong to a \(kind.rawValue) outcome",
                at: container.codingPath + [key])
        }
        switch kind {
        case .autoApprove: self = .autoApprove
        case .hold: self = .hold(reason: try container.decodeIfPresent(String.self, forKey: .reason) ?? "")
        case .block: self = .block(reason: try container.decodeIfPresent(String.self, forKey: .reason) ?? "")
        case .chain:
            self = .chain(
                ApprovalChainSpec(
                    steps: try container.decodeIfPresent([ApprovalStep].self, forKey: .steps) ?? [],
                    release: try container.decodeIfPresent(ApprovalStep.self, forKey: .release)))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .outcome)
        switch self {
        case .autoApprove: break
        case .hold(let reason), .block(let reason): try container.encode(reason, forKey: .reason)
        case .chain(let chain):
            try container.encode(chain.steps, forKey: .steps)
            try container.encodeIfPresent(chain.release, forKey: .release)
        }
    }
}

extension ApprovalStep: Codable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, role, group, approvals, poolSize = "of", escalateAfterHours = "escalate_after_hours"
        case requiresTOTP = "require_totp"
    }

    /// `{"role": "approver", "approvals": 2, "of": 3, "escalate_after_hours": 24, "require_totp": true}`,
    /// or `"group": "cfo-office"` instead of `role`. `approvals` defaults to 1.
    public init(from decoder: any Decoder) throws {
        try DocumentDecoding.rejectUnknownKeys(in: decoder, knowing: CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        switch (container.contains(.role), container.contains(.group)) {
        case (true, false):
            approvers = .role(try container.decodeWord(Role.self, forKey: .role, code: "unknown_role", what: "role"))
        case (false, true):
            approvers = .group(try container.decode(String.self, forKey: .group))
        case (true, true):
            throw DocumentDecoding.problem(
                "role_and_group", "a step names either a role or a group, not both",
                at: container.codingPath + [CodingKeys.group])
        case (false, false):
            throw DocumentDecoding.problem(
                "missing_approvers", "a step needs a role or a group", at: container.codingPath + [CodingKeys.role])
        }
        name = try container.decodeIfPresent(String.self, forKey: .name)
        approvals = try container.decodeIfPresent(Int.self, forKey: .approvals) ?? 1
        poolSize = try container.decodeIfPresent(Int.self, forKey: .poolSize)
        escalateAfterHours = try container.decodeIfPresent(Int.self, forKey: .escalateAfterHours)
        requiresTOTP = try container.decodeIfPresent(Bool.self, forKey: .requiresTOTP) ?? false
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(name, forKey: .name)
        switch approvers {
        case .role(let role): try container.encode(role.rawValue, forKey: .role)
        case .group(let group): try container.encode(group, forKey: .group)
        }
        try container.encode(approvals, forKey: .approvals)
        try container.encodeIfPresent(poolSize, forKey: .poolSize)
        try container.encodeIfPresent(escalateAfterHours, forKey: .escalateAfterHours)
        if requiresTOTP { try container.encode(true, forKey: .requiresTOTP) }
    }
}
