import Foundation
import GRDB

#if canImport(GRDBSQLite)
    import GRDBSQLite
#else
    import SQLite3
#endif
import PayHubDomain
import PayHubStorage

/// PayHub's storage in one SQLite file through GRDB: a `DatabasePool` in WAL mode with
/// `synchronous=FULL`, so a committed payment survives a power cut.
public final class SQLiteStore: PayHubStore, SQLTransactionRunner {
    let pool: DatabasePool
    public let records: Records
    public let path: String

    public init(path: String, cipher: BankDetailCipher) throws {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            // 16 KiB pages for a new file (an existing one keeps its size): a quarter of the page writes
            // per row when imports insert into several indexes at scattered places.
            try db.execute(sql: "PRAGMA page_size = 16384")
            // WAL alone only guarantees consistency; FULL also makes every commit durable.
            try db.execute(sql: "PRAGMA synchronous = FULL")
            // Checkpoint the WAL every 8,192 pages (128 MiB at 16 KiB a page) rather than every 1,000: an
            // import batch writes more than that, and a checkpoint inside nearly every commit cost a tenth
            // of the import's time. (Checkpointing on a second connection beside the writer was tried: with
            // a writer that never pauses, the log never restarts, so it only grows and the work is
            // deferred, not saved.)
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 8192")
            // A 32 MiB page cache (the default is 2 MiB): with less, a large transaction spills its dirty
            // pages to the WAL before it commits and writes the hot index pages over and over (an import
            // made 16 page writes per row).
            try db.execute(sql: "PRAGMA cache_size = -32768")
            // Statement journals and temporary b-trees in memory, not in files under /var/tmp: every
            // multi-row insert of an import opened, wrote and deleted one.
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
        }
        pool = try DatabasePool(path: path, configuration: configuration)
        records = Records(cipher: cipher)
        self.path = path
    }

    public func migrate() async throws {
        try await pool.write { db in
            try db.execute(sql: Schema.migrationsTable)
            let applied = Set(try String.fetchAll(db, sql: "SELECT id FROM payhub_migrations"))
            for migration in Schema.migrations where !applied.contains(migration.id) {
                for statement in migration.statements(for: .sqlite) { try db.execute(sql: statement) }
                try db.execute(
                    sql: "INSERT INTO payhub_migrations (id, applied_at) VALUES (?, ?)",
                    arguments: [migration.id, StoredTime.milliseconds(Date())])
            }
        }
    }

    /// The journal mode and `synchronous` level a connection of this store runs with; for operators
    /// checking durability and for the tests that guard it (`wal` and 2, meaning FULL).
    public func durability() async throws -> (journalMode: String, synchronous: Int) {
        try await pool.read { db in
            (
                try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "",
                try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1
            )
        }
    }

    public func appliedMigrations() async throws -> [String] {
        try await pool.read { db in
            guard try db.tableExists("payhub_migrations") else { return [] }
            return try String.fetchAll(db, sql: "SELECT id FROM payhub_migrations ORDER BY id")
        }
    }

    // MARK: Entities

    public func createEntity(_ entity: LegalEntity, context: AuditContext) async throws {
        try await write(context) { db in
            try db.run(self.records.insert(entity))
            return AuditEntry.created(entity)
        }
    }

    public func entity(_ id: ID<LegalEntity>, scope: EntityScope) async throws -> LegalEntity? {
        try await pool.read { db in
            try db.rows(ListQueries.byID(table: "entities", entityColumn: "id", id: id.rawValue, scope: scope))
                .first.map { try self.records.entity(from: $0) }
        }
    }

    public func entities(_ page: PageRequest, scope: EntityScope) async throws -> Page<LegalEntity> {
        try await pool.read { db in
            let fetched = try db.rows(ListQueries.entities(page, scope: scope)).map { try self.records.entity(from: $0) }
            return Page(fetched: fetched, limit: page.limit, id: \.id.rawValue)
        }
    }

    public func updateEntity(_ entity: LegalEntity, context: AuditContext) async throws {
        try await write(context) { db in
            guard let before = try db.rows(SQLQuery("SELECT * FROM entities WHERE id = ?", [.text(entity.id.rawValue)]))
                .first.map({ try self.records.entity(from: $0) })
            else { throw StorageError(.notFound, target: "entity") }
            try db.run(self.records.update(entity))
            return AuditEntry.updated(before, to: entity)
        }
    }

    // MARK: Vendors

    public func createVendor(_ vendor: Vendor, context: AuditContext) async throws {
        try await write(context) { db in
            try db.run(self.records.insert(vendor))
            return AuditEntry.created(vendor)
        }
    }

    public func vendor(_ id: ID<Vendor>, scope: EntityScope) async throws -> Vendor? {
        try await pool.read { db in
            try db.rows(ListQueries.byID(table: "vendors", entityColumn: "entity_id", id: id.rawValue, scope: scope))
                .first.map { try self.records.vendor(from: $0) }
        }
    }

    public func vendors(_ filter: VendorFilter, _ page: PageRequest, scope: EntityScope) async throws -> Page<Vendor> {
        try await pool.read { db in
            let fetched = try db.rows(ListQueries.vendors(filter, page, scope: scope)).map {
                try self.records.vendor(from: $0)
            }
            return Page(fetched: fetched, limit: page.limit, id: \.id.rawValue)
        }
    }

    public func updateVendor(_ vendor: Vendor, context: AuditContext) async throws {
        try await write(context) { db in
            guard let before = try db.rows(SQLQuery("SELECT * FROM vendors WHERE id = ?", [.text(vendor.id.rawValue)]))
                .first.map({ try self.records.vendor(from: $0) })
            else { throw StorageError(.notFound, target: "vendor") }
            try db.run(self.records.update(vendor))
            return AuditEntry.updated(before, to: vendor)
        }
    }

    // MARK: Bank accounts

    public func createBankAccount(_ account: BankAccount, context: AuditContext) async throws {
        let insert = try records.insert(account)
        try await write(context) { db in
            try db.run(insert)
            return AuditEntry.created(account)
        }
    }

    public func bankAccount(_ id: ID<BankAccount>, scope: EntityScope) async throws -> BankAccount? {
        try await pool.read { db in
            try db.rows(ListQueries.byID(table: "bank_accounts", entityColumn: "entity_id", id: id.rawValue, scope: scope))
                .first.map { try self.records.bankAccount(from: $0) }
        }
    }

    public func bankAccounts(_ filter: BankAccountFilter, _ page: PageRequest, scope: EntityScope) async throws
        -> Page<BankAccount>
    {
        try await pool.read { db in
            let fetched = try db.rows(ListQueries.bankAccounts(filter, page, scope: scope)).map {
                try self.records.bankAccount(from: $0)
            }
            return Page(fetched: fetched, limit: page.limit, id: \.id.rawValue)
        }
    }

    // MARK: Payables

    public func createPayable(_ payable: Payable, context: AuditContext) async throws {
        try await write(context) { db in
            try db.run(self.records.insert(payable, updatedAt: context.occurredAt))
            return AuditEntry.created(payable)
        }
    }

    public func payable(_ id: ID<Payable>, scope: EntityScope) async throws -> Payable? {
        try await pool.read { db in
            try db.rows(ListQueries.byID(table: "payables", entityColumn: "entity_id", id: id.rawValue, scope: scope))
                .first.map { try self.records.payable(from: $0) }
        }
    }

    public func payables(_ filter: PayableFilter, _ page: PageRequest, scope: EntityScope) async throws -> Page<Payable> {
        try await pool.read { db in
            let fetched = try db.rows(ListQueries.payables(filter, page, scope: scope)).map {
                try self.records.payable(from: $0)
            }
            return Page(fetched: fetched, limit: page.limit, id: \.id.rawValue)
        }
    }

    public func updatePayable(_ payable: Payable, context: AuditContext) async throws {
        try await write(context) { db in
            guard let before = try db.rows(SQLQuery("SELECT * FROM payables WHERE id = ?", [.text(payable.id.rawValue)]))
                .first.map({ try self.records.payable(from: $0) })
            else { throw StorageError(.notFound, target: "payable") }
            guard try db.run(self.records.updateOpen(payable, updatedAt: context.occurredAt)) == 1 else {
                throw StorageError(.notEditable, target: "payable", currentState: before.state.rawValue)
            }
            return AuditEntry.updated(before, to: payable)
        }
    }

    // MARK: Payments

    public func createPayment(_ payment: Payment, context: AuditContext) async throws {
        try await write(context) { db in
            for query in self.records.insert(payment) { try db.run(query) }
            let moved = try db.run(
                self.records.movePayables(payment.payableIDs, from: .open, to: .inPayment, at: context.occurredAt))
            // Another payment took one of them first: roll everything back.
            guard moved == payment.payableIDs.count else { throw StorageError(.payableNotOpen, target: "payable") }
            var entry = AuditEntry.created(payment)
            entry.events += try db.rows(self.records.payables(payment.payableIDs)).map {
                EventDraft.payableMoved(try self.records.payable(from: $0), from: .open)
            }
            return entry
        }
    }

    public func payment(_ id: ID<Payment>, scope: EntityScope) async throws -> Payment? {
        try await pool.read { db in try self.fetchPayment(db, id: id, scope: scope) }
    }

    private func fetchPayment(_ db: Database, id: ID<Payment>, scope: EntityScope) throws -> Payment? {
        guard
            let row = try db.rows(
                ListQueries.byID(table: "payments", entityColumn: "entity_id", id: id.rawValue, scope: scope)
            ).first
        else { return nil }
        let payableIDs = try db.rows(records.payablesOfPayment(id)).map { try $0.text("payable_id") }
        return try records.payment(from: row, payableIDs: payableIDs)
    }

    public func payments(_ filter: PaymentFilter, _ page: PageRequest, scope: EntityScope) async throws -> Page<Payment> {
        try await pool.read { db in
            let fetched = try db.rows(ListQueries.payments(filter, page, scope: scope)).map { row in
                let id = try ID<Payment>(row.text("id"))
                let payableIDs = try db.rows(self.records.payablesOfPayment(id)).map { try $0.text("payable_id") }
                return try self.records.payment(from: row, payableIDs: payableIDs)
            }
            return Page(fetched: fetched, limit: page.limit, id: \.id.rawValue)
        }
    }

    public func transitionPayment(
        _ id: ID<Payment>, from expected: PaymentState, to target: PaymentState, reason: String?,
        context: AuditContext
    ) async throws -> Payment {
        try await pool.write { db in
            // The move itself must be legal before anything is read or written.
            _ = try expected.transition(to: target)
            guard let current = try self.fetchPayment(db, id: id, scope: .all) else {
                throw StorageError(.notFound, target: "payment")
            }
            guard current.state == expected else {
                throw StorageError(.stateChanged, target: "payment", currentState: current.state.rawValue)
            }
            let moved = try current.transitioned(to: target)
            guard try db.run(self.records.transition(id, from: expected, to: target, at: context.occurredAt)) == 1 else {
                throw StorageError(.stateChanged, target: "payment", currentState: current.state.rawValue)
            }
            var entry = AuditEntry.moved(current, from: expected, to: target, reason: reason)
            entry.events = [.paymentMoved(moved, from: expected, reason: reason)]
            if let move = Records.payableMove(from: expected, to: target) {
                try db.run(self.records.movePayables(current.payableIDs, from: move.from, to: move.to, at: context.occurredAt))
                entry.events += try db.rows(self.records.payables(current.payableIDs)).map {
                    EventDraft.payableMoved(try self.records.payable(from: $0), from: move.from)
                }
            }
            try self.appendAudit(db, entry, context)
            return moved
        }
    }

    public func paymentCountsByState() async throws -> [PaymentState: Int] {
        try await pool.read { db in
            var counts: [PaymentState: Int] = [:]
            for row in try db.rows(SQLQuery("SELECT state, COUNT(*) AS count FROM payments GROUP BY state")) {
                if let state = PaymentState(rawValue: try row.text("state")) {
                    counts[state] = Int(try row.integer("count"))
                }
            }
            return counts
        }
    }

    // MARK: Users and keys

    public func createUser(_ user: User, passwordHash: String, context: AuditContext) async throws {
        try await write(context) { db in
            try db.run(self.records.insert(user, passwordHash: passwordHash))
            return AuditEntry.created(user)
        }
    }

    public func user(username: String) async throws -> StoredUser? {
        try await pool.read { db in
            try db.rows(SQLQuery("SELECT * FROM users WHERE username = ?", [.text(username.lowercased())]))
                .first.map { try self.records.storedUser(from: $0) }
        }
    }

    public func user(_ id: ID<User>) async throws -> User? {
        try await pool.read { db in
            try db.rows(SQLQuery("SELECT * FROM users WHERE id = ?", [.text(id.rawValue)]))
                .first.map { try self.records.storedUser(from: $0).user }
        }
    }

    public func createAPIKey(_ key: APIKey, secretHash: String, context: AuditContext) async throws {
        try await write(context) { db in
            try db.run(self.records.insert(key, secretHash: secretHash))
            return AuditEntry.created(key)
        }
    }

    public func apiKey(secretHash: String) async throws -> APIKey? {
        try await pool.read { db in
            try db.rows(
                SQLQuery("SELECT * FROM api_keys WHERE secret_hash = ? AND revoked_at IS NULL", [.text(secretHash)])
            ).first.map { try self.records.apiKey(from: $0) }
        }
    }

    // MARK: Audit

    public func recordAudit(_ entry: AuditEntry, context: AuditContext) async throws {
        try await write(context) { _ in entry }
    }

    public func auditEvents(after sequence: Int64, limit: Int, scope: EntityScope) async throws -> [AuditEvent] {
        try await pool.read { db in
            try db.rows(Records.auditEvents(after: sequence, limit: limit, scope: scope)).map { try self.records.auditEvent(from: $0) }
        }
    }

    /// Runs one business step and its audit event in one transaction; SQLite's single writer keeps the
    /// audit chain in order.
    private func write(_ context: AuditContext, _ change: @escaping @Sendable (Database) throws -> AuditEntry)
        async throws
    {
        try await pool.write { db in
            let entry = try change(db)
            try self.appendAudit(db, entry, context)
        }
    }

    private func appendAudit(_ db: Database, _ entry: AuditEntry, _ context: AuditContext) throws {
        let session = GRDBSession(db: db)
        var appender = try ChainAppender(locking: session)
        try appender.append(entry, context: context, records: records, in: session)
    }

    // MARK: Shared features

    public func writeTransaction<Result: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> Result)
        async throws -> Result
    {
        try await pool.write { db in try body(GRDBSession(db: db)) }
    }

    public func readTransaction<Result: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> Result)
        async throws -> Result
    {
        try await pool.read { db in try body(GRDBSession(db: db)) }
    }
}

