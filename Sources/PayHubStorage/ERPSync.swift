import Foundation
import PayHubDomain

// Upserting what an ERP sends: vendors with their bank accounts, and payables, matched by the ERP's own
// ids. A batch is one transaction; every change in it is one audit event (and, for payables, one feed
// event), and every item gets its own answer.

/// A vendor as an ERP sends it, validated, with a fresh id used only if the vendor is new.
public struct VendorUpsert: Sendable, Hashable {
    /// Matched by entity, source system and external id; `source` must be set.
    public var vendor: Vendor
    /// The account the ERP says to pay, held by `vendor` (by its fresh id; the store re-points it).
    public var bankAccount: BankAccount?

    public init(vendor: Vendor, bankAccount: BankAccount? = nil) {
        self.vendor = vendor
        self.bankAccount = bankAccount
    }
}

/// A payable as an ERP sends it, validated, with a fresh id used only if it is new.
public struct PayableUpsert: Sendable, Hashable {
    public enum VendorReference: Sendable, Hashable {
        /// A vendor PayHub already has.
        case id(ID<Vendor>)
        /// The vendor at this index of the same batch, whether it turns out new or known.
        case batchVendor(Int)
    }

    /// Matched by source system and external id.
    public var payable: Payable
    public var vendor: VendorReference
    /// The file row it came from, when imported: if the store refuses it (a payable already in payment),
    /// the row goes to the quarantine with the reason, in the same transaction.
    public var origin: RowOrigin?
    /// The audit and event entry for creating `payable` as it is here, made ahead of the write (an import
    /// makes it on its reader thread, off the single writer's path); used only if the payable is created
    /// exactly as it is here.
    public var creation: AuditEntry?

    public init(payable: Payable, vendor: VendorReference, origin: RowOrigin? = nil, creation: AuditEntry? = nil) {
        self.payable = payable
        self.vendor = vendor
        self.origin = origin
        self.creation = creation
    }
}

/// Where an imported record was in its file.
public struct RowOrigin: Sendable, Hashable {
    public var line: Int
    public var location: String
    public var raw: String

    public init(line: Int, location: String, raw: String) {
        self.line = line
        self.location = location
        self.raw = raw
    }
}

public struct SyncBatch: Sendable, Hashable {
    public var vendors: [VendorUpsert]
    public var payables: [PayableUpsert]
    /// Whether a created payable's result carries the payable; an import only counts outcomes, and
    /// leaving 10,000 copies out of each batch's answer spares the single writer their cost.
    public var reportsCreatedPayables: Bool

    public init(vendors: [VendorUpsert] = [], payables: [PayableUpsert] = [], reportsCreatedPayables: Bool = true) {
        self.vendors = vendors
        self.payables = payables
        self.reportsCreatedPayables = reportsCreatedPayables
    }
}

public enum UpsertStatus: String, Sendable, Hashable, Codable {
    case created, updated
    /// The same source and external id with the same content: a duplicate delivery, nothing written.
    case unchanged
    case rejected
}

/// What became of a vendor's bank account in a sync.
public enum AccountSyncStatus: String, Sendable, Hashable, Codable {
    /// The vendor's first account, usable at once.
    case created
    /// New details for a vendor that already had an account: stored, not usable until verified.
    case pendingVerification = "pending_verification"
    /// The account was already on file (active or pending).
    case unchanged
}

public struct VendorSyncResult: Sendable, Hashable {
    public var status: UpsertStatus
    public var vendor: Vendor
    public var bankAccountStatus: AccountSyncStatus?
    public var bankAccountID: ID<BankAccount>?
}

public struct PayableSyncResult: Sendable, Hashable {
    public var status: UpsertStatus
    /// The payable as stored now (for `rejected`, as it stands unchanged).
    public var payable: Payable?
    public var error: StorageError?
}

public struct SyncResult: Sendable, Hashable {
    public var vendors: [VendorSyncResult]
    public var payables: [PayableSyncResult]
}

