import Foundation
import Testing

@testable import PayHubDomain

@Suite("Approval rule matching")
struct RuleMatchingTests {
    /// One rule with `conditions` that auto-approves; everything else is blocked by the default.
    static func policy(_ conditions: PolicyConditions) -> ApprovalPolicy {
        ApprovalPolicy(
            id: "p", rules: [PolicyRule(id: "rule", when: conditions, then: .autoApprove)],
            defaultOutcome: .block(reason: "no rule"))
    }

    struct Case: CustomTestStringConvertible, Sendable {
        let label: String
        let conditions: PolicyConditions
        let facts: PaymentFacts
        let holds: Bool
        var testDescription: String { label }
    }

    static let usd20000 = try! Money(parsing: "20000.00", currency: .usd)
    static func jpy(_ text: String) -> Money { try! Money(parsing: text, currency: .jpy) }

    static let cases: [Case] = [
        // Entity
        Case(
            label: "entity listed", conditions: .init(entityIDs: [ApprovalFixture.china, ApprovalFixture.germany]),
            facts: ApprovalFixture.facts(), holds: true),
        Case(
            label: "entity not listed", conditions: .init(entityIDs: [ApprovalFixture.china]), facts: ApprovalFixture.facts(),
            holds: false),
        // Amounts, at their boundaries
        Case(
            label: "at least: equal", conditions: .init(amountAtLeast: "10000.00"),
            facts: ApprovalFixture.facts(amount: ApprovalFixture.eur("10000.00")), holds: true),
        Case(
            label: "at least: one cent below", conditions: .init(amountAtLeast: "10000.00"),
            facts: ApprovalFixture.facts(amount: ApprovalFixture.eur("9999.99")), holds: false),
        Case(
            label: "above: equal", conditions: .init(amountAbove: "10000"),
            facts: ApprovalFixture.facts(amount: ApprovalFixture.eur("10000.00")), holds: false),
        Case(
            label: "above: one cent more", conditions: .init(amountAbove: "10000"),
            facts: ApprovalFixture.facts(amount: ApprovalFixture.eur("10000.01")), holds: true),
        Case(
            label: "at most: equal", conditions: .init(amountAtMost: "1000.0"),
            facts: ApprovalFixture.facts(amount: ApprovalFixture.eur("1000.00")), holds: true),
        Case(
            label: "at most: one cent more", conditions: .init(amountAtMost: "1000.0"),
            facts: ApprovalFixture.facts(amount: ApprovalFixture.eur("1000.01")), holds: false),
        Case(
            label: "below: equal", conditions: .init(amountBelow: "1000.00"),
            facts: ApprovalFixture.facts(amount: ApprovalFixture.eur("1000.00")), holds: false),
        Case(
            label: "below: one cent less", conditions: .init(amountBelow: "1000.00"),
            facts: ApprovalFixture.facts(amount: ApprovalFixture.eur("999.99")), holds: true),
        Case(
            label: "between, inside", conditions: .init(amountAbove: "10000.00", amountAtMost: "100000.00"),
            facts: ApprovalFixture.facts(amount: ApprovalFixture.eur("100000.00")), holds: true),
        Case(
            label: "threshold finer than the currency: JPY 101 ≥ 100.5", conditions: .init(amountAtLeast: "100.5"),
            facts: ApprovalFixture.facts(amount: jpy("101")), holds: true),
        Case(
            label: "threshold finer than the currency: JPY 100 < 100.5", conditions: .init(amountAtLeast: "100.5"),
            facts: ApprovalFixture.facts(amount: jpy("100")), holds: false),
        Case(
            label: "compared in base currency, not the payment's", conditions: .init(amountAtLeast: "19000.00"),
            facts: ApprovalFixture.facts(amount: usd20000, base: ApprovalFixture.eur("18450.00")), holds: false),
        Case(
            label: "base amount above the threshold", conditions: .init(amountAtLeast: "18000.00"),
            facts: ApprovalFixture.facts(amount: usd20000, base: ApprovalFixture.eur("18450.00")), holds: true),
        // Currency and method
        Case(
            label: "currency listed", conditions: .init(currencies: [.usd]),
            facts: ApprovalFixture.facts(amount: usd20000, base: ApprovalFixture.eur("18450.00")), holds: true),
        Case(
            label: "the base currency does not count as the payment's", conditions: .init(currencies: [.eur]),
            facts: ApprovalFixture.facts(amount: usd20000, base: ApprovalFixture.eur("18450.00")), holds: false),
        Case(
            label: "method listed", conditions: .init(methods: [.sepaInstant, .sepaCreditTransfer]),
            facts: ApprovalFixture.facts(), holds: true),
        Case(
            label: "method not listed", conditions: .init(methods: [.sepaInstant]), facts: ApprovalFixture.facts(),
            holds: false),
        // New vendor
        Case(
            label: "new: never paid", conditions: .init(vendorIsNew: true),
            facts: ApprovalFixture.facts(vendorCreated: "2015-01-01", previousPayments: 0), holds: true),
        Case(
            label: "new: paid before, no window", conditions: .init(vendorIsNew: true),
            facts: ApprovalFixture.facts(vendorCreated: "2026-03-01", previousPayments: 1), holds: false),
        Case(
            label: "new: created exactly 30 days ago, window 30",
            conditions: .init(vendorIsNew: true, newVendorWithinDays: 30),
            facts: ApprovalFixture.facts(vendorCreated: "2026-01-31", previousPayments: 2), holds: true),
        Case(
            label: "new: created 31 days ago, window 30", conditions: .init(vendorIsNew: true, newVendorWithinDays: 30),
            facts: ApprovalFixture.facts(vendorCreated: "2026-01-30", previousPayments: 2), holds: false),
        Case(
            label: "established wanted, and established",
            conditions: .init(vendorIsNew: false, newVendorWithinDays: 30),
            facts: ApprovalFixture.facts(vendorCreated: "2025-01-30", previousPayments: 2), holds: true),
        Case(
            label: "established wanted, but never paid", conditions: .init(vendorIsNew: false),
            facts: ApprovalFixture.facts(previousPayments: 0), holds: false),
        // Risk and country
        Case(
            label: "risk listed", conditions: .init(vendorRiskIn: [.medium, .high]), facts: ApprovalFixture.facts(risk: .high),
            holds: true),
        Case(
            label: "risk not listed", conditions: .init(vendorRiskIn: [.high]), facts: ApprovalFixture.facts(risk: .medium),
            holds: false),
        Case(
            label: "country in", conditions: .init(vendorCountryIn: ["IR", "KP"]), facts: ApprovalFixture.facts(country: "KP"),
            holds: true),
        Case(
            label: "country not in the list", conditions: .init(vendorCountryIn: ["IR", "KP"]),
            facts: ApprovalFixture.facts(country: "DE"), holds: false),
        Case(
            label: "country excluded", conditions: .init(vendorCountryNotIn: ["DE", "AT"]),
            facts: ApprovalFixture.facts(country: "AT"), holds: false),
        Case(
            label: "country not excluded", conditions: .init(vendorCountryNotIn: ["DE", "AT"]),
            facts: ApprovalFixture.facts(country: "FR"), holds: true),
        // Bank details
        Case(
            label: "changed 7 days ago, window 7", conditions: .init(bankAccountChangedWithinDays: 7),
            facts: ApprovalFixture.facts(accountChangedOn: "2026-02-23", paymentsSinceChange: 3), holds: true),
        Case(
            label: "changed 8 days ago, window 7", conditions: .init(bankAccountChangedWithinDays: 7),
            facts: ApprovalFixture.facts(accountChangedOn: "2026-02-22"), holds: false),
        Case(
            label: "never changed, window 7", conditions: .init(bankAccountChangedWithinDays: 7),
            facts: ApprovalFixture.facts(), holds: false),
        Case(
            label: "change dated after today counts as today", conditions: .init(bankAccountChangedWithinDays: 0),
            facts: ApprovalFixture.facts(accountChangedOn: "2026-03-05"), holds: true),
        Case(
            label: "first payment to changed details", conditions: .init(firstPaymentToChangedAccount: true),
            facts: ApprovalFixture.facts(accountChangedOn: "2025-06-01", paymentsSinceChange: 0), holds: true),
        Case(
            label: "changed details already paid once", conditions: .init(firstPaymentToChangedAccount: true),
            facts: ApprovalFixture.facts(accountChangedOn: "2026-03-01", paymentsSinceChange: 1), holds: false),
        Case(
            label: "never-changed details are no first payment", conditions: .init(firstPaymentToChangedAccount: true),
            facts: ApprovalFixture.facts(), holds: false),
        Case(
            label: "not a first payment, as wanted", conditions: .init(firstPaymentToChangedAccount: false),
            facts: ApprovalFixture.facts(), holds: true),
        // All conditions must hold
        Case(
            label: "all of several hold",
            conditions: .init(
                amountAtMost: "1000.00", methods: [.sepaCreditTransfer],
                vendorCountryIn: ["DE"]), facts: ApprovalFixture.facts(), holds: true),
        Case(
            label: "one of several fails",
            conditions: .init(
                amountAtMost: "1000.00", methods: [.sepaCreditTransfer],
                vendorCountryIn: ["AT"]), facts: ApprovalFixture.facts(), holds: false),
    ]

