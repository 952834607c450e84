import Foundation

extension ApprovalPolicy {
    /// Judges one payment: the first rule whose conditions all hold decides; when none does, the
    /// default outcome applies.
    ///
    /// The decision names the rule (id and index) and the conditions that held, each as a sentence and
    /// as data. With `explainingMisses` it also says, for every rule before the one that matched, which
    /// of its conditions did not hold: what `payhub policy simulate` shows. Without it, judging stops at
    /// each rule's first condition that fails, which is what importing many payments wants.
    ///
    /// Fails closed: a condition that cannot be judged (a threshold that is not a number, in a policy
    /// that was never validated) does not let the payment fall through to a later, laxer rule. If the
    /// rule's other conditions hold, the payment is held, and ``PolicyDecision/isFailSafe`` says why.
    /// Both modes reach the same decision.
    public func evaluate(facts: PaymentFacts, explainingMisses: Bool = false) -> PolicyDecision {
        var misses: [RuleMiss] = []
        for (index, rule) in rules.enumerated() {
            let checks = rule.conditions.checks(against: facts, stoppingAtFirstMiss: !explainingMisses)
            let matched = MatchedRule(id: rule.id, index: index)
            if checks.contains(where: { $0.verdict == .notHeld }) {
                if explainingMisses {
                    misses.append(RuleMiss(rule: matched, failed: checks.filter { $0.verdict != .held }))
                }
                continue
            }
            if checks.contains(where: { $0.verdict == .invalid }) {
                return PolicyDecision(
                    policy: self, entityID: facts.entityID,
                    outcome: .hold(reason: "policy rule '\(rule.id)' cannot be evaluated; the policy needs correcting"),
                    rule: matched, reasons: checks, misses: misses, isFailSafe: true)
            }
            return PolicyDecision(
                policy: self, entityID: facts.entityID, outcome: rule.outcome, rule: matched, reasons: checks,
                misses: misses, isFailSafe: false)
        }
        return PolicyDecision(
            policy: self, entityID: facts.entityID, outcome: defaultOutcome, rule: nil, reasons: [], misses: misses,
            isFailSafe: false)
    }
}

/// What a policy decided for one payment, and why.
public struct PolicyDecision: Hashable, Sendable {
    public var policyID: String
    public var policyVersion: Int?
    public var entityID: ID<LegalEntity>
    public var outcome: RuleOutcome
    /// The rule that decided; nil when none matched and the policy's default applied.
    public var rule: MatchedRule?
    /// The conditions of the deciding rule, all of which held (empty for the default, and for a rule
    /// without conditions).
    public var reasons: [ConditionCheck]
    /// The rules before the deciding one and the conditions that failed them; only when asked for.
    public var misses: [RuleMiss]
    /// The outcome is a hold because the deciding rule could not be judged, not because it said so.
    public var isFailSafe: Bool

    init(
        policy: ApprovalPolicy, entityID: ID<LegalEntity>, outcome: RuleOutcome, rule: MatchedRule?,
        reasons: [ConditionCheck], misses: [RuleMiss], isFailSafe: Bool
    ) {
        self.policyID = policy.id
        self.policyVersion = policy.version
        self.entityID = entityID
        self.outcome = outcome
        self.rule = rule
        self.reasons = reasons
        self.misses = misses
        self.isFailSafe = isFailSafe
    }

    /// The deciding rule's id, or `default` (``ApprovalPolicy/defaultRuleID``).
    public var ruleID: String { rule?.id ?? ApprovalPolicy.defaultRuleID }

    /// One paragraph for people: which rule, and the conditions that made it match.
    public var explanation: String {
        guard let rule else { return "no rule matched, so the policy's default applies: \(outcome)" }
        let name = "rules[\(rule.index)] '\(rule.id)'"
        if isFailSafe {
            let broken = reasons.filter { $0.verdict == .invalid }.map(\.explanation).joined(separator: "; ")
            return "\(name) cannot be evaluated (\(broken)), so the payment is held"
        }
        guard !reasons.isEmpty else { return "\(name) has no conditions and matches every payment: \(outcome)" }
        return "\(name) matched because " + reasons.map(\.explanation).joined(separator: "; ") + ": \(outcome)"
    }
}

/// A rule, by id and by its position in the policy (0-based, as in `rules[2]`).
public struct MatchedRule: Hashable, Sendable, Codable {
    public var id: String
    public var index: Int

    public init(id: String, index: Int) {
        self.id = id
        self.index = index
    }
}

/// A rule that did not match, with the conditions that failed it.
public struct RuleMiss: Hashable, Sendable, Codable {
    public var rule: MatchedRule
    /// Only the conditions that did not hold (with every condition judged, all of them).
    public var failed: [ConditionCheck]

    public var explanation: String {
        "rules[\(rule.index)] '\(rule.id)' did not match: " + failed.map(\.explanation).joined(separator: "; ")
    }
}

