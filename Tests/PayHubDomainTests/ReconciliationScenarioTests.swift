import Foundation
import Testing

@testable import PayHubDomain

@Suite("Reconciliation scenario")
struct ReconciliationScenarioTests {
    @Test func sameSeedSameScenario() {
        let first = ReconciliationScenario.generate(seed: 42, count: 500)
        let second = ReconciliationScenario.generate(seed: 42, count: 500)
        let other = ReconciliationScenario.generate(seed: 43, count: 500)
        #expect(first.lines == second.lines && first.items == second.items && first.labels == second.labels)
        #expect(first.lines != other.lines)
        #expect(first.lines.count >= 500)
        // Every label names real items; ids are unique.
        let itemIDs = Set(first.items.map(\.id))
        #expect(itemIDs.count == first.items.count)
        #expect(first.labels.values.allSatisfy { $0.isSubset(of: itemIDs) })
        #expect(first.explainableLineIDs.isSubset(of: Set(first.lines.map(\.id))))
    }

    @Test func qualityCountsWrongMatches() {
        let scenario = ReconciliationScenario.generate(seed: 1, count: 200)
        let labelled = scenario.lines.first { !(scenario.labels[$0.id] ?? []).isEmpty }!
        let wrongItem = scenario.items.first { !(scenario.labels[labelled.id] ?? []).contains($0.id) }!
        let wrong = ReconciliationResult(
            matches: [
                ReconciliationMatch(
                    lineIDs: [labelled.id], itemIDs: [wrongItem.id], rule: .grouped,
                    confidencePerMille: 500)
            ],
            exceptions: [], unmatchedItemIDs: [])
        let quality = scenario.quality(of: wrong)
        #expect(quality.precisionPartsPerMillion == 0)
        #expect(quality.recallPartsPerMillion == 0)
        #expect(!quality.meets(precisionPartsPerMillion: 1, recallPartsPerMillion: 0))
        #expect(ReconciliationQuality.percent(999_947) == "99.9947 %")
        #expect(ReconciliationQuality.percent(1_000_000) == "100.0000 %")
    }

    /// The quality bar of issue 7: precision ≥ 99.9 % and recall ≥ 99 % of the explainable lines.
    @Test(arguments: [UInt64(20_260_101), 7, 123_456_789])
    func precisionAndRecallOnGeneratedLines(seed: UInt64) {
        let scenario = ReconciliationScenario.generate(seed: seed, count: 20_000)
        let clock = ContinuousClock()
        var result: ReconciliationResult?
        let elapsed = clock.measure {
            result = ReconciliationMatcher.match(lines: scenario.lines, items: scenario.items)
        }
        let quality = scenario.quality(of: result!)
        print(
            "reconciliation seed \(seed): \(scenario.lines.count) lines, \(scenario.items.count) items, "
                + "\(quality), \(elapsed)")
        var byRule: [ReconciliationRule: Int] = [:]
        for match in result!.matches { byRule[match.rule, default: 0] += match.lineIDs.count }
        print("reconciliation seed \(seed): lines by rule \(byRule.sorted { $0.key < $1.key })")
        #expect(quality.meets(precisionPartsPerMillion: 999_000, recallPartsPerMillion: 990_000), "seed \(seed)")
    }
}
