import Foundation

/// Screens names (and countries) against one version of a sanctions list.
///
/// Building a screener normalises every name and alias of the list once and indexes their words; a
/// screening then scores only the listed names that share a word similar enough to pair with a word of
/// the screened name (see ``SanctionsNameScorer``). Every other name would score 0, so the index changes
/// no decision: screening returns exactly the hits that scoring every listed name would. Build one per
/// list version and share it; it is an immutable value.
///
/// ```swift
/// let screener = SanctionsScreener(list: list, options: try .init(threshold: 0.85, embargoedCountryCodes: ["KP"]))
/// let decision = screener.screen(name: vendor.name, countryCode: vendor.countryCode)
/// ```
public struct SanctionsScreener: Sendable {
    /// What makes a hit.
    public struct Options: Hashable, Sendable {
        /// The threshold when none is configured: a typo or a transliteration variant of every word
        /// still scores above it, a shared surname alone does not.
        public static let defaultThreshold = 0.85

        /// A listed name scoring at or above it is a hit. 0 < threshold ≤ 1.
        public let threshold: Double
        /// ISO 3166-1 alpha-2 codes (uppercase) whose vendors are a hit whatever their name.
        public let embargoedCountryCodes: Set<String>

        /// Checks the options: the threshold must be a number above 0 and at most 1, and the countries
        /// ISO 3166-1 alpha-2 codes (any case; they are kept uppercase).
        public init(
            threshold: Double = defaultThreshold, embargoedCountryCodes: Set<String> = []
        ) throws(ValidationFailure) {
            var problems = FieldErrorCollector()
            if !threshold.isFinite || threshold <= 0 || threshold > 1 {
                problems.add("threshold", code: "invalid_threshold", "threshold must be above 0 and at most 1")
            }
            var codes: Set<String> = []
            for code in embargoedCountryCodes {
                let uppercased = code.trimmed(.whitespaces).uppercased()
                if CountryCode.isValid(uppercased) {
                    codes.insert(uppercased)
                } else {
                    problems.add(
                        "embargoed_country_codes", code: "invalid_country",
                        "embargoed countries must be ISO 3166-1 alpha-2 codes such as KP")
                }
            }
            try problems.throwIfAny()
            self.threshold = threshold
            self.embargoedCountryCodes = codes
        }
    }

    public let listSource: SanctionsList.Source
    public let listVersion: String
    public let options: Options
    private let entries: [SanctionsListEntry]
    private let index: WordIndex

    /// Normalises and indexes every name of `list`: linear in the list's size, a fraction of a second
    /// for the whole OFAC list with its aliases.
    public init(list: SanctionsList, options: Options) {
        listSource = list.source
        listVersion = list.version
        self.options = options
        entries = list.entries
        index = WordIndex(list.entries)
    }

    /// How many distinct names (primary names and aliases) are screened against.
    public var indexedNameCount: Int { index.names.count }

    /// Screens a vendor's name and country.
    public func screen(_ vendor: Vendor) -> ScreeningDecision {
        screen(name: vendor.name, countryCode: vendor.countryCode)
    }

    /// Screens a name and, when known, its country (ISO 3166-1 alpha-2, any case).
    ///
    /// The hits are the country rule's, when `countryCode` is embargoed, then each list entry whose best
    /// name or alias scores at least ``Options/threshold``, by descending score. Pure: the same name,
    /// country, list and options always give the same decision.
    public func screen(name: String, countryCode: String?) -> ScreeningDecision {
        let country = countryCode.map { $0.trimmed(.whitespaces).uppercased() }.flatMap { $0.isEmpty ? nil : $0 }
        var hits: [ScreeningHit] = []
        if let country, options.embargoedCountryCodes.contains(country) {
            hits.append(.embargoedCountry(country))
        }
        let words = SanctionsNameNormaliser.tokens(of: name)
        hits += nameHits(words, country: country)
        return ScreeningDecision(
            hits: hits, listSource: listSource, listVersion: listVersion, threshold: options.threshold)
    }

