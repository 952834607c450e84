import Foundation

/// How alike two names are, from 0 (nothing in common) to 1 (the same words), after both have been through
/// ``SanctionsNameNormaliser``.
///
/// The score is
///
///     score = 0.8 × pairing + 0.2 × tokenSet          (0 when no word of one pairs with a word of the other)
///
/// - **Word similarity** `sim(a, b)` is 1 for equal words; otherwise the Jaro-Winkler similarity (prefix
///   scale 0.1, at most 4 prefix letters), raised to 0.95 when both words have the same
///   ``phoneticKey(of:)`` (`smyth`/`smith`, `jon`/`john`, `petroff`/`petrov`) and to 0.8 when one word is a
///   single letter the other starts with (an initial). Below 0.75 it is 0: Jaro-Winkler gives unrelated
///   words about 0.5, which must add nothing.
/// - **pairing** pairs each word with at most one word of the other name, greedily by descending `sim`
///   (ties: the longer pair first, then alphabetically), and weighs each pair by its letters:
///   `Σ sim(a, b) × (|a| + |b|) / (letters of both names)`. Words left unpaired count as 0, so extra words
///   on either side lower the score.
/// - **tokenSet** (the token-set ratio) rewards one name being contained in the other: with `I` the words
///   both names share and `A'`, `B'` the rest of each, the best Levenshtein ratio
///   `1 − distance / longer length` among the strings `I`, `I + A'` and `I + B'` (words joined by spaces).
///
/// So `SMITH, John` and `Jon Smyth` score 0.92, `Acme Trading LLC` and `ACME TRADING CO., LTD.` score 1,
/// `Bank Melli Iran` and `Bank Melli` 0.85. The function is deterministic, and symmetric:
/// `score(a, b) == score(b, a)`.
public enum SanctionsNameScorer {
    /// The share of the word pairing in the score.
    public static let pairingWeight = 0.8
    /// The share of the token-set ratio in the score.
    public static let tokenSetWeight = 0.2
    /// Words less alike than this are not paired.
    public static let wordPairMinimum = 0.75
    /// The similarity of different words with the same phonetic key.
    public static let phoneticSimilarity = 0.95
    /// The similarity of an initial and a word it starts.
    public static let initialSimilarity = 0.8

    /// The score of two names as they are written (both are normalised first).
    public static func score(_ name: String, _ other: String) -> Double { similarity(name, other).score }

    /// The score of two names as they are written, with the words that paired.
    public static func similarity(_ name: String, _ other: String) -> NameSimilarity {
        similarity(
            tokens: SanctionsNameNormaliser.tokens(of: name), SanctionsNameNormaliser.tokens(of: other))
    }

    /// The score of two names already normalised by ``SanctionsNameNormaliser/tokens(of:)`` (sorted words).
    /// (Words in another order are sorted first; the token-set ratio needs them sorted.)
    public static func similarity(tokens: [String], _ otherTokens: [String]) -> NameSimilarity {
        let tokens = tokens.sorted()
        let otherTokens = otherTokens.sorted()
        let prepared = tokens.map(ScreeningToken.init)
        let otherPrepared = otherTokens.map(ScreeningToken.init)
        guard let result = compare(prepared, otherPrepared, atLeast: 0) else {
            return NameSimilarity(score: 0, matchedTokens: [])
        }
        return NameSimilarity(
            score: result.score,
            matchedTokens: result.pairs.map {
                TokenMatch(
                    screenedToken: tokens[$0.first], listedToken: otherTokens[$0.second], similarity: $0.similarity)
            })
    }

    /// `sim(a, b)` of two normalised words, as defined above (0 when they do not pair).
    public static func wordSimilarity(_ word: String, _ other: String) -> Double {
        wordSimilarity(ScreeningToken(word), ScreeningToken(other))
    }

    /// The Jaro-Winkler similarity of two strings, by Unicode scalar: 1 for equal strings, 0 for strings
    /// without a letter in common. Symmetric.
    public static func jaroWinkler(_ text: String, _ other: String) -> Double {
        jaroWinkler(text.unicodeScalars.map(\.value), other.unicodeScalars.map(\.value))
    }

    /// ``jaroWinkler(_:_:)`` in thousandths, rounded: for callers outside this folder (reconciliation), which
    /// keep floating point out of code that also handles money.
    public static func jaroWinklerPerMille(_ text: String, _ other: String) -> Int {
        Int((jaroWinkler(text, other) * 1000).rounded())
    }

