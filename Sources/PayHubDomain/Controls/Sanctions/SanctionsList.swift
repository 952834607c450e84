/// A sanctions list as one version of it was published: who is on it, under which names, and where.
///
/// BankFormats reads the published layouts into this value (`OFACSDNReader`, `EUConsolidatedListReader`);
/// ``SanctionsScreener`` screens names against it. The ``version`` is recorded with every
/// ``ScreeningDecision``, so a decision can always be traced to the exact list it was made against.
public struct SanctionsList: Hashable, Sendable {
    /// Which authority publishes the list. Raw values are stable snake_case names for storage and APIs.
    public enum Source: String, Hashable, Sendable, CaseIterable, Codable {
        /// The US Treasury's Specially Designated Nationals list (OFAC), in its `SDN.CSV` layout.
        case ofacSDN = "ofac_sdn"
        /// The EU's consolidated list of persons, groups and entities subject to financial sanctions.
        case euConsolidated = "eu_consolidated"
    }

    public var source: Source
    /// Which publication of the list this is: the EU's `generationDate`, a version the caller gave, or a
    /// fingerprint of the file's bytes (`fnv1a64:…`) when neither is known.
    public var version: String
    public var entries: [SanctionsListEntry]

    public init(source: Source, version: String, entries: [SanctionsListEntry]) {
        self.source = source
        self.version = version
        self.entries = entries
    }
}

/// One listed person, organisation or vessel.
public struct SanctionsListEntry: Hashable, Sendable {
    /// What kind of subject an entry is. Raw values are stable snake_case names.
    public enum EntityType: String, Hashable, Sendable, CaseIterable, Codable {
        case individual
        case organisation
        case vessel
        /// The list says something else (an aircraft) or nothing.
        case unknown
    }

    /// The entry's id in its list: OFAC's `ent_num`, the EU's `logicalId`. Hits name entries by it.
    public var id: String
    /// The list's own reference when it has one besides the id (the EU's `euReferenceNumber`).
    public var reference: String?
    /// The name as the list writes it; OFAC writes individuals `LAST, First`.
    public var primaryName: String
    /// Every other name the entry is known by (a.k.a., f.k.a., other scripts), without the primary name.
    public var aliases: [String]
    public var entityType: EntityType
    /// The sanctions programmes or regimes the entry is listed under (`SDGT`, `UKR`…), as the list writes them.
    public var programmes: [String]
    /// Countries of the entry's addresses, citizenship or flag: ISO 3166-1 alpha-2 codes where the
    /// country is known, otherwise the country's name exactly as the list writes it.
    public var countries: [String]

    public init(
        id: String, reference: String? = nil, primaryName: String, aliases: [String] = [],
        entityType: EntityType, programmes: [String] = [], countries: [String] = []
    ) {
        self.id = id
        self.reference = reference
        self.primaryName = primaryName
        self.aliases = aliases
        self.entityType = entityType
        self.programmes = programmes
        self.countries = countries
    }

    /// The primary name first, then the aliases: every name the entry is screened under.
    public var names: [String] { [primaryName] + aliases }
}
