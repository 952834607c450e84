import BankFormats
import Crypto
import Foundation
import PayHubDomain
import PayHubStorage

/// Sanctions screening of vendors: lists loaded from the published files (OFAC's SDN CSV files, the EU
/// consolidated XML), every vendor screened again against each newly loaded list, and the vendor of each
/// submitted payment screened against the lists in force (see ``findings(for:at:)``), so a potential
/// match holds the payment until a person releases it. Every decision records the list version it was
/// made against.
public struct SanctionsService: Sendable {
    public let hub: PaymentHub
    /// The threshold and embargoed countries every screening uses; a stored result made with other
    /// options is not reused (see ``VendorScreening/screenedKey``).
    public var options: SanctionsScreener.Options
    let screeners: SanctionsScreenerCache

    /// The options when none are given: the screener's default threshold (0.85), no embargoed country.
    public static let defaultOptions: SanctionsScreener.Options = {
        do {
            return try SanctionsScreener.Options()
        } catch {
            preconditionFailure("the default screening options are valid")
        }
    }()

    public init(
        hub: PaymentHub, options: SanctionsScreener.Options = SanctionsService.defaultOptions,
        screeners: SanctionsScreenerCache = .shared
    ) {
        self.hub = hub
        self.options = options
        self.screeners = screeners
    }

    var store: any PayHubStore { hub.store }
    var clock: Clock { hub.clock }

    // MARK: Loading a list

    /// Reads a list from its files, stores it, and screens every vendor of every entity against it, all
    /// in one transaction with one audit event. `version` defaults to what the file says (the EU's
    /// generation date) or a fingerprint of the bytes (OFAC). A file that does not read, or lists no
    /// entry, is refused with the file and line, and nothing changes; so is a version already loaded.
    ///
    /// - Parameter progress: called with (vendors screened, vendors in all) while screening.
    public func loadList(
        source: SanctionsList.Source, files: SanctionsListFiles, version: String? = nil, context: CallContext,
        progress: (@Sendable (_ screened: Int, _ total: Int) -> Void)? = nil
    ) async throws -> SanctionsListLoad {
        try hub.require(.sanctionsManage, context)
        var problems = FieldErrorCollector()
        let version = version?.trimmingCharacters(in: .whitespacesAndNewlines)
        if let version,
            version.isEmpty || version.count > 100
                || version.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        {
            problems.add("version", code: "invalid_version", "a version is 1 to 100 printable characters")
        }
        if source != .ofacSDN, files.alternateNames != nil || files.addresses != nil {
            problems.add(
                files.alternateNames != nil ? "alt" : "add", code: "not_for_source",
                "alias and address files belong to the OFAC SDN list only")
        }
        try problems.throwIfAny()
        let list = try Self.read(source, files, version: version)
        if try await store.sanctionsLists().contains(where: { $0.source == source && $0.version == list.version }) {
            throw StorageError(.duplicate, target: "sanctions list \(source.rawValue) \(list.version)")
        }
        let now = clock.now()
        let stored = StoredSanctionsList(
            id: clock.newID(), source: source, version: list.version, entryCount: list.entries.count,
            loadedBy: context.principal.actorID, loadedAt: now)
        let screener = SanctionsScreener(list: list, options: options)
        await screeners.insert(screener, for: .init(listID: stored.id, options: options))

        let vendors = try await allVendors()
        var screenings: [VendorScreening] = []
        screenings.reserveCapacity(vendors.count)
        for (index, vendor) in vendors.enumerated() {
            screenings.append(try screening(of: vendor, by: screener, listID: stored.id, at: now))
            progress?(index + 1, vendors.count)
            // A long re-screen still lets other work on this executor run, and stops when cancelled.
            if index % 1000 == 999 {
                try Task.checkCancellation()
                await Task.yield()
            }
        }
        return try await store.saveSanctionsList(
            stored, files: files, screenings: screenings, context: context.audit(at: now))
    }

    /// The list as the published layout of `source` holds it; a file that does not read is a validation
    /// failure naming the file and line (the reader never repeats a name).
    static func read(_ source: SanctionsList.Source, _ files: SanctionsListFiles, version: String?) throws
        -> SanctionsList
    {
        do {
            switch source {
            case .ofacSDN:
                return try OFACSDNReader.read(
                    sdn: files.content, alternateNames: files.alternateNames, addresses: files.addresses,
                    version: version)
            case .euConsolidated:
                return try EUConsolidatedListReader.read(files.content, version: version)
            }
        } catch {
            throw ValidationFailure([
                FieldError(path: error.location ?? "file", code: error.code.rawValue, message: error.message)
            ])
        }
    }