    @Test("each condition, at its boundaries", arguments: cases)
    func condition(_ testCase: Case) {
        let policy = Self.policy(testCase.conditions)
        #expect(policy.problems.isEmpty, "the table's conditions must be valid: \(policy.problems)")
        for explaining in [false, true] {
            let decision = policy.evaluate(facts: testCase.facts, explainingMisses: explaining)
            #expect(decision.ruleID == (testCase.holds ? "rule" : "default"))
            #expect(decision.outcome == (testCase.holds ? .autoApprove : .block(reason: "no rule")))
            if testCase.holds {
                // Every condition given is a reason, and each held.
                #expect(decision.reasons.allSatisfy { $0.held })
                #expect(!decision.reasons.isEmpty)
            } else if explaining {
                #expect(decision.misses.count == 1)
                #expect(decision.misses.first?.failed.isEmpty == false)
                #expect(decision.misses.first?.failed.allSatisfy { !$0.held } == true)
            }
        }
    }

    @Test("a foreign-currency payment is converted with the day's rate before thresholds are compared")
    func convertedFacts() throws {
        let rates = ExchangeRateTable([
            DatedExchangeRate(
                date: ApprovalFixture.day("2026-02-27"), rate: try ExchangeRate(base: .eur, quote: .usd, rate: "1.0842"))
        ])
        let vendor = VendorFacts(
            countryCode: "US", riskRating: .low, createdOn: ApprovalFixture.day("2020-01-01"), previousPaymentCount: 3)
        let facts = try PaymentFacts(
            entityID: ApprovalFixture.germany, amount: try Money(parsing: "10842.01", currency: .usd), baseCurrency: .eur,
            rates: rates, method: .crossBorderWire, vendor: vendor, asOf: ApprovalFixture.day("2026-03-02"))
        // 10842.01 / 1.0842 = 10000.0092…, which rounds to 10000.01 EUR: just above the threshold.
        #expect(facts.amountInBaseCurrency == ApprovalFixture.eur("10000.01"))
        let policy = Self.policy(PolicyConditions(amountAbove: "10000.00"))
        #expect(policy.evaluate(facts: facts).ruleID == "rule")
        #expect(throws: ExchangeRateConversionError.self) {
            try PaymentFacts(
                entityID: ApprovalFixture.germany, amount: try Money(parsing: "1.00", currency: .cny), baseCurrency: .eur,
                rates: rates, method: .crossBorderWire, vendor: vendor, asOf: ApprovalFixture.day("2026-03-02"))
        }
    }

    @Test("the first matching rule wins; the default applies when none matches")
    func firstMatchWins() {
        let policy = ApprovalPolicy(
            id: "p",
            rules: [
                PolicyRule(id: "blocked", when: .init(vendorCountryIn: ["IR"]), then: .block(reason: "sanctions")),
                PolicyRule(id: "small", when: .init(amountAtMost: "1000.00"), then: .autoApprove),
                PolicyRule(id: "small-too", when: .init(amountAtMost: "5000.00"), then: .hold(reason: "never reached")),
            ],
            defaultOutcome: .chain(ApprovalChainSpec(steps: [ApprovalFixture.step(.role(.approver))])))
        #expect(policy.evaluate(facts: ApprovalFixture.facts(country: "IR")).rule == MatchedRule(id: "blocked", index: 0))
        #expect(
            policy.evaluate(facts: ApprovalFixture.facts(amount: ApprovalFixture.eur("900.00"))).rule
                == MatchedRule(id: "small", index: 1))
        #expect(policy.evaluate(facts: ApprovalFixture.facts(amount: ApprovalFixture.eur("4000.00"))).rule?.id == "small-too")
        let fallback = policy.evaluate(facts: ApprovalFixture.facts(amount: ApprovalFixture.eur("9000.00")))
        #expect(fallback.rule == nil)
        #expect(fallback.ruleID == "default")
        #expect(fallback.outcome == policy.defaultOutcome)
        #expect(fallback.explanation.hasPrefix("no rule matched"))
    }

    @Test("a decision says why, in words and as data; a dry run also says why earlier rules did not match")
    func explanations() {
        let policy = ApprovalPolicy(
            id: "p", version: 3,
            rules: [
                PolicyRule(id: "risky", when: .init(vendorRiskIn: [.high]), then: .hold(reason: "risk")),
                PolicyRule(
                    id: "big", when: .init(amountAbove: "10000.00", vendorCountryNotIn: ["DE"]),
                    then: .chain(ApprovalChainSpec(steps: [ApprovalFixture.step(.role(.approver), 2)]))),
            ],
            defaultOutcome: .autoApprove)
        let facts = ApprovalFixture.facts(amount: ApprovalFixture.eur("12500.00"), country: "FR", risk: .medium)
        let decision = policy.evaluate(facts: facts, explainingMisses: true)
        #expect(decision.rule == MatchedRule(id: "big", index: 1))
        #expect(decision.policyVersion == 3)
        #expect(decision.entityID == ApprovalFixture.germany)
        #expect(decision.reasons.map(\.condition) == [.amountAbove, .vendorCountryNotIn])
        #expect(decision.reasons[0].expected == "10000.00")
        #expect(decision.reasons[0].actual == "12500.00 EUR")
        #expect(
            decision.reasons.map(\.explanation) == [
                "amount in base currency 12500.00 EUR is above 10000.00", "vendor country FR is none of DE",
            ])
        #expect(decision.explanation.contains("rules[1] 'big' matched because amount in base currency 12500.00 EUR"))
        #expect(decision.misses.map(\.rule.id) == ["risky"])
        #expect(
            decision.misses[0].explanation == "rules[0] 'risky' did not match: vendor risk medium is not one of high")
        #expect(policy.evaluate(facts: facts).misses.isEmpty, "misses are only gathered when asked for")

        // Decisions are stored with the payment: they encode and decode unchanged.
        let data = try? JSONEncoder().encode(decision)
        #expect(data.flatMap { try? JSONDecoder().decode(PolicyDecision.self, from: $0) } == decision)
    }

    @Test("an unvalidated policy with a broken threshold fails closed, the same way in both modes")
    func failsClosed() {
        let policy = ApprovalPolicy(
            id: "p",
            rules: [
                PolicyRule(
                    id: "broken", when: .init(amountAtLeast: "ten thousand", methods: [.sepaInstant]),
                    then: .chain(ApprovalChainSpec(steps: [ApprovalFixture.step(.role(.treasurer), 2)]))),
                PolicyRule(id: "lax", then: .autoApprove),
            ],
            defaultOutcome: .autoApprove)
        #expect(policy.problems.map(\.code) == ["invalid_amount"])
        for explaining in [false, true] {
            // The other condition holds: the broken one must not let the payment fall through to `lax`.
            let held = policy.evaluate(facts: ApprovalFixture.facts(method: .sepaInstant), explainingMisses: explaining)
            #expect(held.isFailSafe)
            #expect(held.rule?.id == "broken")
            #expect(held.outcome.kind == .hold)
            // The other condition fails: the rule cannot match whatever the threshold, so it is skipped.
            let skipped = policy.evaluate(facts: ApprovalFixture.facts(method: .usACH), explainingMisses: explaining)
            #expect(!skipped.isFailSafe)
            #expect(skipped.rule?.id == "lax")
        }
    }

    @Test("judging with and without explanations always reaches the same decision (random facts)")
    func bothModesAgree() throws {
        let policy = try ApprovalPolicy.read(json: try ApprovalFixture.sample("samples/policies/group-payments.json"))
        let seed: UInt64 = 0x5EED_0001
        var random = SplitMix64(seed: seed)
        for index in 0..<2000 {
            let cents = Int64.random(in: 0...30_000_000, using: &random)
            let changed = Bool.random(using: &random)
            let facts = ApprovalFixture.facts(
                amount: Money(minorUnits: cents, currency: .eur),
                method: PaymentMethod.allCases.randomElement(using: &random)!,
                country: ["DE", "AT", "IR", "US", "CN"].randomElement(using: &random)!,
                risk: RiskRating.allCases.randomElement(using: &random)!,
                vendorCreated: ["2026-03-01", "2026-01-15", "2019-07-01"].randomElement(using: &random)!,
                previousPayments: Int.random(in: 0...3, using: &random),
                accountChangedOn: changed ? "2026-02-20" : nil,
                paymentsSinceChange: Int.random(in: 0...1, using: &random))
            let fast = policy.evaluate(facts: facts)
            let explained = policy.evaluate(facts: facts, explainingMisses: true)
            #expect(fast.outcome == explained.outcome && fast.rule == explained.rule, "seed \(seed), case \(index)")
            // Every rule before the decider was missed for a reason that really fails.
            #expect(
                explained.misses.count == explained.rule?.index ?? policy.rules.count, "seed \(seed), case \(index)")
        }
    }
}
