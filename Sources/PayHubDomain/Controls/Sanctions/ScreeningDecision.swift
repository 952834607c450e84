/// The outcome of screening one name (a vendor's) against one version of a sanctions list.
///
/// It records the list's source and version and the threshold used, so that the decision can be
/// explained later and the vendor screened again when a new version of the list arrives.
public struct ScreeningDecision: Hashable, Sendable {
    /// Raw values are stable snake_case names for storage and APIs.
    public enum Outcome: String, Hashable, Sendable, CaseIterable, Codable {
        /// No listed name scored at or above the threshold and the country is not embargoed.
        case clear
        /// At least one hit: a person must look at it before the vendor is paid.
        case potentialMatch = "potential_match"
    }

    /// Every hit, the country rule's first, then name hits by descending score (ties by entry id).
    public var hits: [ScreeningHit]
    public var listSource: SanctionsList.Source
    public var listVersion: String
    /// The score at or above which a listed name was a hit.
    public var threshold: Double

    public init(hits: [ScreeningHit], listSource: SanctionsList.Source, listVersion: String, threshold: Double) {
        self.hits = hits
        self.listSource = listSource
        self.listVersion = listVersion
        self.threshold = threshold
    }

    public var outcome: Outcome { hits.isEmpty ? .clear : .potentialMatch }
}

/// Why a screened name may be a listed one.
public struct ScreeningHit: Hashable, Sendable {
    /// Raw values are stable snake_case names for storage and APIs.
    public enum Kind: String, Hashable, Sendable, CaseIterable, Codable {
        /// A name or alias of a list entry scored at or above the threshold.
        case name
        /// The screened country is embargoed, whatever the name.
        case embargoedCountry = "embargoed_country"
    }

    public var kind: Kind
    /// The list entry's id (OFAC `ent_num`, EU `logicalId`); nil for ``Kind/embargoedCountry``.
    public var entryID: String?
    /// The entry's name or alias that scored best, as the list writes it; nil for ``Kind/embargoedCountry``.
    public var matchedName: String?
    /// Whether ``matchedName`` is one of the entry's aliases rather than its primary name.
    public var matchedAlias: Bool
    /// 0…1 (see ``SanctionsNameScorer``); 1 for ``Kind/embargoedCountry``.
    public var score: Double
    /// The screened name's words and the listed words they paired with.
    public var matchedTokens: [TokenMatch]
    /// For a name hit: the screened country is one of the entry's countries (a stronger hit). For the
    /// country rule: always true.
    public var countryMatched: Bool
    /// The screened country code, for the country rule; nil for name hits.
    public var embargoedCountryCode: String?

    /// A listed name that scored at or above the threshold.
    public static func name(
        entryID: String, matchedName: String, matchedAlias: Bool, score: Double, matchedTokens: [TokenMatch],
        countryMatched: Bool
    ) -> ScreeningHit {
        ScreeningHit(
            kind: .name, entryID: entryID, matchedName: matchedName, matchedAlias: matchedAlias, score: score,
            matchedTokens: matchedTokens, countryMatched: countryMatched, embargoedCountryCode: nil)
    }

    /// The country rule: `countryCode` is embargoed.
    public static func embargoedCountry(_ countryCode: String) -> ScreeningHit {
        ScreeningHit(
            kind: .embargoedCountry, entryID: nil, matchedName: nil, matchedAlias: false, score: 1, matchedTokens: [],
            countryMatched: true, embargoedCountryCode: countryCode)
    }

    private init(
        kind: Kind, entryID: String?, matchedName: String?, matchedAlias: Bool, score: Double,
        matchedTokens: [TokenMatch], countryMatched: Bool, embargoedCountryCode: String?
    ) {
        self.kind = kind
        self.entryID = entryID
        self.matchedName = matchedName
        self.matchedAlias = matchedAlias
        self.score = score
        self.matchedTokens = matchedTokens
        self.countryMatched = countryMatched
        self.embargoedCountryCode = embargoedCountryCode
    }
}
