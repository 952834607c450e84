import Foundation
import Logging
import PayHubDomain
import PayHubStorage
import PostgresNIO
import ServiceLifecycle

/// PayHub's storage in PostgreSQL through postgres-nio's connection pool.
///
/// The store is a `Service`: its ``run()`` drives the pool and must be running, in a `ServiceGroup` or
/// a task group child, for as long as the store is used; until it runs, queries wait, and once it is
/// cancelled, they fail.
///
/// ```swift
/// let store = try PostgresStore(url: url, cipher: cipher, logger: logger)
/// try await withThrowingTaskGroup(of: Void.self) { group in
///     group.addTask { try await store.run() }
///     try await store.migrate()
///     …
///     group.cancelAll()
/// }
/// ```
///
/// It behaves exactly as ``PayHubSQLite/SQLiteStore`` does, method for method: every business step is one
/// transaction with its audit event appended last, status changes are guarded updates, and constraint
/// failures become the same ``StorageError``s. SQLite has one writer, which keeps the audit chain in
/// order by itself; here concurrent writers serialise only the audit append, with a transaction-scoped
/// advisory lock, so the business statements of different steps still run in parallel.
public final class PostgresStore: PayHubStore, SQLTransactionRunner, Service {
    let client: PostgresClient
    public let records: Records
    let logger: Logger

    /// Serialises appends to the audit chain across every PayHub process using this database.
    static let auditChainLock: Int64 = 0x5041_5948_5542_0001  // "PAYHUB" + 1
    /// Keeps two PayHub processes starting together from applying the same migration twice.
    static let migrationLock: Int64 = 0x5041_5948_5542_0002

    /// Connects to the database named by `url` (see ``PostgresURL``); nothing is opened until ``run()``.
    public convenience init(url: String, cipher: BankDetailCipher, logger: Logger) throws {
        try self.init(configuration: PostgresURL(url).configuration, cipher: cipher, logger: logger)
    }

    public init(configuration: PostgresClient.Configuration, cipher: BankDetailCipher, logger: Logger) {
        // postgres-nio logs whole backend messages (rows, error details with key values) at trace level;
        // PayHub never logs bank data, so the driver gets at most debug detail whatever the caller's level.
        var driverLogger = logger
        if driverLogger.logLevel < .debug { driverLogger.logLevel = .debug }
        client = PostgresClient(configuration: configuration, backgroundLogger: driverLogger)
        records = Records(cipher: cipher)
        self.logger = driverLogger
    }

    /// Runs the connection pool until the surrounding task is cancelled (or the ServiceGroup shuts down).
    public func run() async throws {
        await client.run()
    }

    // MARK: Migrations

    public func migrate() async throws {
        try await transaction { db in
            // CREATE TABLE IF NOT EXISTS is not safe against a concurrent create, so it takes the lock too.
            try await db.run(Self.lock(Self.migrationLock))
            try await db.run(SQLQuery(Schema.migrationsTable))
        }
        for migration in Schema.migrations {
            try await transaction { db in
                try await db.run(Self.lock(Self.migrationLock))
                // Read after the lock: another instance may have applied it while this one waited.
                let applied = try await db.rows(
                    SQLQuery("SELECT id FROM payhub_migrations WHERE id = ?", [.text(migration.id)]))
                guard applied.isEmpty else { return }
                for statement in migration.statements(for: .postgres) { try await db.run(SQLQuery(statement)) }
                try await db.run(
                    SQLQuery(
                        "INSERT INTO payhub_migrations (id, applied_at) VALUES (?, ?)",
                        [.text(migration.id), .integer(StoredTime.milliseconds(Date()))]))
            }
        }
    }

    public func appliedMigrations() async throws -> [String] {
        try await read { db in
            let exists = try await db.rows(
                SQLQuery(
                    """
                    SELECT COUNT(*) AS count FROM information_schema.tables
                    WHERE table_schema = current_schema() AND table_name = 'payhub_migrations'
                    """)
            ).first?.integer("count")
            guard exists == 1 else { return [] }
            return try await db.rows(SQLQuery("SELECT id FROM payhub_migrations ORDER BY id")).map { try $0.text("id") }
        }
    }

    // MARK: Entities

