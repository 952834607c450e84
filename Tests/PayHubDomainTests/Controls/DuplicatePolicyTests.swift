import Foundation
import Testing

@testable import PayHubDomain

@Suite("Duplicate policy")
struct DuplicatePolicyTests {
    // MARK: Vendor identity

    @Test("tax ids and account numbers compare without spacing, punctuation, case or width")
    func vendorKeysNormalised() {
        let first = VendorIdentity(
            vendorID: ControlFixture.vendor(1), taxID: "de 123.456.789", accountNumbers: ["DE89 3704 0044 0532 0130 00"])
        let byTax = VendorIdentity(vendorID: ControlFixture.vendor(2), taxID: "ＤＥ１２３４５６７８９")
        let byAccount = VendorIdentity(vendorID: ControlFixture.vendor(3), accountNumbers: ["de89370400440532013000"])
        let unrelated = VendorIdentity(
            vendorID: ControlFixture.vendor(4), taxID: "DE987654321", accountNumbers: ["123-456-789"])
        #expect(first.taxID == "DE123456789")
        #expect(first.sharedKeys(with: byTax) == [.taxID])
        #expect(first.sharedKeys(with: byAccount) == [.accountNumber])
        #expect(first.sharedKeys(with: unrelated).isEmpty)
        #expect(first.sharedKeys(with: first) == [.vendorID, .taxID, .accountNumber])
    }

    @Test(
        "placeholders are not keys", arguments: ["N/A", "0", "-", "000000000", "XXXXXXXX", "1234", "  ", "9 9 9 9 9 9"])
    func placeholders(text: String) {
        let identity = VendorIdentity(vendorID: ControlFixture.vendor(1), taxID: text, accountNumbers: [text])
        #expect(identity.taxID == nil)
        #expect(identity.accountNumbers.isEmpty)
        let other = VendorIdentity(vendorID: ControlFixture.vendor(2), taxID: text, accountNumbers: [text])
        #expect(identity.sharedKeys(with: other).isEmpty)
    }

    @Test("an identity from a vendor and its accounts")
    func identityFromVendor() throws {
        let vendor = try Vendor(
            id: ControlFixture.vendor(9), entityID: ControlFixture.entity(1), name: "Lieferant AG", countryCode: "DE",
            taxID: TaxID("DE 811 907 980", countryCode: "DE"), createdAt: Date(timeIntervalSince1970: 0))
        let account = try BankAccount(
            id: ID("bac_a1"), holder: .vendor(vendor.id), entityID: ControlFixture.entity(1),
            accountNumber: .iban(IBAN("DE89370400440532013000")), currency: .eur, holderName: "Lieferant",
            createdAt: Date(timeIntervalSince1970: 0))
        let identity = VendorIdentity(vendor: vendor, accounts: [account])
        #expect(identity.vendorID == vendor.id)
        #expect(identity.taxID == "DE811907980")
        #expect(identity.accountNumbers == ["DE89370400440532013000"])
    }

    @Test("account numbers never appear in descriptions")
    func descriptionsMaskAccounts() {
        let identity = VendorIdentity(vendorID: ControlFixture.vendor(1), accountNumbers: ["DE89370400440532013000"])
        let candidate = ControlFixture.candidate(1, vendor: identity)
        for text in ["\(identity)", String(reflecting: identity), "\(candidate)", String(reflecting: candidate)] {
            #expect(!text.contains("370400440532"), "\(text)")
        }
        #expect("\(identity)".contains("****3000"))
    }

    // MARK: Stages

