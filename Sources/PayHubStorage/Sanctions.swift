import Crypto
import Foundation
import PayHubDomain

// Sanctions lists as loaded and each vendor's screening against them. Written once against `SQLSession`;
// every change is one transaction with one audit event (a list loaded with the re-screening of every
// vendor against it is one change).

/// The files of one sanctions list as they were loaded, byte for byte.
public struct SanctionsListFiles: Sendable, Hashable {
    /// OFAC's `SDN.CSV`, or the EU consolidated list's XML.
    public var content: Data
    /// OFAC's `ALT.CSV` (aliases), when it was loaded; never for the EU list.
    public var alternateNames: Data?
    /// OFAC's `ADD.CSV` (addresses), when it was loaded; never for the EU list.
    public var addresses: Data?

    public init(content: Data, alternateNames: Data? = nil, addresses: Data? = nil) {
        self.content = content
        self.alternateNames = alternateNames
        self.addresses = addresses
    }

    /// SHA-256 of each file, lowercase hex, for the audit trail: which bytes were screened against.
    public var digests: (content: String, alternateNames: String?, addresses: String?) {
        func hex(_ data: Data) -> String { SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined() }
        return (hex(content), alternateNames.map(hex), addresses.map(hex))
    }
}

/// A loaded version of a sanctions list, without its files. The latest loaded of a source is in force.
public struct StoredSanctionsList: Identified, Sendable, Hashable {
    public static let idPrefix = "sls"

    public var id: ID<StoredSanctionsList>
    public var source: SanctionsList.Source
    public var version: String
    public var entryCount: Int
    public var loadedBy: String
    public var loadedAt: Date

    public init(
        id: ID<StoredSanctionsList>, source: SanctionsList.Source, version: String, entryCount: Int, loadedBy: String,
        loadedAt: Date
    ) {
        self.id = id
        self.source = source
        self.version = version
        self.entryCount = entryCount
        self.loadedBy = loadedBy
        self.loadedAt = loadedAt
    }
}

/// One vendor's screening against one list version, as stored.
public struct VendorScreening: Sendable, Hashable {
    public var vendorID: ID<Vendor>
    public var entityID: ID<LegalEntity>
    public var listID: ID<StoredSanctionsList>
    public var outcome: ScreeningDecision.Outcome
    /// The best hit's score (0…1) as decimal text, nil when clear. Scores are not money, but storage
    /// keeps them as the text the screening service wrote, exactly, and never computes with them.
    public var topScore: String?
    /// The threshold the screening used, as decimal text.
    public var threshold: String
    /// A digest of what was screened and how (name, country, threshold, embargoed countries); a result
    /// is only reused while the vendor still gives the same key.
    public var screenedKey: String
    /// The decision's hits, as JSON (an array).
    public var hitsJSON: String
    public var screenedAt: Date

    public init(
        vendorID: ID<Vendor>, entityID: ID<LegalEntity>, listID: ID<StoredSanctionsList>,
        outcome: ScreeningDecision.Outcome, topScore: String?, threshold: String, screenedKey: String, hitsJSON: String,
        screenedAt: Date
    ) {
        self.vendorID = vendorID
        self.entityID = entityID
        self.listID = listID
        self.outcome = outcome
        self.topScore = topScore
        self.threshold = threshold
        self.screenedKey = screenedKey
        self.hitsJSON = hitsJSON
        self.screenedAt = screenedAt
    }
}

/// A stored screening with the list version it was made against.
public struct VendorScreeningRecord: Sendable, Hashable {
    public var screening: VendorScreening
    public var list: StoredSanctionsList

    public init(screening: VendorScreening, list: StoredSanctionsList) {
        self.screening = screening
        self.list = list
    }
}

/// A vendor whose latest screening against a list in force is a potential match.
public struct SanctionsMatch: Sendable, Hashable {
    public var vendor: Vendor
    public var record: VendorScreeningRecord