    public func createEntity(_ entity: LegalEntity, context: AuditContext) async throws {
        try await write(context) { db in
            try await db.run(self.records.insert(entity))
            return AuditEntry.created(entity)
        }
    }

    public func entity(_ id: ID<LegalEntity>, scope: EntityScope) async throws -> LegalEntity? {
        try await read { db in
            try await db.rows(ListQueries.byID(table: "entities", entityColumn: "id", id: id.rawValue, scope: scope))
                .first.map { try self.records.entity(from: $0) }
        }
    }

    public func entities(_ page: PageRequest, scope: EntityScope) async throws -> Page<LegalEntity> {
        try await read { db in
            let fetched = try await db.rows(ListQueries.entities(page, scope: scope)).map {
                try self.records.entity(from: $0)
            }
            return Page(fetched: fetched, limit: page.limit, id: \.id.rawValue)
        }
    }

    public func updateEntity(_ entity: LegalEntity, context: AuditContext) async throws {
        try await write(context) { db in
            guard
                let before = try await db.rows(
                    SQLQuery("SELECT * FROM entities WHERE id = ?", [.text(entity.id.rawValue)])
                ).first.map({ try self.records.entity(from: $0) })
            else { throw StorageError(.notFound, target: "entity") }
            try await db.run(self.records.update(entity))
            return AuditEntry.updated(before, to: entity)
        }
    }

    // MARK: Vendors

    public func createVendor(_ vendor: Vendor, context: AuditContext) async throws {
        try await write(context) { db in
            try await db.run(self.records.insert(vendor))
            return AuditEntry.created(vendor)
        }
    }

    public func vendor(_ id: ID<Vendor>, scope: EntityScope) async throws -> Vendor? {
        try await read { db in
            try await db.rows(ListQueries.byID(table: "vendors", entityColumn: "entity_id", id: id.rawValue, scope: scope))
                .first.map { try self.records.vendor(from: $0) }
        }
    }

    public func vendors(_ filter: VendorFilter, _ page: PageRequest, scope: EntityScope) async throws -> Page<Vendor> {
        try await read { db in
            let fetched = try await db.rows(ListQueries.vendors(filter, page, scope: scope)).map {
                try self.records.vendor(from: $0)
            }
            return Page(fetched: fetched, limit: page.limit, id: \.id.rawValue)
        }
    }

    public func updateVendor(_ vendor: Vendor, context: AuditContext) async throws {
        try await write(context) { db in
            guard
                let before = try await db.rows(
                    SQLQuery("SELECT * FROM vendors WHERE id = ?", [.text(vendor.id.rawValue)])
                ).first.map({ try self.records.vendor(from: $0) })
            else { throw StorageError(.notFound, target: "vendor") }
            try await db.run(self.records.update(vendor))
            return AuditEntry.updated(before, to: vendor)
        }
    }

    // MARK: Bank accounts

    public func createBankAccount(_ account: BankAccount, context: AuditContext) async throws {
        // Sealing can fail; do it before a connection is leased, as the SQLite adapter does.
        let insert = try records.insert(account)
        try await write(context) { db in
            try await db.run(insert)
            return AuditEntry.created(account)
        }
    }

    public func bankAccount(_ id: ID<BankAccount>, scope: EntityScope) async throws -> BankAccount? {
        try await read { db in
            try await db.rows(
                ListQueries.byID(table: "bank_accounts", entityColumn: "entity_id", id: id.rawValue, scope: scope)
            ).first.map { try self.records.bankAccount(from: $0) }
        }
    }

    public func bankAccounts(_ filter: BankAccountFilter, _ page: PageRequest, scope: EntityScope) async throws
        -> Page<BankAccount>
    {
        try await read { db in
            let fetched = try await db.rows(ListQueries.bankAccounts(filter, page, scope: scope)).map {
                try self.records.bankAccount(from: $0)
            }
            return Page(fetched: fetched, limit: page.limit, id: \.id.rawValue)
        }
    }

    // MARK: Payables

    public func createPayable(_ payable: Payable, context: AuditContext) async throws {
        try await write(context) { db in
            try await db.run(self.records.insert(payable, updatedAt: context.occurredAt))
            return AuditEntry.created(payable)
        }
    }