    @Test(
        "a candidate's stage follows its payment while the payment carries it",
        arguments: [
            (PayableState.open, PaymentState?.none, DuplicateCandidate.Stage?.some(.open)),
            (.inPayment, .draft, .inPayment), (.inPayment, .pendingApproval, .inPayment),
            (.inPayment, .onHold, .inPayment),
            (.inPayment, .scheduled, .inPayment), (.inPayment, .sent, .sent), (.inPayment, .accepted, .sent),
            (.inPayment, .unknown, .sent), (.inPayment, .settled, .settled), (.paid, .settled, .settled),
            (.paid, nil, .settled), (.open, .rejected, .open), (.open, .failed, .open), (.open, .returned, .open),
            (.inPayment, .cancelled, .inPayment), (.cancelled, nil, nil), (.cancelled, .cancelled, nil),
        ])
    func stages(payable: PayableState, payment: PaymentState?, expected: DuplicateCandidate.Stage?) {
        #expect(DuplicateCandidate.Stage(payable: payable, payment: payment) == expected)
    }

    @Test("already sent means with the bank", arguments: DuplicateCandidate.Stage.allCases)
    func withBank(stage: DuplicateCandidate.Stage) {
        #expect(stage.isWithBank == [.sent, .settled].contains(stage))
    }

    // MARK: Amount tolerance

    @Test(
        "amounts within tolerance: the larger of the absolute and the relative tolerance",
        arguments: [
            // absolute minor units, basis points, first, second, within
            (Int64(100), 0, Int64(10_000), Int64(10_100), true), (100, 0, 10_000, 10_101, false),
            (100, 0, 10_100, 10_000, true), (0, 50, 100_000, 100_500, true), (0, 50, 100_000, 100_503, false),
            (0, 50, 100_000, 99_500, true), (0, 50, 100_000, 99_499, false), (100, 50, 1_000, 1_100, true),
            (100, 50, 1_000, 1_101, false), (0, 0, 5, 5, true), (0, 0, 5, 6, false), (100, 0, -50, 50, false),
            (0, 50, -100_000, -100_500, true), (0, 50, -100_000, -100_503, false), (100, 0, 0, 100, true),
            (0, 5_000, .max, .min, false), (Int64.max, 0, .max, 0, true), (0, 5_000, .max, .max / 2 + 1, true),
        ])
    func tolerance(absolute: Int64, basisPoints: Int, first: Int64, second: Int64, within: Bool) throws {
        let policy = try DuplicatePolicy(amountToleranceMinorUnits: absolute, amountToleranceBasisPoints: basisPoints)
        let a = Money(minorUnits: first, currency: .eur)
        let b = Money(minorUnits: second, currency: .eur)
        #expect(policy.isWithinTolerance(a, b) == within)
        #expect(policy.isWithinTolerance(b, a) == within)
    }

    @Test("different currencies are never within tolerance")
    func toleranceCurrency() {
        let policy = DuplicatePolicy.standard
        #expect(!policy.isWithinTolerance(ControlFixture.money("100.00", .eur), ControlFixture.money("100.00", .usd)))
    }

    @Test("the tolerance range holds every amount within tolerance, and the next ones outside")
    func toleranceRange() throws {
        let seed: UInt64 = 0x7A9E
        var random = SplitMix64(seed: seed)
        for iteration in 0..<3_000 {
            let policy = try DuplicatePolicy(
                amountToleranceMinorUnits: Int64.random(in: 0...10_000, using: &random),
                amountToleranceBasisPoints: Int.random(in: 0...5_000, using: &random))
            let magnitude = UInt64.random(in: 0...(1 << UInt64.random(in: 1...62, using: &random)), using: &random)
            let range = policy.toleranceRange(around: magnitude)
            let amount = Money(minorUnits: Int64(magnitude), currency: .eur)
            let context: Comment = "seed \(seed) iteration \(iteration): \(magnitude) under \(policy)"
            var holds = [range.lowerBound, range.upperBound].allSatisfy { edge in
                policy.isWithinTolerance(amount, Money(minorUnits: Int64(edge), currency: .eur))
            }
            if range.lowerBound > 0 {
                holds =
                    holds
                    && !policy.isWithinTolerance(amount, Money(minorUnits: Int64(range.lowerBound - 1), currency: .eur))
            }
            if range.upperBound < UInt64(Int64.max) {
                holds =
                    holds
                    && !policy.isWithinTolerance(amount, Money(minorUnits: Int64(range.upperBound + 1), currency: .eur))
            }
            #expect(holds, context)
            if !holds { break }
        }
    }