    private func nameHits(_ words: [String], country: String?) -> [ScreeningHit] {
        guard !words.isEmpty else { return [] }
        let query = words.map(ScreeningToken.init)
        let threshold = options.threshold
        var best: [Int32: (name: Int32, score: Double, pairs: [SanctionsNameScorer.Pair])] = [:]
        let queryLetters = query.reduce(0) { $0 + $1.scalars.count }
        for candidate in index.candidates(for: query) {
            let nameIndex = candidate.name
            let name = index.names[Int(nameIndex)]
            // The most the name can score: every word that found a partner pairs perfectly, and the
            // token-set ratio is 1.
            let pairedLetters = candidate.pairedQueryLetters + min(candidate.pairedNameLetters, name.letters)
            let bound =
                SanctionsNameScorer.pairingWeight * Double(pairedLetters) / Double(queryLetters + name.letters)
                + SanctionsNameScorer.tokenSetWeight
            guard bound + 1e-9 >= threshold else { continue }
            let listed = name.words.map { index.vocabulary[Int($0)] }
            guard let result = SanctionsNameScorer.compare(query, listed, atLeast: threshold) else { continue }
            if let known = best[name.entry],
                known.score > result.score || (known.score == result.score && known.name < nameIndex)
            {
                continue
            }
            best[name.entry] = (nameIndex, result.score, result.pairs)
        }
        // Sorted by entry first: dictionary order differs between runs, and equal scores and ids (two
        // entries of a hand-made list) must still come out in one order.
        let found = best.sorted { $0.key < $1.key }
        let hits: [ScreeningHit] = found.map { entryIndex, match in
            let entry = entries[Int(entryIndex)]
            let name = index.names[Int(match.name)]
            let listed = name.words.map { index.vocabulary[Int($0)].text }
            return .name(
                entryID: entry.id,
                matchedName: name.alias == 0 ? entry.primaryName : entry.aliases[Int(name.alias) - 1],
                matchedAlias: name.alias != 0, score: match.score,
                matchedTokens: match.pairs.map {
                    TokenMatch(
                        screenedToken: words[$0.first], listedToken: listed[$0.second], similarity: $0.similarity)
                },
                countryMatched: country.map { entry.countries.contains($0) } ?? false)
        }
        // A stable sort keeps the entry order among equals.
        return hits.enumerated().sorted { left, right in
            if left.element.score != right.element.score { return left.element.score > right.element.score }
            let (leftID, rightID) = (left.element.entryID ?? "", right.element.entryID ?? "")
            return leftID != rightID ? leftID < rightID : left.offset < right.offset
        }.map(\.element)
    }
}

/// Every distinct word of a list's names (its vocabulary), which names hold each word, and two ways to
/// find the words similar to a given one without comparing it with all of them.
private struct WordIndex: Sendable {
    struct Name: Sendable {
        var entry: Int32
        /// 0 for the primary name, n for alias n - 1.
        var alias: Int32
        /// Vocabulary ids, in the normaliser's (sorted) order.
        var words: [Int32]
        var letters: Int
    }

    /// What the words of a screened name found in one listed name.
    struct Candidate {
        var name: Int32
        /// Letters of the screened name's words that found a similar word in the name.
        var pairedQueryLetters: Int
        /// Letters of the name's words similar to some screened word (a word counted once per screened
        /// word it is similar to, so never less than the true number).
        var pairedNameLetters: Int
    }

    var vocabulary: [ScreeningToken] = []
    var names: [Name] = []
    /// Per vocabulary id, its length and first four letters (0 past the end), kept apart from the words
    /// so that the scan of a screening reads flat arrays only.
    private var lengths: [Int32] = []
    private var prefixes: [UInt32] = []
    /// Per vocabulary id, the names holding the word (once per occurrence).
    private var namesByWord: [[Int32]] = []
    /// `scalar << 32 | k` → the words holding at least k of that letter. Summing over a word's letters
    /// gives how many letters two words have in common, which bounds their Jaro-Winkler similarity.
    private var wordsByLetter: [UInt64: [Int32]] = [:]
    /// Phonetic key → words with it: such words pair whatever letters they share.
    private var wordsByPhoneticKey: [String: [Int32]] = [:]

    init(_ entries: [SanctionsListEntry]) {
        var ids: [String: Int32] = [:]
        for (entryIndex, entry) in entries.enumerated() {
            var seen: Set<[String]> = []
            for (alias, text) in entry.names.enumerated() {
                let words = SanctionsNameNormaliser.tokens(of: text)
                // A name of punctuation only cannot be matched; one normalising like another of the same
                // entry would only ever repeat its hits.
                guard !words.isEmpty, seen.insert(words).inserted else { continue }
                var wordIDs: [Int32] = []
                var letters = 0
                for word in words {
                    let id: Int32
                    if let known = ids[word] {
                        id = known
                    } else {
                        id = Int32(vocabulary.count)
                        ids[word] = id
                        add(ScreeningToken(word))
                    }
                    wordIDs.append(id)
                    letters += Int(lengths[Int(id)])
                    namesByWord[Int(id)].append(Int32(names.count))
                }
                names.append(Name(entry: Int32(entryIndex), alias: Int32(alias), words: wordIDs, letters: letters))
            }
        }
    }

