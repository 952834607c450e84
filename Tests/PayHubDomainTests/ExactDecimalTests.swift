import Testing

@testable import PayHubDomain

@Suite("Exact decimals of bank files")
struct ExactDecimalTests {
    @Test("parses exactly and keeps every place", arguments: [
        ("1234.56", Int128(123456), 2), ("-0.12345", -12345, 5), ("+7", 7, 0), ("0.000000000001", 1, 12),
    ])
    func parses(text: String, significand: Int128, scale: Int) throws {
        let value = try #require(ExactDecimal(text))
        #expect(value.significand == significand && value.scale == scale)
    }

    @Test("refuses what is not a plain decimal", arguments: ["", "1,5", "1e3", "1.", "abc", "0.0000000000001", " 1"])
    func refuses(text: String) {
        #expect(ExactDecimal(text) == nil)
    }

    @Test("sums across scales exactly and compares by value")
    func sums() throws {
        let opening = try #require(ExactDecimal("1000.00"))
        let entries = ["-0.12345", "250.5", "-1250.37655"].compactMap { ExactDecimal($0) }
        let closing = entries.reduce(opening) { $0.adding($1)! }
        #expect(closing.isEqual(to: ExactDecimal("0")!))
        #expect(ExactDecimal("1.5")!.isEqual(to: ExactDecimal("1.50000")!))
        #expect(!ExactDecimal("1.5")!.isEqual(to: ExactDecimal("1.05")!))
        // 0.1 + 0.2 is 0.3 here, unlike binary floating point.
        #expect(ExactDecimal("0.1")!.adding(ExactDecimal("0.2")!)!.isEqual(to: ExactDecimal("0.3")!))
    }

    @Test("formats with at least the currency's places, never fewer than written")
    func formats() throws {
        #expect(ExactDecimal("100")!.formatted(minimumScale: 2) == "100.00")
        #expect(ExactDecimal("-0.12345")!.formatted(minimumScale: 2) == "-0.12345")
        #expect(ExactDecimal("5")!.formatted(minimumScale: 0) == "5")
        #expect(ExactDecimal(Money(minorUnits: -1234, currency: .kwd)).formatted() == "-1.234")
        #expect(ExactDecimal("12.5")!.negated().formatted(minimumScale: 2) == "-12.50")
    }
}