    // MARK: Strength

    static func match(
        vendor: [VendorKeyKind] = [.vendorID], number: DuplicateMatch.InvoiceNumberComparison = .normalised,
        amount: DuplicateMatch.AmountComparison = .withinTolerance, date: DuplicateMatch.DateComparison = .withinWindow
    ) -> DuplicateMatch {
        DuplicateMatch(
            vendorKeys: vendor, invoiceNumber: number, invoiceNumberEditDistance: number == .similar ? 1 : nil,
            amount: amount, amountDifference: nil, invoiceDate: date, invoiceDateDifferenceDays: 0, sameEntity: true)
    }

    @Test(
        "strength from what matched",
        arguments: [
            (match(number: .identical, amount: .equal, date: .sameDay), DuplicateStrength?.some(.exact)),
            (match(number: .normalised, amount: .equal, date: .sameDay), .exact),
            (match(vendor: [.taxID], number: .normalised, amount: .equal, date: .sameDay), .exact),
            (match(number: .identical, amount: .equal, date: .withinWindow), .strong),
            (match(number: .normalised, amount: .withinTolerance, date: .sameDay), .strong),
            (match(vendor: [.accountNumber]), .strong),
            (match(number: .similar, amount: .equal, date: .sameDay), .weak),
            (match(number: .similar, amount: .outsideTolerance), nil),
            (match(number: .similar, date: .outsideWindow), nil),
            (match(amount: .outsideTolerance), .weak),
            (match(date: .outsideWindow), .weak),
            (match(amount: .differentCurrency), .weak),
            (match(amount: .outsideTolerance, date: .outsideWindow), nil),
            (match(amount: .differentCurrency, date: .outsideWindow), nil),
            (match(vendor: [], number: .identical, amount: .equal, date: .sameDay), .weak),
            (match(vendor: []), .weak),
            (match(vendor: [], amount: .outsideTolerance), nil),
            (match(vendor: [], number: .similar), nil),
            (match(number: .different, amount: .equal, date: .sameDay), nil),
        ])
    func strength(match: DuplicateMatch, expected: DuplicateStrength?) {
        #expect(DuplicatePolicy.standard.strength(of: match) == expected)
    }

    @Test("weak rules can be switched off, one by one")
    func weakRulesOff() throws {
        let none = try DuplicatePolicy(weakRules: [])
        for match in [Self.match(number: .similar), Self.match(amount: .outsideTolerance), Self.match(vendor: [])] {
            #expect(none.strength(of: match) == nil)
            #expect(DuplicatePolicy.standard.strength(of: match) == .weak)
        }
        #expect(none.strength(of: Self.match()) == .strong)
        let typosOnly = try DuplicatePolicy(weakRules: [.similarInvoiceNumber])
        #expect(typosOnly.strength(of: Self.match(number: .similar)) == .weak)
        #expect(typosOnly.strength(of: Self.match(vendor: [])) == nil)
    }

    @Test(
        "the hold threshold decides which strengths hold",
        arguments: [
            (DuplicateStrength.weak, [true, true, true]), (.strong, [false, true, true]),
            (.exact, [false, false, true]),
        ])
    func holdThreshold(threshold: DuplicateStrength, holds: [Bool]) throws {
        let policy = try DuplicatePolicy(holdThreshold: threshold)
        #expect([DuplicateStrength.weak, .strong, .exact].map(policy.holds) == holds)
    }

    // MARK: Comparing two candidates

