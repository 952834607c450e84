import Foundation
import Testing

@testable import PayHubDomain

/// Generated near-duplicates are always found; generated clean pairs never as strong or exact; the index
/// finds exactly what comparing against every candidate finds. Seeded, so a failure prints a seed and
/// a pair that reproduce it.
@Suite("Duplicate detection properties")
struct DuplicatePropertyTests {
    // MARK: Near-duplicates

    @Test("a near-duplicate is always found as strong or exact, directly and through the index")
    func nearDuplicatesFound() throws {
        let seed: UInt64 = 0xD0_0B1E
        var random = SplitMix64(seed: seed)
        let policies = [DuplicatePolicy.standard] + (0..<4).map { _ in Generator.policy(using: &random) }
        for policy in policies {
            var detector = DuplicateDetector(policy: policy)
            var pairs: [(original: DuplicateCandidate, copy: DuplicateCandidate)] = []
            for index in 0..<1_500 {
                let original = Generator.original(index, using: &random)
                let copy = Generator.nearDuplicate(of: original, index: 100_000 + index, policy: policy, using: &random)
                detector.insert(original)
                pairs.append((original, copy))
            }
            for (iteration, pair) in pairs.enumerated() {
                let context: Comment =
                    "seed \(seed) iteration \(iteration) policy \(policy)\n\(pair.original)\n\(pair.copy)"
                let direct = policy.strength(of: policy.compare(pair.copy, with: pair.original))
                let found = detector.suspects(for: pair.copy).first {
                    $0.candidate.payableID == pair.original.payableID
                }
                let directlyStrong = direct.map { $0 >= .strong } ?? false
                let foundStrong = found.map { $0.strength >= .strong } ?? false
                #expect(directlyStrong, context)
                #expect(foundStrong, context)
                if !directlyStrong || !foundStrong { return }
            }
        }
    }

    @Test("an invoice number one typo away, same vendor, amount and date, is always a weak suspect")
    func typosFound() throws {
        let seed: UInt64 = 0x7_1905
        var random = SplitMix64(seed: seed)
        let policy = DuplicatePolicy.standard
        var detector = DuplicateDetector(policy: policy)
        var pairs: [(original: DuplicateCandidate, copy: DuplicateCandidate)] = []
        for index in 0..<2_000 {
            let original = Generator.original(index, using: &random)
            detector.insert(original)
            pairs.append(
                (original, Generator.typo(of: original, index: 100_000 + index, policy: policy, using: &random)))
        }
        for (iteration, pair) in pairs.enumerated() {
            let context: Comment = "seed \(seed) iteration \(iteration)\n\(pair.original)\n\(pair.copy)"
            let found = detector.suspects(for: pair.copy).first { $0.candidate.payableID == pair.original.payableID }
            #expect(found?.strength == .weak, context)
            #expect(found?.match.invoiceNumber == .similar, context)
            if found?.strength != .weak { return }
        }
    }

    // MARK: Clean pairs

    @Test("a clean pair is never a strong or exact suspect, directly or through the index")
    func cleanPairsNotHeld() throws {
        let seed: UInt64 = 0xC1EA_0
        var random = SplitMix64(seed: seed)
        let policies = [DuplicatePolicy.standard] + (0..<4).map { _ in Generator.policy(using: &random) }
        for policy in policies {
            var detector = DuplicateDetector(policy: policy)
            var pairs: [(original: DuplicateCandidate, clean: DuplicateCandidate, how: String)] = []
            for index in 0..<1_500 {
                let original = Generator.original(index, using: &random)
                detector.insert(original)
                let (clean, how) = Generator.cleanPair(
                    for: original, index: 100_000 + index, policy: policy, using: &random)
                pairs.append((original, clean, how))
            }
            for (iteration, pair) in pairs.enumerated() {
                let context: Comment =
                    "seed \(seed) iteration \(iteration) (\(pair.how)) \(policy)\n\(pair.original)\n\(pair.clean)"
                let direct = policy.strength(of: policy.compare(pair.clean, with: pair.original))
                let strong = detector.suspects(for: pair.clean).filter { $0.strength >= .strong }
                let directlyStrong = direct.map { $0 >= .strong } ?? false
                #expect(!directlyStrong, context)
                #expect(strong.isEmpty, context)
                if directlyStrong || !strong.isEmpty { return }
            }
        }
    }

    // MARK: The index against a full scan

