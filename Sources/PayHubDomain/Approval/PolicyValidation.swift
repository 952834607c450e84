import Foundation

extension ApprovalPolicy {
    /// Decodes a JSON policy document and validates it; every problem comes back with its path.
    public static func read(json: Data) throws(ValidationFailure) -> ApprovalPolicy {
        try read { try JSONDecoder().decode(ApprovalPolicy.self, from: json) }
    }

    /// Runs `decode` (any decoder: JSON, YAML) and validates the result.
    ///
    /// A document that cannot be decoded (a wrong type, an unknown role or field) fails with that one
    /// problem, at its path; a decodable document fails with every problem ``validate()`` finds.
    ///
    /// ```swift
    /// let policy = try ApprovalPolicy.read { try YAMLDecoder().decode(ApprovalPolicy.self, from: text) }
    /// ```
    public static func read(decoding decode: () throws -> ApprovalPolicy) throws(ValidationFailure) -> ApprovalPolicy {
        let policy: ApprovalPolicy
        do {
            policy = try decode()
        } catch {
            throw ValidationFailure([FieldError(decoding: error)])
        }
        try policy.validate()
        return policy
    }

    /// Throws every problem of the policy at once; see ``problems``.
    public func validate() throws(ValidationFailure) {
        let problems = self.problems
        if !problems.isEmpty { throw ValidationFailure(problems) }
    }

    /// Every problem of the policy, each with the path of the field it is in, in document order.
    ///
    /// Beyond shapes and ranges (no negative amount, N ≤ M, no empty chain), it refuses what would make
    /// the policy mean something other than it seems to: two rules with one id, rules that can never be
    /// reached after a rule without conditions, amount ranges no amount falls into, a country both
    /// required and excluded, and steps whose role cannot approve (or release) payments.
    public var problems: [FieldError] {
        var problems = FieldErrorCollector()
        if !Self.isSlug(id) {
            problems.add(
                "id", code: "invalid_policy_id", "id must have 1 to 64 of a-z 0-9 - _, starting with a letter or digit")
        }
        if let name, name.trimmed(.whitespacesAndNewlines).isEmpty || name.count > 140 {
            problems.add("name", code: "invalid_name", "name must have 1 to 140 characters")
        }
        if let version, version < 1 {
            problems.add("version", code: "invalid_version", "version must be 1 or more")
        }
        if rules.count > Self.rulesMax {
            problems.add("rules", code: "too_many_rules", "a policy has at most \(Self.rulesMax) rules")
        }
        var firstIndexOfID: [String: Int] = [:]
        var unconditionalIndex: Int?
        for (index, rule) in rules.enumerated() {
            let path = "rules[\(index)]"
            if !Self.isSlug(rule.id) {
                problems.add(path + ".id", code: "invalid_rule_id", "rule id must have 1 to 64 of a-z 0-9 - _")
            } else if rule.id == Self.defaultRuleID {
                problems.add(
                    path + ".id", code: "reserved_rule_id", "'\(Self.defaultRuleID)' names the policy's default")
            } else if let first = firstIndexOfID[rule.id] {
                problems.add(path + ".id", code: "duplicate_rule_id", "rule id is already used by rules[\(first)]")
            } else {
                firstIndexOfID[rule.id] = index
            }
            if let unconditionalIndex {
                problems.add(
                    path, code: "unreachable_rule",
                    "rules[\(unconditionalIndex)] has no conditions and matches every payment, so this rule is never reached"
                )
            } else if rule.conditions.isEmpty {
                unconditionalIndex = index
            }
            Self.check(rule.conditions, at: path + ".when", into: &problems)
            Self.check(rule.outcome, at: path + ".then", into: &problems)
        }
        Self.check(defaultOutcome, at: "default", into: &problems)
        return problems.errors
    }

    /// The rule id decisions and policy tests use for the default outcome; no rule may take it.
    public static let defaultRuleID = "default"
    public static let rulesMax = 500
    /// The longest window a "within N days" condition may have: ten years.
    public static let windowDaysMax = 3653
    /// The longest escalation limit: one year.
    public static let escalateAfterHoursMax = 8784

