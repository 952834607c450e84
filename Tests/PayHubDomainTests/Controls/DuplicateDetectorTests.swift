import Foundation
import Testing

@testable import PayHubDomain

@Suite("Duplicate detector")
struct DuplicateDetectorTests {
    let germanVendor = VendorIdentity(
        vendorID: ControlFixture.vendor(1), taxID: "DE123456789", accountNumbers: ["DE89370400440532013000"])
    /// The same supplier, set up again in the Chinese entity by its own ERP.
    let chineseVendor = VendorIdentity(vendorID: ControlFixture.vendor(2), taxID: "de 123 456 789")
    let otherVendor = VendorIdentity(vendorID: ControlFixture.vendor(3), taxID: "FR40303265045")

    @Test("a copy entered in another entity by another ERP is found through the tax id, with the match shown")
    func acrossEntities() {
        let original = ControlFixture.candidate(1, entity: 1, vendor: germanVendor, number: "INV-0042", stage: .open)
        let detector = DuplicateDetector(policy: .standard, candidates: [original])
        let copy = ControlFixture.candidate(2, entity: 2, vendor: chineseVendor, number: "ＩＮＶ－４２", date: ControlFixture.date(1))
        let check = detector.check(copy)
        #expect(check.suspects.map(\.candidate) == [original])
        #expect(check.strongest == .strong)
        #expect(check.requiresHold)
        let match = check.suspects[0].match
        #expect(match.vendorKeys == [.taxID] && match.invoiceNumber == .normalised && !match.sameEntity)
    }

    @Test("payments already sent or settled are candidates, and listed before open ones of the same strength")
    func alreadySent() {
        let open = ControlFixture.candidate(1, vendor: germanVendor, number: "INV-7", stage: .open)
        let sent = ControlFixture.candidate(2, vendor: chineseVendor, number: "INV 7", stage: .sent, payment: 2)
        let settled = ControlFixture.candidate(3, vendor: germanVendor, number: "inv7", date: ControlFixture.date(2), stage: .settled)
        let detector = DuplicateDetector(policy: .standard, candidates: [open, sent, settled])
        let suspects = detector.suspects(for: ControlFixture.candidate(4, vendor: germanVendor, number: "INV-0007"))
        #expect(suspects.map(\.candidate.payableID) == [ControlFixture.payable(2), ControlFixture.payable(1), ControlFixture.payable(3)])
        #expect(suspects.map(\.strength) == [.exact, .exact, .strong])
        #expect(suspects[0].candidate.stage.isWithBank && suspects[0].candidate.paymentID == ControlFixture.payment(2))
    }

    @Test("an invoice is not its own suspect, and inserting it again replaces it")
    func replaceAndSelf() {
        var detector = DuplicateDetector(policy: .standard)
        let original = ControlFixture.candidate(1, vendor: germanVendor, stage: .open)
        detector.insert(original)
        #expect(detector.suspects(for: original).isEmpty)
        let moved = ControlFixture.candidate(1, vendor: germanVendor, stage: .sent, payment: 9)
        detector.insert(moved)
        #expect(detector.count == 1)
        let suspects = detector.suspects(for: ControlFixture.candidate(2, vendor: germanVendor))
        #expect(suspects.map(\.candidate) == [moved])
    }

    @Test("two copies in one file: the first, once inserted, makes the second a suspect")
    func withinOneBatch() {
        var detector = DuplicateDetector(policy: .standard)
        let batch = [
            ControlFixture.candidate(1, vendor: germanVendor, number: "A-1"),
            ControlFixture.candidate(2, vendor: otherVendor, number: "B-1"),
            ControlFixture.candidate(3, vendor: germanVendor, number: "a1"),
        ]
        var held: [ID<Payable>] = []
        for item in batch {
            if detector.check(item).requiresHold { held.append(item.payableID) }
            detector.insert(item)
        }
        #expect(held == [ControlFixture.payable(3)])
    }

