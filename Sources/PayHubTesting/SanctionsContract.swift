import Foundation
import PayHubDomain
import PayHubStorage

// The sanctions half of the storage contract: lists and vendor screenings behave the same on SQLite and
// PostgreSQL.
extension StorageContract {
    static let sanctions: [StorageContract] = [sanctionsListsLoadAndReplace, vendorScreeningsLatestUpsertedAndScoped]

    static let sanctionsListsLoadAndReplace = StorageContract(
        name: "sanctions lists: stored with their files and the re-screening, the latest in force, a version once"
    ) { store in
        var fixtures = Fixtures()
        let world = try await World.make(store, &fixtures)
        let other = fixtures.vendor(of: world.entity, name: "Zweiter Lieferant GmbH")
        try await store.createVendor(other, context: fixtures.context())
        let january = SanctionsFixture.list(&fixtures, .ofacSDN, "2026-01-05", at: fixtures.now)
        let files = SanctionsListFiles(content: Data("10001,\"A\"\r\n".utf8), alternateNames: Data([0, 1, 2, 0xFF]))
        let auditBefore = try await store.auditEvents(after: 0, limit: 1000).count
        let first = try await store.saveSanctionsList(
            january, files: files,
            screenings: [
                SanctionsFixture.screening(world.vendor, january, .potentialMatch, score: 0.9230769230769231),
                SanctionsFixture.screening(other, january, .clear),
            ], context: fixtures.context())
        try await expect(
            first.vendorsScreened == 2 && first.potentialMatches == 1 && first.newMatches == 1 && first.cleared == 0
                && first.previous == nil, "counts of the first load")
        let audit = try await store.auditEvents(after: 0, limit: 1000)
        try await expect(audit.count == auditBefore + 1, "one audit event for a load and its re-screening")
        try await expect(
            audit.last?.action == "sanctions_list.loaded" && audit.last?.objectID == january.id.rawValue
                && audit.last?.after?.contains(#""potential_matches":"1""#) == true,
            "the load's audit event with counts")
        try await expect(try await store.sanctionsListFiles(january.id) == files, "files read back byte for byte")
        try await expect(try await store.currentSanctionsLists() == [january], "the only list is in force")

        // A new version: the vendor that matched is clear now, the other matches.
        let february = SanctionsFixture.list(&fixtures, .ofacSDN, "2026-02-02", at: fixtures.now.addingTimeInterval(60))
        let second = try await store.saveSanctionsList(
            february, files: SanctionsListFiles(content: Data("10002,\"B\"\r\n".utf8)),
            screenings: [
                SanctionsFixture.screening(world.vendor, february, .clear),
                SanctionsFixture.screening(other, february, .potentialMatch, score: 0.88),
            ], context: fixtures.context())
        try await expect(
            second.previous == january && second.potentialMatches == 1 && second.newMatches == 1 && second.cleared == 1,
            "counts against the previous version")
        try await expect(try await store.currentSanctionsLists() == [february], "the latest loaded is in force")
        try await expect(try await store.sanctionsLists() == [february, january], "lists newest first")
        try await expect(
            try await store.sanctionsListFiles(february.id)?.alternateNames == nil,
            "a file not loaded reads back as nil")

        // The same version again is refused, and nothing of it is written.
        let again = SanctionsFixture.list(&fixtures, .ofacSDN, "2026-02-02", at: fixtures.now.addingTimeInterval(120))
        let auditAfter = try await store.auditEvents(after: 0, limit: 1000).count
        try await expectStorageError(.duplicate) {
            _ = try await store.saveSanctionsList(
                again, files: files,
                screenings: [SanctionsFixture.screening(world.vendor, again, .potentialMatch, score: 1)],
                context: fixtures.context())
        }
        try await expect(
            try await store.auditEvents(after: 0, limit: 1000).count == auditAfter, "no audit for a refused load")
        try await expect(try await store.sanctionsLists().count == 2, "the refused version is not stored")
        try await expect(
            try await store.vendorScreenings(of: world.vendor.id).first?.list == february,
            "no screening of the refused version")

        // Each source has its own list in force.
        let eu = SanctionsFixture.list(&fixtures, .euConsolidated, "2026-03-02T17:45:12.512+01:00", at: fixtures.now)
        _ = try await store.saveSanctionsList(
            eu, files: SanctionsListFiles(content: Data("<export/>".utf8)), screenings: [], context: fixtures.context())
        try await expect(try await store.currentSanctionsLists() == [february, eu], "one list in force per source")
    }

    static let vendorScreeningsLatestUpsertedAndScoped = StorageContract(
        name: "vendor screenings: the latest per source, replaced per list, potential matches by entity scope"
    ) { store in
        var fixtures = Fixtures()
        let germany = try await World.make(store, &fixtures)
        let china = try await World.make(store, &fixtures, currency: .cny, country: "CN")
        let ofacOld = SanctionsFixture.list(&fixtures, .ofacSDN, "v1", at: fixtures.now)
        let ofac = SanctionsFixture.list(&fixtures, .ofacSDN, "v2", at: fixtures.now.addingTimeInterval(1))
        let eu = SanctionsFixture.list(&fixtures, .euConsolidated, "e1", at: fixtures.now.addingTimeInterval(2))
        let content = SanctionsListFiles(content: Data("x".utf8))
        _ = try await store.saveSanctionsList(
            ofacOld, files: content,
            screenings: [SanctionsFixture.screening(germany.vendor, ofacOld, .potentialMatch, score: 0.9)],
            context: fixtures.context())
        _ = try await store.saveSanctionsList(ofac, files: content, screenings: [], context: fixtures.context())
        _ = try await store.saveSanctionsList(
            eu, files: content,
            screenings: [
                SanctionsFixture.screening(germany.vendor, eu, .clear),
                SanctionsFixture.screening(china.vendor, eu, .potentialMatch, score: 1),
            ], context: fixtures.context())

        // Not screened against the OFAC list in force yet: the latest OFAC result is the old version's.
        var latest = try await store.vendorScreenings(of: germany.vendor.id)
        try await expect(
            latest.map(\.list) == [eu, ofacOld] && latest.map(\.screening.outcome) == [.clear, .potentialMatch],
            "the latest result of each source, even of a list no longer in force")
        try await expect(
            try await store.sanctionsMatches(scope: .all, limit: 100).map(\.vendor.id) == [china.vendor.id],
            "potential matches only against lists in force")

        // Screened at submission: one vendor, one audit event naming it, the result replaced per list.
        let auditBefore = try await store.auditEvents(after: 0, limit: 1000).count
        var screening = SanctionsFixture.screening(germany.vendor, ofac, .potentialMatch, score: 0.9230769230769231)
        try await store.saveVendorScreenings([screening], context: fixtures.context())
        screening.screenedKey = "key-after-rename"
        try await store.saveVendorScreenings([screening], context: fixtures.context())
        let audit = try await store.auditEvents(after: 0, limit: 1000)
        try await expect(audit.count == auditBefore + 2, "one audit event per save")
        try await expect(
            audit.last?.action == "vendor.screened" && audit.last?.objectID == germany.vendor.id.rawValue
                && audit.last?.entityID == germany.entity.id.rawValue, "vendor.screened names the vendor and entity")
        latest = try await store.vendorScreenings(of: germany.vendor.id)
        try await expect(
            latest.first { $0.list.source == .ofacSDN }?.screening == screening,
            "the replaced result reads back exactly")

        // Many vendors: one sanctions.rescreened event.
        try await store.saveVendorScreenings(
            [
                SanctionsFixture.screening(germany.vendor, eu, .clear),
                SanctionsFixture.screening(china.vendor, eu, .potentialMatch, score: 1),
            ],
            context: fixtures.context())
        try await expect(
            try await store.auditEvents(after: 0, limit: 1000).last?.action == "sanctions.rescreened",
            "a re-screen of many")

        // Entity scope.
        let all = try await store.sanctionsMatches(scope: .all, limit: 100)
        try await expect(Set(all.map(\.vendor.id)) == [germany.vendor.id, china.vendor.id], "both entities' matches")
        try await expect(all.allSatisfy { $0.record.screening.outcome == .potentialMatch }, "only potential matches")
        let german = try await store.sanctionsMatches(scope: .only([germany.entity.id]), limit: 100)
        try await expect(
            german.map(\.vendor) == [germany.vendor] && german.first?.record.list == ofac, "one entity's matches")
        try await expect(
            try await store.sanctionsMatches(scope: .only([]), limit: 100).isEmpty, "an empty scope sees none")

        // A result for a list that does not exist is refused, and nothing is written.
        let unknown = SanctionsFixture.list(&fixtures, .ofacSDN, "never-loaded", at: fixtures.now)
        let auditAfter = try await store.auditEvents(after: 0, limit: 1000).count
        try await expectStorageError(.referenceMissing) {
            try await store.saveVendorScreenings(
                [SanctionsFixture.screening(china.vendor, unknown, .clear)], context: fixtures.context())
        }
        try await expect(
            try await store.auditEvents(after: 0, limit: 1000).count == auditAfter, "no audit for a refused save")
    }
}

/// Lists and screenings for the contract, with made-up keys and hits: storage does not interpret them.
enum SanctionsFixture {
    static func list(_ fixtures: inout Fixtures, _ source: SanctionsList.Source, _ version: String, at date: Date)
        -> StoredSanctionsList
    {
        StoredSanctionsList(
            id: fixtures.id(), source: source, version: version, entryCount: 3, loadedBy: "usr_test", loadedAt: date)
    }

    static func screening(
        _ vendor: Vendor, _ list: StoredSanctionsList, _ outcome: ScreeningDecision.Outcome, score: Double? = nil
    ) -> VendorScreening {
        VendorScreening(
            vendorID: vendor.id, entityID: vendor.entityID, listID: list.id, outcome: outcome,
            topScore: score.map { String($0) }, threshold: "0.85", screenedKey: "key-\(vendor.id.rawValue)",
            hitsJSON: score.map { #"[{"entry_id":"10001","kind":"name","score":\#($0)}]"# } ?? "[]",
            screenedAt: Date(timeIntervalSince1970: 1_790_000_000.123))
    }
}