    @Test("the index finds exactly what comparing with every candidate finds")
    func indexMatchesFullScan() throws {
        let seed: UInt64 = 0x1_DE8
        var random = SplitMix64(seed: seed)
        for round in 0..<8 {
            let policy = try DuplicatePolicy(
                amountToleranceMinorUnits: Int64.random(in: 0...500, using: &random),
                amountToleranceBasisPoints: Int.random(in: 0...3, using: &random) == 0
                    ? 0 : Int.random(in: 1...5_000, using: &random),
                invoiceDateWindowDays: Int.random(in: 0...30, using: &random),
                invoiceNumberEditDistanceMax: Int.random(in: 0...2, using: &random),
                weakRules: Set(DuplicatePolicy.WeakRule.allCases.filter { _ in Bool.random(using: &random) }),
                suspectCountMax: 1_000)
            // A crowded little world: few vendors sharing keys, few numbers, amounts and dates close together,
            // so that most lookups have many real suspects.
            let vendors = (0..<12).map { index in
                VendorIdentity(
                    vendorID: ControlFixture.vendor(index), taxID: "TAX\(10_000 + index % 5)",
                    accountNumbers: index % 3 == 0 ? ["ACCT\(20_000 + index % 4)"] : [])
            }
            func item(_ index: Int) -> DuplicateCandidate {
                ControlFixture.candidate(
                    index, entity: Int.random(in: 1...3, using: &random),
                    vendor: vendors.randomElement(using: &random)!,
                    number: ["INV-1", "inv 01", "INV-2", "INV-12", "INV-21", "RE-1", "-", "1"].randomElement(
                        using: &random)!,
                    date: ControlFixture.date(Int.random(in: 0...40, using: &random)),
                    amount: Money(
                        minorUnits: [-1, 1, 1, 1].randomElement(using: &random)!
                            * Int64.random(in: 0...20_000, using: &random),
                        currency: [.eur, .eur, .usd].randomElement(using: &random)!),
                    stage: DuplicateCandidate.Stage.allCases.randomElement(using: &random)!)
            }
            let candidates = (0..<1_500).map(item)
            let detector = DuplicateDetector(policy: policy, candidates: candidates)
            for probeIndex in 0..<150 {
                let probe = item(10_000 + probeIndex)
                let expected = candidates.compactMap { candidate -> ID<Payable>? in
                    policy.strength(of: policy.compare(probe, with: candidate)) == nil ? nil : candidate.payableID
                }
                let actual = detector.suspects(for: probe).map(\.candidate.payableID)
                #expect(
                    Set(actual) == Set(expected), "seed \(seed) round \(round) probe \(probeIndex) \(policy)\n\(probe)")
                #expect(actual.count == Set(actual).count, "seed \(seed) round \(round): a suspect listed twice")
                if Set(actual) != Set(expected) { return }
            }
        }
    }
}

/// Random invoices and their near-duplicate or clean counterparts.
enum Generator {
    static func policy(using random: inout SplitMix64) -> DuplicatePolicy {
        try! DuplicatePolicy(
            amountToleranceMinorUnits: Int64.random(in: 0...10_000, using: &random),
            amountToleranceBasisPoints: Int.random(in: 0...5_000, using: &random),
            invoiceDateWindowDays: Int.random(in: 0...60, using: &random),
            invoiceNumberEditDistanceMax: Int.random(in: 0...2, using: &random))
    }

    /// An invoice number as tokens: letters and digits alternate (digits always start a run, so leading
    /// zeros may be added in front of them), with separators between some tokens.
    struct Number {
        var letters: [String]
        var digits: [String]

        func written(separators: [String]) -> String {
            var text = ""
            for index in digits.indices {
                text += letters[index] + separators[2 * index] + digits[index]
                if index < digits.count - 1 { text += separators[2 * index + 1] }
            }
            return text
        }
    }

    static let prefixes = ["INV", "RE", "F", "", "AB", "发票", "Rechnung", "CN", "Z"]
    static let separators = ["", " ", "-", "/", ".", "_", "#", " - ", "\u{3000}", "－", "／", ": "]

    static func number(using random: inout SplitMix64) -> Number {
        let parts = Int.random(in: 1...2, using: &random)
        var letters: [String] = []
        var digits: [String] = []
        for part in 0..<parts {
            // Letters between two digit runs must not be empty, or the runs would merge.
            let prefix =
                part == 0
                ? prefixes.randomElement(using: &random)! : ["A", "B", "X", "NR"].randomElement(using: &random)!
            letters.append(prefix)
            let length = Int.random(in: 1...7, using: &random)
            digits.append(
                String(UInt64.random(in: 1...9, using: &random))
                    + String(
                        (1..<length).map { _ in
                            Character(String(Int.random(in: 0...9, using: &random)))
                        }))
        }
        return Number(letters: letters, digits: digits)
    }

