import Foundation
import PayHubDomain

/// One ERP file taken in, with its running report.
public struct ImportRun: Identified, Sendable, Hashable {
    public static let idPrefix = "imp"

    public enum State: String, Sendable, Hashable, Codable {
        case running, completed
        /// All-or-nothing import with at least one rejected row: nothing was written but the rejections.
        case rolledBack = "rolled_back"
        /// The file itself could not be read (encoding, missing column…); see ``ImportRun/failure``.
        case failed
    }

    public enum Channel: String, Sendable, Hashable, Codable { case cli, api, folder }

    public struct Counts: Sendable, Hashable, Codable {
        /// Every record read, whatever became of it.
        public var records = 0
        /// New payables.
        public var accepted = 0
        public var updated = 0
        /// The same source and external id with the same content as already stored.
        public var duplicates = 0
        public var rejected = 0

        public init() {}
    }

    public let id: ID<ImportRun>
    public var entityID: ID<LegalEntity>
    public var source: String
    public var profile: String
    public var fileName: String
    public var fileSHA256: String
    public var channel: Channel
    public var allOrNothing: Bool
    public var state: State
    public var counts: Counts
    public var failure: String?
    public var createdBy: String
    public var createdAt: Date
    public var finishedAt: Date?

    public init(
        id: ID<ImportRun>, entityID: ID<LegalEntity>, source: String, profile: String, fileName: String,
        fileSHA256: String, channel: Channel, allOrNothing: Bool, createdBy: String, createdAt: Date
    ) {
        self.id = id
        self.entityID = entityID
        self.source = source
        self.profile = profile
        self.fileName = fileName
        self.fileSHA256 = fileSHA256
        self.channel = channel
        self.allOrNothing = allOrNothing
        state = .running
        counts = Counts()
        self.createdBy = createdBy
        self.createdAt = createdAt
    }
}

/// A rejected row kept with its raw text and reasons until someone fixes and resubmits it, or discards it.
public struct QuarantinedRow: Identified, Sendable, Hashable {
    public static let idPrefix = "rej"

    public enum State: String, Sendable, Hashable, Codable, CaseIterable { case open, resubmitted, discarded }

    public let id: ID<QuarantinedRow>
    public var importID: ID<ImportRun>
    /// The physical line the record starts on (0 for XML files; see `location`).
    public var line: Int
    /// `line 12`, or an element path for XML.
    public var location: String
    /// The record as it appears in the file.
    public var raw: String
    public var errors: [FieldError]
    public var state: State
    public var resolvedBy: String?
    public var resolvedAt: Date?
    /// What was done: the payable the corrected row became, or why it was discarded.
    public var resolution: String?

    public init(
        id: ID<QuarantinedRow>, importID: ID<ImportRun>, line: Int, location: String, raw: String, errors: [FieldError]
    ) {
        self.id = id
        self.importID = importID
        self.line = line
        self.location = location
        self.raw = raw
        self.errors = errors
        state = .open
    }
}