    private mutating func add(_ word: ScreeningToken) {
        let id = Int32(vocabulary.count)
        vocabulary.append(word)
        lengths.append(Int32(word.scalars.count))
        for position in 0..<4 { prefixes.append(position < word.scalars.count ? word.scalars[position] : 0) }
        namesByWord.append([])
        for (scalar, count) in Self.letterCounts(word.scalars) {
            for occurrence in 1...count { wordsByLetter[Self.letterKey(scalar, occurrence), default: []].append(id) }
        }
        if let key = word.phoneticKey { wordsByPhoneticKey[key, default: []].append(id) }
    }

    private static func letterCounts(_ scalars: [UInt32]) -> [UInt32: Int] {
        var counts: [UInt32: Int] = [:]
        for scalar in scalars { counts[scalar, default: 0] += 1 }
        return counts
    }

    private static func letterKey(_ scalar: UInt32, _ occurrence: Int) -> UInt64 {
        UInt64(scalar) << 32 | UInt64(UInt32(truncatingIfNeeded: occurrence))
    }

    /// The names holding a word that pairs with a word of `query`, with what was found in each.
    func candidates(for query: [ScreeningToken]) -> [Candidate] {
        var commonLetters = [Int32](repeating: 0, count: vocabulary.count)
        var touched: [Int32] = []
        var pairedQueryLetters = [Int32](repeating: 0, count: names.count)
        var pairedNameLetters = [Int32](repeating: 0, count: names.count)
        /// 1 + the last screened word counted in `pairedQueryLetters` (words are visited in order).
        var lastWord = [Int32](repeating: 0, count: names.count)
        var touchedNames: [Int32] = []
        for (position, word) in query.enumerated() {
            var similar: [Int32] = []
            // The scan below reads every word sharing a letter with this one: it runs on buffers, without
            // the bounds and uniqueness checks of array subscripts.
            commonLetters.withUnsafeMutableBufferPointer { commonLetters in
                for (scalar, count) in Self.letterCounts(word.scalars) {
                    for occurrence in 1...count {
                        guard let words = wordsByLetter[Self.letterKey(scalar, occurrence)] else { break }
                        for id in words {
                            if commonLetters[Int(id)] == 0 { touched.append(id) }
                            commonLetters[Int(id)] += 1
                        }
                    }
                }
            }
            let length = word.scalars.count
            let first = (0..<4).map { $0 < length ? word.scalars[$0] : UInt32.max }
            var maybeSimilar: [Int32] = []
            commonLetters.withUnsafeMutableBufferPointer { commonLetters in
                lengths.withUnsafeBufferPointer { lengths in
                    prefixes.withUnsafeBufferPointer { prefixes in
                        for id in touched {
                            let common = Int(commonLetters[Int(id)])
                            commonLetters[Int(id)] = 0
                            let otherLength = Int(lengths[Int(id)])
                            var prefix = 0
                            while prefix < 4, prefixes[Int(id) * 4 + prefix] == first[prefix] { prefix += 1 }
                            let isInitial = prefix > 0 && (length == 1 || otherLength == 1)
                            if isInitial
                                || SanctionsNameScorer.jaroWinklerBound(
                                    length: length, otherLength: otherLength, commonLetters: common, prefix: prefix)
                                    + 1e-9 >= SanctionsNameScorer.wordPairMinimum
                            {
                                maybeSimilar.append(id)
                            }
                        }
                    }
                }
            }
            touched.removeAll(keepingCapacity: true)
            for id in maybeSimilar where SanctionsNameScorer.wordSimilarity(word, vocabulary[Int(id)]) > 0 {
                similar.append(id)
            }
            if let key = word.phoneticKey, let sameKey = wordsByPhoneticKey[key] {
                let already = Set(similar)
                similar += sameKey.filter { !already.contains($0) }
            }
            for id in similar {
                let letters = lengths[Int(id)]
                for name in namesByWord[Int(id)] {
                    let name = Int(name)
                    if lastWord[name] == 0 { touchedNames.append(Int32(name)) }
                    if lastWord[name] != position + 1 {
                        lastWord[name] = Int32(position + 1)
                        pairedQueryLetters[name] += Int32(length)
                    }
                    pairedNameLetters[name] += letters
                }
            }
        }
        return touchedNames.map {
            Candidate(
                name: $0, pairedQueryLetters: Int(pairedQueryLetters[Int($0)]),
                pairedNameLetters: Int(pairedNameLetters[Int($0)]))
        }
    }
}