extension SQLTransactionRunner {
    public func sync(_ batch: SyncBatch, context: AuditContext) async throws -> SyncResult {
        let records = self.records
        return try await writeTransaction { session in
            var writer = try SyncWriter(session: session, records: records, context: context)
            return try writer.apply(batch)
        }
    }

    /// Upserts within a transaction someone else holds (an import also records its run in it).
    public static func sync(_ batch: SyncBatch, in session: any SQLSession, records: Records, context: AuditContext)
        throws -> SyncResult
    {
        var writer = try SyncWriter(session: session, records: records, context: context)
        return try writer.apply(batch)
    }
}

/// One transaction's worth of upserts.
///
/// The audit entries are collected and appended at the end, after one read of the chains' heads: on
/// PostgreSQL that is when the chain lock is taken, so concurrent batches write their rows in parallel
/// and queue only for the trail.
struct SyncWriter {
    let session: any SQLSession
    let records: Records
    let context: AuditContext
    private var entries: [AuditEntry] = []

    init(session: any SQLSession, records: Records, context: AuditContext) throws {
        self.session = session
        self.records = records
        self.context = context
    }

    mutating func apply(_ batch: SyncBatch) throws -> SyncResult {
        let result = try upsert(batch)
        var chain = try ChainAppender(locking: session)
        try chain.append(entries, context: context, records: records, in: session)
        return result
    }

    private mutating func upsert(_ batch: SyncBatch) throws -> SyncResult {
        let vendors = try batch.vendors.map { try upsert($0) }
        // Each payable as it will be stored, and the entry prepared for creating it if that is still
        // the payable it was made for. A vendor upserted in this batch may turn out to exist: its stored
        // id replaces the fresh one.
        var candidates: [Payable] = []
        var creations: [AuditEntry?] = []
        candidates.reserveCapacity(batch.payables.count)
        creations.reserveCapacity(batch.payables.count)
        // By index, reading only the parts needed: copying each whole item (its row, its prepared entry)
        // cost the writer more than the reading.
        for index in batch.payables.indices {
            switch batch.payables[index].vendor {
            case .id(let id) where id == batch.payables[index].payable.vendorID:
                candidates.append(batch.payables[index].payable)
                creations.append(batch.payables[index].creation)
            case .id(let id):
                var payable = batch.payables[index].payable
                payable.vendorID = id
                candidates.append(payable)
                creations.append(nil)
            case .batchVendor(let vendor):
                var payable = batch.payables[index].payable
                payable.vendorID = vendors[vendor].vendor.id
                payable.entityID = vendors[vendor].vendor.entityID
                creations.append(payable == batch.payables[index].payable ? batch.payables[index].creation : nil)
                candidates.append(payable)
            }
        }
        let payables = try upsert(candidates, creations: &creations, reportingCreated: batch.reportsCreatedPayables)
        return SyncResult(vendors: vendors, payables: payables)
    }

    private mutating func audit(_ entry: AuditEntry) {
        entries.append(entry)
    }

    // MARK: Vendors

    private mutating func upsert(_ item: VendorUpsert) throws -> VendorSyncResult {
        let candidate = item.vendor
        guard let source = candidate.source else { throw StorageError(.referenceMissing, target: "vendors.source_system") }
        let existing = try session.rows(
            SQLQuery(
                """
                SELECT * FROM vendors WHERE entity_id = ? AND source_system = ? AND source_external_id = ?
                """ + session.forUpdate,
                [.text(candidate.entityID.rawValue), .text(source.system), .text(source.externalID)])
        ).first.map { try records.vendor(from: $0) }

        let status: UpsertStatus
        let stored: Vendor
        if let existing {
            let updated = Vendor(
                restoring: existing, name: candidate.name, countryCode: candidate.countryCode, taxID: candidate.taxID)
            if updated == existing {
                status = .unchanged
            } else {
                try session.run(records.update(updated))
                audit(.updated(existing, to: updated))
                status = .updated
            }
            stored = updated
        } else {
            try session.run(records.insert(candidate))
            audit(.created(candidate))
            status = .created
            stored = candidate
        }
        var result = VendorSyncResult(status: status, vendor: stored)
        if let account = item.bankAccount {
            (result.bankAccountStatus, result.bankAccountID) = try upsert(account, of: stored, vendorIsNew: existing == nil)
        }
        return result
    }

