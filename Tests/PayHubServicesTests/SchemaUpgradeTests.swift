import Foundation
import GRDB
import PayHubDomain
import PayHubServices
import PayHubSQLite
import PayHubStorage
import PayHubTesting
import Testing

@Suite("Schema upgrades keep what was written")
struct SchemaUpgradeTests {
    /// A database as 0002 left it: `audit_events` with its UNIQUE hash, and 0003 not yet applied.
    func downgradeAuditTable(_ raw: DatabaseQueue) async throws {
        try await raw.write { db in
            try db.execute(sql: "ALTER TABLE audit_events RENAME TO audit_events_current")
            try db.execute(
                sql: """
                    CREATE TABLE audit_events (
                        sequence BIGINT PRIMARY KEY, occurred_at BIGINT NOT NULL, actor_kind TEXT NOT NULL,
                        actor_id TEXT NOT NULL, action TEXT NOT NULL, object_type TEXT NOT NULL, object_id TEXT NOT NULL,
                        entity_id TEXT, before_json TEXT, after_json TEXT, origin TEXT NOT NULL, request_id TEXT,
                        previous_hash TEXT NOT NULL, hash TEXT NOT NULL UNIQUE)
                    """)
            try db.execute(sql: "INSERT INTO audit_events SELECT * FROM audit_events_current")
            try db.execute(sql: "DROP TABLE audit_events_current")
            try db.execute(sql: "CREATE INDEX audit_events_object ON audit_events (object_type, object_id)")
            try db.execute(sql: "DELETE FROM payhub_migrations WHERE id = '0003_audit_hash_not_indexed'")
        }
    }

    @Test("0003 rebuilds the audit trail without the hash index: every event kept, the chain intact and growing")
    func auditHashNotIndexed() async throws {
        let folder = try TestSQLite.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("payhub.sqlite").path
        let clock = Clock { Date(timeIntervalSince1970: 1_790_000_000) }

        let seeded = try SQLiteStore(path: path, cipher: Fixtures.testCipher)
        try await seeded.migrate()
        _ = try await DemoCompany(store: seeded, clock: clock).seed()
        let raw = try DatabaseQueue(path: path)
        try await downgradeAuditTable(raw)
        let before = try await raw.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM audit_events ORDER BY sequence")
        }
        #expect(before.count > 250)
        #expect(try await raw.read { db in try Self.hashIsIndexed(db) })
        try raw.close()

        let store = try SQLiteStore(path: path, cipher: Fixtures.testCipher)
        try await store.migrate()
        #expect(try await store.appliedMigrations() == Schema.migrations.map(\.id))
        let check = try DatabaseQueue(path: path)
        defer { try? check.close() }
        let after = try await check.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM audit_events ORDER BY sequence")
        }
        #expect(after == before, "every event, column for column")
        #expect(try await check.read { db in try Self.hashIsIndexed(db) } == false)
        #expect(try await check.read { db in try Self.indexNames(db) }.contains("audit_events_object"))

        // The trail still takes new events after the rebuilt table, and verifies end to end.
        let hub = PaymentHub(store: store, clock: clock)
        _ = try await hub.createEntity(
            NewEntity(name: "Upgrade GmbH", country: "DE", baseCurrency: "EUR"),
            context: CallContext(
                principal: Principal(kind: .user, actorID: "usr_admin", roles: [.admin], scope: .all), origin: "test"))
        let report = try await AuditVerifier(store: store).verify()
        #expect(report.firstBreak == nil)
        #expect(report.eventsChecked == before.count + 1)
    }

    static func indexNames(_ db: Database) throws -> Set<String> {
        Set(try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'audit_events'"))
    }

    /// Whether some index of `audit_events` covers `hash` (the UNIQUE constraint's automatic one).
    static func hashIsIndexed(_ db: Database) throws -> Bool {
        for name in try indexNames(db) {
            let columns = try String.fetchAll(db, sql: "SELECT name FROM pragma_index_info(?)", arguments: [name])
            if columns == ["hash"] { return true }
        }
        return false
    }
}