/// One condition of a rule judged against one payment: what the rule asked, what the payment had.
public struct ConditionCheck: Hashable, Sendable, Codable {
    public enum Verdict: String, Sendable, Hashable, Codable {
        case held
        case notHeld = "not_held"
        /// The condition cannot be judged: its value in the policy is not valid.
        case invalid
    }

    public var condition: PolicyConditionKind
    public var verdict: Verdict
    /// What the rule asks for, as written: `10000.00`, `DE, AT`.
    public var expected: String
    /// What the payment has: `12500.00 EUR`, `sepa_instant`.
    public var actual: String
    /// The check as a sentence: "amount in base currency 12500.00 EUR is above 10000.00".
    public var explanation: String

    public var held: Bool { verdict == .held }
}

extension PolicyConditions {
    /// Every condition given, judged against `facts`, in ``PolicyConditionKind`` order.
    func checks(against facts: PaymentFacts, stoppingAtFirstMiss: Bool) -> [ConditionCheck] {
        var checks: [ConditionCheck] = []
        func record(_ check: ConditionCheck) -> Bool {
            checks.append(check)
            return !(stoppingAtFirstMiss && check.verdict == .notHeld)
        }
        if let entityIDs {
            let texts = entityIDs.map(\.rawValue)
            let held = entityIDs.contains(facts.entityID)
            guard
                record(
                    .membership(.entityIDs, "entity", facts.entityID.rawValue, in: texts, held: held))
            else { return checks }
        }
        let amount = ExactDecimal(facts.amountInBaseCurrency)
        let amountText = facts.amountInBaseCurrency.description
        let bounds: [(PolicyConditionKind, String?, (Int) -> Bool, String, String)] = [
            (.amountAtLeast, amountAtLeast, { $0 >= 0 }, "is at least", "is below"),
            (.amountAbove, amountAbove, { $0 > 0 }, "is above", "is not above"),
            (.amountAtMost, amountAtMost, { $0 <= 0 }, "is at most", "is above"),
            (.amountBelow, amountBelow, { $0 < 0 }, "is below", "is not below"),
        ]
        for (kind, text, holds, heldPhrase, missedPhrase) in bounds {
            guard let text else { continue }
            let check: ConditionCheck
            if let threshold = ExactDecimal(text), !threshold.isNegative,
                let order = amount.order(comparedTo: threshold)
            {
                let held = holds(order)
                check = ConditionCheck(
                    condition: kind, verdict: held ? .held : .notHeld, expected: threshold.formatted(),
                    actual: amountText,
                    explanation: "amount in base currency \(amountText) \(held ? heldPhrase : missedPhrase) \(text)")
            } else {
                check = .invalid(kind, expected: text, actual: amountText, "\(kind.rawValue) is not a valid amount")
            }
            guard record(check) else { return checks }
        }
        if let currencies {
            let held = currencies.contains(facts.currency)
            guard
                record(
                    .membership(.currencies, "currency", facts.currency.code, in: currencies.map(\.code), held: held))
            else { return checks }
        }
        if let methods {
            let held = methods.contains(facts.method)
            guard
                record(.membership(.methods, "method", facts.method.rawValue, in: methods.map(\.rawValue), held: held))
            else { return checks }
        }
        if let vendorIsNew {
            guard record(vendorNewCheck(wantsNew: vendorIsNew, facts: facts)) else { return checks }
        }
        if let vendorRiskIn {
            let held = vendorRiskIn.contains(facts.vendor.riskRating)
            guard
                record(
                    .membership(
                        .vendorRiskIn, "vendor risk", facts.vendor.riskRating.rawValue,
                        in: vendorRiskIn.map(\.rawValue),
                        held: held))
            else { return checks }
        }
        if let vendorCountryIn {
            let held = vendorCountryIn.contains(facts.vendor.countryCode)
            guard
                record(
                    .membership(
                        .vendorCountryIn, "vendor country", facts.vendor.countryCode, in: vendorCountryIn, held: held))
            else { return checks }
        }
        if let vendorCountryNotIn {
            let excluded = vendorCountryNotIn.contains(facts.vendor.countryCode)
            let check = ConditionCheck(
                condition: .vendorCountryNotIn, verdict: excluded ? .notHeld : .held,
                expected: vendorCountryNotIn.joined(separator: ", "), actual: facts.vendor.countryCode,
                explanation: "vendor country \(facts.vendor.countryCode) is \(excluded ? "" : "none ")of "
                    + vendorCountryNotIn.joined(separator: ", "))
            guard record(check) else { return checks }
        }
        if let bankAccountChangedWithinDays {
            guard record(accountChangedCheck(withinDays: bankAccountChangedWithinDays, facts: facts)) else {
                return checks
            }
        }
        if let firstPaymentToChangedAccount {
            let account = facts.bankAccount
            let isFirst = account.isFirstPaymentSinceChange
            let state: String
            if let changedOn = account.changedOn {
                state =
                    isFirst
                    ? "this is the first payment to bank details changed on \(changedOn.iso8601)"
                    : "bank details changed on \(changedOn.iso8601) were paid \(account.paymentsSinceChange) times since"
            } else {
                state = "bank details never changed"
            }
            let held = isFirst == firstPaymentToChangedAccount
            _ = record(
                ConditionCheck(
                    condition: .firstPaymentToChangedAccount, verdict: held ? .held : .notHeld,
                    expected: String(firstPaymentToChangedAccount), actual: String(isFirst),
                    explanation: state + (held ? "" : ", and the rule asks for the opposite")))
        }
        return checks
    }

