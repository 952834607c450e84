import Foundation
import PayHubDomain
import Testing

@Suite("Sanctions screener")
struct SanctionsScreenerTests {
    static let list = SanctionsList(
        source: .ofacSDN, version: "2026-03-02",
        entries: [
            SanctionsListEntry(
                id: "10003", primaryName: "PETROV, Aleksandr Ivanovich", aliases: ["PETROFF, Alexander"],
                entityType: .individual, programmes: ["RUSSIA-EO14024"], countries: ["RU"]),
            SanctionsListEntry(
                id: "10004", primaryName: "SMITH, John Edward", aliases: ["SMYTH, Jon"], entityType: .individual,
                programmes: ["SDGT"], countries: ["GB"]),
            SanctionsListEntry(
                id: "10005", primaryName: "ACME TRADING CO., LTD.", aliases: ["ACME INTERNATIONAL TRADING LIMITED"],
                entityType: .organisation, programmes: ["NPWMD"], countries: ["HK"]),
            SanctionsListEntry(
                id: "10021", primaryName: "GOLDEN CRESCENT EXCHANGE", aliases: ["HILAL AL-DHAHABI EXCHANGE"],
                entityType: .organisation, programmes: ["SDGT"], countries: ["AF"]),
            SanctionsListEntry(
                id: "1005", primaryName: "深圳光明未来电子有限公司", aliases: ["Shenzhen Bright Future Electronics Co., Ltd."],
                entityType: .organisation, countries: ["CN"]),
        ])

    static func screener(threshold: Double = 0.85, embargoed: Set<String> = []) throws -> SanctionsScreener {
        SanctionsScreener(list: list, options: try .init(threshold: threshold, embargoedCountryCodes: embargoed))
    }

    @Test("a vendor whose name matches no listed name is clear, and the decision names the list version")
    func clear() throws {
        let decision = try Self.screener().screen(name: "Northwind Office Supplies GmbH", countryCode: "DE")
        #expect(decision.outcome == .clear)
        #expect(decision.hits.isEmpty)
        #expect(decision.listSource == .ofacSDN)
        #expect(decision.listVersion == "2026-03-02")
        #expect(decision.threshold == 0.85)
    }

    @Test("a variant of a listed name is a potential match naming the entry, the name, the words and the country")
    func nameHit() throws {
        let decision = try Self.screener().screen(name: "Acme Trading LLC", countryCode: "hk")
        #expect(decision.outcome == .potentialMatch)
        let hit = try #require(decision.hits.first)
        #expect(decision.hits.count == 1)
        #expect(hit.kind == .name)
        #expect(hit.entryID == "10005")
        #expect(hit.matchedName == "ACME TRADING CO., LTD.")
        #expect(hit.matchedAlias == false)
        #expect(hit.score == 1)
        #expect(hit.matchedTokens.map(\.listedToken) == ["acme", "trading"])
        #expect(hit.countryMatched)
        let elsewhere = try Self.screener().screen(name: "Acme Trading LLC", countryCode: "DE")
        #expect(elsewhere.hits.first?.countryMatched == false)
    }

