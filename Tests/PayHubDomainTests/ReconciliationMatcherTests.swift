import Foundation
import Testing

@testable import PayHubDomain

/// Builders: dates as day offsets from 2026-01-01, amounts as decimal text.
enum Recon {
    static func date(_ offset: Int = 0) -> LocalDate { try! LocalDate(daysSinceEpoch: 20_454 + offset) }
    static func money(_ text: String, _ currency: Currency = .eur) -> Money {
        try! Money(parsing: text, currency: currency)
    }

    static func item(
        _ id: String, _ direction: ReconciliationItem.Direction, _ amount: String, day: Int = 0,
        name: String? = "Müller Maschinenbau GmbH", account: String? = "DE89 3704 0044 0532 0130 00",
        endToEndID: String? = nil, uetr: String? = nil, batch: ReconciliationItem.Batch? = nil,
        invoices: [String] = [], reference: String? = nil, currency: Currency = .eur
    ) -> ReconciliationItem {
        ReconciliationItem(
            id: id, direction: direction, amount: money(amount, currency), expectedValueDate: date(day),
            counterpartyName: name, counterpartyAccount: account, endToEndID: endToEndID, uetr: uetr, batch: batch,
            invoiceNumbers: invoices, creditorReference: reference)
    }

    /// An outgoing payment.
    static func item(
        _ id: String, _ amount: String, day: Int = 0, name: String? = "Müller Maschinenbau GmbH",
        account: String? = "DE89 3704 0044 0532 0130 00", endToEndID: String? = nil, uetr: String? = nil,
        batch: ReconciliationItem.Batch? = nil, invoices: [String] = []
    ) -> ReconciliationItem {
        item(
            id, .outgoing, amount, day: day, name: name, account: account, endToEndID: endToEndID, uetr: uetr,
            batch: batch, invoices: invoices)
    }

    static func line(
        _ id: String, _ amount: String, day: Int = 0, name: String? = nil, account: String? = nil, text: String = "",
        endToEndIDs: [String] = [], uetrs: [String] = [], isReturn: Bool = false, currency: Currency = .eur
    ) -> StatementLine {
        StatementLine(
            id: id, amount: money(amount, currency), bookingDate: date(day), valueDate: date(day),
            counterpartyName: name, counterpartyAccount: account, remittanceText: text, endToEndIDs: endToEndIDs,
            uetrs: uetrs, isReturn: isReturn)
    }

    static func pairs(_ result: ReconciliationResult) -> [[String]] {
        result.matches.map { $0.lineIDs + ["→"] + $0.itemIDs }
    }
}

@Suite("Reconciliation matcher")
struct ReconciliationMatcherTests {
    // MARK: Rule 1

    @Test func exactEndToEndIDAndUETR() {
        let items = [
            Recon.item("i1", "100.00", endToEndID: "E2E-1"),
            Recon.item("i2", "200.00", uetr: "8A562C67-CA16-48BA-B074-65581BE6F001"),
        ]
        let lines = [
            Recon.line("l1", "-100.00", day: 9, endToEndIDs: ["E2E-1"]),
            Recon.line("l2", "-200.00", day: 9, uetrs: ["8a562c67-ca16-48ba-b074-65581be6f001"]),
        ]
        let result = ReconciliationMatcher.match(lines: lines, items: items)
        #expect(Recon.pairs(result) == [["l1", "→", "i1"], ["l2", "→", "i2"]])
        #expect(result.matches.allSatisfy { $0.rule == .exactReference && $0.confidencePerMille == 1000 })
        #expect(result.exceptions.isEmpty)
    }

    @Test func exactIDWithWrongAmountOrSharedIDDoesNotMatch() {
        let items = [
            Recon.item("i1", "100.00", account: nil, endToEndID: "E2E-1"),
            Recon.item("i2", "50.00", account: "DE1", endToEndID: "E2E-2"),
            Recon.item("i3", "50.00", account: "DE2", endToEndID: "E2E-2"),
        ]
        let lines = [
            Recon.line("l1", "-190.00", endToEndIDs: ["E2E-1"]),  // differs by 90.00, far beyond the fee
            Recon.line("l2", "-50.00", endToEndIDs: ["E2E-2"]),  // two items claim the id
            Recon.line("l3", "100.00", endToEndIDs: ["E2E-1"]),  // a credit cannot settle a payment
        ]
        let result = ReconciliationMatcher.match(lines: lines, items: items)
        #expect(result.matches.isEmpty)
        #expect(result.exceptions.map(\.lineID) == ["l1", "l2", "l3"])
        let l1 = result.exceptions[0].candidates
        #expect(l1.first?.itemID == "i1")
        #expect(l1.first?.reasons.contains(.amountDiffers(by: Recon.money("90.00"))) == true)
    }