    static func isSlug(_ text: String) -> Bool {
        let bytes = text.utf8
        guard let first = bytes.first, (1...64).contains(bytes.count) else { return false }
        func isLowerOrDigit(_ byte: UInt8) -> Bool {
            (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
        }
        return isLowerOrDigit(first)
            && bytes.allSatisfy { isLowerOrDigit($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") }
    }

    private static func check(_ conditions: PolicyConditions, at path: String, into problems: inout FieldErrorCollector)
    {
        func requireNonEmpty<Element>(_ list: [Element]?, _ key: PolicyConditions.CodingKeys) {
            if let list, list.isEmpty {
                problems.add(path + "." + key.stringValue, code: "empty_list", "the list must name at least one value")
            }
        }
        requireNonEmpty(conditions.entityIDs, .entityIDs)
        requireNonEmpty(conditions.currencies, .currencies)
        requireNonEmpty(conditions.methods, .methods)
        requireNonEmpty(conditions.vendorRiskIn, .vendorRiskIn)
        requireNonEmpty(conditions.vendorCountryIn, .vendorCountryIn)
        requireNonEmpty(conditions.vendorCountryNotIn, .vendorCountryNotIn)

        // Amounts: each a non-negative decimal; at most one lower and one upper bound; a range some
        // amount can fall into.
        func threshold(_ text: String?, _ key: PolicyConditions.CodingKeys) -> ExactDecimal? {
            guard let text else { return nil }
            guard let value = ExactDecimal(text) else {
                problems.add(
                    path + "." + key.stringValue, code: "invalid_amount",
                    "amount must be a decimal number such as 10000.00 (at most \(ExactDecimal.scaleMax) places)")
                return nil
            }
            guard !value.isNegative else {
                problems.add(path + "." + key.stringValue, code: "negative_amount", "amount must not be negative")
                return nil
            }
            return value
        }
        let atLeast = threshold(conditions.amountAtLeast, .amountAtLeast)
        let above = threshold(conditions.amountAbove, .amountAbove)
        let atMost = threshold(conditions.amountAtMost, .amountAtMost)
        let below = threshold(conditions.amountBelow, .amountBelow)
        if conditions.amountAtLeast != nil && conditions.amountAbove != nil {
            problems.add(
                path + ".amount_above", code: "conflicting_bounds", "give amount_at_least or amount_above, not both")
        }
        if conditions.amountAtMost != nil && conditions.amountBelow != nil {
            problems.add(
                path + ".amount_below", code: "conflicting_bounds", "give amount_at_most or amount_below, not both")
        }
        let lower = atLeast.map { ($0, false) } ?? above.map { ($0, true) }
        let upper = below.map { ($0, true, "amount_below") } ?? atMost.map { ($0, false, "amount_at_most") }
        if let (lowValue, lowStrict) = lower, let (highValue, highStrict, highKey) = upper,
            let order = lowValue.order(comparedTo: highValue), order > 0 || (order == 0 && (lowStrict || highStrict))
        {
            problems.add(path + "." + highKey, code: "empty_amount_range", "no amount lies between the two bounds")
        }
        if let below, below.isZero {
            problems.add(path + ".amount_below", code: "empty_amount_range", "no payment amount is below zero")
        }

        for (key, list) in [
            (PolicyConditions.CodingKeys.vendorCountryIn, conditions.vendorCountryIn),
            (.vendorCountryNotIn, conditions.vendorCountryNotIn),
        ] {
            for (index, code) in (list ?? []).enumerated() where !CountryCode.isValid(code) {
                problems.add(
                    path + ".\(key.stringValue)[\(index)]", code: "invalid_country",
                    "country must be an ISO 3166-1 alpha-2 code such as DE")
            }
        }
        if let included = conditions.vendorCountryIn, let excluded = conditions.vendorCountryNotIn,
            !Set(included).isDisjoint(with: excluded)
        {
            problems.add(
                path + ".vendor_country_not_in", code: "contradictory_countries",
                "a country cannot be both required and excluded")
        }

        func checkDays(_ days: Int?, _ key: PolicyConditions.CodingKeys) {
            if let days, !(0...windowDaysMax).contains(days) {
                problems.add(
                    path + "." + key.stringValue, code: "days_out_of_range", "days must be from 0 to \(windowDaysMax)")
            }
        }
        checkDays(conditions.newVendorWithinDays, .newVendorWithinDays)
        checkDays(conditions.bankAccountChangedWithinDays, .bankAccountChangedWithinDays)
        if conditions.newVendorWithinDays != nil && conditions.vendorIsNew == nil {
            problems.add(
                path + ".new_vendor_within_days", code: "requires_vendor_is_new",
                "new_vendor_within_days only refines vendor_is_new; give vendor_is_new too")
        }
    }

    private static func check(_ outcome: RuleOutcome, at path: String, into problems: inout FieldErrorCollector) {
        switch outcome {
        case .autoApprove:
            break
        case .hold(let reason), .block(let reason):
            let trimmed = reason.trimmed(.whitespacesAndNewlines)
            if trimmed.isEmpty || trimmed.count > 200 {
                problems.add(
                    path + ".reason", code: "missing_reason",
                    "a \(outcome.kind.rawValue) needs a reason of 1 to 200 characters, shown to whoever looks at it")
            }
        case .chain(let chain):
            if chain.steps.isEmpty {
                problems.add(path + ".steps", code: "empty_chain", "an approval chain needs at least one step")
            }
            for (index, step) in chain.steps.enumerated() {
                check(step, isRelease: false, at: path + ".steps[\(index)]", into: &problems)
            }
            if let release = chain.release { check(release, isRelease: true, at: path + ".release", into: &problems) }
        }
    }

    private static func check(
        _ step: ApprovalStep, isRelease: Bool, at path: String, into problems: inout FieldErrorCollector
    ) {
        switch step.approvers {
        case .role(let role):
            // Permissions decide who may approve at all; a step drawing on a role without them could
            // never complete (or, worse, would let clerks sign their own payments if roles changed).
            let needed: Permission = isRelease ? .paymentsRelease : .paymentsApprove
            if !role.permissions.contains(needed) {
                problems.add(
                    path + ".role", code: isRelease ? "role_cannot_release" : "role_cannot_approve",
                    "role \(role.rawValue) does not hold \(needed.rawValue)")
            }
        case .group(let group):
            if !isSlug(group) {
                problems.add(path + ".group", code: "invalid_group", "group must have 1 to 64 of a-z 0-9 - _")
            }
        }
        if step.approvals < 1 {
            problems.add(path + ".approvals", code: "approvals_not_positive", "a step needs at least 1 approval")
        }
        if let poolSize = step.poolSize {
            if poolSize < 1 {
                problems.add(path + ".of", code: "pool_not_positive", "the pool must have at least 1 person")
            } else if step.approvals > poolSize {
                problems.add(
                    path + ".approvals", code: "approvals_exceed_pool",
                    "\(step.approvals) approvals cannot come from a pool of \(poolSize)")
            }
        }
        if let hours = step.escalateAfterHours, !(1...escalateAfterHoursMax).contains(hours) {
            problems.add(
                path + ".escalate_after_hours", code: "hours_out_of_range",
                "hours must be from 1 to \(escalateAfterHoursMax)")
        }
        if let name = step.name, name.trimmed(.whitespacesAndNewlines).isEmpty || name.count > 140 {
            problems.add(path + ".name", code: "invalid_name", "name must have 1 to 140 characters")
        }
    }
}

extension ExactDecimal {
    /// -1, 0 or 1 as `self` is less than, equal to or greater than `other`, whatever their scales; nil
    /// only if rescaling leaves `Int128`, which no amount or threshold comes near.
    func order(comparedTo other: ExactDecimal) -> Int? {
        let commonScale = Swift.max(scale, other.scale)
        guard let left = rescaled(to: commonScale), let right = other.rescaled(to: commonScale) else { return nil }
        return left.significand < right.significand ? -1 : left.significand == right.significand ? 0 : 1
    }
}