    func allVendors() async throws -> [Vendor] {
        var vendors: [Vendor] = []
        var after: String?
        repeat {
            let page = try await store.vendors(
                VendorFilter(), PageRequest(limit: PageRequest.limitMax, afterID: after), scope: .all)
            vendors += page.items
            after = page.nextAfterID
        } while after != nil
        return vendors
    }

    // MARK: Screening

    /// The sanctions control of a submitted payment: its vendor's results against the lists in force
    /// (screened now where there is no result, or the vendor's name, country or the options changed
    /// since), and one finding per list with a potential match. The finding's summary names the list,
    /// its version, the top score and the entry; the hits in full are in its details, never in a log.
    ///
    /// The fresh screenings are returned, not stored: the submission stores them in its own transaction,
    /// under its one audit event.
    public func control(for payment: Payment, at now: Date) async throws
        -> (findings: [ControlFinding], screenings: [VendorScreening], summary: String?)
    {
        let lists = try await store.currentSanctionsLists()
        guard !lists.isEmpty else { return ([], [], nil) }
        guard let vendor = try await store.vendor(payment.vendorID, scope: .all) else {
            throw StorageError(.notFound, target: "vendor")
        }
        let (records, fresh) = try await screenings(of: vendor, against: lists, at: now)
        let findings = try records.filter { $0.screening.outcome == .potentialMatch }.map { record in
            ControlFinding(
                id: clock.newID(), paymentID: payment.id, entityID: payment.entityID, kind: .sanctions,
                summary: try Self.summary(of: record), detailsJSON: try Self.detailsJSON(of: record), createdAt: now)
        }
        let summary = records.map { "\($0.list.source.rawValue) \($0.list.version): \($0.screening.outcome.rawValue)" }
            .joined(separator: "; ")
        return (findings, fresh, summary)
    }

    /// The control's findings alone, storing fresh screenings under a system audit event (for callers
    /// outside a submission).
    public func findings(for payment: Payment, at now: Date) async throws -> [ControlFinding] {
        let (findings, fresh, _) = try await control(for: payment, at: now)
        try await store.saveVendorScreenings(
            fresh,
            context: AuditContext(
                actorKind: .system, actorID: Principal.system.actorID, origin: "control:sanctions", occurredAt: now))
        return findings
    }

    /// Screens a vendor against the lists in force now and stores the results (one audit event); a
    /// stored result that still matches the vendor is returned as it is.
    public func screen(_ vendorID: String, context: CallContext) async throws -> [VendorScreeningRecord] {
        try hub.require(.sanctionsManage, context)
        let vendor = try await hub.vendor(vendorID, context: context)
        let now = clock.now()
        return try await screen(
            vendor, against: try await store.currentSanctionsLists(), at: now, audit: context.audit(at: now))
    }

    func screen(_ vendor: Vendor, against lists: [StoredSanctionsList], at now: Date, audit: AuditContext) async throws
        -> [VendorScreeningRecord]
    {
        let (results, fresh) = try await screenings(of: vendor, against: lists, at: now)
        try await store.saveVendorScreenings(fresh, context: audit)
        return results
    }

    /// The vendor's results against `lists`: stored ones that still match it, and fresh ones (also
    /// returned apart, for the caller to store).
    func screenings(of vendor: Vendor, against lists: [StoredSanctionsList], at now: Date) async throws
        -> (records: [VendorScreeningRecord], fresh: [VendorScreening])
    {
        let stored = try await store.vendorScreenings(of: vendor.id)
        let key = screenedKey(vendor)
        var results: [VendorScreeningRecord] = []
        var fresh: [VendorScreening] = []
        for list in lists {
            if let record = stored.first(where: { $0.list.id == list.id }), record.screening.screenedKey == key {
                results.append(record)
                continue
            }
            let screening = try screening(of: vendor, by: try await screener(for: list), listID: list.id, at: now)
            fresh.append(screening)
            results.append(VendorScreeningRecord(screening: screening, list: list))
        }
        return (results, fresh)
    }