extension Records {
    func insert(_ run: ImportRun) -> SQLQuery {
        SQLQuery(
            """
            INSERT INTO imports (id, entity_id, source_system, profile, file_name, file_sha256, channel, all_or_nothing,
                state, records, accepted, updated, duplicates, rejected, failure, created_by, created_at, finished_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                .text(run.id.rawValue), .text(run.entityID.rawValue), .text(run.source), .text(run.profile),
                .text(run.fileName), .text(run.fileSHA256), .text(run.channel.rawValue), .integer(run.allOrNothing ? 1 : 0),
            ] + Self.progressValues(run) + [.text(run.createdBy), .integer(StoredTime.milliseconds(run.createdAt)), .null])
    }

    /// Writes a run's state, counts and end; guarded by `running`, so a finished report never changes.
    func updateProgress(_ run: ImportRun) -> SQLQuery {
        SQLQuery(
            """
            UPDATE imports SET state = ?, records = ?, accepted = ?, updated = ?, duplicates = ?, rejected = ?,
                failure = ?, finished_at = ?
            WHERE id = ? AND state = 'running'
            """,
            Self.progressValues(run) + [SQLValue(run.finishedAt.map(StoredTime.milliseconds)), .text(run.id.rawValue)])
    }

    private static func progressValues(_ run: ImportRun) -> [SQLValue] {
        [
            .text(run.state.rawValue), .integer(Int64(run.counts.records)), .integer(Int64(run.counts.accepted)),
            .integer(Int64(run.counts.updated)), .integer(Int64(run.counts.duplicates)),
            .integer(Int64(run.counts.rejected)), SQLValue(run.failure),
        ]
    }

    func importRun(from row: some SQLRow) throws -> ImportRun {
        guard let channel = ImportRun.Channel(rawValue: try row.text("channel")),
            let state = ImportRun.State(rawValue: try row.text("state"))
        else { throw StorageError(.corruptRow, target: "imports") }
        var run = ImportRun(
            id: try ID(row.text("id")), entityID: try ID(row.text("entity_id")), source: try row.text("source_system"),
            profile: try row.text("profile"), fileName: try row.text("file_name"), fileSHA256: try row.text("file_sha256"),
            channel: channel, allOrNothing: try row.integer("all_or_nothing") == 1, createdBy: try row.text("created_by"),
            createdAt: StoredTime.date(try row.integer("created_at")))
        run.state = state
        run.counts.records = Int(try row.integer("records"))
        run.counts.accepted = Int(try row.integer("accepted"))
        run.counts.updated = Int(try row.integer("updated"))
        run.counts.duplicates = Int(try row.integer("duplicates"))
        run.counts.rejected = Int(try row.integer("rejected"))
        run.failure = try row.optionalText("failure")
        run.finishedAt = try row.optionalInteger("finished_at").map(StoredTime.date)
        return run
    }

    func insert(_ row: QuarantinedRow) -> SQLQuery {
        SQLQuery(
            """
            INSERT INTO import_rejections (id, import_id, line, location, raw, errors_json, state)
            VALUES (?, ?, ?, ?, ?, ?, 'open')
            """,
            [
                .text(row.id.rawValue), .text(row.importID.rawValue), .integer(Int64(row.line)), .text(row.location),
                .text(row.raw), .text(CanonicalJSON.string(row.errors)),
            ])
    }

    func quarantinedRow(from row: some SQLRow) throws -> QuarantinedRow {
        guard let state = QuarantinedRow.State(rawValue: try row.text("state")),
            let errors = try? JSONDecoder().decode([FieldError].self, from: Data(try row.text("errors_json").utf8))
        else { throw StorageError(.corruptRow, target: "import_rejections") }
        var quarantined = QuarantinedRow(
            id: try ID(row.text("id")), importID: try ID(row.text("import_id")), line: Int(try row.integer("line")),
            location: try row.text("location"), raw: try row.text("raw"), errors: errors)
        quarantined.state = state
        quarantined.resolvedBy = try row.optionalText("resolved_by")
        quarantined.resolvedAt = try row.optionalInteger("resolved_at").map(StoredTime.date)
        quarantined.resolution = try row.optionalText("resolution")
        return quarantined
    }
}

/// Payables of an all-or-nothing import that the store refused (already in payment, or another entity's):
/// the import was rolled back, and these rows belong in its quarantine.
public struct ImportRefused: Error, Sendable {
    public var rows: [QuarantinedRow]

    static func fieldError(_ error: StorageError?) -> FieldError {
        switch error?.code {
        case .notEditable?:
            FieldError(
                path: "external_id", code: "not_editable",
                message: "the payable is \(error?.currentState ?? "taken") in PayHub and can no longer change")
        case .duplicate?:
            FieldError(path: "external_id", code: "duplicate", message: "this external id belongs to another entity's payable")
        default:
            FieldError(path: "", code: error?.code.rawValue ?? "refused", message: error?.description ?? "refused")
        }
    }
}

extension AuditEntry {
    static func importStarted(_ run: ImportRun) -> AuditEntry {
        AuditEntry(
            action: "import.started", objectType: "import", objectID: run.id.rawValue, entityID: run.entityID.rawValue,
            after: AuditSnapshot.json([
                "source": run.source, "profile": run.profile, "file_name": run.fileName, "file_sha256": run.fileSHA256,
                "channel": run.channel.rawValue, "all_or_nothing": run.allOrNothing ? "true" : "false",
            ]))
    }

    static func importFinished(_ run: ImportRun) -> AuditEntry {
        AuditEntry(
            action: "import.\(run.state.rawValue)", objectType: "import", objectID: run.id.rawValue,
            entityID: run.entityID.rawValue,
            after: AuditSnapshot.json([
                "records": String(run.counts.records), "accepted": String(run.counts.accepted),
                "updated": String(run.counts.updated), "duplicates": String(run.counts.duplicates),
                "rejected": String(run.counts.rejected), "failure": run.failure,
            ]))
    }

    static func resolved(_ row: QuarantinedRow, entityID: String) -> AuditEntry {
        AuditEntry(
            action: "import_rejection.\(row.state.rawValue)", objectType: "import_rejection", objectID: row.id.rawValue,
            entityID: entityID, before: AuditSnapshot.json(["state": QuarantinedRow.State.open.rawValue]),
            after: AuditSnapshot.json(["state": row.state.rawValue, "resolution": row.resolution]))
    }
}

extension SQLTransactionRunner {
    public func startImport(_ run: ImportRun, context: AuditContext) async throws {
        let records = self.records
        try await writeTransaction { session in
            try session.run(records.insert(run))
            var chain = try ChainAppender(locking: session)
            try chain.append(.importStarted(run), context: context, records: records, in: session)
        }
    }

    /// Writes one batch of a running import in one transaction: the upserts, the rejected rows into the
    /// quarantine, and the run's counts, so a crash mid-file leaves a report that matches what was written.
    ///
    /// With `allOrNothing`, a payable the store refuses throws ``ImportRefused`` and rolls everything back.
    public func importBatch(
        _ batch: SyncBatch, rejections: [QuarantinedRow], into run: ImportRun, allOrNothing: Bool = false,
        context: AuditContext
    ) async throws -> (ImportRun, SyncResult) {
        let records = self.records
        return try await writeTransaction { session in
            var run = run
            let result = try Self.sync(batch, in: session, records: records, context: context)
            var refused: [QuarantinedRow] = []
            for index in result.payables.indices where result.payables[index].status == .rejected {
                let (item, outcome) = (batch.payables[index], result.payables[index])
                var generator = SystemRandomNumberGenerator()
                let origin = item.origin ?? RowOrigin(line: 0, location: item.payable.source.externalID, raw: "")
                refused.append(
                    QuarantinedRow(
                        id: ID.generate(
                            millisecondsSinceEpoch: UInt64(StoredTime.milliseconds(context.occurredAt)), using: &generator),
                        importID: run.id, line: origin.line, location: origin.location, raw: origin.raw,
                        errors: [ImportRefused.fieldError(outcome.error)]))
            }
            if allOrNothing, !refused.isEmpty { throw ImportRefused(rows: refused) }
            for rejection in rejections + refused { try session.run(records.insert(rejection)) }
            // Vendor-only files count vendors; payable files count payables (their vendors ride along).
            let counted = batch.payables.isEmpty ? result.vendors.map(\.status) : result.payables.map(\.status)
            run.counts.records += counted.count + rejections.count
            run.counts.rejected += rejections.count
            for status in counted {
                switch status {
                case .created: run.counts.accepted += 1
                case .updated: run.counts.updated += 1
                case .unchanged: run.counts.duplicates += 1
                case .rejected: run.counts.rejected += 1
                }
            }
            guard try session.run(records.updateProgress(run)) == 1 else {
                throw StorageError(.stateChanged, target: "import", currentState: "finished")
            }
            return (run, result)
        }
    }

    /// Ends a run: `completed`, `rolled_back` (with the rejections that caused it) or `failed`.
    public func finishImport(_ run: ImportRun, rejections: [QuarantinedRow] = [], context: AuditContext) async throws {
        let records = self.records
        try await writeTransaction { session in
            for rejection in rejections { try session.run(records.insert(rejection)) }
            guard try session.run(records.updateProgress(run)) == 1 else {
                throw StorageError(.stateChanged, target: "import", currentState: "finished")
            }
            var chain = try ChainAppender(locking: session)
            try chain.append(.importFinished(run), context: context, records: records, in: session)
        }
    }

    public func importRun(_ id: ID<ImportRun>, scope: EntityScope) async throws -> ImportRun? {
        let records = self.records
        return try await readTransaction { session in
            try session.rows(ListQueries.byID(table: "imports", entityColumn: "entity_id", id: id.rawValue, scope: scope))
                .first.map { try records.importRun(from: $0) }
        }
    }

    public func importRuns(_ page: PageRequest, scope: EntityScope) async throws -> Page<ImportRun> {
        let records = self.records
        return try await readTransaction { session in
            var builder = ListQueries.Builder(table: "imports", entityColumn: "entity_id", scope: scope)
            let fetched = try session.rows(builder.query(page)).map { try records.importRun(from: $0) }
            return Page(fetched: fetched, limit: page.limit, id: \.id.rawValue)
        }
    }

    /// An import's rejected rows in file order (ids sort by creation, and rows are quarantined in order).
    public func quarantinedRows(
        of importID: ID<ImportRun>, state: QuarantinedRow.State?, _ page: PageRequest
    ) async throws -> Page<QuarantinedRow> {
        let records = self.records
        return try await readTransaction { session in
            var builder = ListQueries.Builder(table: "import_rejections")
            builder.equal("import_id", importID.rawValue)
            builder.equal("state", state?.rawValue)
            let fetched = try session.rows(builder.query(page)).map { try records.quarantinedRow(from: $0) }
            return Page(fetched: fetched, limit: page.limit, id: \.id.rawValue)
        }
    }

    public func quarantinedRow(_ id: ID<QuarantinedRow>) async throws -> QuarantinedRow? {
        let records = self.records
        return try await readTransaction { session in
            try session.rows(SQLQuery("SELECT * FROM import_rejections WHERE id = ?", [.text(id.rawValue)]))
                .first.map { try records.quarantinedRow(from: $0) }
        }
    }

    /// Closes an open rejected row, with a guarded update so it is resolved once; `batch` (the corrected
    /// row) is upserted in the same transaction, so a resubmission either lands with its row closed or not
    /// at all.
    public func resolveQuarantinedRow(
        _ row: QuarantinedRow, entityID: ID<LegalEntity>, resubmitting batch: SyncBatch?, reason: String?,
        context: AuditContext
    ) async throws -> (QuarantinedRow, SyncResult?) {
        let records = self.records
        return try await writeTransaction { session in
            var resolved = row
            let result = try batch.map { try Self.sync($0, in: session, records: records, context: context) }
            if let result {
                guard let outcome = result.payables.first, outcome.status != .rejected, let payable = outcome.payable else {
                    throw result.payables.first?.error ?? StorageError(.notEditable, target: "payable")
                }
                resolved.state = .resubmitted
                resolved.resolution = payable.id.rawValue
            } else {
                resolved.state = .discarded
                resolved.resolution = reason
            }
            resolved.resolvedBy = context.actorID
            resolved.resolvedAt = context.occurredAt
            let changed = try session.run(
                SQLQuery(
                    """
                    UPDATE import_rejections SET state = ?, resolved_by = ?, resolved_at = ?, resolution = ?
                    WHERE id = ? AND state = 'open'
                    """,
                    [
                        .text(resolved.state.rawValue), SQLValue(resolved.resolvedBy),
                        SQLValue(resolved.resolvedAt.map(StoredTime.milliseconds)), SQLValue(resolved.resolution),
                        .text(row.id.rawValue),
                    ]))
            guard changed == 1 else {
                throw StorageError(.stateChanged, target: "import_rejection", currentState: "resolved")
            }
            var chain = try ChainAppender(locking: session)
            try chain.append(.resolved(resolved, entityID: entityID.rawValue), context: context, records: records, in: session)
            return (resolved, result)
        }
    }
}