    @Test func outgoingFeeAddedByOurBankIsRecorded() {
        let items = [Recon.item("i1", "100.00", endToEndID: "E2E-1")]
        let result = ReconciliationMatcher.match(
            lines: [Recon.line("l1", "-102.50", endToEndIDs: ["E2E-1"])], items: items)
        #expect(result.matches.first?.fee == Recon.money("2.50"))
        #expect(result.matches.first?.difference == nil)
    }

    @Test func returnMatchesItsPaymentWithoutConsumingIt() {
        let items = [Recon.item("i1", "100.00", endToEndID: "E2E-1")]
        let lines = [
            Recon.line("l1", "-100.00", endToEndIDs: ["E2E-1"]),
            Recon.line("l2", "99.00", day: 4, endToEndIDs: ["E2E-1"], isReturn: true),
        ]
        let result = ReconciliationMatcher.match(lines: lines, items: items)
        #expect(Recon.pairs(result) == [["l1", "→", "i1"], ["l2", "→", "i1"]])
        #expect(result.matches.map(\.isReturn) == [false, true])
        #expect(result.matches[1].difference == Recon.money("-1.00"))
    }

    // MARK: Rule 2

    @Test func batchBookingByTotalByNameAndByEndToEndIDs() {
        let batchA = ReconciliationItem.Batch(id: "PMTINF-A-0001", total: Recon.money("300.00"))
        let batchB = ReconciliationItem.Batch(id: "PMTINF-B-0002", total: Recon.money("70.00"))
        let items = [
            Recon.item("a1", "100.00", batch: batchA), Recon.item("a2", "200.00", batch: batchA),
            Recon.item("b1", "30.00", batch: batchB), Recon.item("b2", "40.00", batch: batchB),
            Recon.item("c1", "10.00", endToEndID: "E-C1"), Recon.item("c2", "15.00", endToEndID: "E-C2"),
        ]
        let lines = [
            Recon.line("l1", "-300.00", day: 2, text: "BATCH BOOKING"),
            Recon.line("l2", "-70.00", day: 30, text: "Sammler PMTINF-B-0002"),
            Recon.line("l3", "-25.00", endToEndIDs: ["E-C1", "E-C2"]),
        ]
        let result = ReconciliationMatcher.match(lines: lines, items: items)
        #expect(
            Recon.pairs(result) == [["l1", "→", "a1", "a2"], ["l2", "→", "b1", "b2"], ["l3", "→", "c1", "c2"]])
        #expect(result.matches.allSatisfy { $0.rule == .batchBooking })
    }

    @Test func batchNearMisses() {
        let batchA = ReconciliationItem.Batch(id: "PMTINF-A", total: Recon.money("300.00"))
        let batchB = ReconciliationItem.Batch(id: "PMTINF-B", total: Recon.money("300.00"))
        let items = [
            Recon.item("a1", "100.00", account: nil, batch: batchA),
            Recon.item("a2", "200.00", account: nil, batch: batchA),
            Recon.item("b1", "150.00", account: nil, batch: batchB),
            Recon.item("b2", "150.00", account: nil, batch: batchB),
            Recon.item("c1", "10.00", account: nil, endToEndID: "E-C1"),
        ]
        let lines = [
            Recon.line("l1", "-300.00", day: 1),  // two batches of 300.00: ambiguous
            Recon.line("l2", "-25.00", endToEndIDs: ["E-C1", "E-UNKNOWN"]),  // half a known batch
        ]
        let result = ReconciliationMatcher.match(lines: lines, items: items)
        #expect(result.matches.isEmpty)

        let late = ReconciliationMatcher.match(
            lines: [Recon.line("l1", "-300.00", day: 6)], items: Array(items.prefix(2)))
        #expect(late.matches.isEmpty, "value date 6 days after, window 5")
    }

    // MARK: Rule 3

    @Test func referencesInRemittanceText() {
        let items = [
            Recon.item("rf", .incoming, "500.00", name: nil, account: nil, reference: "RF18539007547034"),
            Recon.item("inv", .incoming, "80.00", name: nil, account: nil, invoices: ["INV-0042"]),
            Recon.item(
                "qr", .incoming, "12.00", name: nil, account: nil, reference: "210000000003139471430009017",
                currency: .chf),
        ]
        let lines = [
            Recon.line("l1", "300.00", text: "Teilzahlung RF18 5390 0754 7034"),
            Recon.line("l2", "80.00", text: "payment inv 42 thanks"),
            Recon.line("l3", "12.00", text: "21 00000 00003 13947 14300 09017", currency: .chf),
        ]
        let result = ReconciliationMatcher.match(lines: lines, items: items)
        #expect(Recon.pairs(result) == [["l1", "→", "rf"], ["l2", "→", "inv"], ["l3", "→", "qr"]])
        #expect(result.matches.allSatisfy { $0.rule == .remittanceReference })
        #expect(result.matches[0].difference == Recon.money("-200.00"), "partial payment recorded")
        #expect(result.matches[0].confidencePerMille == 850, "RF (950) less the partial payment (100)")
        #expect(result.matches[1].confidencePerMille == 900)
    }

    @Test func referenceNearMisses() {
        let items = [
            Recon.item("rf", .incoming, "500.00", name: nil, account: nil, reference: "RF18539007547034"),
            Recon.item("inv", .incoming, "80.00", name: nil, account: nil, invoices: ["INV-0042"]),
            Recon.item("out", .outgoing, "90.00", name: nil, account: nil, invoices: ["INV-7777"]),
        ]
        let lines = [
            Recon.line("l1", "500.00", text: "RF19 5390 0754 7034"),  // wrong check digits
            Recon.line("l2", "80.00", text: "INV 420"),  // another number
            Recon.line("l3", "-95.00", text: "INV-7777"),  // outgoing quoted but 5.00 off... within the fee
            Recon.line("l4", "-190.00", text: "INV-7777"),  // outgoing never partially paid
        ]
        let result = ReconciliationMatcher.match(
            lines: lines, items: items, settings: ReconciliationSettings(feeToleranceMinorUnits: 100))
        #expect(result.matches.isEmpty)
        #expect(result.exceptions.count == 4)
    }

    // MARK: Rule 4

    @Test func amountDateAndCounterparty() {
        let items = [
            Recon.item("i1", "1234.56", day: 0, account: nil),
            Recon.item("i2", "777.00", day: 0, name: "Okafor Foods Ltd", account: "GB29NWBK60161331926819"),
        ]
        let lines = [
            Recon.line("l1", "-1234.56", day: 3, name: "MUELLER MASCHXNENBAU GMBH"),
            Recon.line("l2", "-777.00", day: -2, name: "Someone Else", account: "gb29 nwbk 6016 1331 9268 19"),
        ]
        let result = ReconciliationMatcher.match(lines: lines, items: items)
        #expect(Recon.pairs(result) == [["l1", "→", "i1"], ["l2", "→", "i2"]])
        #expect(result.matches.allSatisfy { $0.rule == .amountDateCounterparty })
    }

    @Test func amountDateCounterpartyNearMisses() {
        let items = [
            Recon.item("i1", "1234.56", account: nil),
            Recon.item("i2", "777.00", account: "GB29NWBK60161331926819"),
            Recon.item("i3", "55.00", account: nil),
            Recon.item("i4", "66.00", name: "Acme Trading Ltd", account: nil),
            Recon.item("i5", "66.00", name: "Acme Trading Ltd", account: nil),
        ]
        let lines = [
            Recon.line("l1", "-1234.56", name: "Mayer Logistik AG"),  // name not similar
            Recon.line("l2", "-777.00", name: "Müller Maschinenbau GmbH", account: "DE89370400440532013000"),
            Recon.line("l3", "-55.00", day: 6, name: "Müller Maschinenbau GmbH"),  // outside the window
            Recon.line("l4", "-66.00", name: "ACME TRADING LTD"),  // two equal candidates
        ]
        let result = ReconciliationMatcher.match(lines: lines, items: items)
        #expect(result.matches.isEmpty)
        let reasons = Dictionary(
            uniqueKeysWithValues: result.exceptions.map {
                ($0.lineID, $0.candidates.first?.reasons ?? [])
            })
        let similarity = CounterpartyName.similarityPerMille("Mayer Logistik AG", "Müller Maschinenbau GmbH")
        #expect(reasons["l1"] == [.nameNotSimilar(similarityPerMille: similarity, thresholdPerMille: 850)])
        #expect(similarity < 850)
        #expect(
            ReconciliationRejection.nameNotSimilar(similarityPerMille: 615, thresholdPerMille: 850).description
                == "name similarity 0.62 < 0.85")
        #expect(reasons["l2"] == [.accountDiffers])
        #expect(reasons["l3"] == [.dateOutsideWindow(days: 6, windowDays: 5)])
        #expect(reasons["l4"] == [.ambiguous])
        #expect(result.exceptions.first { $0.lineID == "l4" }?.candidates.count == 2)
    }

    // MARK: Rule 5

    @Test func groupedWithFees() {
        let account = "DE44500105175407324931"
        let items = [
            Recon.item("fee", .incoming, "1000.00", account: "DE1111"),
            Recon.item("g1", .incoming, "120.00", account: account),
            Recon.item("g2", .incoming, "380.00", day: 2, account: account),
            Recon.item("split", .incoming, "900.00", account: "DE2222"),
        ]
        let lines = [
            Recon.line("l1", "987.50", account: "DE1111"),
            Recon.line("l2", "500.00", day: 1, account: account),
            Recon.line("l3", "400.00", account: "DE2222"),
            Recon.line("l4", "500.00", day: 1, account: "DE2222"),
        ]
        let result = ReconciliationMatcher.match(lines: lines, items: items)
        #expect(Recon.pairs(result) == [["l1", "→", "fee"], ["l2", "→", "g1", "g2"], ["l3", "l4", "→", "split"]])
        #expect(result.matches.allSatisfy { $0.rule == .grouped })
        #expect(result.matches[0].fee == Recon.money("12.50"))
    }

    @Test func groupedNearMisses() {
        let items = [
            Recon.item("fee", .incoming, "1000.00", account: "DE1111"),
            Recon.item("g1", .incoming, "100.00", account: "DE3333"),
            Recon.item("g2", .incoming, "100.00", account: "DE3333"),
            Recon.item("g3", .incoming, "100.00", account: "DE3333"),
        ]
        let lines = [
            Recon.line("l1", "970.00", account: "DE1111"),  // 30.00 short: more than the 25.00 tolerance
            Recon.line("l2", "200.00", account: "DE3333"),  // which two of three? ambiguous
            Recon.line("l3", "987.50", account: "DE9999"),  // fee-sized gap but another account
        ]
        let result = ReconciliationMatcher.match(lines: lines, items: items)
        #expect(result.matches.isEmpty)
    }

    @Test func perMilleToleranceWidensTheFee() {
        let items = [Recon.item("fee", .incoming, "100000.00", account: "DE1111")]
        let lines = [Recon.line("l1", "99950.00", account: "DE1111")]
        #expect(ReconciliationMatcher.match(lines: lines, items: items).matches.isEmpty)
        let settings = ReconciliationSettings(feeToleranceMinorUnits: 0, feeTolerancePerMille: 1)
        #expect(
            ReconciliationMatcher.match(lines: lines, items: items, settings: settings).matches.first?.fee
                == Recon.money("50.00"))
    }

    // MARK: Cascade

    @Test func strongerRuleWinsAndDisabledRulesDoNotRun() {
        let items = [
            Recon.item("byID", "100.00", endToEndID: "E2E-1"),
            Recon.item("byAmount", "100.00"),
        ]
        let lines = [Recon.line("l1", "-100.00", name: "Müller Maschinenbau GmbH", endToEndIDs: ["E2E-1"])]
        #expect(Recon.pairs(ReconciliationMatcher.match(lines: lines, items: items)) == [["l1", "→", "byID"]])
        let noExact = ReconciliationSettings(enabledRules: [.amountDateCounterparty])
        let weak = ReconciliationMatcher.match(lines: lines, items: items, settings: noExact)
        #expect(weak.matches.isEmpty, "two equal candidates by amount and name")
        let nothing = ReconciliationMatcher.match(lines: lines, items: items, settings: .init(enabledRules: []))
        #expect(nothing.matches.isEmpty && nothing.unmatchedItemIDs == ["byAmount", "byID"])
    }

    @Test func exceptionsCanSkipTheirCandidates() {
        let items = [Recon.item("i1", "100.00", endToEndID: "E2E-1")]
        let lines = [Recon.line("l1", "-190.00", endToEndIDs: ["E2E-1"])]
        let full = ReconciliationMatcher.match(lines: lines, items: items)
        let bare = ReconciliationMatcher.match(
            lines: lines, items: items, settings: ReconciliationSettings(candidatesPerException: 0))
        #expect(full.exceptions.first?.candidates.count == 1)
        #expect(bare.exceptions == [ReconciliationException(lineID: "l1", candidates: [])])
    }

    @Test func extremeAmountsDoNotTrap() {
        let items = [Recon.item("i1", "1.00", endToEndID: "E")]
        let lines = [
            StatementLine(
                id: "min", amount: Money(minorUnits: .min, currency: .eur), bookingDate: Recon.date(),
                valueDate: Recon.date(), endToEndIDs: ["E"]),
            StatementLine(
                id: "max", amount: Money(minorUnits: .max, currency: .eur), bookingDate: Recon.date(),
                valueDate: Recon.date(), counterpartyAccount: "DE89 3704 0044 0532 0130 00"),
            Recon.line("zero", "0.00", endToEndIDs: ["E"]),
        ]
        let result = ReconciliationMatcher.match(lines: lines, items: items)
        #expect(result.matches.isEmpty)
        #expect(result.exceptions.count == 3)
    }

    @Test func rangeIndexFindsTheRangeByBinarySearch() {
        var index = RangeIndex<String>()
        for (position, day) in [5, 1, 9, 5, 3, 12].enumerated() {
            index.insert("k", value: Int128(day), index: position)
        }
        index.sort()
        #expect(index.members(of: "k", from: 3, through: 9, limit: 10) == [4, 0, 3, 2])
        #expect(index.members(of: "k", from: 3, through: 9, limit: 2) == [4, 0])
        #expect(index.members(of: "k", from: 13, through: 20, limit: 10).isEmpty)
        #expect(index.members(of: "other", from: 0, through: 20, limit: 10).isEmpty)
    }

    /// One customer with thousands of open items of the same amount: the line's own item is still found by
    /// its fee, and the crowd of equal amounts without a counterparty stays unmatched.
    @Test func busyAccountStaysBoundedAndCorrect() {
        var items = (0..<3_000).map { number in
            Recon.item("bulk\(number)", .incoming, "9.99", day: number % 60, account: "DE5555")
        }
        items.append(Recon.item("target", .incoming, "4321.00", day: 30, account: "DE5555"))
        let lines = [
            Recon.line("fee", "4311.00", day: 31, account: "DE5555"),
            Recon.line("crowd", "9.99", day: 10),
        ]
        let result = ReconciliationMatcher.match(lines: lines, items: items)
        #expect(Recon.pairs(result) == [["fee", "→", "target"]])
        #expect(result.matches.first?.fee == Recon.money("10.00"))
    }

    @Test func deterministicUnderShuffledInput() {
        let scenario = ReconciliationScenario.generate(seed: 7, count: 3_000)
        let reference = ReconciliationMatcher.match(lines: scenario.lines, items: scenario.items)
        var random = SplitMix64(seed: 99)
        for round in 0..<3 {
            let shuffled = ReconciliationMatcher.match(
                lines: scenario.lines.shuffled(using: &random), items: scenario.items.shuffled(using: &random))
            #expect(shuffled == reference, "shuffle round \(round) (seed 99)")
        }
        #expect(reference.matches.count > 1_000)
    }
}
