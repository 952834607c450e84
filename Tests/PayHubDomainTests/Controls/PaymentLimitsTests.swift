import Foundation
import Testing

@testable import PayHubDomain

@Suite("Payment limits")
struct PaymentLimitsTests {
    static let entity = ControlFixture.entity(1)
    static let otherEntity = ControlFixture.entity(2)
    static let vendor = ControlFixture.vendor(1)
    static let otherVendor = ControlFixture.vendor(2)

    static let entityScope = PaymentLimitScope(entityID: entity)
    static let vendorScope = PaymentLimitScope(entityID: entity, vendorID: vendor)
    static let dollarScope = PaymentLimitScope(entityID: entity, paymentCurrency: .usd)

    /// The German entity (EUR books): 100,000 per payment and 250,000 a day overall; one vendor at most
    /// 20,000 per payment and 50,000 a day; payments made in dollars at most 30,000 (in EUR) a day.
    static func limits() throws -> PaymentLimits {
        try PaymentLimits([
            PaymentLimit(
                scope: entityScope, singlePaymentMax: ControlFixture.money("100000.00"),
                dailyTotalMax: ControlFixture.money("250000.00")),
            PaymentLimit(
                scope: vendorScope, singlePaymentMax: ControlFixture.money("20000.00"),
                dailyTotalMax: ControlFixture.money("50000.00")),
            PaymentLimit(scope: dollarScope, dailyTotalMax: ControlFixture.money("30000.00")),
        ])
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var vendor: ID<Vendor>
        var currency: Currency
        var amount: String
        /// Committed today, in EUR: the entity, the vendor, the entity's dollar payments.
        var committed: (entity: String, vendor: String, dollars: String)
        /// (scope, kind, limit, used, excess)
        var expected: [(PaymentLimitScope, LimitExcess.Kind, String, String, String)]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "exactly at every maximum is allowed", vendor: otherVendor, currency: .eur, amount: "100000.00",
            committed: ("150000.00", "0.00", "0.00"), expected: []),
        Case(
            name: "one cent over the entity's single-payment maximum", vendor: otherVendor, currency: .eur,
            amount: "100000.01", committed: ("0.00", "0.00", "0.00"),
            expected: [(entityScope, .singlePayment, "100000.00", "0.00", "0.01")]),
        Case(
            name: "the vendor's own, lower single-payment maximum", vendor: vendor, currency: .eur, amount: "20000.01",
            committed: ("0.00", "0.00", "0.00"), expected: [(vendorScope, .singlePayment, "20000.00", "0.00", "0.01")]),
        Case(
            name: "another vendor is not held to that vendor's limit", vendor: otherVendor, currency: .eur,
            amount: "20000.01", committed: ("0.00", "50000.00", "0.00"), expected: []),
        Case(
            name: "the vendor's daily total", vendor: vendor, currency: .eur, amount: "10000.00",
            committed: ("45000.00", "45000.00", "0.00"),
            expected: [(vendorScope, .dailyTotal, "50000.00", "45000.00", "5000.00")]),
        Case(
            name: "a dollar payment counts against the entity's day and its dollar day", vendor: vendor, currency: .usd,
            amount: "10000.00", committed: ("245000.00", "0.00", "25000.00"),
            expected: [
                (entityScope, .dailyTotal, "250000.00", "245000.00", "5000.00"),
                (dollarScope, .dailyTotal, "30000.00", "25000.00", "5000.00"),
            ]),
        Case(
            name: "a euro payment is not counted against the dollar day", vendor: otherVendor, currency: .eur,
            amount: "10000.00", committed: ("0.00", "0.00", "30000.00"), expected: []),
        Case(
            name: "everything at once, in the order the limits were given", vendor: vendor, currency: .usd,
            amount: "120000.00", committed: ("200000.00", "1.00", "0.00"),
            expected: [
                (entityScope, .singlePayment, "100000.00", "0.00", "20000.00"),
                (entityScope, .dailyTotal, "250000.00", "200000.00", "70000.00"),
                (vendorScope, .singlePayment, "20000.00", "0.00", "100000.00"),
                (vendorScope, .dailyTotal, "50000.00", "1.00", "70001.00"),
                (dollarScope, .dailyTotal, "30000.00", "0.00", "90000.00"),
            ]),
    ]

    @Test("which limits a payment would break, with the limit, what was used and the excess", arguments: cases)
    func exceeded(_ example: Case) throws {
        let payment = LimitedPayment(
            entityID: Self.entity, vendorID: example.vendor, paymentCurrency: example.currency,
            baseAmount: ControlFixture.money(example.amount))
        let committed: [PaymentLimitScope: Money] = [
            Self.entityScope: ControlFixture.money(example.committed.entity),
            Self.vendorScope: ControlFixture.money(example.committed.vendor),
            Self.dollarScope: ControlFixture.money(example.committed.dollars),
        ]
        let excesses = try Self.limits().exceeded(by: payment, committedToday: committed)
        let expected = example.expected.map { scope, kind, limit, used, excess in
            LimitExcess(
                scope: scope, kind: kind, limit: ControlFixture.money(limit), used: ControlFixture.money(used),
                requested: ControlFixture.money(example.amount), excess: ControlFixture.money(excess))
        }
        #expect(excesses == expected)
    }

    @Test("only the scopes that count the payment need a committed total")
    func dailyScopes() throws {
        let limits = try Self.limits()
        let euroToOther = LimitedPayment(
            entityID: Self.entity, vendorID: Self.otherVendor, paymentCurrency: .eur, baseAmount: ControlFixture.money("1.00"))
        #expect(limits.dailyScopes(applyingTo: euroToOther) == [Self.entityScope])
        let dollarsToVendor = LimitedPayment(
            entityID: Self.entity, vendorID: Self.vendor, paymentCurrency: .usd, baseAmount: ControlFixture.money("1.00"))
        #expect(
            limits.dailyScopes(applyingTo: dollarsToVendor) == [Self.entityScope, Self.vendorScope, Self.dollarScope])
        let elsewhere = LimitedPayment(
            entityID: Self.otherEntity, vendorID: Self.otherVendor, paymentCurrency: .eur,
            baseAmount: ControlFixture.money("999999999.00"))
        #expect(limits.dailyScopes(applyingTo: elsewhere).isEmpty)
        #expect(try limits.exceeded(by: elsewhere, committedToday: [:]).isEmpty)
    }

    @Test(
        "inputs that cannot be checked are errors with a path and a code, never a pass",
        arguments: [
            (
                "1.00", Currency.eur, [entityScope: "0.00"], "committed_today[ent_e1/ven_v2/*]",
                "missing_committed_total"
            ),
            ("0.00", .eur, [:], "base_amount", "amount_not_positive"),
            ("-5.00", .eur, [:], "base_amount", "amount_not_positive"),
            ("1.00", .usd, [:], "base_amount", "currency_mismatch"),
        ])
    func inputErrors(
        amount: String, currency: Currency, committed: [PaymentLimitScope: String], path: String, code: String
    ) throws {
        let limits = try PaymentLimits([
            PaymentLimit(scope: Self.entityScope, dailyTotalMax: ControlFixture.money("10.00")),
            PaymentLimit(
                scope: PaymentLimitScope(entityID: Self.entity, vendorID: Self.otherVendor),
                dailyTotalMax: ControlFixture.money("5.00")),
        ])
        let payment = LimitedPayment(
            entityID: Self.entity, vendorID: Self.otherVendor, paymentCurrency: currency,
            baseAmount: ControlFixture.money(amount, currency))
        let totals = committed.mapValues { ControlFixture.money($0) }
        #expect {
            _ = try limits.exceeded(by: payment, committedToday: totals)
        } throws: { error in
            (error as? FieldError).map { $0.path == path && $0.code == code } ?? false
        }
    }

    @Test("committed totals must be non-negative, in the base currency, and sums must not overflow")
    func committedTotalErrors() throws {
        let limits = try PaymentLimits([PaymentLimit(scope: Self.entityScope, dailyTotalMax: ControlFixture.money("10.00"))])
        let payment = LimitedPayment(
            entityID: Self.entity, vendorID: Self.vendor, paymentCurrency: .eur, baseAmount: ControlFixture.money("1.00"))
        let cases: [(Money, String)] = [
            (ControlFixture.money("-1.00"), "negative_committed_total"), (ControlFixture.money("1.00", .usd), "currency_mismatch"),
            (Money(minorUnits: .max, currency: .eur), "amount_out_of_range"),
        ]
        for (committed, code) in cases {
            #expect {
                _ = try limits.exceeded(by: payment, committedToday: [Self.entityScope: committed])
            } throws: { error in
                (error as? FieldError)?.code == code
            }
        }
    }

    @Test("a set of limits is checked as a whole")
    func validation() throws {
        #expect(throws: ValidationFailure.self) { try PaymentLimit(scope: Self.entityScope) }
        #expect(throws: ValidationFailure.self) {
            try PaymentLimit(scope: Self.entityScope, singlePaymentMax: ControlFixture.money("-1.00"))
        }
        #expect(throws: ValidationFailure.self) {
            try PaymentLimit(
                scope: Self.entityScope, singlePaymentMax: ControlFixture.money("1.00"),
                dailyTotalMax: ControlFixture.money("1.00", .usd))
        }
        let zero = try PaymentLimit(scope: Self.vendorScope, singlePaymentMax: ControlFixture.money("0.00"))
        #expect(zero.currency == .eur)
        do {
            _ = try PaymentLimits([
                PaymentLimit(scope: Self.entityScope, singlePaymentMax: ControlFixture.money("1.00")),
                PaymentLimit(scope: Self.entityScope, dailyTotalMax: ControlFixture.money("5.00")),
                PaymentLimit(scope: Self.vendorScope, dailyTotalMax: ControlFixture.money("5.00", .usd)),
            ])
            Issue.record("expected a validation failure")
        } catch {
            #expect(error.errors.map(\.path) == ["limits[1]", "limits[2]"])
            #expect(error.errors.map(\.code) == ["duplicate_scope", "currency_mismatch"])
        }
    }

    @Test("limits are JSON with snake_case keys, amounts as decimal strings")
    func codable() throws {
        let limits = try Self.limits()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(limits)
        let json = String(decoding: data, as: UTF8.self)
        #expect(
            json.hasPrefix(
                #"{"limits":[{"daily_total_max":{"amount":"250000.00","currency":"EUR"},"entity_id":"ent_e1","#
                    + #""single_payment_max":{"amount":"100000.00","currency":"EUR"}},"#))
        #expect(
            json.contains(
                #"{"daily_total_max":{"amount":"30000.00","currency":"EUR"},"#
                    + #""entity_id":"ent_e1","payment_currency":"USD"}"#
            ))
        #expect(try JSONDecoder().decode(PaymentLimits.self, from: data) == limits)
        let invalid = #"{"limits":[{"entity_id":"ent_e1"}]}"#
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(PaymentLimits.self, from: Data(invalid.utf8)) }
        let excess = LimitExcess(
            scope: Self.vendorScope, kind: .dailyTotal, limit: ControlFixture.money("5.00"), used: ControlFixture.money("4.00"),
            requested: ControlFixture.money("2.00"), excess: ControlFixture.money("1.00"))
        let excessJSON = String(decoding: try encoder.encode(excess), as: UTF8.self)
        #expect(excessJSON.contains(#""kind":"daily_total""#) && excessJSON.contains(#""vendor_id":"ven_v1""#))
        #expect(try JSONDecoder().decode(LimitExcess.self, from: Data(excessJSON.utf8)) == excess)
    }
}