    public func payable(_ id: ID<Payable>, scope: EntityScope) async throws -> Payable? {
        try await read { db in
            try await db.rows(ListQueries.byID(table: "payables", entityColumn: "entity_id", id: id.rawValue, scope: scope))
                .first.map { try self.records.payable(from: $0) }
        }
    }

    public func payables(_ filter: PayableFilter, _ page: PageRequest, scope: EntityScope) async throws -> Page<Payable> {
        try await read { db in
            let fetched = try await db.rows(ListQueries.payables(filter, page, scope: scope)).map {
                try self.records.payable(from: $0)
            }
            return Page(fetched: fetched, limit: page.limit, id: \.id.rawValue)
        }
    }

    public func updatePayable(_ payable: Payable, context: AuditContext) async throws {
        try await write(context) { db in
            guard
                let before = try await db.rows(
                    SQLQuery("SELECT * FROM payables WHERE id = ?", [.text(payable.id.rawValue)])
                ).first.map({ try self.records.payable(from: $0) })
            else { throw StorageError(.notFound, target: "payable") }
            guard try await db.run(self.records.updateOpen(payable, updatedAt: context.occurredAt)) == 1 else {
                // Re-read: a concurrent payment may have taken it after `before` was read.
                let now = try await db.rows(SQLQuery("SELECT state FROM payables WHERE id = ?", [.text(payable.id.rawValue)]))
                    .first?.text("state")
                throw StorageError(.notEditable, target: "payable", currentState: now ?? before.state.rawValue)
            }
            return AuditEntry.updated(before, to: payable)
        }
    }

    // MARK: Payments

    public func createPayment(_ payment: Payment, context: AuditContext) async throws {
        try await write(context) { db in
            for query in self.records.insert(payment) { try await db.run(query) }
            // A concurrent payment taking the same payable holds its row lock; this update waits for it,
            // then re-checks `state = 'open'` against the committed row and moves nothing.
            let moved = try await db.run(
                self.records.movePayables(payment.payableIDs, from: .open, to: .inPayment, at: context.occurredAt))
            // Another payment took one of them first: roll everything back.
            guard moved == payment.payableIDs.count else { throw StorageError(.payableNotOpen, target: "payable") }
            var entry = AuditEntry.created(payment)
            entry.events += try await db.rows(self.records.payables(payment.payableIDs)).map {
                EventDraft.payableMoved(try self.records.payable(from: $0), from: .open)
            }
            return entry
        }
    }

    public func payment(_ id: ID<Payment>, scope: EntityScope) async throws -> Payment? {
        // The payment row and its payable links are two statements: read them from one snapshot.
        try await snapshotRead { db in try await self.fetchPayment(db, id: id, scope: scope) }
    }

    private func fetchPayment(_ db: PostgresExecutor, id: ID<Payment>, scope: EntityScope) async throws -> Payment? {
        guard
            let row = try await db.rows(
                ListQueries.byID(table: "payments", entityColumn: "entity_id", id: id.rawValue, scope: scope)
            ).first
        else { return nil }
        let payableIDs = try await db.rows(records.payablesOfPayment(id)).map { try $0.text("payable_id") }
        return try records.payment(from: row, payableIDs: payableIDs)
    }

    public func payments(_ filter: PaymentFilter, _ page: PageRequest, scope: EntityScope) async throws -> Page<Payment> {
        try await snapshotRead { db in
            var fetched: [Payment] = []
            for row in try await db.rows(ListQueries.payments(filter, page, scope: scope)) {
                let id = try ID<Payment>(row.text("id"))
                let payableIDs = try await db.rows(self.records.payablesOfPayment(id)).map { try $0.text("payable_id") }
                fetched.append(try self.records.payment(from: row, payableIDs: payableIDs))
            }
            return Page(fetched: fetched, limit: page.limit, id: \.id.rawValue)
        }
    }

