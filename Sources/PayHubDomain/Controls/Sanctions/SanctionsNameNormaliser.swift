import Foundation

/// Turns a name into the sorted words it is compared by, so that spellings of one name that lists and
/// ERPs write differently compare equal.
///
/// In order:
/// 1. Compatibility forms are folded (full-width `ＡＢＣ` → `ABC`, ligatures) and letters lowercased.
/// 2. Letters that carry no separable accent are spelled out: `ß` → `ss`, `ø` → `o`, `ł` → `l`, `æ` → `ae`,
///    `đ` → `d`, `þ` → `th`; Cyrillic is transliterated to Latin the way OFAC and the EU write it
///    (`Александр` → `aleksandr`, `ООО` → `ooo`). Then accents are removed (`ü` → `u`, `é` → `e`).
/// 3. Letters and digits make words; everything else separates them, except apostrophes, which join
///    (`O'Brien` → `obrien`), and a period or slash between two single letters, which joins too, so that
///    abbreviations read as one word (`S.A.` → `sa`, `L.L.C.` → `llc`, `J.P.` → `jp`, `A/S` → `as`).
/// 4. Legal forms are removed: phrases first (`joint stock company`, `sp z oo`), then words (`llc`, `ltd`,
///    `gmbh`, `ooo`, `co`…), then the Chinese company suffixes (`股份有限公司`, `有限公司`…) from words that
///    end with them, and the connectors `and`, `the`, `of`. A name made of nothing else keeps its words.
/// 5. Words are sorted, so word order does not matter: `SMITH, John` and `John Smith` are both
///    `["john", "smith"]`.
///
/// Pure and deterministic: the same name gives the same words on every platform.
public enum SanctionsNameNormaliser {
    /// The sorted words of `name`.
    public static func tokens(of name: String) -> [String] {
        let words = words(of: name)
        var kept = removingLegalForms(from: words)
        if kept.isEmpty { kept = words }
        return kept.sorted()
    }

    /// The sorted words of `name` joined by single spaces: `"ACME TRADING CO., LTD."` → `"acme trading"`.
    public static func normalise(_ name: String) -> String { tokens(of: name).joined(separator: " ") }

    // MARK: - Words

    /// Steps 1 to 3: the name's words in their original order, legal forms still in.
    static func words(of name: String) -> [String] {
        // Lowercasing first keeps the replacement tables to one case; NFKC before it so that full-width
        // and compatibility characters are lowercased as the letters they stand for.
        let folded = name.precomposedStringWithCompatibilityMapping.lowercased()
        var spelled = String.UnicodeScalarView()
        for scalar in folded.unicodeScalars {
            if let replacement = letterReplacements[scalar] {
                spelled.append(contentsOf: replacement.unicodeScalars)
            } else {
                spelled.append(scalar)
            }
        }
        // Canonical decomposition splits `é` into `e` and a combining accent, which is then dropped.
        let scalars = String(spelled).decomposedStringWithCanonicalMapping.unicodeScalars.filter {
            let category = $0.properties.generalCategory
            return category != .nonspacingMark && category != .enclosingMark
        }
        var words: [String] = []
        var word = String.UnicodeScalarView()
        var segmentLength = 0
        func endWord() {
            if !word.isEmpty { words.append(String(word)) }
            word = String.UnicodeScalarView()
            segmentLength = 0
        }
        var index = scalars.startIndex
        while index < scalars.endIndex {
            let scalar = scalars[index]
            let next = scalars.index(after: index)
            if isWordCharacter(scalar) {
                word.append(scalar)
                segmentLength += 1
            } else if apostrophes.contains(scalar) {
                // Joins: `O'Brien`, `D’Artagnan`; `ʹ` is how transliterations write the soft sign.
            } else if scalar == "." || scalar == "/", segmentLength == 1, next < scalars.endIndex,
                isWordCharacter(scalars[next]),
                scalars.index(after: next) == scalars.endIndex || !isWordCharacter(scalars[scalars.index(after: next)])
            {
                // `S.A`, `J.P`, `A/S`: a period or slash between single letters is part of an abbreviation.
                segmentLength = 0
            } else {
                endWord()
            }
            index = next
        }
        endWord()
        return words
    }

    private static func isWordCharacter(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII {
            return (scalar >= "a" && scalar <= "z") || (scalar >= "0" && scalar <= "9")
                || (scalar >= "A" && scalar <= "Z")
        }
        return scalar.properties.isAlphabetic || scalar.properties.numericType != nil
    }

    private static let apostrophes: Set<Unicode.Scalar> = [
        "'", "`", "\u{2018}", "\u{2019}", "\u{02BC}", "\u{02B9}", "\u{02BA}", "\u{00B4}",
    ]

    // MARK: - Legal forms