    /// A vendor's first account is usable at once; different details for a vendor that already has an
    /// account wait for a second person (dual control), and the old account stays in use until then.
    private mutating func upsert(_ candidate: BankAccount, of vendor: Vendor, vendorIsNew: Bool) throws
        -> (AccountSyncStatus, ID<BankAccount>)
    {
        let accounts =
            vendorIsNew
            ? []
            : try session.rows(
                SQLQuery(
                    "SELECT * FROM bank_accounts WHERE vendor_id = ? AND verification <> 'superseded' ORDER BY id",
                    [.text(vendor.id.rawValue)])
            ).map { try records.bankAccount(from: $0) }
        if let known = accounts.first(where: { $0.accountNumber == candidate.accountNumber }) {
            return (.unchanged, known.id)
        }
        var account = candidate
        account.holder = .vendor(vendor.id)
        account.entityID = vendor.entityID
        let status: AccountSyncStatus
        if accounts.contains(where: \.isUsable) {
            account.verification = .pending(requestedBy: context.actorID, at: context.occurredAt)
            status = .pendingVerification
        } else {
            account.verification = AccountVerification(
                state: .active, requestedBy: context.actorID, requestedAt: context.occurredAt)
            status = .created
        }
        try session.run(try records.insert(account))
        audit(status == .created ? .created(account) : .changeRequested(account))
        return (status, account.id)
    }

    // MARK: Payables

    /// Most rows of an ERP file are new: they are inserted many to a statement, and only those whose key
    /// was already taken are read and compared, one by one.
    private mutating func upsert(_ candidates: [Payable], creations: inout [AuditEntry?], reportingCreated: Bool) throws
        -> [PayableSyncResult]
    {
        var results = [PayableSyncResult?](repeating: nil, count: candidates.count)
        for start in stride(from: 0, to: candidates.count, by: Records.payableRowsPerInsert) {
            let chunk = start..<min(start + Records.payableRowsPerInsert, candidates.count)
            // Usually every row is new and the count of changed rows says so; only when some key was
            // taken are the new ones told apart, by their fresh ids.
            let changed = try session.run(records.insertIfNew(candidates[chunk], updatedAt: context.occurredAt))
            let inserted: Set<String>? =
                changed == chunk.count
                ? nil
                : Set(
                    try session.rows(
                        SQLQuery(
                            "SELECT id FROM payables WHERE id IN (\(Array(repeating: "?", count: chunk.count).joined(separator: ", ")))",
                            candidates[chunk].map { .text($0.id.rawValue) })
                    ).map { try $0.text("id") })
            for index in chunk where inserted?.contains(candidates[index].id.rawValue) ?? true {
                // The prepared entry is moved, not copied, into the trail's queue.
                audit(creations[index].take() ?? .created(candidates[index]))
                results[index] = PayableSyncResult(status: .created, payable: reportingCreated ? candidates[index] : nil)
            }
        }
        var final: [PayableSyncResult] = []
        final.reserveCapacity(candidates.count)
        for index in candidates.indices {
            if let result = results[index].take() {
                final.append(result)
            } else {
                final.append(try upsertExisting(candidates[index]))
            }
        }
        return final
    }

    private mutating func upsertExisting(_ candidate: Payable) throws -> PayableSyncResult {
        guard
            let existing = try session.rows(
                SQLQuery(
                    "SELECT * FROM payables WHERE source_system = ? AND source_external_id = ?" + session.forUpdate,
                    [.text(candidate.source.system), .text(candidate.source.externalID)])
            ).first.map({ try records.payable(from: $0) })
        else { throw StorageError(.stateChanged, target: "payable", currentState: "deleted") }
        guard existing.entityID == candidate.entityID else {
            // The same ERP document id already belongs to another entity's payable: never move it.
            return PayableSyncResult(
                status: .rejected, payable: nil, error: StorageError(.duplicate, target: "payables.source_external_id"))
        }
        let updated = Payable(restoring: existing, with: candidate)
        if updated == existing { return PayableSyncResult(status: .unchanged, payable: existing) }
        guard existing.state == .open, try session.run(records.updateOpen(updated, updatedAt: context.occurredAt)) == 1
        else {
            return PayableSyncResult(
                status: .rejected, payable: existing,
                error: StorageError(.notEditable, target: "payable", currentState: existing.state.rawValue))
        }
        audit(.updated(existing, to: updated))
        return PayableSyncResult(status: .updated, payable: updated)
    }
}

