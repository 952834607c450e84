import Foundation
import Testing

@testable import PayHubDomain

private func day(_ text: String) -> LocalDate { try! LocalDate(iso8601: text) }
private func eur(_ text: String) -> Money { try! Money(parsing: text, currency: .eur) }

@Suite("Exchange-rate table and rate files")
struct ExchangeRateTableTests {
    static func rate(_ base: Currency, _ quote: Currency, _ text: String, on date: String) -> DatedExchangeRate {
        DatedExchangeRate(date: day(date), rate: try! ExchangeRate(base: base, quote: quote, rate: text))
    }

    let table = ExchangeRateTable([
        rate(.eur, .usd, "1.0800", on: "2026-03-02"),
        rate(.eur, .usd, "1.0842", on: "2026-03-04"),
        rate(.eur, .cny, "7.8123", on: "2026-03-02"),
        rate(.usd, .jpy, "150.25", on: "2026-03-02"),
    ])

    @Test("the latest rate on or before the day; none before the first")
    func latestOnOrBefore() throws {
        #expect(try table.rate(from: .eur, to: .usd, on: day("2026-03-03")).decimalString == "1.0800")
        #expect(try table.rate(from: .eur, to: .usd, on: day("2026-03-04")).decimalString == "1.0842")
        #expect(try table.rate(from: .eur, to: .usd, on: day("2026-12-31")).decimalString == "1.0842")
        let lookup = try table.lookUp(from: .eur, to: .usd, on: day("2026-03-03"))
        #expect(lookup.publishedOn == day("2026-03-02"))
        #expect(!lookup.isInverse)
        #expect(
            throws: ExchangeRateLookupError(code: .missingRate, from: .eur, to: .usd, date: day("2026-03-01"))
        ) {
            try table.rate(from: .eur, to: .usd, on: day("2026-03-01"))
        }
    }

    @Test("the inverse when only the opposite direction is published, exact where it ends")
    func inverse() throws {
        let table = ExchangeRateTable([Self.rate(.eur, .usd, "1.25", on: "2026-03-02")])
        let lookup = try table.lookUp(from: .usd, to: .eur, on: day("2026-03-05"))
        #expect(lookup.isInverse)
        #expect(lookup.rate.base == .usd && lookup.rate.quote == .eur)
        #expect(lookup.rate.decimalString == "0.8")
        #expect(
            try table.convert(try Money(parsing: "100.00", currency: .usd), to: .eur, on: day("2026-03-05"))
                == eur("80.00"))
    }

    @Test("identity for one currency, even with an empty table; missing pairs are errors")
    func identityAndMissing() throws {
        let empty = ExchangeRateTable()
        #expect(
            try empty.convert(eur("12.34"), to: .eur, on: day("2000-01-01")) == eur("12.34"))
        #expect(try empty.lookUp(from: .cny, to: .cny, on: day("2026-01-01")).publishedOn == nil)
        // No triangulation: EUR→USD and USD→JPY do not give EUR→JPY.
        do {
            _ = try table.convert(eur("1.00"), to: .jpy, on: day("2026-03-05"))
            Issue.record("a rate was made up")
        } catch {
            #expect(error.code == "missing_exchange_rate")
            #expect(error.description == "no EUR→JPY exchange rate on or before 2026-03-05")
        }
    }

    @Test("a fresher inverse beats a stale direct rate; on the same day the published direct rate wins")
    func directOrInverse() throws {
        var table = ExchangeRateTable([
            Self.rate(.eur, .usd, "1.10", on: "2026-03-02"),
            Self.rate(.usd, .eur, "0.80", on: "2026-03-05"),
        ])
        #expect(try table.rate(from: .eur, to: .usd, on: day("2026-03-04")).decimalString == "1.10")
        #expect(try table.rate(from: .eur, to: .usd, on: day("2026-03-06")).decimalString == "1.25")
        table.insert(Self.rate(.eur, .usd, "1.20", on: "2026-03-05"))
        #expect(try table.rate(from: .eur, to: .usd, on: day("2026-03-06")).decimalString == "1.20")
        // A second rate for the same day replaces the first.
        table.insert(Self.rate(.eur, .usd, "1.21", on: "2026-03-05"))
        #expect(try table.rate(from: .eur, to: .usd, on: day("2026-03-05")).decimalString == "1.21")
        #expect(table.count == 3)
    }

    @Test(
        "conversion rounds half-even, once",
        arguments: [
            ("0.05", "0"), ("0.15", "2"), ("0.25", "2"), ("0.35", "4"), ("0.04", "0"), ("0.06", "1"),
        ])
    func halfEven(amount: String, yen: String) throws {
        let table = ExchangeRateTable([Self.rate(.eur, .jpy, "10", on: "2026-01-01")])
        #expect(
            try table.convert(eur(amount), to: .jpy, on: day("2026-01-02"))
                == Money(parsing: yen, currency: .jpy))
    }

    /// The inverse is rounded to 18 significant digits; converting with it must agree with dividing
    /// exactly by the published rate to within one minor unit, and nearly always exactly.
    @Test("converting through an inverse rate agrees with exact division (random amounts and rates)")
    func inverseMatchesExactDivision() throws {
        let seed: UInt64 = 0xF0_0D
        var random = SplitMix64(seed: seed)
        var exactMatches = 0
        let iterations = 3000
        for index in 0..<iterations {
            let scale = Int.random(in: 0...8, using: &random)
            let significand = Int128(Int64.random(in: 1...99_999_999_999, using: &random))
            let rateText = decimalString(significand: significand, scale: scale)
            let cents = Int64.random(in: -1_000_000_000_000...1_000_000_000_000, using: &random)
            let table = ExchangeRateTable([
                DatedExchangeRate(
                    date: day("2026-01-01"), rate: try ExchangeRate(base: .usd, quote: .eur, rate: rateText))
            ])
            let converted: Money
            do {
                converted = try table.convert(
                    Money(minorUnits: cents, currency: .eur), to: .usd, on: day("2026-01-01"))
            } catch {
                // Only an amount too large for Money may fail; check that it really is.
                #expect(error.code == "amount_out_of_range", "seed \(seed), case \(index): \(error)")
                continue
            }
            // EUR cents → USD cents = cents / rate = cents × 10^scale / significand, rounded half-even.
            let exact = RoundingMode.halfEven.divide(Int128(cents) * powerOfTen(scale), by: significand)
            let difference = (Int128(converted.minorUnits) - exact).magnitude
            #expect(
                difference <= 1,
                "seed \(seed), case \(index): \(cents) at \(rateText) gave \(converted), exact \(exact)")
            if difference == 0 { exactMatches += 1 }
        }
        #expect(exactMatches >= iterations * 99 / 100, "seed \(seed): only \(exactMatches) of \(iterations) exact")
    }

    // MARK: - CSV

    @Test("a rate file reads with its header in any order, extra columns, CRLF, a BOM, quotes and blank lines")
    func readsFile() throws {
        let text =
            "\u{FEFF}Rate,Date,Source,Base,Quote\r\n1.0842,2026-03-02,ECB,EUR,USD\r\n\r\n\"7.8123\",2026-03-02,\"ECB, daily\",eur,CNY\r\n"
        let rates = try ExchangeRateCSV.read(text)
        #expect(rates.count == 2)
        #expect(rates[0].date == day("2026-03-02"))
        #expect(rates[0].rate.base == .eur && rates[0].rate.quote == .usd && rates[0].rate.decimalString == "1.0842")
        #expect(rates[1].rate.quote == .cny && rates[1].rate.decimalString == "7.8123")
        let table = try ExchangeRateCSV.readTable(text)
        #expect(
            try table.convert(eur("100.00"), to: .usd, on: day("2026-03-03"))
                == Money(parsing: "108.42", currency: .usd))
        #expect(try ExchangeRateCSV.read("date,base,quote,rate\n").isEmpty)
    }

    struct BadFile: CustomTestStringConvertible, Sendable {
        let label: String
        let text: String
        /// `line:column:code`, column 0 when the problem is not in one field.
        let expected: [String]
        var testDescription: String { label }
    }

    static let badFiles: [BadFile] = [
        BadFile(
            label: "bad date", text: "date,base,quote,rate\n2026-03-02,EUR,USD,1.08\n2026-02-30,EUR,USD,1.08\n",
            expected: ["3:1:invalid_date"]),
        BadFile(
            label: "unknown currency", text: "date,base,quote,rate\n2026-03-02,EUR,XYZ,1.08\n",
            expected: ["2:3:unknown_currency"]),
        BadFile(
            label: "negative rate", text: "date,base,quote,rate\n2026-03-02,EUR,USD,-1.08\n",
            expected: ["2:4:rate_not_positive"]),
        BadFile(
            label: "zero rate", text: "date,base,quote,rate\n2026-03-02,EUR,USD,0.0\n",
            expected: ["2:4:rate_not_positive"]),
        BadFile(
            label: "rate with a comma decimal", text: "date,base,quote,rate\n2026-03-02,EUR,USD,\"1,08\"\n",
            expected: ["2:4:invalid_rate"]),
        BadFile(
            label: "too many places", text: "date,base,quote,rate\n2026-03-02,EUR,USD,1.0000000000001\n",
            expected: ["2:4:rate_too_many_decimals"]),
        BadFile(
            label: "same currency", text: "date,base,quote,rate\n2026-03-02,EUR,EUR,1\n",
            expected: ["2:3:same_currency"]),
        BadFile(
            label: "missing field", text: "date,base,quote,rate\n2026-03-02,EUR,1.08\n",
            expected: ["2:0:wrong_field_count"]),
        BadFile(
            label: "missing column", text: "date,base,quote,price\n2026-03-02,EUR,USD,1.08\n",
            expected: ["1:0:missing_column"]),
        BadFile(label: "column twice", text: "date,base,quote,rate,rate\n", expected: ["1:5:duplicate_column"]),
        BadFile(
            label: "unclosed quote", text: "date,base,quote,rate\n2026-03-02,EUR,USD,\"1.08\n",
            expected: ["2:0:unterminated_quote"]),
        BadFile(label: "empty file", text: "\n  \n", expected: ["1:0:missing_header"]),
        BadFile(
            label: "duplicate day and pair",
            text: "date,base,quote,rate\n2026-03-02,EUR,USD,1.08\n2026-03-02,EUR,CNY,7.8\n2026-03-02,eur,usd,1.09\n",
            expected: ["4:0:duplicate_rate"]),
        BadFile(
            label: "several problems, all reported",
            text: "date,base,quote,rate\n2026-3-2,EUR,USD,1.08\n2026-03-02,EUR,USD,abc\n2026-03-02,EUR,ZZZ,1\n",
            expected: ["2:1:invalid_date", "3:4:invalid_rate", "4:3:unknown_currency"]),
    ]

    @Test("problems in a rate file name their line and column", arguments: badFiles)
    func badFile(_ file: BadFile) {
        do {
            _ = try ExchangeRateCSV.read(file.text)
            Issue.record("a bad rate file was read")
        } catch {
            #expect(error.errors.map { "\($0.line):\($0.column ?? 0):\($0.code.rawValue)" } == file.expected)
        }
    }

    @Test("descriptions say where, and the first line of a duplicate")
    func descriptions() {
        #expect(throws: ExchangeRateCSVFailure.self) {
            try ExchangeRateCSV.read("date,base,quote,rate\n2026-03-02,EUR,USD,x\n")
        }
        do {
            _ = try ExchangeRateCSV.read(
                "date,base,quote,rate\n2026-03-02,EUR,USD,x\n2026-03-02,EUR,CNY,7\n2026-03-02,EUR,CNY,7\n")
            Issue.record("a bad rate file was read")
        } catch {
            #expect(
                error.errors.map(\.description) == [
                    "line 2, column 4 (rate): exchange rate must be a decimal number such as 7.8123",
                    "line 4: a rate for this day and pair was already given on line 3",
                ])
        }
        do {
            _ = try ExchangeRateCSV.read("date,base,rate\n")
            Issue.record("a bad rate file was read")
        } catch {
            #expect(error.description == "line 1 (quote): the header has no 'quote' column")
        }
    }

    @Test("reporting stops at a hundred problems")
    func errorCap() {
        let text = "date,base,quote,rate\n" + String(repeating: "bad,EUR,USD,1\n", count: 500)
        do {
            _ = try ExchangeRateCSV.read(text)
            Issue.record("a bad rate file was read")
        } catch {
            #expect(error.errors.count == ExchangeRateCSV.errorsMax)
        }
    }
}
