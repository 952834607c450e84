import Foundation
import GRDB
import PayHubDomain
import PayHubServices
import PayHubSQLite
import PayHubStorage
import PayHubTesting
import Testing

@Suite("Audit trail tamper evidence")
struct AuditVerifierTests {
    /// A demo database on a real file, and a raw connection to tamper with it the way someone with
    /// file access could.
    func withDemoDatabase(_ body: (SQLiteStore, DatabaseQueue) async throws -> Void) async throws {
        try await TestSQLite.withFreshStore { store in
            _ = try await DemoCompany(store: store, clock: Clock { Date(timeIntervalSince1970: 1_790_000_000) }).seed()
            let raw = try DatabaseQueue(path: store.path)
            try await body(store, raw)
        }
    }

    @Test("an untouched demo trail verifies, in pages")
    func intact() async throws {
        try await withDemoDatabase { store, _ in
            var progress: [Int] = []
            let report = try await AuditVerifier(store: store, pageSizeMax: 50).verify { progress.append($0) }
            #expect(report.firstBreak == nil)
            #expect(report.eventsChecked > 250, "entities, accounts, vendors, payables, payments")
            #expect(progress.count > 5 && progress == progress.sorted())
        }
    }

    @Test("one flipped byte is caught at that event")
    func flippedByte() async throws {
        try await withDemoDatabase { store, raw in
            try await raw.write { db in
                let after = try String.fetchOne(db, sql: "SELECT after_json FROM audit_events WHERE sequence = 120")!
                var bytes = Array(after.utf8)
                bytes[10] ^= 0x01
                try db.execute(
                    sql: "UPDATE audit_events SET after_json = ? WHERE sequence = 120",
                    arguments: [String(decoding: bytes, as: UTF8.self)])
            }
            let report = try await AuditVerifier(store: store, pageSizeMax: 50).verify()
            #expect(report.firstBreak == AuditChainBreak(sequence: 120, reason: .contentHashMismatch))
        }
    }

    @Test("a deleted event is caught where it is missing")
    func deletedRow() async throws {
        try await withDemoDatabase { store, raw in
            try await raw.write { db in try db.execute(sql: "DELETE FROM audit_events WHERE sequence = 77") }
            let report = try await AuditVerifier(store: store).verify()
            #expect(report.firstBreak == AuditChainBreak(sequence: 78, reason: .sequenceGap(expected: 77)))
        }
    }

    @Test("two swapped events are caught at the first of them")
    func swappedRows() async throws {
        try await withDemoDatabase { store, raw in
            try await raw.write { db in
                // Swap every column but the position, so the rows trade places in the chain.
                try db.execute(sql: "UPDATE audit_events SET sequence = -1 WHERE sequence = 40")
                try db.execute(sql: "UPDATE audit_events SET sequence = 40 WHERE sequence = 41")
                try db.execute(sql: "UPDATE audit_events SET sequence = 41 WHERE sequence = -1")
            }
            let report = try await AuditVerifier(store: store).verify()
            #expect(report.firstBreak?.sequence == 40)
        }
    }

    @Test("a rewritten event with a recomputed hash still breaks the next link")
    func recomputedHash() async throws {
        try await withDemoDatabase { store, raw in
            var events = try await store.auditEvents(after: 9, limit: 1)
            events[0].actorID = "usr_mallory"
            let forged = AuditChain.hash(of: events[0])
            try await raw.write { db in
                try db.execute(
                    sql: "UPDATE audit_events SET actor_id = 'usr_mallory', hash = ? WHERE sequence = 10", arguments: [forged])
            }
            let report = try await AuditVerifier(store: store).verify()
            #expect(report.firstBreak == AuditChainBreak(sequence: 11, reason: .previousHashMismatch))
        }
    }
}

@Suite("Bank details at rest")
struct BankDetailsAtRestTests {
    @Test("the database files hold no account number in clear, and a wrong key cannot read them")
    func noClearAccountNumbers() async throws {
        let folder = try TestSQLite.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("payhub.sqlite").path
        let store = try SQLiteStore(path: path, cipher: Fixtures.testCipher)
        try await store.migrate()
        _ = try await DemoCompany(store: store).seed()
        let accounts = try await store.bankAccounts(BankAccountFilter(), PageRequest(limit: 1000), scope: .all).items
        #expect(accounts.count == 23)
        // Read every file SQLite wrote (main file, WAL, shared memory) as raw bytes.
        var dump = Data()
        for file in try FileManager.default.contentsOfDirectory(atPath: folder.path) {
            dump.append(try Data(contentsOf: folder.appendingPathComponent(file)))
        }
        #expect(dump.count > 100_000)
        for account in accounts {
            let number = account.accountNumber.value
            #expect(dump.range(of: Data(number.utf8)) == nil, "clear account number in the database files")
            // The account part alone (BBAN / the last 12 digits) must not be there either.
            #expect(dump.range(of: Data(number.suffix(12).utf8)) == nil)
        }
        let wrongKey = try BankDetailCipher(masterKeyBytes: Data(repeating: 7, count: 32))
        let thief = try SQLiteStore(path: path, cipher: wrongKey)
        await #expect(throws: BankDetailCipherError.openFailed) {
            _ = try await thief.bankAccount(accounts[0].id, scope: .all)
        }
    }
}

@Suite("SQLite durability")
struct SQLiteDurabilityTests {
    @Test("the store runs in WAL mode with synchronous=FULL")
    func walAndFullSync() async throws {
        try await TestSQLite.withFreshStore { store in
            let durability = try await store.durability()
            #expect(durability.journalMode == "wal")
            #expect(durability.synchronous == 2, "2 is FULL")
        }
    }
}