    private func vendorNewCheck(wantsNew: Bool, facts: PaymentFacts) -> ConditionCheck {
        let vendor = facts.vendor
        let window = newVendorWithinDays.map { " (or created within \($0) days)" } ?? ""
        if let days = newVendorWithinDays, days < 0 {
            return .invalid(
                .vendorIsNew, expected: String(wantsNew) + window, actual: "", "new_vendor_within_days is negative")
        }
        let isNew = vendor.isNew(on: facts.asOf, withinDays: newVendorWithinDays)
        let age = vendor.ageDays(on: facts.asOf)
        let why =
            vendor.previousPaymentCount <= 0
            ? "no earlier payment"
            : "\(vendor.previousPaymentCount) earlier payments, created \(age) days ago"
        let held = isNew == wantsNew
        return ConditionCheck(
            condition: .vendorIsNew, verdict: held ? .held : .notHeld, expected: String(wantsNew) + window,
            actual: String(isNew),
            explanation: "vendor is \(isNew ? "new" : "not new") (\(why))"
                + (held ? "" : ", and the rule asks for \(wantsNew ? "a new" : "an established") vendor\(window)"))
    }

    private func accountChangedCheck(withinDays: Int, facts: PaymentFacts) -> ConditionCheck {
        guard withinDays >= 0 else {
            return .invalid(
                .bankAccountChangedWithinDays, expected: String(withinDays), actual: "",
                "bank_account_changed_within_days is negative")
        }
        guard let days = facts.bankAccount.daysSinceChange(on: facts.asOf) else {
            return ConditionCheck(
                condition: .bankAccountChangedWithinDays, verdict: .notHeld, expected: String(withinDays),
                actual: "never",
                explanation: "bank details never changed")
        }
        let held = days <= withinDays
        return ConditionCheck(
            condition: .bankAccountChangedWithinDays, verdict: held ? .held : .notHeld, expected: String(withinDays),
            actual: String(days),
            explanation: "bank details changed \(days) days ago, \(held ? "within" : "not within") \(withinDays)")
    }
}

extension ConditionCheck {
    fileprivate static func membership(
        _ kind: PolicyConditionKind, _ subject: String, _ value: String, in list: [String], held: Bool
    ) -> ConditionCheck {
        let listed = list.joined(separator: ", ")
        return ConditionCheck(
            condition: kind, verdict: held ? .held : .notHeld, expected: listed, actual: value,
            explanation: "\(subject) \(value) is \(held ? "" : "not ")one of \(listed)")
    }

    fileprivate static func invalid(
        _ kind: PolicyConditionKind, expected: String, actual: String, _ explanation: String
    ) -> ConditionCheck {
        ConditionCheck(condition: kind, verdict: .invalid, expected: expected, actual: actual, explanation: explanation)
    }
}

extension RuleOutcome: CustomStringConvertible {
    /// `auto_approve`, `hold (reason)`, `chain: 1 from role approver → 2 of 3 from group cfo-office (TOTP),
    /// release by 1 from role treasurer`.
    public var description: String {
        switch self {
        case .autoApprove: "auto_approve"
        case .hold(let reason): "hold (\(reason))"
        case .block(let reason): "block (\(reason))"
        case .chain(let chain): "chain: " + chain.description
        }
    }
}

extension ApprovalChainSpec: CustomStringConvertible {
    public var description: String {
        let steps = self.steps.map(\.description).joined(separator: " → ")
        guard let release else { return steps }
        return steps + ", release by " + release.description
    }
}

extension ApprovalStep: CustomStringConvertible {
    public var description: String {
        var text = "\(approvals)" + (poolSize.map { " of \($0)" } ?? "") + " from \(approvers)"
        if requiresTOTP { text += " (TOTP)" }
        if let escalateAfterHours { text += " (escalate after \(escalateAfterHours) h)" }
        return text
    }
}

extension PolicyDecision: Codable {
    enum CodingKeys: String, CodingKey {
        case policyID = "policy_id", policyVersion = "policy_version", entityID = "entity_id", outcome, rule, reasons
        case misses, isFailSafe = "is_fail_safe"
    }
}