/// A GRDB connection inside a transaction, seen as the shared ``SQLSession``.
struct GRDBSession: SQLSession {
    let db: Database
    var dialect: Schema.Dialect { .sqlite }

    func rows(_ query: SQLQuery) throws -> [any SQLRow] { try db.rows(query) }

    @discardableResult
    func run(_ query: SQLQuery) throws -> Int { try db.run(query) }

    /// SQLite has one writer at a time: the open write transaction is the lock.
    func lockChain() throws {}
}

extension Database {
    /// Runs a statement and returns how many rows it changed, mapping constraint failures to ``StorageError``.
    ///
    /// The values are bound with SQLite's own functions on GRDB's cached statement: an import runs this
    /// hundreds of thousands of times, and going through `StatementArguments` cost more than SQLite did.
    @discardableResult
    func run(_ query: SQLQuery) throws -> Int {
        let statement: Statement
        do {
            statement = try cachedStatement(sql: query.sql)
        } catch let error as DatabaseError {
            throw SQLiteErrors.map(error)
        }
        let handle = statement.sqliteStatement
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        guard Int(sqlite3_bind_parameter_count(handle)) == query.binds.count else {
            throw DatabaseError(resultCode: .SQLITE_MISUSE, message: "wrong number of values for the statement")
        }
        for (offset, value) in query.binds.enumerated() {
            let index = Int32(offset + 1)
            let code: Int32
            switch value {
            case .null: code = sqlite3_bind_null(handle, index)
            case .integer(let integer): code = sqlite3_bind_int64(handle, index, integer)
            case .text(var text):
                // The string's own UTF-8 storage, with its length (a text may hold a NUL).
                code = text.withUTF8 { bytes in
                    sqlite3_bind_text(
                        handle, index, UnsafeRawPointer(bytes.baseAddress ?? UnsafePointer(bitPattern: 1)!)
                            .assumingMemoryBound(to: CChar.self), Int32(bytes.count), SQLiteValueLifetime.transient)
                }
            case .blob(let data):
                code = data.withUnsafeBytes { bytes in
                    sqlite3_bind_blob(handle, index, bytes.baseAddress, Int32(bytes.count), SQLiteValueLifetime.transient)
                }
            }
            guard code == SQLITE_OK else { throw lastError(code) }
        }
        var code = sqlite3_step(handle)
        while code == SQLITE_ROW { code = sqlite3_step(handle) }
        let changes = Int(sqlite3_changes(sqliteConnection))
        sqlite3_reset(handle)
        guard code == SQLITE_DONE else { throw lastError(code) }
        return changes
    }