    /// Each original has its own vendor, with a tax id and an account, so originals never link.
    static func vendor(_ index: Int, using random: inout SplitMix64) -> VendorIdentity {
        VendorIdentity(
            vendorID: ControlFixture.vendor(index), taxID: "DE\(100_000_000 + index)",
            accountNumbers: ["DE\(10 + index % 90)3704\(String(format: "%014d", index))"])
    }

    static let currencies: [Currency] = [.eur, .usd, .jpy, .cny, .kwd]

    static func original(_ index: Int, using random: inout SplitMix64) -> DuplicateCandidate {
        let number = number(using: &random)
        return DuplicateCandidate(
            payableID: ControlFixture.payable(index), entityID: ControlFixture.entity(Int.random(in: 1...4, using: &random)),
            vendor: vendor(index, using: &random),
            invoiceNumber: number.written(separators: (0..<4).map { _ in separators.randomElement(using: &random)! }),
            invoiceDate: ControlFixture.date(Int.random(in: 0...3_000, using: &random)),
            amount: Money(
                minorUnits: Int64.random(in: 1...(1 << Int64.random(in: 1...40, using: &random)), using: &random),
                currency: currencies.randomElement(using: &random)!),
            stage: DuplicateCandidate.Stage.allCases.randomElement(using: &random)!)
    }

    /// The original's number written differently: case, separators, leading zeros, full width, spaces.
    static func rewritten(_ text: String, using random: inout SplitMix64) -> String {
        // Re-tokenise the original's normal form: it keeps the letters and digit runs, without zeros.
        let normal = InvoiceNumber.normalised(text)
        var out = Bool.random(using: &random) ? " " : ""
        var previousWasDigit = false
        for scalar in normal.unicodeScalars {
            let isDigit = ("0"..."9").contains(scalar)
            if isDigit && !previousWasDigit {
                out += separators.randomElement(using: &random)!
                out += String(repeating: "0", count: Int.random(in: 0...3, using: &random))
            } else if !isDigit && previousWasDigit {
                out += separators.randomElement(using: &random)!
            }
            previousWasDigit = isDigit
            var character = String(scalar)
            if scalar.isASCII && Bool.random(using: &random) { character = character.lowercased() }
            if scalar.isASCII && Int.random(in: 0...3, using: &random) == 0 {
                // Full width: U+FF01…U+FF5E mirror ASCII 0x21…0x7E.
                character = String(Unicode.Scalar(character.unicodeScalars.first!.value + 0xFEE0)!)
            }
            out += character
        }
        return out + (Bool.random(using: &random) ? "\u{3000}" : "")
    }

    /// The same vendor, seen through a key chosen at random: its own id in the same entity, or another
    /// entity's vendor that shares the tax id or an account number (written differently).
    static func sameVendor(as original: VendorIdentity, index: Int, using random: inout SplitMix64) -> VendorIdentity {
        switch Int.random(in: 0...2, using: &random) {
        case 0:
            return original
        case 1:
            let spaced = original.taxID!.map(String.init).joined(separator: Bool.random(using: &random) ? " " : ".")
            return VendorIdentity(vendorID: ControlFixture.vendor(index), taxID: spaced.lowercased())
        default:
            var printed = ""
            for (offset, character) in original.accountNumbers[0].enumerated() {
                printed += (offset > 0 && offset % 4 == 0 ? " " : "") + String(character)
            }
            return VendorIdentity(vendorID: ControlFixture.vendor(index), accountNumbers: [printed.lowercased()])
        }
    }

    static func amountWithinTolerance(of amount: Money, policy: DuplicatePolicy, using random: inout SplitMix64)
        -> Money
    {
        let allowed = Int64(clamping: policy.allowedDifference(forLarger: amount.minorUnits.magnitude))
        while true {
            let offset = Int64.random(in: -allowed...allowed, using: &random)
            let (shifted, overflow) = amount.minorUnits.addingReportingOverflow(offset)
            if !overflow && shifted > 0 { return Money(minorUnits: shifted, currency: amount.currency) }
        }
    }

    static func nearDuplicate(
        of original: DuplicateCandidate, index: Int, policy: DuplicatePolicy, using random: inout SplitMix64
    ) -> DuplicateCandidate {
        let window = policy.invoiceDateWindowDays
        let vendor = sameVendor(as: original.vendor, index: index, using: &random)
        return DuplicateCandidate(
            payableID: ControlFixture.payable(index),
            entityID: vendor.vendorID == original.vendor.vendorID ? original.entityID : ControlFixture.entity(9),
            vendor: vendor, invoiceNumber: rewritten(original.invoiceNumber, using: &random),
            invoiceDate: try! original.invoiceDate.adding(days: Int.random(in: -window...window, using: &random)),
            amount: amountWithinTolerance(of: original.amount, policy: policy, using: &random), stage: .open)
    }

