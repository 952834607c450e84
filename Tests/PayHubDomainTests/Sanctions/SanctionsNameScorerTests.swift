import Foundation
import PayHubDomain
import Testing

@Suite("Sanctions name scorer")
struct SanctionsNameScorerTests {
    @Test(
        "spelling variants, word order, transliterations and legal forms of one name score at least 0.9",
        arguments: [
            ("Jon Smyth", "SMITH, John"),
            ("Acme Trading LLC", "ACME TRADING CO., LTD."),
            ("Aleksandr Petrov", "PETROV, Alexander"),
            ("Alexander Petroff", "PETROV, Aleksandr"),
            ("Александр Петров", "PETROV, Aleksandr"),
            ("Sergey Ivanov", "IVANOV, Sergei"),
            ("Hans Mueller", "MÜLLER, Hans"),
            ("Acme Tradng Company", "Acme Trading LLC"),
            ("José García López", "GARCIA LOPEZ, Jose"),
            ("Desert Falcon General Trading", "DESERT FALCON GENERAL TRADING FZE"),
            ("华为技术有限公司", "华为技术股份有限公司"),
            ("Dmitri Volkoff", "VOLKOV, Dmitriy"),
            ("Northern Star Metals Limited", "NORTHERN STAR METALS OOO"),
        ])
    func alikeNamesScoreHigh(name: String, listed: String) {
        let score = SanctionsNameScorer.score(name, listed)
        #expect(score >= 0.9, "\(name) vs \(listed): \(score)")
    }

    @Test(
        "different names, and names sharing only a common word, score below 0.7",
        arguments: [
            ("Blue Ocean Logistics", "Acme Trading"),
            ("Petrov", "Aleksandr Ivanovich Petrov"),
            ("Jose Garcia", "Maria Garcia Lopez"),
            ("Northwind Office Supplies", "Northern Star Metals"),
            ("Smith", "John Edward Smith"),
            ("Bank of China", "Bank Melli Iran"),
            ("Global Logistics GmbH", "Golden Crescent Exchange"),
            ("Kim Li", "Kim Chol Su"),
            ("Red Sea Trading", "Red Sea Maritime Company Limited"),
            ("Sunrise Bakery", "Korea Sunrise Trading Corporation"),
        ])
    func differentNamesScoreLow(name: String, listed: String) {
        let score = SanctionsNameScorer.score(name, listed)
        #expect(score < 0.7, "\(name) vs \(listed): \(score)")
    }

    @Test("names that normalise alike score exactly 1; names without a pairing word exactly 0")
    func extremes() {
        #expect(SanctionsNameScorer.score("Acme Trading LLC", "ACME TRADING CO., LTD.") == 1)
        #expect(SanctionsNameScorer.score("SMITH, John", "john smith") == 1)
        #expect(SanctionsNameScorer.score("Blue Ocean", "Acme Trading") == 0)
        #expect(SanctionsNameScorer.score("", "Acme Trading") == 0)
    }