    /// The screener of a stored list, built from its files once per list and options (see
    /// ``SanctionsScreenerCache``).
    func screener(for list: StoredSanctionsList) async throws -> SanctionsScreener {
        let (store, options) = (self.store, self.options)
        return try await screeners.screener(for: .init(listID: list.id, options: options)) {
            guard let files = try await store.sanctionsListFiles(list.id) else {
                throw StorageError(.notFound, target: "sanctions list")
            }
            return SanctionsScreener(list: try Self.read(list.source, files, version: list.version), options: options)
        }
    }

    func screening(of vendor: Vendor, by screener: SanctionsScreener, listID: ID<StoredSanctionsList>, at now: Date)
        throws -> VendorScreening
    {
        let decision = screener.screen(vendor)
        return VendorScreening(
            vendorID: vendor.id, entityID: vendor.entityID, listID: listID, outcome: decision.outcome,
            topScore: decision.hits.map(\.score).max().map { String($0) }, threshold: String(decision.threshold),
            screenedKey: screenedKey(vendor),
            hitsJSON: CanonicalJSON.string(decision.hits.map(StoredHit.init)), screenedAt: now)
    }

    /// SHA-256 of what decides a screening besides the list: the vendor's name and country, the threshold
    /// and the embargoed countries. Each part is preceded by its length, so no name can pass for another
    /// split of the same text.
    func screenedKey(_ vendor: Vendor) -> String {
        let parts = [
            "v1", vendor.name, vendor.countryCode, String(options.threshold),
            options.embargoedCountryCodes.sorted().joined(separator: ","),
        ]
        let text = parts.map { "\($0.utf8.count):\($0)" }.joined()
        return SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    // MARK: Reading

    /// Every loaded list, newest first, each marked whether it is in force.
    public func lists(context: CallContext) async throws -> [(list: StoredSanctionsList, inForce: Bool)] {
        try hub.require(.vendorsRead, context)
        let current = Set(try await store.currentSanctionsLists().map(\.id))
        return try await store.sanctionsLists().map { ($0, current.contains($0.id)) }
    }

    /// A vendor's latest screening of each source, each marked whether its list is in force and whether
    /// it still holds: made against the list in force, for the vendor's name and country as they are now,
    /// with the options in use.
    public func screenings(ofVendor vendorID: String, context: CallContext) async throws
        -> (vendor: Vendor, screenings: [(record: VendorScreeningRecord, listInForce: Bool, isCurrent: Bool)])
    {
        let vendor = try await hub.vendor(vendorID, context: context)
        let inForce = Set(try await store.currentSanctionsLists().map(\.id))
        let key = screenedKey(vendor)
        return (
            vendor,
            try await store.vendorScreenings(of: vendor.id).map { record in
                let listInForce = inForce.contains(record.list.id)
                return (record, listInForce, listInForce && record.screening.screenedKey == key)
            }
        )
    }

    /// Vendors the caller may see whose screening against a list in force is a potential match.
    public func matches(limit: Int = PageRequest.limitMax, context: CallContext) async throws -> [SanctionsMatch] {
        try hub.require(.vendorsRead, context)
        return try await store.sanctionsMatches(scope: context.principal.scope, limit: limit)
    }

    // MARK: Findings

    /// `ofac_sdn list 2026-03-02: potential match, top score 0.93, entry 10008 (and 1 more)`: no name.
    static func summary(of record: VendorScreeningRecord) throws -> String {
        let hits = try StoredHit.decode(record.screening.hitsJSON)
        let list = "\(record.list.source.rawValue) list \(record.list.version)"
        guard let first = hits.first else { return "\(list): potential match" }
        let what =
            if let country = first.embargoedCountry {
                "embargoed country \(country)"
            } else {
                "potential match, top score \(Self.scoreText(first.score)), entry \(first.entryID ?? "?")"
            }
        return "\(list): \(what)" + (hits.count > 1 ? " (and \(hits.count - 1) more)" : "")
    }

    static func detailsJSON(of record: VendorScreeningRecord) throws -> String {
        struct Details: Encodable {
            let listID: String
            let listSource: String
            let listVersion: String
            let threshold: Double
            let topScore: Double?
            let screenedAt: String
            let hits: [StoredHit]

            enum CodingKeys: String, CodingKey {
                case threshold, hits
                case listID = "list_id"
                case listSource = "list_source"
                case listVersion = "list_version"
                case topScore = "top_score"
                case screenedAt = "screened_at"
            }
        }
        return CanonicalJSON.string(
            Details(
                listID: record.list.id.rawValue, listSource: record.list.source.rawValue,
                listVersion: record.list.version, threshold: record.screening.thresholdValue,
                topScore: record.screening.topScoreValue, screenedAt: Timestamp.iso8601(record.screening.screenedAt),
                hits: try StoredHit.decode(record.screening.hitsJSON)))
    }

    /// Two decimals, cut rather than rounded, so a score just below the threshold never reads as at it.
    static func scoreText(_ score: Double) -> String {
        let hundredths = Int((score * 100).rounded(.down))
        return "\(hundredths / 100).\(hundredths % 100 < 10 ? "0" : "")\(hundredths % 100)"
    }
}

extension VendorScreening {
    /// The best hit's score as a number (storage keeps the text `String(Double)` wrote, which reads
    /// back as the same number).
    public var topScoreValue: Double? { topScore.flatMap { Double($0) } }
    /// The threshold as a number; 0 if the stored text were not one (it always is: PayHub writes it).
    public var thresholdValue: Double { Double(threshold) ?? 0 }
}

/// A hit as stored in `vendor_screenings.hits_json` and shown by the API: snake_case, stable.
struct StoredHit: Codable, Sendable {
    struct Token: Codable, Sendable {
        let screened: String
        let listed: String
        let similarity: Double
    }