    public func transitionPayment(
        _ id: ID<Payment>, from expected: PaymentState, to target: PaymentState, reason: String?,
        context: AuditContext
    ) async throws -> Payment {
        // The move itself must be legal before anything is read or written.
        _ = try expected.transition(to: target)
        return try await transaction { db in
            guard let current = try await self.fetchPayment(db, id: id, scope: .all) else {
                throw StorageError(.notFound, target: "payment")
            }
            guard current.state == expected else {
                throw StorageError(.stateChanged, target: "payment", currentState: current.state.rawValue)
            }
            let moved = try current.transitioned(to: target)
            // Of two writers that both read `expected`, the second waits on the first one's row lock, then
            // PostgreSQL re-checks `state = ?` against the committed row: it changes nothing.
            guard try await db.run(self.records.transition(id, from: expected, to: target, at: context.occurredAt)) == 1
            else {
                let now = try await db.rows(SQLQuery("SELECT state FROM payments WHERE id = ?", [.text(id.rawValue)]))
                    .first?.text("state")
                throw StorageError(.stateChanged, target: "payment", currentState: now ?? current.state.rawValue)
            }
            var entry = AuditEntry.moved(current, from: expected, to: target, reason: reason)
            entry.events = [.paymentMoved(moved, from: expected, reason: reason)]
            if let move = Records.payableMove(from: expected, to: target) {
                try await db.run(
                    self.records.movePayables(current.payableIDs, from: move.from, to: move.to, at: context.occurredAt))
                entry.events += try await db.rows(self.records.payables(current.payableIDs)).map {
                    EventDraft.payableMoved(try self.records.payable(from: $0), from: move.from)
                }
            }
            try await self.appendAudit(db, entry, context)
            return moved
        }
    }

    public func paymentCountsByState() async throws -> [PaymentState: Int] {
        try await read { db in
            var counts: [PaymentState: Int] = [:]
            for row in try await db.rows(SQLQuery("SELECT state, COUNT(*) AS count FROM payments GROUP BY state")) {
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
            try await db.run(self.records.insert(user, passwordHash: passwordHash))
            return AuditEntry.created(user)
        }
    }

    public func user(username: String) async throws -> StoredUser? {
        try await read { db in
            try await db.rows(SQLQuery("SELECT * FROM users WHERE username = ?", [.text(username.lowercased())]))
                .first.map { try self.records.storedUser(from: $0) }
        }
    }

    public func user(_ id: ID<User>) async throws -> User? {
        try await read { db in
            try await db.rows(SQLQuery("SELECT * FROM users WHERE id = ?", [.text(id.rawValue)]))
                .first.map { try self.records.storedUser(from: $0).user }
        }
    }

    public func createAPIKey(_ key: APIKey, secretHash: String, context: AuditContext) async throws {
        try await write(context) { db in
            try await db.run(self.records.insert(key, secretHash: secretHash))
            return AuditEntry.created(key)
        }
    }

    public func apiKey(secretHash: String) async throws -> APIKey? {
        try await read { db in
            try await db.rows(
                SQLQuery("SELECT * FROM api_keys WHERE secret_hash = ? AND revoked_at IS NULL", [.text(secretHash)])
            ).first.map { try self.records.apiKey(from: $0) }
        }
    }

    // MARK: Audit

    public func recordAudit(_ entry: AuditEntry, context: AuditContext) async throws {
        try await write(context) { _ in entry }
    }

    public func auditEvents(after sequence: Int64, limit: Int, scope: EntityScope) async throws -> [AuditEvent] {
        try await read { db in
            try await db.rows(Records.auditEvents(after: sequence, limit: limit, scope: scope)).map {
                try self.records.auditEvent(from: $0)
            }
        }
    }

    // MARK: Transactions

    /// Runs one business step and its audit event in one transaction, the event appended last.
    private func write(_ context: AuditContext, _ change: (PostgresExecutor) async throws -> AuditEntry) async throws {
        try await transaction { db in
            let entry = try await change(db)
            try await self.appendAudit(db, entry, context)
        }
    }

    /// Appends the event after the chain's current head. The advisory lock is held until commit, so the
    /// next writer's read (a new statement under read committed) sees this event as the head; taking it
    /// only now, after the business statements, keeps the serialised part of each transaction short.
    private func appendAudit(_ db: PostgresExecutor, _ entry: AuditEntry, _ context: AuditContext) async throws {
        try await db.run(Self.lock(Self.auditChainLock))
        var appender = try ChainAppender(
            lastAudit: try await db.rows(ChainAppender.headQueries.audit).first,
            lastEventCursor: try await db.rows(ChainAppender.headQueries.events).first)
        for statement in appender.statements(for: entry, context: context, records: records) {
            try await db.run(statement)
        }
    }

    static func lock(_ key: Int64) -> SQLQuery {
        SQLQuery("SELECT pg_advisory_xact_lock(?)", [.integer(key)])
    }

    /// Runs `body` inside BEGIN … COMMIT on one leased connection, rolling back if it throws.
    ///
    /// Not `PostgresClient.withTransaction`: that wraps every failure in a `PostgresTransactionError`,
    /// and callers must see the ``StorageError`` (or `InvalidTransition`) the body threw.
    private func transaction<Result: Sendable>(
        begin: String = "BEGIN", _ body: (PostgresExecutor) async throws -> Result
    ) async throws -> Result {
        try await client.withConnection { connection in
            let db = PostgresExecutor(connection: connection, logger: self.logger)
            try await db.run(SQLQuery(begin))
            let result: Result
            do {
                result = try await body(db)
            } catch {
                await self.rollBack(db)
                if let unresolved = error as? UnresolvedUniqueViolation {
                    throw await self.resolve(unresolved, db)
                }
                throw error
            }
            do {
                try await db.run(SQLQuery("COMMIT"))
            } catch {
                // A failed COMMIT has already ended the transaction; ROLLBACK only makes sure of it.
                await self.rollBack(db)
                throw error
            }
            return result
        }
    }

    /// Ends the transaction after a failure. If even that fails, the connection's state is unknown:
    /// close it so the pool never lends a connection stuck in an aborted transaction.
    private func rollBack(_ db: PostgresExecutor) async {
        do {
            try await db.run(SQLQuery("ROLLBACK"))
        } catch {
            try? await db.connection.close()
        }
    }

    /// Names a unique violation the server gave no `Key (…)` detail for: the first column of the index,
    /// read from the catalog on the same connection now that the failed transaction is over.
    private func resolve(_ violation: UnresolvedUniqueViolation, _ db: PostgresExecutor) async -> StorageError {
        let column = try? await db.rows(
            SQLQuery(PostgresErrors.keyColumnQuery, [.text(violation.constraint), .text(violation.table)])
        ).first?.text("column_name")
        if let column { return StorageError(.duplicate, target: "\(violation.table).\(column)") }
        return StorageError(
            .duplicate,
            target: PostgresErrors.targetFromConstraintName(table: violation.table, constraint: violation.constraint))
    }

    // MARK: Shared features

    /// Runs a feature written once against ``SQLSession`` in one transaction.
    ///
    /// Those features are synchronous, as SQLite's transactions are, so here they run on a dispatch
    /// thread that waits for each statement's result: never on the event loop, and never on the
    /// cooperative pool, whose few threads must not block. The connection stays leased for the whole
    /// transaction, as in ``transaction(begin:_:)``.
    public func writeTransaction<Result: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> Result)
        async throws -> Result
    {
        try await blockingTransaction(begin: "BEGIN", body)
    }