    /// One typo in the normal form: a character replaced, inserted, deleted, or two neighbours swapped. Only
    /// typos whose result is its own normal form count (a `0` typed at the start of a digit run would be
    /// dropped and leave no typo at all).
    static func typo(
        of original: DuplicateCandidate, index: Int, policy: DuplicatePolicy, using random: inout SplitMix64
    ) -> DuplicateCandidate {
        let normal = Array(original.normalisedInvoiceNumber)
        var typed = normal
        repeat {
            typed = normal
            let at = Int.random(in: 0..<normal.count, using: &random)
            let replacement = Array("ABXZ0123456789").randomElement(using: &random)!
            switch Int.random(in: 0...3, using: &random) {
            case 0: typed[at] = replacement
            case 1: typed.insert(replacement, at: at)
            case 2: if typed.count > 1 { typed.remove(at: at) }
            default: if at + 1 < typed.count { typed.swapAt(at, at + 1) }
            }
        } while typed == normal || InvoiceNumber.normalised(String(typed)) != String(typed)
        return DuplicateCandidate(
            payableID: ControlFixture.payable(index), entityID: original.entityID,
            vendor: sameVendor(as: original.vendor, index: index, using: &random), invoiceNumber: String(typed),
            invoiceDate: original.invoiceDate, amount: original.amount, stage: .open)
    }

    /// A pair that is not a duplicate by the product's definition: another number and an amount outside
    /// tolerance, or a date outside the window, or a vendor no key links.
    static func cleanPair(
        for original: DuplicateCandidate, index: Int, policy: DuplicatePolicy, using random: inout SplitMix64
    ) -> (DuplicateCandidate, String) {
        let near = nearDuplicate(of: original, index: index, policy: policy, using: &random)
        var number = near.invoiceNumber
        var amount = near.amount
        var date = near.invoiceDate
        var vendor = near.vendor
        let how: String
        switch Int.random(in: 0...2, using: &random) {
        case 0:
            how = "other number and amount"
            repeat {
                number = self.number(using: &random).written(separators: ["-", "", "/", " "])
            } while InvoiceNumber.normalised(number) == original.normalisedInvoiceNumber
            amount = amountOutsideTolerance(of: original.amount, policy: policy, using: &random)
        case 1:
            how = "date outside the window"
            let days = policy.invoiceDateWindowDays + Int.random(in: 1...400, using: &random)
            date = try! original.invoiceDate.adding(days: Bool.random(using: &random) ? days : -days)
        default:
            how = "other vendor"
            vendor = VendorIdentity(
                vendorID: ControlFixture.vendor(index), taxID: Bool.random(using: &random) ? "FR\(900_000_000 + index)" : nil,
                accountNumbers: ["FR76\(String(format: "%018d", index))"])
        }
        let clean = DuplicateCandidate(
            payableID: near.payableID, entityID: near.entityID, vendor: vendor, invoiceNumber: number,
            invoiceDate: date, amount: amount, stage: .open)
        return (clean, how)
    }

    /// Well outside tolerance by construction, without asking the policy: more than double plus the
    /// absolute tolerance (the relative tolerance is at most half the larger amount), less than the
    /// amount minus both tolerances, or another currency.
    static func amountOutsideTolerance(of amount: Money, policy: DuplicatePolicy, using random: inout SplitMix64)
        -> Money
    {
        let minor = amount.minorUnits
        let absolute = policy.amountToleranceMinorUnits
        switch Int.random(in: 0...2, using: &random) {
        case 0:
            return Money(
                minorUnits: 2 * minor + absolute + Int64.random(in: 1...1_000, using: &random),
                currency: amount.currency)
        case 1:
            let relative = minor * Int64(policy.amountToleranceBasisPoints) / 10_000
            let below = minor - max(absolute, relative) - Int64.random(in: 1...1_000, using: &random)
            if below > 0 { return Money(minorUnits: below, currency: amount.currency) }
            return Money(minorUnits: 2 * minor + absolute + 1, currency: amount.currency)
        default:
            let other = currencies.filter { $0 != amount.currency }.randomElement(using: &random)!
            return Money(minorUnits: minor, currency: other)
        }
    }
}