    let kind: String
    let entryID: String?
    let matchedName: String?
    let matchedAlias: Bool
    let score: Double
    let countryMatched: Bool
    let embargoedCountry: String?
    let tokens: [Token]

    enum CodingKeys: String, CodingKey {
        case kind, score, tokens
        case entryID = "entry_id"
        case matchedName = "matched_name"
        case matchedAlias = "matched_alias"
        case countryMatched = "country_matched"
        case embargoedCountry = "embargoed_country"
    }

    init(_ hit: ScreeningHit) {
        kind = hit.kind.rawValue
        entryID = hit.entryID
        matchedName = hit.matchedName
        matchedAlias = hit.matchedAlias
        score = hit.score
        countryMatched = hit.countryMatched
        embargoedCountry = hit.embargoedCountryCode
        tokens = hit.matchedTokens.map {
            Token(screened: $0.screenedToken, listed: $0.listedToken, similarity: $0.similarity)
        }
    }

    static func decode(_ json: String) throws -> [StoredHit] {
        try JSONDecoder().decode([StoredHit].self, from: Data(json.utf8))
    }
}

/// Screeners built from stored lists, shared by the services of a process: building one normalises and
/// indexes every name of the list, so it is built once per list version and options (concurrent callers
/// wait for the same build) and kept while it is among the last `capacity` used.
public actor SanctionsScreenerCache {
    /// The process's cache: room for the list in force and the one before it, of both sources.
    public static let shared = SanctionsScreenerCache(capacity: 4)

    struct Key: Hashable, Sendable {
        let listID: ID<StoredSanctionsList>
        let options: SanctionsScreener.Options
    }

    private let capacity: Int
    private var entries: [Key: Task<SanctionsScreener, any Error>] = [:]
    /// Least recently used first.
    private var order: [Key] = []
    /// How many screeners were built from stored files, for tests and metrics.
    public private(set) var builds = 0

    public init(capacity: Int) {
        precondition(capacity > 0, "a cache holds at least one screener")
        self.capacity = capacity
    }

    /// How many screeners are held.
    public var count: Int { entries.count }

    func screener(for key: Key, build: @escaping @Sendable () async throws -> SanctionsScreener) async throws
        -> SanctionsScreener
    {
        if let task = entries[key] {
            touch(key)
            return try await task.value
        }
        builds += 1
        let task = Task { try await build() }
        remember(task, for: key)
        do {
            return try await task.value
        } catch {
            // A failed build (the database gone) is not remembered: the next caller tries again.
            entries[key] = nil
            order.removeAll { $0 == key }
            throw error
        }
    }

    /// A screener built by whoever loaded the list, so the first payment after a load does not build it again.
    func insert(_ screener: SanctionsScreener, for key: Key) {
        remember(Task<SanctionsScreener, any Error> { screener }, for: key)
    }

    private func remember(_ task: Task<SanctionsScreener, any Error>, for key: Key) {
        entries[key] = task
        touch(key)
        while order.count > capacity {
            entries[order.removeFirst()] = nil
        }
    }

    private func touch(_ key: Key) {
        order.removeAll { $0 == key }
        order.append(key)
    }
}