    /// Step 4 on words in their original order (phrases are sequences).
    static func removingLegalForms(from words: [String]) -> [String] {
        var kept: [String] = []
        kept.reserveCapacity(words.count)
        var index = 0
        scan: while index < words.count {
            for phrase in legalFormPhrases where index + phrase.count <= words.count {
                if words[index..<(index + phrase.count)].elementsEqual(phrase) {
                    index += phrase.count
                    continue scan
                }
            }
            let word = words[index]
            index += 1
            if legalFormWords.contains(word) || connectorWords.contains(word) { continue }
            let stripped = strippingChineseLegalForm(word)
            if !stripped.isEmpty { kept.append(stripped) }
        }
        return kept
    }

    /// Words that name a legal form, as they read after steps 1 to 3 (`S.A.R.L.` is `sarl`, `ООО` is `ooo`).
    public static let legalFormWords: Set<String> = [
        // English
        "llc", "llp", "lp", "ltd", "limited", "inc", "incorporated", "corp", "corporation", "co", "company", "plc",
        "pte", "pty", "pvt",
        // German, Austrian, Swiss
        "gmbh", "mbh", "ag", "kg", "kgaa", "ohg", "ug", "ev", "eg",
        // French, Spanish, Portuguese, Italian, Latin America
        "sa", "sab", "sas", "sasu", "sarl", "sca", "snc", "sl", "slu", "ltda", "cia", "spa", "srl", "sapi", "cv",
        // Benelux, Nordic, Central Europe
        "bv", "nv", "vof", "ab", "as", "oy", "oyj", "aps", "asa", "sro", "kft", "zrt", "nyrt",
        // Russian and other post-Soviet (transliterated)
        "ooo", "zao", "oao", "pao", "pjsc", "ojsc", "cjsc", "jsc", "tov",
        // Gulf free zones, Asia
        "fze", "fzco", "fzc", "fzllc", "dmcc", "kk", "bhd", "sdn", "tbk",
        // Chinese, written apart from the name
        "有限公司", "股份有限公司", "有限责任公司", "有限責任公司", "公司",
    ]

    /// Legal forms of several words, removed as a whole before single words; longest first.
    public static let legalFormPhrases: [[String]] = [
        ["obshchestvo", "s", "ogranichennoy", "otvetstvennostyu"],
        ["gesellschaft", "mit", "beschrankter", "haftung"],
        ["public", "joint", "stock", "company"],
        ["closed", "joint", "stock", "company"],
        ["open", "joint", "stock", "company"],
        ["limited", "liability", "company"],
        ["limited", "liability", "partnership"],
        ["joint", "stock", "company"],
        ["public", "limited", "company"],
        ["societe", "anonyme"],
        ["sociedad", "anonima"],
        ["societa", "per", "azioni"],
        ["aktsionernoye", "obshchestvo"],
        ["aktsionernoe", "obshchestvo"],
        ["sa", "de", "cv"],
        ["sab", "de", "cv"],
        ["sp", "z", "oo"],
    ].sorted { $0.count > $1.count }

    /// Words that join parts of a name and carry nothing of it (`Smith & Sons` is `Smith and Sons`).
    static let connectorWords: Set<String> = ["and", "the", "of"]

    /// Chinese company names end with their legal form, without a space: `华为技术有限公司`. Longest first.
    public static let chineseLegalFormSuffixes: [String] = [
        "股份有限公司", "有限责任公司", "有限責任公司", "有限公司", "公司",
    ]

    private static func strippingChineseLegalForm(_ word: String) -> String {
        guard word.unicodeScalars.contains(where: isHan) else { return word }
        for suffix in chineseLegalFormSuffixes where word.hasSuffix(suffix) {
            return String(word.dropLast(suffix.count))
        }
        return word
    }

    private static func isHan(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xF900...0xFAFF, 0x20000...0x2FA1F: true
        default: false
        }
    }

    // MARK: - Letters spelled out

    /// Lowercase letters that decomposition does not reduce to a base letter, and Cyrillic (BGN/PCGN-like
    /// romanisation, the one both lists use for Russian, Ukrainian and Belarusian names).
    private static let letterReplacements: [Unicode.Scalar: String] = {
        var table: [Unicode.Scalar: String] = [
            "ß": "ss", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "æ": "ae", "œ": "oe", "ı": "i",
            "ħ": "h", "ŀ": "l", "ŧ": "t", "ĸ": "k", "ŋ": "ng", "ſ": "s",
        ]
        let cyrillic: [Unicode.Scalar: String] = [
            "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z", "и": "i",
            "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
            "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y",
            "ь": "", "э": "e", "ю": "yu", "я": "ya",
            // Ukrainian and Belarusian
            "є": "ye", "і": "i", "ї": "yi", "ґ": "g", "ў": "u",
        ]
        table.merge(cyrillic) { first, _ in first }
        return table
    }()
}