    public init(vendor: Vendor, record: VendorScreeningRecord) {
        self.vendor = vendor
        self.record = record
    }
}

/// What loading a list changed: the list, the one of its source it replaced, and the re-screening.
public struct SanctionsListLoad: Sendable, Hashable {
    public var list: StoredSanctionsList
    /// The list of the same source in force before, if any.
    public var previous: StoredSanctionsList?
    public var vendorsScreened: Int
    public var potentialMatches: Int
    /// Potential matches now that were not potential matches under the previous version.
    public var newMatches: Int
    /// Potential matches under the previous version that are clear now.
    public var cleared: Int

    public init(
        list: StoredSanctionsList, previous: StoredSanctionsList?, vendorsScreened: Int, potentialMatches: Int,
        newMatches: Int, cleared: Int
    ) {
        self.list = list
        self.previous = previous
        self.vendorsScreened = vendorsScreened
        self.potentialMatches = potentialMatches
        self.newMatches = newMatches
        self.cleared = cleared
    }
}

extension SQLTransactionRunner {
    // MARK: Lists

    /// Stores a list with its files and the screening of vendors against it, in one transaction with one
    /// audit event (`sanctions_list.loaded`, carrying the counts of the re-screening). A version of the
    /// source loaded before is refused (``StorageError/Code/duplicate``) and nothing is written.
    public func saveSanctionsList(
        _ list: StoredSanctionsList, files: SanctionsListFiles, screenings: [VendorScreening], context: AuditContext
    ) async throws -> SanctionsListLoad {
        precondition(screenings.allSatisfy { $0.listID == list.id }, "screenings of another list")
        let records = self.records
        return try await writeTransaction { session in
            // The chain lock also serialises loads: "the list in force before" is then well defined.
            try session.lockChain()
            let previous = try session.rows(Records.currentSanctionsList(list.source)).first.map {
                try Records.sanctionsList(from: $0)
            }
            try session.run(
                SQLQuery(
                    """
                    INSERT INTO sanctions_lists (id, source, version, entry_count, content, alternate_names, addresses,
                        loaded_by, loaded_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                    [
                        .text(list.id.rawValue), .text(list.source.rawValue), .text(list.version),
                        .integer(Int64(list.entryCount)), .blob(files.content),
                        files.alternateNames.map(SQLValue.blob) ?? .null,
                        files.addresses.map(SQLValue.blob) ?? .null, .text(list.loadedBy),
                        .integer(StoredTime.milliseconds(list.loadedAt)),
                    ]))
            try Self.upsert(screenings, in: session)
            let potential = screenings.filter { $0.outcome == .potentialMatch }.count
            var newMatches = potential
            var cleared = 0
            if let previous {
                newMatches = try Self.count(
                    """
                    SELECT COUNT(*) AS count FROM vendor_screenings cur WHERE cur.list_id = ? AND cur.outcome = 'potential_match'
                    AND NOT EXISTS (SELECT 1 FROM vendor_screenings prev WHERE prev.vendor_id = cur.vendor_id
                        AND prev.list_id = ? AND prev.outcome = 'potential_match')
                    """, [.text(list.id.rawValue), .text(previous.id.rawValue)], in: session)
                cleared = try Self.count(
                    """
                    SELECT COUNT(*) AS count FROM vendor_screenings prev WHERE prev.list_id = ?
                    AND prev.outcome = 'potential_match'
                    AND EXISTS (SELECT 1 FROM vendor_screenings cur WHERE cur.vendor_id = prev.vendor_id
                        AND cur.list_id = ? AND cur.outcome = 'clear')
                    """, [.text(previous.id.rawValue), .text(list.id.rawValue)], in: session)
            }
            let digests = files.digests
            let entry = AuditEntry(
                action: "sanctions_list.loaded", objectType: "sanctions_list", objectID: list.id.rawValue,
                before: previous.map { CanonicalJSON.object(["list_id": $0.id.rawValue, "version": $0.version]) },
                after: CanonicalJSON.object([
                    "source": list.source.rawValue, "version": list.version, "entry_count": String(list.entryCount),
                    "content_sha256": digests.content, "alternate_names_sha256": digests.alternateNames,
                    "addresses_sha256": digests.addresses, "vendors_screened": String(screenings.count),
                    "potential_matches": String(potential), "new_matches": String(newMatches),
                    "cleared": String(cleared),
                ]))
            var chain = try ChainAppender(locking: session)
            try chain.append(entry, context: context, records: records, in: session)
            return SanctionsListLoad(
                list: list, previous: previous, vendorsScreened: screenings.count, potentialMatches: potential,
                newMatches: newMatches, cleared: cleared)
        }
    }

    /// Every loaded list, newest first, without files.
    public func sanctionsLists() async throws -> [StoredSanctionsList] {
        try await readTransaction { session in
            try session.rows(
                SQLQuery("SELECT \(Records.sanctionsListColumns) FROM sanctions_lists ORDER BY loaded_at DESC, id DESC")
            ).map { try Records.sanctionsList(from: $0) }
        }
    }

    /// The list in force of each source that has one: the one loaded last.
    public func currentSanctionsLists() async throws -> [StoredSanctionsList] {
        try await readTransaction { session in
            try SanctionsList.Source.allCases.compactMap { source in
                try session.rows(Records.currentSanctionsList(source)).first.map { try Records.sanctionsList(from: $0) }
            }
        }
    }

    /// A list's files as they were loaded, to build a screener from.
    public func sanctionsListFiles(_ id: ID<StoredSanctionsList>) async throws -> SanctionsListFiles? {
        try await readTransaction { session in
            guard
                let row = try session.rows(
                    SQLQuery(
                        "SELECT content, alternate_names, addresses FROM sanctions_lists WHERE id = ?",
                        [.text(id.rawValue)])
                ).first
            else { return nil }
            func optionalBlob(_ column: String) throws -> Data? {
                if case .null = try row.value(named: column) { return nil }
                return try row.blob(column)
            }
            return SanctionsListFiles(
                content: try row.blob("content"), alternateNames: try optionalBlob("alternate_names"),
                addresses: try optionalBlob("addresses"))
        }
    }

    // MARK: Screenings

    /// Stores screening results, replacing an earlier result of the same vendor and list, in one
    /// transaction with one audit event: `vendor.screened` when every result is of one vendor (screened
    /// when a payment to it was submitted), otherwise `sanctions.rescreened` with the counts.
    public func saveVendorScreenings(_ screenings: [VendorScreening], context: AuditContext) async throws {
        guard !screenings.isEmpty else { return }
        let records = self.records
        try await writeTransaction { session in
            let lists = Set(screenings.map(\.listID))
            let listMarks = Array(repeating: "?", count: lists.count).joined(separator: ", ")
            let known = try session.rows(
                SQLQuery(
                    "SELECT id, version FROM sanctions_lists WHERE id IN (\(listMarks)) ORDER BY id",
                    lists.sorted().map { .text($0.rawValue) })
            ).map { (id: try $0.text("id"), version: try $0.text("version")) }
            guard known.count == lists.count else { throw StorageError(.referenceMissing, target: "sanctions_list") }
            try Self.upsert(screenings, in: session)
            let potential = screenings.filter { $0.outcome == .potentialMatch }
            let vendors = Set(screenings.map(\.vendorID))
            let entry: AuditEntry
            if vendors.count == 1, let first = screenings.first {
                entry = AuditEntry(
                    action: "vendor.screened", objectType: "vendor", objectID: first.vendorID.rawValue,
                    entityID: first.entityID.rawValue,
                    after: CanonicalJSON.object([
                        "lists": known.map { "\($0.id) (\($0.version))" }.joined(separator: ", "),
                        "outcome": potential.isEmpty
                            ? ScreeningDecision.Outcome.clear.rawValue
                            : ScreeningDecision.Outcome.potentialMatch.rawValue,
                        "potential_matches": String(potential.count),
                    ]))
            } else {
                entry = AuditEntry(
                    action: "sanctions.rescreened", objectType: "sanctions_list",
                    objectID: known.map(\.id).joined(separator: ","),
                    after: CanonicalJSON.object([
                        "lists": known.map { "\($0.id) (\($0.version))" }.joined(separator: ", "),
                        "vendors_screened": String(vendors.count), "results": String(screenings.count),
                        "potential_matches": String(potential.count),
                    ]))
            }
            var chain = try ChainAppender(locking: session)
            try chain.append(entry, context: context, records: records, in: session)
        }
    }

    /// A vendor's latest screening of each source: the one against the most recently loaded list that
    /// has a result for the vendor (the list in force, unless the vendor was not screened against it yet).
    public func vendorScreenings(of vendorID: ID<Vendor>) async throws -> [VendorScreeningRecord] {
        try await readTransaction { session in
            let rows = try session.rows(
                SQLQuery(
                    """
                    SELECT s.*, l.source AS list_source, l.version AS list_version, l.entry_count AS list_entry_count,
                        l.loaded_by AS list_loaded_by, l.loaded_at AS list_loaded_at
                    FROM vendor_screenings s JOIN sanctions_lists l ON l.id = s.list_id
                    WHERE s.vendor_id = ? ORDER BY l.loaded_at DESC, l.id DESC
                    """, [.text(vendorID.rawValue)]))
            var seen: Set<SanctionsList.Source> = []
            var latest: [VendorScreeningRecord] = []
            for row in rows {
                let record = try Records.screeningRecord(from: row)
                if seen.insert(record.list.source).inserted { latest.append(record) }
            }
            return latest.sorted { $0.list.source.rawValue < $1.list.source.rawValue }
        }
    }

    /// Vendors in `scope` whose screening against a list in force is a potential match, by vendor, at
    /// most `limit` results.
    public func sanctionsMatches(scope: EntityScope, limit: Int) async throws -> [SanctionsMatch] {
        let records = self.records
        return try await readTransaction { session in
            let current = try SanctionsList.Source.allCases.compactMap { source in
                try session.rows(Records.currentSanctionsList(source)).first.map { try Records.sanctionsList(from: $0) }
            }
            guard !current.isEmpty else { return [] }
            var builder = ListQueries.Builder(table: "vendor_screenings", entityColumn: "s.entity_id", scope: scope)
            builder.conditions.append(
                "s.list_id IN (\(Array(repeating: "?", count: current.count).joined(separator: ", ")))")
            builder.binds += current.map { .text($0.id.rawValue) }
            builder.add("s.outcome = ?", .text(ScreeningDecision.Outcome.potentialMatch.rawValue))
            let rows = try session.rows(
                SQLQuery(
                    """
                    SELECT s.*, l.source AS list_source, l.version AS list_version, l.entry_count AS list_entry_count,
                        l.loaded_by AS list_loaded_by, l.loaded_at AS list_loaded_at
                    FROM vendor_screenings s JOIN sanctions_lists l ON l.id = s.list_id\(builder.whereClause)
                    ORDER BY s.vendor_id, l.source LIMIT ?
                    """, builder.binds + [.integer(Int64(limit))]))
            let screenings = try rows.map(Records.screeningRecord(from:))
            let vendorIDs = Array(Set(screenings.map(\.screening.vendorID.rawValue))).sorted()
            guard !vendorIDs.isEmpty else { return [] }
            let marks = Array(repeating: "?", count: vendorIDs.count).joined(separator: ", ")
            let vendors = Dictionary(
                uniqueKeysWithValues: try session.rows(
                    SQLQuery("SELECT * FROM vendors WHERE id IN (\(marks))", vendorIDs.map { .text($0) })
                ).map { row in
                    let vendor = try records.vendor(from: row); return (vendor.id, vendor)
                })
            return try screenings.map { record in
                guard let vendor = vendors[record.screening.vendorID] else {
                    throw StorageError(.corruptRow, target: "vendor_screenings")
                }
                return SanctionsMatch(vendor: vendor, record: record)
            }
        }
    }

    // MARK: Helpers

    /// Multi-row upserts: re-screening every vendor writes tens of thousands of rows in one transaction.
    static func upsert(_ screenings: [VendorScreening], in session: any SQLSession) throws {
        let row = "(?, ?, ?, ?, ?, ?, ?, ?, ?)"
        for chunk in screenings.chunks(of: Records.screeningRowsPerInsert) {
            var binds: [SQLValue] = []
            binds.reserveCapacity(chunk.count * 9)
            for screening in chunk {
                binds += [
                    .text(screening.vendorID.rawValue), .text(screening.listID.rawValue),
                    .text(screening.entityID.rawValue),
                    .text(screening.outcome.rawValue), SQLValue(screening.topScore),
                    .text(screening.threshold), .text(screening.screenedKey),
                    .text(screening.hitsJSON),
                    .integer(StoredTime.milliseconds(screening.screenedAt)),
                ]
            }
            try session.run(
                SQLQuery(
                    """
                    INSERT INTO vendor_screenings (vendor_id, list_id, entity_id, outcome, top_score, threshold,
                        screened_key, hits_json, screened_at)
                    VALUES \(Array(repeating: row, count: chunk.count).joined(separator: ", "))
                    ON CONFLICT (vendor_id, list_id) DO UPDATE SET entity_id = excluded.entity_id,
                        outcome = excluded.outcome, top_score = excluded.top_score, threshold = excluded.threshold,
                        screened_key = excluded.screened_key, hits_json = excluded.hits_json,
                        screened_at = excluded.screened_at
                    """, binds))
        }
    }

    static func count(_ sql: String, _ binds: [SQLValue], in session: any SQLSession) throws -> Int {
        Int(try session.rows(SQLQuery(sql, binds)).first?.integer("count") ?? 0)
    }
}

extension Records {
    /// 9 values a row: 500 rows stay far below both databases' limits on bound values.
    static let screeningRowsPerInsert = 500

    static let sanctionsListColumns = "id, source, version, entry_count, loaded_by, loaded_at"

    static func currentSanctionsList(_ source: SanctionsList.Source) -> SQLQuery {
        SQLQuery(
            "SELECT \(sanctionsListColumns) FROM sanctions_lists WHERE source = ? ORDER BY loaded_at DESC, id DESC LIMIT 1",
            [.text(source.rawValue)])
    }

    static func sanctionsList(from row: any SQLRow, prefix: String = "") throws -> StoredSanctionsList {
        guard let source = SanctionsList.Source(rawValue: try row.text(prefix + "source")) else {
            throw StorageError(.corruptRow, target: "sanctions_lists.source")
        }
        return StoredSanctionsList(
            id: try ID(row.text(prefix + "id")), source: source, version: try row.text(prefix + "version"),
            entryCount: Int(try row.integer(prefix + "entry_count")), loadedBy: try row.text(prefix + "loaded_by"),
            loadedAt: StoredTime.date(try row.integer(prefix + "loaded_at")))
    }

    static func screeningRecord(from row: any SQLRow) throws -> VendorScreeningRecord {
        guard let outcome = ScreeningDecision.Outcome(rawValue: try row.text("outcome")) else {
            throw StorageError(.corruptRow, target: "vendor_screenings.outcome")
        }
        let screening = VendorScreening(
            vendorID: try ID(row.text("vendor_id")), entityID: try ID(row.text("entity_id")),
            listID: try ID(row.text("list_id")), outcome: outcome,
            topScore: try row.optionalText("top_score"), threshold: try row.text("threshold"),
            screenedKey: try row.text("screened_key"), hitsJSON: try row.text("hits_json"),
            screenedAt: StoredTime.date(try row.integer("screened_at")))
        return VendorScreeningRecord(screening: screening, list: try sanctionsList(from: row, prefix: "list_"))
    }
}