    /// The connection's last error as GRDB reports it, mapped like every storage error.
    private func lastError(_ code: Int32) -> any Error {
        let extended = sqlite3_extended_errcode(sqliteConnection)
        let message = sqlite3_errmsg(sqliteConnection).map { String(cString: $0) }
        return SQLiteErrors.map(DatabaseError(resultCode: ResultCode(rawValue: extended != 0 ? extended : code), message: message))
    }

    func rows(_ query: SQLQuery) throws -> [Row] {
        try Row.fetchAll(
            try cachedStatement(sql: query.sql), arguments: query.statementArguments)
    }
}

/// `SQLITE_TRANSIENT`: SQLite copies the value before the bind call returns (the C macro is not
/// importable into Swift).
enum SQLiteValueLifetime {
    static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
}

enum SQLiteErrors {
    /// Turns SQLite's constraint messages ("UNIQUE constraint failed: payables.source_system, …") into
    /// a ``StorageError`` naming the table and first column, without echoing any value.
    static func map(_ error: DatabaseError) -> any Error {
        let message = error.message ?? ""
        let columns = message.components(separatedBy: ": ").last ?? "row"
        let target = columns.components(separatedBy: ", ").first ?? columns
        switch error.extendedResultCode {
        case .SQLITE_CONSTRAINT_UNIQUE, .SQLITE_CONSTRAINT_PRIMARYKEY:
            return StorageError(.duplicate, target: target)
        case .SQLITE_CONSTRAINT_FOREIGNKEY:
            return StorageError(.referenceMissing, target: "reference")
        default:
            return error
        }
    }
}

extension SQLQuery {
    /// The binds as GRDB takes them. Through the generic initialiser on purpose: given an array, Swift
    /// picks `StatementArguments.init?(_: [Any])`, which casts every value dynamically and may return nil.
    var statementArguments: StatementArguments {
        StatementArguments(binds.lazy.map { $0.databaseValue })
    }
}

extension SQLValue {
    var databaseValue: DatabaseValue {
        switch self {
        case .null: .null
        case .integer(let value): value.databaseValue
        case .text(let value): value.databaseValue
        case .blob(let value): value.databaseValue
        }
    }
}

extension Row: SQLRow {
    public func value(named column: String) throws -> SQLValue {
        guard hasColumn(column) else { throw StorageError(.corruptRow, target: column) }
        let value: DatabaseValue = self[column]
        switch value.storage {
        case .null: return .null
        case .int64(let integer): return .integer(integer)
        case .string(let text): return .text(text)
        case .blob(let data): return .blob(data)
        case .double: throw StorageError(.corruptRow, target: column)
        }
    }
}