    @Test("comparing explains every field")
    func compareExplains() {
        let vendorA = VendorIdentity(vendorID: ControlFixture.vendor(1), taxID: "DE123456789")
        let vendorB = VendorIdentity(vendorID: ControlFixture.vendor(2), taxID: "de-123 456 789")
        let original = ControlFixture.candidate(
            1, entity: 1, vendor: vendorA, number: "INV-0042", amount: ControlFixture.money("500.00"))
        let copy = ControlFixture.candidate(
            2, entity: 2, vendor: vendorB, number: "inv 42", date: ControlFixture.date(3), amount: ControlFixture.money("500.40"))
        let match = DuplicatePolicy.standard.compare(copy, with: original)
        #expect(match.vendorKeys == [.taxID])
        #expect(match.invoiceNumber == .normalised)
        #expect(match.amount == .withinTolerance)
        #expect(match.amountDifference == ControlFixture.money("0.40"))
        #expect(match.invoiceDate == .withinWindow)
        #expect(match.invoiceDateDifferenceDays == 3)
        #expect(!match.sameEntity)
        #expect(DuplicatePolicy.standard.strength(of: match) == .strong)
        #expect(
            match.summary == "same vendor (tax_id); invoice number equal once normalised; amount differs by 0.40 EUR, "
                + "within tolerance; invoice dates 3 days apart, within the window; other entity")
        let identical = DuplicatePolicy.standard.compare(original, with: original)
        #expect(
            identical.invoiceNumber == .identical && identical.amount == .equal && identical.invoiceDate == .sameDay)
        #expect(DuplicatePolicy.standard.strength(of: identical) == .exact)
    }

    @Test("numbers without letters or digits never match")
    func emptyNumbers() {
        let first = ControlFixture.candidate(1, number: "-")
        let second = ControlFixture.candidate(2, number: "-")
        let match = DuplicatePolicy.standard.compare(first, with: second)
        #expect(match.invoiceNumber == .different)
        #expect(DuplicatePolicy.standard.strength(of: match) == nil)
    }

    @Test("amounts in different currencies are not compared")
    func differentCurrencies() {
        let first = ControlFixture.candidate(1, amount: ControlFixture.money("100.00", .eur))
        let second = ControlFixture.candidate(2, amount: ControlFixture.money("100.00", .usd))
        let match = DuplicatePolicy.standard.compare(first, with: second)
        #expect(match.amount == .differentCurrency)
        #expect(match.amountDifference == nil)
        #expect(DuplicatePolicy.standard.strength(of: match) == .weak)
    }

    // MARK: Settings

    @Test("settings out of range are refused, each by its field")
    func validation() {
        do {
            _ = try DuplicatePolicy(
                amountToleranceMinorUnits: -1, amountToleranceBasisPoints: 5_001, invoiceDateWindowDays: 367,
                invoiceNumberEditDistanceMax: 4, suspectCountMax: 0)
            Issue.record("expected a validation failure")
        } catch {
            #expect(
                error.errors.map(\.path) == [
                    "amount_tolerance_minor_units", "amount_tolerance_basis_points", "invoice_date_window_days",
                    "invoice_number_edit_distance_max", "suspect_count_max",
                ])
        }
    }

    @Test("settings are JSON with snake_case keys; missing keys take the standard values")
    func codable() throws {
        let policy = try DuplicatePolicy(
            amountToleranceMinorUnits: 5, amountToleranceBasisPoints: 20, invoiceDateWindowDays: 3,
            invoiceNumberEditDistanceMax: 2, weakRules: [.otherVendor, .similarInvoiceNumber], holdThreshold: .exact,
            suspectCountMax: 7)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(policy), as: UTF8.self)
        #expect(
            json == #"{"amount_tolerance_basis_points":20,"amount_tolerance_minor_units":5,"hold_threshold":"exact","#
                + #""invoice_date_window_days":3,"invoice_number_edit_distance_max":2,"suspect_count_max":7,"#
                + #""weak_rules":["other_vendor","similar_invoice_number"]}"#)
        #expect(try JSONDecoder().decode(DuplicatePolicy.self, from: Data(json.utf8)) == policy)
        #expect(try JSONDecoder().decode(DuplicatePolicy.self, from: Data("{}".utf8)) == .standard)
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(DuplicatePolicy.self, from: Data(#"{"invoice_date_window_days":-1}"#.utf8))
        }
    }
}