    @Test("an alias is screened like a primary name, and the hit says the alias matched")
    func aliasHit() throws {
        let decision = try Self.screener().screen(name: "Hilal Al Dhahabi Exchange", countryCode: nil)
        let hit = try #require(decision.hits.first)
        #expect(hit.entryID == "10021")
        #expect(hit.matchedName == "HILAL AL-DHAHABI EXCHANGE")
        #expect(hit.matchedAlias)
        #expect(hit.score == 1)
        // Of an entry's names, the best one is reported: `Jon Smyth` is the alias exactly.
        let smyth = try #require(try Self.screener().screen(name: "Jon Smyth", countryCode: "GB").hits.first)
        #expect(smyth.entryID == "10004")
        #expect(smyth.matchedName == "SMYTH, Jon")
        #expect(smyth.countryMatched)
        let chinese = try #require(try Self.screener().screen(name: "深圳光明未来电子有限公司", countryCode: "CN").hits.first)
        #expect(chinese.entryID == "1005")
        #expect(chinese.matchedAlias == false)
        let transliterated = try #require(
            try Self.screener().screen(name: "Shenzhen Bright Future Electronics Company Limited", countryCode: nil)
                .hits.first)
        #expect(transliterated.entryID == "1005")
        #expect(transliterated.matchedAlias)
    }

    @Test("the threshold decides: a name scoring s is a hit at threshold s and clear just above it")
    func threshold() throws {
        let name = "Alexander Petrovski"
        let score = SanctionsNameScorer.similarity(name, "PETROFF, Alexander").score
        #expect(score > 0.7 && score < 1, "the case needs a partial score, got \(score)")
        let atScore = try Self.screener(threshold: score).screen(name: name, countryCode: nil)
        #expect(atScore.hits.map(\.entryID) == ["10003"])
        #expect(atScore.hits.first?.score == score)
        let above = try Self.screener(threshold: score.nextUp).screen(name: name, countryCode: nil)
        #expect(above.outcome == .clear)
        #expect(above.threshold == score.nextUp)
    }

    @Test("an embargoed country is a hit whatever the name; other countries are not")
    func countryRule() throws {
        let screener = try Self.screener(embargoed: ["KP", "cu"])
        #expect(screener.options.embargoedCountryCodes == ["KP", "CU"])
        let decision = screener.screen(name: "Pyongyang Bakery", countryCode: "kp")
        #expect(decision.outcome == .potentialMatch)
        #expect(decision.hits == [.embargoedCountry("KP")])
        #expect(decision.hits.first?.score == 1)
        #expect(screener.screen(name: "Pyongyang Bakery", countryCode: "KR").outcome == .clear)
        #expect(screener.screen(name: "Pyongyang Bakery", countryCode: nil).outcome == .clear)
        // Both rules at once: the country hit first, then the name hits.
        let both = screener.screen(name: "Acme Trading", countryCode: "CU")
        #expect(both.hits.map(\.kind) == [.embargoedCountry, .name])
    }

    @Test("hits are ordered by score, then by entry id")
    func ordering() throws {
        let list = SanctionsList(
            source: .euConsolidated, version: "v",
            entries: [
                SanctionsListEntry(id: "3", primaryName: "Acme Trading Company", entityType: .organisation),
                SanctionsListEntry(id: "2", primaryName: "Acme Tradng", entityType: .organisation),
                SanctionsListEntry(id: "1", primaryName: "ACME TRADING LLC", entityType: .organisation),
            ])
        let screener = SanctionsScreener(list: list, options: try .init(threshold: 0.5))
        let hits = screener.screen(name: "Acme Trading", countryCode: nil).hits
        #expect(hits.map(\.entryID) == ["1", "3", "2"])
        #expect(hits.map(\.score) == hits.map(\.score).sorted(by: >))
    }

    @Test("options are checked: the threshold in (0, 1], countries as alpha-2 codes")
    func options() {
        for threshold in [0, -0.1, 1.01, .nan, .infinity] {
            #expect(throws: ValidationFailure.self, "\(threshold)") {
                try SanctionsScreener.Options(threshold: threshold)
            }
        }
        #expect(throws: ValidationFailure.self) {
            try SanctionsScreener.Options(embargoedCountryCodes: ["North Korea"])
        }
        #expect(throws: Never.self) { try SanctionsScreener.Options(threshold: 1, embargoedCountryCodes: [" ir "]) }
    }

    @Test("names are normalised once: aliases normalising like another name of the entry are not indexed twice")
    func indexedNames() {
        let list = SanctionsList(
            source: .ofacSDN, version: "v",
            entries: [
                SanctionsListEntry(
                    id: "1", primaryName: "ACME TRADING LLC", aliases: ["Acme Trading Ltd.", "---", "Acme Export"],
                    entityType: .organisation)
            ])
        let screener = SanctionsScreener(list: list, options: try! .init())
        #expect(screener.indexedNameCount == 2)
    }

    /// The index only skips names that cannot reach the threshold, so screening must return exactly what
    /// scoring every name of every entry returns.
    @Test("screening returns exactly the hits of scoring every listed name (seeded random lists and names)")
    func indexIsExact() throws {
        let seed: UInt64 = 0x1DE_C0DE
        var random = SplitMix64(seed: seed)
        let thresholds = [0.55, 0.75, 0.85, 0.95]
        var hitCount = 0
        for round in 0..<3 {
            let entries = (0..<250).map { index in
                SanctionsListEntry(
                    id: String(index), primaryName: RandomNames.name(using: &random),
                    aliases: (0..<Int.random(in: 0...2, using: &random)).map { _ in RandomNames.name(using: &random) },
                    entityType: .organisation)
            }
            let list = SanctionsList(source: .ofacSDN, version: "round \(round)", entries: entries)
            let listedWords = entries.map { $0.names.map { ($0, SanctionsNameNormaliser.tokens(of: $0)) } }
            let screeners = try thresholds.map { SanctionsScreener(list: list, options: try .init(threshold: $0)) }
            for query in 0..<60 {
                let listed = entries.randomElement(using: &random)!.names.randomElement(using: &random)!
                let name =
                    Bool.random(using: &random)
                    ? RandomNames.variant(of: listed, using: &random) : RandomNames.name(using: &random)
                let scores = Self.scores(name, listedWords)
                for (threshold, screener) in zip(thresholds, screeners) {
                    let expected = Self.hits(entries, scores, threshold: threshold)
                    let actual = screener.screen(name: name, countryCode: nil).hits.map {
                        "\($0.entryID!) \($0.matchedName!) \($0.score)"
                    }
                    hitCount += actual.count
                    #expect(
                        actual == expected,
                        "seed \(seed), round \(round), threshold \(threshold), query \(query): \(name)")
                }
            }
        }
        // The comparison means something only if there were hits to compare.
        #expect(hitCount > 300, "seed \(seed): only \(hitCount) hits")
    }

    /// The score of `name` against every name of every entry.
    private static func scores(_ name: String, _ listedWords: [[(String, [String])]]) -> [[(String, Double)]] {
        let words = SanctionsNameNormaliser.tokens(of: name)
        return listedWords.map { names in
            names.map { ($0.0, SanctionsNameScorer.similarity(tokens: words, $0.1).score) }
        }
    }

    /// Every entry's best name scoring at least `threshold`, ordered as the screener orders hits.
    private static func hits(
        _ entries: [SanctionsListEntry], _ scores: [[(String, Double)]], threshold: Double
    ) -> [String] {
        var hits: [(id: String, name: String, score: Double)] = []
        for (entry, names) in zip(entries, scores) {
            var best: (name: String, score: Double)?
            for (listed, score) in names where score >= threshold && score > (best?.score ?? -1) {
                best = (listed, score)
            }
            if let best { hits.append((entry.id, best.name, best.score)) }
        }
        hits.sort { ($0.score, $1.id) > ($1.score, $0.id) }
        return hits.map { "\($0.id) \($0.name) \($0.score)" }
    }
}