    @Test("the words that paired are reported with their similarity")
    func matchedTokens() {
        let similarity = SanctionsNameScorer.similarity("Jon Smyth", "SMITH, John")
        #expect(
            similarity.matchedTokens == [
                TokenMatch(screenedToken: "jon", listedToken: "john", similarity: 0.95),
                TokenMatch(screenedToken: "smyth", listedToken: "smith", similarity: 0.95),
            ])
        // Both pairs at 0.95 give pairing 0.95; "jon smyth" and "john smith" are 2 edits of 10 apart.
        #expect(abs(similarity.score - (0.8 * 0.95 + 0.2 * 0.8)) < 1e-12)
    }

    @Test(
        "Jaro-Winkler matches the published examples",
        arguments: [
            ("MARTHA", "MARHTA", 0.9611), ("DWAYNE", "DUANE", 0.8400), ("DIXON", "DICKSONX", 0.8133),
            ("JELLYFISH", "SMELLYFISH", 0.8963), ("ABC", "ABC", 1.0), ("ABC", "XYZ", 0.0),
        ])
    func jaroWinkler(text: String, other: String, expected: Double) {
        #expect(abs(SanctionsNameScorer.jaroWinkler(text, other) - expected) < 0.0001, "\(text) \(other)")
    }

    @Test(
        "word similarity: equal words 1, phonetic variants 0.95, initials 0.8, unrelated words 0",
        arguments: [
            ("smith", "smith", 1.0), ("smyth", "smith", 0.95), ("jon", "john", 0.95), ("petroff", "petrov", 0.95),
            ("ksenia", "xenia", 0.95), ("j", "john", 0.8), ("acme", "ocean", 0.0), ("petrov", "ivanov", 0.0),
        ])
    func wordSimilarity(word: String, other: String, expected: Double) {
        #expect(abs(SanctionsNameScorer.wordSimilarity(word, other) - expected) < 1e-12, "\(word) \(other)")
    }

    @Test(
        "phonetic keys",
        arguments: [
            ("smyth", "smit"), ("smith", "smit"), ("john", "jon"), ("petroff", "petrov"), ("xenia", "ksenia"),
            ("schmidt", "smidt"), ("mueller", "mulr"), ("alexander", "aleksandr"), ("li", nil), ("müller", nil),
        ] as [(String, String?)])
    func phoneticKeys(word: String, expected: String?) {
        #expect(SanctionsNameScorer.phoneticKey(of: word) == expected, "\(word)")
    }

    @Test("scores are symmetric, within 0…1, and 1 for a name against itself (seeded random names)")
    func properties() {
        let seed: UInt64 = 0x5C0_4E57
        var random = SplitMix64(seed: seed)
        for iteration in 0..<2_000 {
            let name = RandomNames.name(using: &random)
            let other =
                Bool.random(using: &random)
                ? RandomNames.variant(of: name, using: &random) : RandomNames.name(using: &random)
            let score = SanctionsNameScorer.score(name, other)
            #expect((0...1).contains(score), "seed \(seed), iteration \(iteration): \(name) / \(other) = \(score)")
            #expect(
                score == SanctionsNameScorer.score(other, name),
                "seed \(seed), iteration \(iteration): \(name) / \(other) is not symmetric")
            #expect(SanctionsNameScorer.score(name, name) == 1, "seed \(seed), iteration \(iteration): \(name)")
        }
    }
}

/// Made-up names from syllables, and spelling variants of them, for seeded property tests.
enum RandomNames {
    static let syllables = [
        "ka", "ro", "min", "tel", "sha", "vo", "dar", "li", "ne", "os", "ter", "ba", "gul", "ev", "ich", "an", "mar",
        "to", "zh", "ski", "pe", "tro", "al", "ex", "ou", "y", "ph",
    ]
    static let legalForms = ["LLC", "GmbH", "Co., Ltd.", "S.A.", "OOO", "Inc.", "Limited"]

    static func word(using random: inout SplitMix64) -> String {
        (0..<Int.random(in: 1...3, using: &random)).map { _ in syllables.randomElement(using: &random)! }.joined()
    }

    static func name(using random: inout SplitMix64) -> String {
        var words = (0..<Int.random(in: 1...4, using: &random)).map { _ in word(using: &random) }
        if Int.random(in: 0..<4, using: &random) == 0 { words.append(legalForms.randomElement(using: &random)!) }
        if Bool.random(using: &random), let first = words.first { words[0] = first.uppercased() }
        return words.joined(separator: " ")
    }

    /// The name with one change: a letter dropped, doubled or replaced, words swapped, a word added or lost.
    static func variant(of name: String, using random: inout SplitMix64) -> String {
        var words = name.split(separator: " ").map(String.init)
        let index = Int.random(in: 0..<words.count, using: &random)
        var letters = Array(words[index])
        switch Int.random(in: 0..<6, using: &random) {
        case 0 where letters.count > 1: letters.remove(at: Int.random(in: 0..<letters.count, using: &random))
        case 1: letters.insert(letters[0], at: 0)
        case 2: letters[Int.random(in: 0..<letters.count, using: &random)] = "a"
        case 3: words.reverse()
        case 4: words.append(word(using: &random))
        default: if words.count > 1 { words.remove(at: index) }
        }
        if index < words.count, Int.random(in: 0..<3, using: &random) > 0 { words[index] = String(letters) }
        return words.joined(separator: " ")
    }
}