extension Vendor {
    /// `existing` with the fields an ERP may change; id, entity, source and creation time stay.
    init(restoring existing: Vendor, name: String, countryCode: String, taxID: TaxID?) {
        self = existing
        self.name = name
        self.countryCode = countryCode
        self.taxID = taxID
    }
}

extension Payable {
    /// `existing` with the details of `candidate`; id, state and creation time stay.
    init(restoring existing: Payable, with candidate: Payable) {
        self = existing
        vendorID = candidate.vendorID
        invoiceNumber = candidate.invoiceNumber
        invoiceDate = candidate.invoiceDate
        dueDate = candidate.dueDate
        amount = candidate.amount
    }
}

extension AuditEntry {
    /// New bank details for a vendor that already had an account: stored pending, with who asked.
    public static func changeRequested(_ account: BankAccount) -> AuditEntry {
        AuditEntry(
            action: "bank_account.change_requested", objectType: "bank_account", objectID: account.id.rawValue,
            entityID: account.entityID.rawValue, after: AuditSnapshot.of(account))
    }

    public static func verified(_ account: BankAccount, superseded: [ID<BankAccount>]) -> AuditEntry {
        AuditEntry(
            action: "bank_account.verified", objectType: "bank_account", objectID: account.id.rawValue,
            entityID: account.entityID.rawValue, before: AuditSnapshot.verification(.pendingVerification),
            after: AuditSnapshot.verification(.active, superseded: superseded))
    }
}

extension AuditSnapshot {
    static func verification(_ state: AccountVerification.State, superseded: [ID<BankAccount>] = []) -> String {
        json([
            "verification": state.rawValue,
            "superseded": superseded.isEmpty ? nil : superseded.map(\.rawValue).joined(separator: ","),
        ])
    }
}

extension SQLTransactionRunner {
    /// Confirms pending bank details (by someone other than who entered them) and retires the vendor's
    /// accounts they replace, in one transaction with its audit event.
    public func verifyBankAccount(_ id: ID<BankAccount>, scope: EntityScope, context: AuditContext) async throws
        -> BankAccount
    {
        let records = self.records
        return try await writeTransaction { session in
            guard
                let current = try session.rows(
                    ListQueries.byID(table: "bank_accounts", entityColumn: "entity_id", id: id.rawValue, scope: scope))
                    .first.map({ try records.bankAccount(from: $0) })
            else { throw StorageError(.notFound, target: "bank_account") }
            let verified = try current.verified(by: context.actorID, at: context.occurredAt)
            guard try session.run(records.updateVerification(verified, from: .pendingVerification)) == 1 else {
                throw StorageError(.stateChanged, target: "bank_account", currentState: current.verification.state.rawValue)
            }
            var superseded: [ID<BankAccount>] = []
            if case .vendor(let vendorID) = current.holder {
                superseded = try session.rows(
                    SQLQuery(
                        "SELECT id FROM bank_accounts WHERE vendor_id = ? AND verification = 'active' AND id <> ? ORDER BY id",
                        [.text(vendorID.rawValue), .text(id.rawValue)])
                ).map { try ID<BankAccount>($0.text("id")) }
                try session.run(
                    SQLQuery(
                        "UPDATE bank_accounts SET verification = 'superseded' WHERE vendor_id = ? AND verification = 'active' AND id <> ?",
                        [.text(vendorID.rawValue), .text(id.rawValue)]))
            }
            var chain = try ChainAppender(locking: session)
            try chain.append(.verified(verified, superseded: superseded), context: context, records: records, in: session)
            return verified
        }
    }
}
