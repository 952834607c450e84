import Testing

@testable import PayHubDomain

@Suite("Money")
struct MoneyTests {
    @Test("parses within the currency's precision", arguments: [
        ("1234.56", Currency.eur, Int64(123456)), ("-0.5", .eur, -50), ("+7", .usd, 700), ("100", .jpy, 100),
        ("1.234", .kwd, 1234), ("0.001", .bhd, 1), ("12.50", .cny, 1250), ("12.500", .eur, 1250),
        ("007.10", .eur, 710),
    ])
    func parses(text: String, currency: Currency, minorUnits: Int64) throws {
        let money = try Money(parsing: text, currency: currency)
        #expect(money.minorUnits == minorUnits)
        #expect(money.currency == currency)
    }

    @Test("refuses malformed text", arguments: ["", "-", "1.", ".5", "1,00", "1 000", "1e3", "12.3.4", "abc", "--1", "١٢"])
    func malformed(text: String) {
        #expect(throws: MoneyError(code: .invalidFormat, currency: .eur)) { try Money(parsing: text, currency: .eur) }
    }

    @Test("more decimals than the currency has is an error without a rounding mode")
    func tooManyDecimals() throws {
        #expect(throws: MoneyError(code: .tooManyDecimals, currency: .eur)) { try Money(parsing: "1.005", currency: .eur) }
        #expect(throws: MoneyError(code: .tooManyDecimals, currency: .jpy)) { try Money(parsing: "1.5", currency: .jpy) }
        #expect(try Money(parsing: "1.005", currency: .eur, rounding: .halfEven).minorUnits == 100)
        #expect(try Money(parsing: "1.015", currency: .eur, rounding: .halfEven).minorUnits == 102)
        #expect(try Money(parsing: "1.005", currency: .eur, rounding: .halfUp).minorUnits == 101)
    }

    @Test("every rounding mode on ties and non-ties, both signs", arguments: [
        // value, halfEven, halfUp, halfDown, up, down, ceiling, floor (in cents)
        ("2.345", [234, 235, 234, 235, 234, 235, 234]),
        ("2.355", [236, 236, 235, 236, 235, 236, 235]),
        ("2.3451", [235, 235, 235, 235, 234, 235, 234]),
        ("-2.345", [-234, -235, -234, -235, -234, -234, -235]),
        ("-2.3449", [-234, -234, -234, -235, -234, -234, -235]),
    ])
    func roundingModes(text: String, expected: [Int64]) throws {
        let modes: [RoundingMode] = [.halfEven, .halfUp, .halfDown, .up, .down, .ceiling, .floor]
        for (mode, cents) in zip(modes, expected) {
            #expect(try Money(parsing: text, currency: .eur, rounding: mode).minorUnits == cents, "\(text) \(mode)")
        }
    }

    @Test("overflow is an error, never a trap")
    func overflow() throws {
        #expect(throws: MoneyError(code: .overflow, currency: .eur)) {
            try Money(parsing: "92233720368547758.08", currency: .eur)
        }
        #expect(throws: MoneyError(code: .overflow, currency: .eur)) {
            try Money(parsing: "1" + String(repeating: "0", count: 40), currency: .eur)
        }
        let largest = Money(minorUnits: .max, currency: .eur)
        #expect(throws: MoneyError(code: .overflow, currency: .eur)) { try largest.adding(Money(minorUnits: 1, currency: .eur)) }
        #expect(throws: MoneyError(code: .overflow, currency: .eur)) { try Money(minorUnits: .min, currency: .eur).negated() }
        #expect(throws: MoneyError(code: .overflow, currency: .eur)) {
            try Money.sum([largest, Money(minorUnits: 1, currency: .eur)], currency: .eur)
        }
    }

    @Test("currencies never mix")
    func currencyMismatch() throws {
        let euros = try Money(parsing: "10.00", currency: .eur)
        let dollars = try Money(parsing: "10.00", currency: .usd)
        #expect(throws: MoneyError(code: .currencyMismatch, currency: .eur, otherCurrency: .usd)) { try euros.adding(dollars) }
        #expect(throws: MoneyError.self) { try euros.subtracting(dollars) }
        #expect(throws: MoneyError.self) { try euros.isLess(than: dollars) }
        #expect(throws: MoneyError.self) { try Money.sum([euros, dollars], currency: .eur) }
    }

    @Test("sums many amounts exactly")
    func sums() throws {
        // 0.10 added ten thousand times is exactly 1000.00, which binary floating point does not manage.
        let dime = try Money(parsing: "0.10", currency: .eur)
        let total = try Money.sum(Array(repeating: dime, count: 10_000), currency: .eur)
        #expect(total.decimalString == "1000.00")
        #expect(try Money.sum([], currency: .cny) == .zero(.cny))
    }

    @Test("decimal strings carry the currency's places", arguments: [
        (Int64(123456), Currency.eur, "1234.56"), (-5, .eur, "-0.05"), (0, .eur, "0.00"), (1500, .jpy, "1500"),
        (1, .kwd, "0.001"), (-1234, .bhd, "-1.234"), (Int64.min, .eur, "-92233720368547758.08"),
    ])
    func decimalString(minor: Int64, currency: Currency, text: String) throws {
        let money = Money(minorUnits: minor, currency: currency)
        #expect(money.decimalString == text)
        #expect(try Money(parsing: text, currency: currency) == money)
    }

    @Test("FX conversion uses the explicit rate and rounding mode")
    func conversion() throws {
        let rate = try ExchangeRate(base: .eur, quote: .cny, rate: "7.8123")
        let amount = try Money(parsing: "100.00", currency: .eur)
        #expect(try amount.converted(at: rate).decimalString == "781.23")
        let odd = try Money(parsing: "0.05", currency: .eur)
        // 0.05 × 7.8123 = 0.390615 → 0.39 (half-even), 0.40 (up)
        #expect(try odd.converted(at: rate, rounding: .halfEven).decimalString == "0.39")
        #expect(try odd.converted(at: rate, rounding: .up).decimalString == "0.40")
        let toYen = try ExchangeRate(base: .usd, quote: .jpy, rate: "151.375")
        #expect(try Money(parsing: "10.01", currency: .usd).converted(at: toYen).decimalString == "1515")
        let toDinar = try ExchangeRate(base: .jpy, quote: .kwd, rate: "0.002")
        #expect(try Money(parsing: "1234", currency: .jpy).converted(at: toDinar).decimalString == "2.468")
        #expect(throws: MoneyError.self) { try Money(parsing: "1", currency: .usd).converted(at: rate) }
        #expect(throws: ExchangeRateError(code: .notPositive)) { try ExchangeRate(base: .eur, quote: .usd, rate: "0") }
        #expect(throws: ExchangeRateError(code: .invalidRate)) { try ExchangeRate(base: .eur, quote: .usd, rate: "1,1") }
        #expect(throws: MoneyError.self) {
            try Money(minorUnits: .max, currency: .eur).converted(at: ExchangeRate(base: .eur, quote: .cny, rate: "7.8"))
        }
    }

    @Test("round-trips through JSON as a decimal string beside its currency")
    func codable() throws {
        let money = try Money(parsing: "1234.50", currency: .cny)
        let data = try JSONEncoder().encode(money)
        #expect(String(decoding: data, as: UTF8.self).contains(#""amount":"1234.50""#))
        #expect(try JSONDecoder().decode(Money.self, from: data) == money)
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(Money.self, from: Data(#"{"amount":"1.234","currency":"EUR"}"#.utf8))
        }
    }
}

import Foundation