    @Test("a typo'd invoice number with the same vendor, amount and date is a weak suspect, not held")
    func typo() throws {
        let original = ControlFixture.candidate(1, vendor: germanVendor, number: "INV-1021", amount: ControlFixture.money("830.00"))
        let typo = ControlFixture.candidate(2, vendor: chineseVendor, number: "INV-1012", amount: ControlFixture.money("830.00"))
        let check = DuplicateDetector(policy: .standard, candidates: [original]).check(typo)
        #expect(check.suspects.map(\.strength) == [.weak])
        #expect(check.suspects.first?.match.invoiceNumber == .similar)
        #expect(check.suspects.first?.match.invoiceNumberEditDistance == 1)
        #expect(!check.requiresHold)
        let strict = try DuplicatePolicy(weakRules: [.otherVendor, .sameVendorAndInvoiceNumber])
        #expect(DuplicateDetector(policy: strict, candidates: [original]).check(typo).suspects.isEmpty)
        let holdWeak = try DuplicatePolicy(holdThreshold: .weak)
        #expect(DuplicateDetector(policy: holdWeak, candidates: [original]).check(typo).requiresHold)
    }

    @Test("the same number, amount and date from a vendor no key links is a weak suspect")
    func unlinkedVendor() {
        let original = ControlFixture.candidate(1, vendor: germanVendor, number: "2024-118")
        let lookalike = ControlFixture.candidate(2, vendor: otherVendor, number: "2024118")
        let suspects = DuplicateDetector(policy: .standard, candidates: [original]).suspects(for: lookalike)
        #expect(suspects.map(\.strength) == [.weak])
        #expect(suspects.first?.match.isSameVendor == false)
    }

    @Test("the same vendor and number in another currency is weak; an unrelated invoice is nothing")
    func otherCurrencyAndUnrelated() {
        let original = ControlFixture.candidate(
            1, vendor: germanVendor, number: "INV-5", amount: ControlFixture.money("100.00", .eur))
        let detector = DuplicateDetector(policy: .standard, candidates: [original])
        let inDollars = ControlFixture.candidate(
            2, vendor: germanVendor, number: "INV-5", amount: ControlFixture.money("108.00", .usd))
        #expect(detector.suspects(for: inDollars).map(\.match.amount) == [.differentCurrency])
        #expect(detector.suspects(for: inDollars).map(\.strength) == [.weak])
        let unrelated = ControlFixture.candidate(3, vendor: germanVendor, number: "INV-6", amount: ControlFixture.money("250.00"))
        #expect(detector.suspects(for: unrelated).isEmpty)
    }

    @Test("at most the policy's number of suspects, strongest first")
    func suspectCountMax() throws {
        let policy = try DuplicatePolicy(suspectCountMax: 3)
        let candidates = (1...10).map {
            ControlFixture.candidate($0, vendor: germanVendor, number: "X-1", date: ControlFixture.date($0))
        }
        let suspects = DuplicateDetector(policy: policy, candidates: candidates).suspects(
            for: ControlFixture.candidate(99, vendor: germanVendor, number: "X-1"))
        #expect(suspects.map(\.candidate.payableID) == [1, 2, 3].map(ControlFixture.payable))
    }

    @Test("amount buckets are monotone and keep every tolerance range within a few buckets")
    func amountBuckets() throws {
        let seed: UInt64 = 0xB0C4
        var random = SplitMix64(seed: seed)
        for iteration in 0..<2_000 {
            let policy = try DuplicatePolicy(
                amountToleranceMinorUnits: Int64.random(
                    in: 0...(1 << Int64.random(in: 0...40, using: &random)), using: &random),
                amountToleranceBasisPoints: Bool.random(using: &random) ? 0 : Int.random(in: 1...5_000, using: &random))
            let buckets = AmountBuckets(policy: policy)
            let first = UInt64.random(in: 0...(1 << UInt64.random(in: 1...63, using: &random)), using: &random)
            let second = UInt64.random(in: 0...(1 << UInt64.random(in: 1...63, using: &random)), using: &random)
            let context: Comment = "seed \(seed) iteration \(iteration): \(first), \(second) under \(policy)"
            #expect(first > second || buckets.bucket(first) <= buckets.bucket(second), context)
            let range = policy.toleranceRange(around: first)
            let span = buckets.bucket(range.upperBound) - buckets.bucket(range.lowerBound)
            #expect(span <= 8, context)
            if span > 8 { break }
        }
    }
}
