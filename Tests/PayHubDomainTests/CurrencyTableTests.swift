import Foundation
import Testing

@testable import PayHubDomain

@Suite("ISO 4217 currency table")
struct CurrencyTableTests {
    @Test func codesAreThreeCapitalLettersAndUnique() {
        for currency in Currency.all {
            #expect(currency.code.count == 3, "\(currency.code)")
            #expect(currency.code.allSatisfy { $0.isASCII && $0.isUppercase }, "\(currency.code)")
        }
        #expect(Set(Currency.all.map(\.code)).count == Currency.all.count)
    }

    @Test func numericCodesAreUniqueAndThreeDigit() {
        for currency in Currency.all {
            #expect((1...999).contains(currency.numericCode), "\(currency.code)")
        }
        #expect(Set(Currency.all.map(\.numericCode)).count == Currency.all.count)
    }

    @Test func minorUnitsAreZeroToFour() {
        for currency in Currency.all {
            #expect([0, 2, 3, 4].contains(currency.minorUnits), "\(currency.code)")
        }
    }

    @Test func tableIsSortedAndComplete() {
        let codes = Currency.all.map(\.code)
        #expect(codes == codes.sorted())
        #expect(Currency.all.count >= 150)
    }

    @Test(arguments: [
        ("JPY", 0), ("KRW", 0), ("VND", 0), ("ISK", 0), ("CLP", 0), ("XOF", 0), ("XAF", 0), ("XPF", 0), ("UYI", 0),
        ("CNY", 2), ("EUR", 2), ("USD", 2), ("GBP", 2), ("CHF", 2), ("IDR", 2), ("HUF", 2),
        ("BHD", 3), ("KWD", 3), ("IQD", 3), ("JOD", 3), ("LYD", 3), ("OMR", 3), ("TND", 3),
        ("CLF", 4), ("UYW", 4),
    ])
    func minorUnits(code: String, minorUnits: Int) throws {
        #expect(try Currency(code: code).minorUnits == minorUnits)
    }

    @Test(arguments: [
        ("EUR", 978), ("USD", 840), ("CNY", 156), ("JPY", 392), ("ALL", 8), ("DZD", 12),
        ("SLE", 925), ("VES", 928), ("VED", 926), ("ZWG", 924), ("STN", 930), ("MRU", 929), ("XCG", 532),
    ])
    func numericCodes(code: String, numericCode: Int) throws {
        #expect(try Currency(code: code).numericCode == numericCode)
        #expect(try Currency(numericCode: numericCode).code == code)
    }

    @Test(arguments: [
        "XAU", "XAG", "XPT", "XPD", "XDR", "XSU", "XUA", "XBA", "XBB", "XBC", "XBD", "XTS", "XXX",
        "HRK", "ANG", "SLL", "ZWL", "MRO", "STD", "VEF", "CUC",
    ])
    func excludedCodesAreUnknown(code: String) {
        #expect(throws: CurrencyError.self) { try Currency(code: code) }
    }

    @Test func lookupIsCaseInsensitive() throws {
        #expect(try Currency(code: "eur") == .eur)
        #expect(try Currency(code: "Usd") == .usd)
    }

    @Test func unknownCodeThrowsUnknownCurrency() {
        let error = #expect(throws: CurrencyError.self) { try Currency(code: "ABC") }
        #expect(error?.code == .unknownCurrency)
        #expect(error?.code.rawValue == "unknown_currency")
    }

    @Test func lookupByNumericCode() throws {
        #expect(try Currency(numericCode: 978) == .eur)
        #expect(try Currency(numericCode: 414) == .kwd)
        #expect(throws: CurrencyError.self) { try Currency(numericCode: 999) }
    }

    @Test func namedConstantsMatchTheTable() {
        #expect(Currency.jpy.minorUnits == 0)
        #expect(Currency.cny.minorUnits == 2)
        #expect(Currency.eur.minorUnits == 2)
        #expect(Currency.usd.minorUnits == 2)
        #expect(Currency.bhd.minorUnits == 3)
        #expect(Currency.kwd.minorUnits == 3)
    }

    @Test func codableAsCodeString() throws {
        let data = try JSONEncoder().encode([Currency.eur])
        #expect(String(decoding: data, as: UTF8.self) == #"["EUR"]"#)
        #expect(try JSONDecoder().decode([Currency].self, from: data) == [.eur])
        #expect(throws: (any Error).self) { try JSONDecoder().decode([Currency].self, from: Data(#"["ABC"]"#.utf8)) }
    }
}