    public func readTransaction<Result: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> Result)
        async throws -> Result
    {
        try await blockingTransaction(begin: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", body)
    }

    private func blockingTransaction<Result: Sendable>(
        begin: String, _ body: @escaping @Sendable (any SQLSession) throws -> Result
    ) async throws -> Result {
        let logger = self.logger
        return try await client.withConnection { connection in
            try await withCheckedThrowingContinuation { continuation in
                DispatchQueue.global().async {
                    let session = BlockingPostgresSession(connection: connection, logger: logger)
                    continuation.resume(with: Swift.Result { try session.transaction(begin: begin, body) })
                }
            }
        }
    }

    /// A single-statement read: it is its own consistent snapshot, so no explicit transaction is needed.
    private func read<Result: Sendable>(_ body: (PostgresExecutor) async throws -> Result) async throws -> Result {
        try await client.withConnection { connection in
            try await body(PostgresExecutor(connection: connection, logger: self.logger))
        }
    }

    /// A read of several statements that must agree with each other (a payment and its payables), in a
    /// read-only repeatable-read transaction: one snapshot, as a SQLite read transaction gives.
    private func snapshotRead<Result: Sendable>(_ body: (PostgresExecutor) async throws -> Result) async throws
        -> Result
    {
        try await transaction(begin: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", body)
    }
}