    /// A spelling-blind key of an ASCII word, nil for shorter keys than three letters and for other scripts.
    ///
    /// Transliterations and English spellings that sound alike are rewritten the same way — `sch` → `sh`,
    /// `tch` → `ch`, `dzh`/`zh` → `j`, `kh` → `h`, `ph` → `f`, `ck`/`q` → `k`, `x` → `ks`, `w` → `v`, `y` → `i`,
    /// `ou` → `u`, and the German spellings of umlauts `ue`, `oe`, `ae` → `u`, `o`, `a` — then every `h` but a
    /// first one is dropped, doubled letters are collapsed, a final `of` becomes `ov` (Petroff, Petrov) and a
    /// final consonant and `er` a consonant and `r` (Alexander, Aleksandr).
    public static func phoneticKey(of word: String) -> String? {
        guard !word.isEmpty, word.utf8.allSatisfy({ $0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z") }) else {
            return nil
        }
        var text = Array(word.utf8)
        for (pattern, replacement) in phoneticRewrites { replace(pattern, with: replacement, in: &text) }
        var key: [UInt8] = []
        for (index, byte) in text.enumerated() {
            if byte == UInt8(ascii: "h") && index > 0 { continue }
            if key.last == byte { continue }
            key.append(byte)
        }
        if key.count >= 2, key[key.count - 2] == UInt8(ascii: "o"), key[key.count - 1] == UInt8(ascii: "f") {
            key[key.count - 1] = UInt8(ascii: "v")
        }
        // Russian names end in a consonant and `r` where English spells `…er`: Aleksandr, Alexander.
        if key.count >= 4, key[key.count - 2] == UInt8(ascii: "e"), key[key.count - 1] == UInt8(ascii: "r"),
            !"aeiou".utf8.contains(key[key.count - 3])
        {
            key.remove(at: key.count - 2)
        }
        return key.count >= 3 ? String(decoding: key, as: UTF8.self) : nil
    }

    /// Applied in order, each to the whole word.
    private static let phoneticRewrites: [([UInt8], [UInt8])] = [
        ("sch", "sh"), ("tch", "ch"), ("dzh", "j"), ("zh", "j"), ("kh", "h"), ("ph", "f"), ("ck", "k"), ("q", "k"),
        ("x", "ks"), ("w", "v"), ("y", "i"), ("ou", "u"), ("ue", "u"), ("oe", "o"), ("ae", "a"),
    ].map { (Array($0.utf8), Array($1.utf8)) }

    /// Every occurrence of `pattern`, left to right, without overlaps (what `replacingOccurrences` does,
    /// without Foundation's cost: keys are made for every word of a list).
    private static func replace(_ pattern: [UInt8], with replacement: [UInt8], in text: inout [UInt8]) {
        guard text.count >= pattern.count else { return }
        var result: [UInt8] = []
        var index = 0
        var replaced = false
        while index < text.count {
            if index + pattern.count <= text.count, text[index..<(index + pattern.count)].elementsEqual(pattern) {
                if !replaced {
                    result = Array(text[..<index])
                    replaced = true
                }
                result += replacement
                index += pattern.count
            } else {
                if replaced { result.append(text[index]) }
                index += 1
            }
        }
        if replaced { text = result }
    }

    // MARK: - On prepared words

    /// A pair of words, by their places in the two names.
    struct Pair: Hashable, Sendable {
        var first: Int
        var second: Int
        var similarity: Double
    }

    static func wordSimilarity(_ word: ScreeningToken, _ other: ScreeningToken) -> Double {
        if word.scalars == other.scalars { return 1 }
        var similarity = jaroWinkler(word.scalars, other.scalars)
        if let first = word.scalars.first, let otherFirst = other.scalars.first, first == otherFirst,
            word.scalars.count == 1 || other.scalars.count == 1
        {
            similarity = max(similarity, initialSimilarity)
        }
        if let key = word.phoneticKey, key == other.phoneticKey {
            similarity = max(similarity, phoneticSimilarity)
        }
        return similarity >= wordPairMinimum ? similarity : 0
    }

    /// The score of two sorted word lists, nil when no word pairs or the score cannot reach `minimum`
    /// (the token-set ratio is then not computed at all).
    static func compare(
        _ words: [ScreeningToken], _ others: [ScreeningToken], atLeast minimum: Double
    ) -> (score: Double, pairs: [Pair])? {
        guard !words.isEmpty, !others.isEmpty else { return nil }
        var candidates: [Pair] = []
        for (first, word) in words.enumerated() {
            for (second, other) in others.enumerated() {
                let similarity = wordSimilarity(word, other)
                if similarity > 0 { candidates.append(Pair(first: first, second: second, similarity: similarity)) }
            }
        }
        guard !candidates.isEmpty else { return nil }
        // The order must not depend on which name came first, so that the score is symmetric.
        candidates.sort { left, right in
            if left.similarity != right.similarity { return left.similarity > right.similarity }
            let leftLength = words[left.first].scalars.count + others[left.second].scalars.count
            let rightLength = words[right.first].scalars.count + others[right.second].scalars.count
            if leftLength != rightLength { return leftLength > rightLength }
            let leftTexts = ordered(words[left.first].text, others[left.second].text)
            let rightTexts = ordered(words[right.first].text, others[right.second].text)
            if leftTexts.0 != rightTexts.0 { return leftTexts.0 < rightTexts.0 }
            if leftTexts.1 != rightTexts.1 { return leftTexts.1 < rightTexts.1 }
            return (left.first, left.second) < (right.first, right.second)
        }
        var usedFirst = [Bool](repeating: false, count: words.count)
        var usedSecond = [Bool](repeating: false, count: others.count)
        var pairs: [Pair] = []
        var pairedLetters = 0.0
        for candidate in candidates where !usedFirst[candidate.first] && !usedSecond[candidate.second] {
            usedFirst[candidate.first] = true
            usedSecond[candidate.second] = true
            pairs.append(candidate)
            let letters = words[candidate.first].scalars.count + others[candidate.second].scalars.count
            pairedLetters += candidate.similarity * Double(letters)
        }
        let letters = words.reduce(0) { $0 + $1.scalars.count } + others.reduce(0) { $0 + $1.scalars.count }
        let pairing = pairedLetters / Double(letters)
        if pairingWeight * pairing + tokenSetWeight < minimum { return nil }
        let score = min(1, pairingWeight * pairing + tokenSetWeight * tokenSetRatio(words, others))
        if score < minimum { return nil }
        pairs.sort { ($0.first, $0.second) < ($1.first, $1.second) }
        return (score, pairs)
    }

    private static func ordered(_ text: String, _ other: String) -> (String, String) {
        text <= other ? (text, other) : (other, text)
    }

    /// The token-set ratio of two sorted word lists.
    static func tokenSetRatio(_ words: [ScreeningToken], _ others: [ScreeningToken]) -> Double {
        var shared: [[UInt32]] = []
        var onlyFirst: [[UInt32]] = []
        var onlySecond: [[UInt32]] = []
        var index = 0
        var otherIndex = 0
        while index < words.count || otherIndex < others.count {
            if index == words.count {
                onlySecond.append(others[otherIndex].scalars)
                otherIndex += 1
            } else if otherIndex == others.count {
                onlyFirst.append(words[index].scalars)
                index += 1
            } else if words[index].text == others[otherIndex].text {
                shared.append(words[index].scalars)
                index += 1
                otherIndex += 1
            } else if words[index].text < others[otherIndex].text {
                onlyFirst.append(words[index].scalars)
                index += 1
            } else {
                onlySecond.append(others[otherIndex].scalars)
                otherIndex += 1
            }
        }
        let intersection = joined(shared)
        let first = joined(shared + onlyFirst)
        let second = joined(shared + onlySecond)
        return max(
            levenshteinRatio(intersection, first), levenshteinRatio(intersection, second),
            levenshteinRatio(first, second))
    }

    private static func joined(_ words: [[UInt32]]) -> [UInt32] {
        var text: [UInt32] = []
        for word in words {
            if !text.isEmpty { text.append(0x20) }
            text.append(contentsOf: word)
        }
        return text
    }

    /// `1 − distance / longer length`; 0 when either is empty.
    static func levenshteinRatio(_ text: [UInt32], _ other: [UInt32]) -> Double {
        guard !text.isEmpty, !other.isEmpty else { return 0 }
        if text == other { return 1 }
        var previous = Array(0...other.count)
        var current = [Int](repeating: 0, count: other.count + 1)
        for (row, character) in text.enumerated() {
            current[0] = row + 1
            for column in 0..<other.count {
                let substitution = previous[column] + (character == other[column] ? 0 : 1)
                current[column + 1] = min(substitution, previous[column + 1] + 1, current[column] + 1)
            }
            swap(&previous, &current)
        }
        return 1 - Double(previous[other.count]) / Double(max(text.count, other.count))
    }

    // MARK: - Jaro-Winkler

    static func jaroWinkler(_ text: [UInt32], _ other: [UInt32]) -> Double {
        // The matching is greedy from the first string, which can make it depend on the order; the shorter
        // (then the smaller) string always goes first.
        if other.count < text.count || (other.count == text.count && other.lexicographicallyPrecedes(text)) {
            return jaroWinkler(other, text)
        }
        let jaro = jaro(text, other)
        let prefix = commonPrefixLength(text, other)
        return jaro + Double(prefix) * 0.1 * (1 - jaro)
    }

    /// Up to four letters.
    static func commonPrefixLength(_ text: [UInt32], _ other: [UInt32]) -> Int {
        var length = 0
        while length < 4, length < text.count, length < other.count, text[length] == other[length] { length += 1 }
        return length
    }

    private static func jaro(_ text: [UInt32], _ other: [UInt32]) -> Double {
        if text.isEmpty || other.isEmpty { return text.isEmpty && other.isEmpty ? 1 : 0 }
        let window = max(0, max(text.count, other.count) / 2 - 1)
        return withUnsafeTemporaryAllocation(of: Bool.self, capacity: text.count + other.count) { flags in
            flags.initialize(repeating: false)
            var matches = 0
            for index in 0..<text.count {
                let low = max(0, index - window)
                let high = min(other.count - 1, index + window)
                guard low <= high else { continue }
                for otherIndex in low...high where !flags[text.count + otherIndex] && text[index] == other[otherIndex] {
                    flags[index] = true
                    flags[text.count + otherIndex] = true
                    matches += 1
                    break
                }
            }
            guard matches > 0 else { return 0 }
            var outOfOrder = 0
            var otherIndex = 0
            for index in 0..<text.count where flags[index] {
                while !flags[text.count + otherIndex] { otherIndex += 1 }
                if text[index] != other[otherIndex] { outOfOrder += 1 }
                otherIndex += 1
            }
            let matched = Double(matches)
            let transpositions = Double(outOfOrder) / 2
            return (matched / Double(text.count) + matched / Double(other.count) + (matched - transpositions) / matched)
                / 3
        }
    }

    /// The highest Jaro-Winkler similarity two words of these lengths and this common prefix can have
    /// when they share at most `commonLetters` letters (counted with repetition): the screener's index
    /// uses it to skip words without computing their similarity.
    static func jaroWinklerBound(length: Int, otherLength: Int, commonLetters: Int, prefix: Int) -> Double {
        let matches = Double(min(commonLetters, length, otherLength))
        guard matches > 0 else { return 0 }
        let jaro = (matches / Double(length) + matches / Double(otherLength) + 1) / 3
        return jaro + Double(prefix) * 0.1 * (1 - jaro)
    }
}

/// How alike two names are, and which of their words paired.
public struct NameSimilarity: Hashable, Sendable {
    /// 0…1; see ``SanctionsNameScorer``.
    public var score: Double
    /// The word pairs, in the screened name's word order.
    public var matchedTokens: [TokenMatch]

    public init(score: Double, matchedTokens: [TokenMatch]) {
        self.score = score
        self.matchedTokens = matchedTokens
    }
}

/// A word of the screened name paired with a word of a listed name, both normalised.
public struct TokenMatch: Hashable, Sendable, Codable {
    public var screenedToken: String
    public var listedToken: String
    /// `sim(a, b)` of ``SanctionsNameScorer``: 0.75…1.
    public var similarity: Double

    public init(screenedToken: String, listedToken: String, similarity: Double) {
        self.screenedToken = screenedToken
        self.listedToken = listedToken
        self.similarity = similarity
    }
}

/// A normalised word with what comparing it needs, computed once.
struct ScreeningToken: Hashable, Sendable {
    let text: String
    let scalars: [UInt32]
    let phoneticKey: String?

    init(_ text: String) {
        self.text = text
        scalars = text.unicodeScalars.map(\.value)
        phoneticKey = SanctionsNameScorer.phoneticKey(of: text)
    }
}
