import BankFormats
import Crypto
import Foundation
import Synchronization
import PayHubDomain
import PayHubStorage

/// An ERP file to import.
public struct ImportRequest: Sendable {
    /// Where the file's bytes are: already in memory (an upload), or in a file read a block at a time.
    public enum Input: Sendable {
        case data(Data)
        case file(URL)
    }

    public var entityID: String
    public var profile: MappingProfile
    public var fileName: String
    public var input: Input
    public var channel: ImportRun.Channel
    /// Write nothing (but the rejections) unless every record is accepted.
    public var allOrNothing: Bool

    public init(
        entityID: String, profile: MappingProfile, fileName: String, input: Input, channel: ImportRun.Channel,
        allOrNothing: Bool = false
    ) {
        self.entityID = entityID
        self.profile = profile
        self.fileName = fileName
        self.input = input
        self.channel = channel
        self.allOrNothing = allOrNothing
    }

    public init(
        entityID: String, profile: MappingProfile, fileName: String, data: Data, channel: ImportRun.Channel,
        allOrNothing: Bool = false
    ) {
        self.init(
            entityID: entityID, profile: profile, fileName: fileName, input: .data(data), channel: channel,
            allOrNothing: allOrNothing)
    }

    /// The file's SHA-256 and its number of line breaks (the progress bar's total), in one pass over
    /// it that never holds more than a block.
    func fingerprint() throws -> (sha256: String, lines: Int) {
        var hasher = SHA256()
        var lines = 0
        func take(_ block: some DataProtocol) {
            hasher.update(data: block)
            for region in block.regions {
                // memchr rather than a loop over every byte: the count is only for the progress bar, and it
                // runs before the import starts.
                region.withUnsafeBytes { bytes in
                    guard var position = bytes.baseAddress else { return }
                    var remaining = bytes.count
                    while remaining > 0, let found = memchr(position, 0x0A, remaining) {
                        lines += 1
                        let step = position.distance(to: UnsafeRawPointer(found)) + 1
                        position += step
                        remaining -= step
                    }
                }
            }
        }
        switch input {
        case .data(let data):
            take(data)
        case .file(let url):
            let handle = try FileHandle(forReadingFrom: url)
            defer { try? handle.close() }
            while let block = try handle.read(upToCount: 4 << 20), !block.isEmpty { take(block) }
        }
        return (Hex.lowercase(hasher.finalize()), lines)
    }
}

/// An import's outcome: the run with its counts, and its first rejected rows.
public struct ImportReport: Sendable {
    public var run: ImportRun
    public var rejections: [QuarantinedRow]

    public init(run: ImportRun, rejections: [QuarantinedRow]) {
        self.run = run
        self.rejections = rejections
    }

    public static let rejectionsShown = 100
}

/// How far an import has got, for a progress bar.
public struct ImportProgress: Sendable {
    public var counts: ImportRun.Counts
    /// The number of lines in the file: an upper bound on the records, good enough for a bar.
    public var estimatedRecords: Int
}

/// A corrected rejected row, in canonical fields (what a person types to fix it).
public struct ImportCorrection: Codable, Sendable {
    public struct VendorFields: Codable, Sendable {
        public var externalID: String
        public var name: String
        public var country: String
        public var taxID: String?
        public var bankAccount: BankAccountSyncInput?

        enum CodingKeys: String, CodingKey {
            case name, country
            case externalID = "external_id"
            case taxID = "tax_id"
            case bankAccount = "bank_account"
        }

        public init(
            externalID: String, name: String, country: String, taxID: String? = nil,
            bankAccount: BankAccountSyncInput? = nil
        ) {
            self.externalID = externalID
            self.name = name
            self.country = country
            self.taxID = taxID
            self.bankAccount = bankAccount
        }
    }

    public var externalID: String
    public var invoiceNumber: String
    public var invoiceDate: String
    public var dueDate: String?
    public var amount: String
    public var currency: String
    public var vendor: VendorFields

    enum CodingKeys: String, CodingKey {
        case amount, currency, vendor
        case externalID = "external_id"
        case invoiceNumber = "invoice_number"
        case invoiceDate = "invoice_date"
        case dueDate = "due_date"
    }

    public init(
        externalID: String, invoiceNumber: String, invoiceDate: String, dueDate: String? = nil, amount: String,
        currency: String, vendor: VendorFields
    ) {
        self.externalID = externalID
        self.invoiceNumber = invoiceNumber
        self.invoiceDate = invoiceDate
        self.dueDate = dueDate
        self.amount = amount
        self.currency = currency
        self.vendor = vendor
    }
}

/// Takes ERP files in through mapping profiles.
///
/// The file is read on a thread of its own while the records already mapped are written, a batch per
/// transaction; at most two batches wait between the two, so memory stays bounded whatever the file's
/// size (an all-or-nothing import must hold every record until it has seen the last one). Every record
/// ends up accepted, updated, a duplicate, or rejected into the quarantine with its reasons.
public struct ERPImporter: Sendable {
    public let hub: PaymentHub
    public var batchSize: Int

    /// 10,000 records a transaction: random-order indexes (by vendor, by due date) dirty nearly all their
    /// pages in every commit, so fewer, larger commits write less; memory stays near 230 MiB.
    public init(hub: PaymentHub, batchSize: Int = 10000) {
        self.hub = hub
        self.batchSize = batchSize
    }

    public func run(
        _ request: ImportRequest, context: CallContext, progress: (@Sendable (ImportProgress) -> Void)? = nil
    ) async throws -> ImportReport {
        try hub.require(.importsWrite, context)
        let entity = try await hub.requireEntity(request.entityID, path: "entity_id", context: context)
        let reader: ERPFileReader
        do {
            reader = try ERPFileReader(profile: request.profile)
        } catch {
            throw ValidationFailure([FieldError(path: "profile", code: error.code.rawValue, message: error.message)])
        }
        let now = hub.clock.now()
        let (sha256, estimate) = try request.fingerprint()
        var run = ImportRun(
            id: hub.clock.newID(), entityID: entity.id, source: request.profile.source, profile: request.profile.name,
            fileName: request.fileName, fileSHA256: sha256, channel: request.channel,
            allOrNothing: request.allOrNothing, createdBy: context.principal.actorID, createdAt: now)
        try await hub.store.startImport(run, context: context.audit(at: now))

        // Mapping and checking run on the reader's thread, a batch ahead of the writer, so the two
        // cores share the work; the writer only upserts.
        let started = run
        // An all-or-nothing import writes everything in one transaction at the end: nothing is known before.
        let knownVendors = request.allOrNothing ? nil : KnownVendors()
        let pipe = BatchPipe(reader: reader, input: request.input, chunkSize: batchSize) { [self] records in
            let (batch, rejections) = convert(records, run: started, entity: entity.id, known: knownVendors)
            return PreparedBatch(batch: batch, rejections: rejections, records: records.count)
        }
        var heldBatch = SyncBatch(reportsCreatedPayables: false)
        var heldRejections: [QuarantinedRow] = []
        do {
            for try await prepared in pipe.batches {
                pipe.consumed()
                var batch = prepared.batch
                if request.allOrNothing {
                    heldBatch.append(&batch)
                    heldRejections += prepared.rejections
                    run.counts.records += prepared.records
                } else {
                    let result: SyncResult
                    (run, result) = try await hub.store.importBatch(
                        batch, rejections: prepared.rejections, into: run, allOrNothing: false,
                        context: context.audit(at: hub.clock.now()))
                    knownVendors?.remember(batch.vendors, as: result.vendors)
                    // Freeing a written batch (10,000 rows, their entries and events) took a tenth of a
                    // second per 100,000 rows between one write and the next: it happens on another
                    // thread, after this loop has let go of its references.
                    BatchPipe<PreparedBatch>.release(ReleasedBatch(batch: batch, prepared: prepared, result: result))
                }
                progress?(ImportProgress(counts: run.counts, estimatedRecords: estimate))
            }
        } catch let error as FormatError {
            // The file itself is unreadable: what was written stays (each batch was whole), the run says why.
            run.state = .failed
            run.failure = (error.location.map { "\($0): " } ?? "") + error.message
            run.finishedAt = hub.clock.now()
            try await hub.store.finishImport(run, rejections: [], context: context.audit(at: hub.clock.now()))
            return try await report(run)
        } catch {
            // Anything else (the database gone, a cancelled request) ends the run as failed, so no
            // report stays "running" for ever; the batches written before it stay, and say so.
            run.state = .failed
            run.failure = "stopped after \(run.counts.records) records by an error (\(type(of: error)))"
            run.finishedAt = hub.clock.now()
            try? await hub.store.finishImport(run, rejections: [], context: context.audit(at: hub.clock.now()))
            throw error
        }

        var finalRejections: [QuarantinedRow] = []
        if request.allOrNothing {
            (run, finalRejections) = try await writeAllOrNothing(run, heldBatch, heldRejections, context: context)
        } else {
            run.state = .completed
        }
        run.finishedAt = hub.clock.now()
        try await hub.store.finishImport(run, rejections: finalRejections, context: context.audit(at: hub.clock.now()))
        progress?(ImportProgress(counts: run.counts, estimatedRecords: estimate))
        return try await report(run)
    }

    /// Writes every record in one transaction; or, if any was rejected (by the mapping, a domain check
    /// or the store), nothing, and returns the rejections for the run's end to keep.
    private func writeAllOrNothing(
        _ run: ImportRun, _ batch: SyncBatch, _ rejections: [QuarantinedRow], context: CallContext
    ) async throws -> (ImportRun, [QuarantinedRow]) {
        var run = run
        let records = run.counts.records
        run.counts = ImportRun.Counts()
        var refused = rejections
        if refused.isEmpty {
            do {
                (run, _) = try await hub.store.importBatch(
                    batch, rejections: [], into: run, allOrNothing: true, context: context.audit(at: hub.clock.now()))
                run.state = .completed
                return (run, [])
            } catch let error as ImportRefused {
                refused = error.rows
            }
        }
        run.state = .rolledBack
        run.counts.records = records
        run.counts.rejected = refused.count
        return (run, refused)
    }

    /// The report as stored: the run and its first rejected rows.
    func report(_ run: ImportRun) async throws -> ImportReport {
        let rejections = try await hub.store.quarantinedRows(
            of: run.id, state: nil, PageRequest(limit: ImportReport.rejectionsShown))
        return ImportReport(run: run, rejections: rejections.items)
    }

    // MARK: Records into upserts

    /// Turns mapped records into a batch: each vendor once per set of details, each payable pointing at
    /// it, and every record that fails a domain check (an IBAN's check digits, a tax id) into a rejection.
    ///
    /// Vendors the import has already written unchanged are referred to by their stored id; each new
    /// payable's audit and event entry is made here too, so the writer has less to do.
    func convert(
        _ records: [ERPRecord], run: ImportRun, entity: ID<LegalEntity>, known: KnownVendors? = nil
    ) -> (SyncBatch, [QuarantinedRow]) {
        var builder = BatchBuilder(hub: hub, run: run, entity: entity, known: known, now: hub.clock.now())
        for record in records { builder.add(record) }
        return (builder.batch, builder.rejections)
    }

    // MARK: The quarantine

    /// Runs a corrected row through the same checks as a file row and upserts it; the quarantined row is
    /// closed in the same transaction, naming the payable it became.
    public func resubmit(_ id: String, _ correction: ImportCorrection, context: CallContext) async throws
        -> (QuarantinedRow, BatchItemResult)
    {
        let (row, run) = try await quarantined(id, context: context)
        var problems = FieldErrorCollector()
        let now = hub.clock.now()
        let currency = problems.currency("currency", correction.currency)
        let amount = problems.money("amount", correction.amount, currency)
        let invoiceDate = problems.date("invoice_date", correction.invoiceDate)
        let dueDate = correction.dueDate.flatMap { problems.date("due_date", $0) } ?? invoiceDate
        let vendor = hub.vendorUpsert(
            .init(correction.vendor), source: run.source, entity: run.entityID, at: now, problems: &problems,
            pathPrefix: "vendor.")
        let source = problems.field { () throws(FieldError) in
            try SourceReference(system: run.source, externalID: correction.externalID)
        }
        var payable: Payable?
        if problems.errors.isEmpty, let vendor, let amount, let invoiceDate, let dueDate, let source {
            payable = problems.domain { () throws(ValidationFailure) in
                try Payable(
                    id: hub.clock.newID(), entityID: run.entityID, vendorID: vendor.vendor.id,
                    invoiceNumber: correction.invoiceNumber, invoiceDate: invoiceDate, dueDate: dueDate, amount: amount,
                    source: source, createdAt: now)
            }
        }
        try problems.throwIfAny()
        guard let vendor, let payable else { throw ValidationFailure(problems.errors) }
        let batch = SyncBatch(vendors: [vendor], payables: [PayableUpsert(payable: payable, vendor: .batchVendor(0))])
        let (resolved, result) = try await hub.store.resolveQuarantinedRow(
            row, entityID: run.entityID, resubmitting: batch, reason: nil, context: context.audit(at: now))
        let outcome = result?.payables.first
        return (
            resolved,
            BatchItemResult(index: 0, status: outcome?.status ?? .rejected, id: outcome?.payable?.id.rawValue, errors: [])
        )
    }

    public func discard(_ id: String, reason: String, context: CallContext) async throws -> QuarantinedRow {
        guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw ValidationFailure([FieldError(path: "reason", code: "reason_required", message: "a reason is required")])
        }
        let (row, run) = try await quarantined(id, context: context)
        return try await hub.store.resolveQuarantinedRow(
            row, entityID: run.entityID, resubmitting: nil, reason: reason, context: context.audit(at: hub.clock.now())
        ).0
    }

    private func quarantined(_ id: String, context: CallContext) async throws -> (QuarantinedRow, ImportRun) {
        try hub.require(.importsWrite, context)
        guard let id = try? ID<QuarantinedRow>(id), let row = try await hub.store.quarantinedRow(id),
            let run = try await hub.store.importRun(row.importID, scope: context.principal.scope)
        else { throw StorageError(.notFound, target: "import_rejection") }
        return (row, run)
    }

    // MARK: Reading

    public func importRun(_ id: String, context: CallContext) async throws -> ImportReport {
        try hub.require(.importsRead, context)
        guard let id = try? ID<ImportRun>(id), let run = try await hub.store.importRun(id, scope: context.principal.scope)
        else { throw StorageError(.notFound, target: "import") }
        return try await report(run)
    }

    public func importRuns(_ page: PageRequest, context: CallContext) async throws -> Page<ImportRun> {
        try hub.require(.importsRead, context)
        return try await hub.store.importRuns(page, scope: context.principal.scope)
    }

    public func rejections(
        of id: String, state: QuarantinedRow.State?, _ page: PageRequest, context: CallContext
    ) async throws -> Page<QuarantinedRow> {
        let report = try await importRun(id, context: context)
        return try await hub.store.quarantinedRows(of: report.run.id, state: state, page)
    }
}

extension SyncBatch {
    /// Moves `other`'s items to the end of this batch, re-pointing its payables at the moved vendors.
    mutating func append(_ other: inout SyncBatch) {
        let offset = vendors.count
        vendors += other.vendors
        payables += other.payables.map { item in
            var item = item
            if case .batchVendor(let index) = item.vendor { item.vendor = .batchVendor(index + offset) }
            return item
        }
        other = SyncBatch()
    }
}

extension PaymentHub.VendorDetails {
    /// A vendor row of a file; an account without its own currency is in the payable's.
    init(_ record: ERPVendorRecord, defaultCurrency: Currency?) {
        self.init(
            externalID: record.externalID, name: record.name, country: record.country, taxID: record.taxID,
            // A bank name or BIC without an account number is nothing to pay into: no account.
            bankAccount: record.bankAccount.flatMap { account in
                guard account.iban != nil || account.accountNumber != nil else { return nil }
                return BankAccountSyncInput(
                    iban: account.iban, accountNumber: account.iban == nil ? account.accountNumber : nil, bic: account.bic,
                    routingNumber: account.routingNumber, cnapsCode: account.cnapsCode,
                    currency: account.currency ?? defaultCurrency?.code ?? "", holderName: account.holderName, bankName: account.bankName)
            })
    }

    init(_ fields: ImportCorrection.VendorFields) {
        self.init(
            externalID: fields.externalID, name: fields.name, country: fields.country, taxID: fields.taxID,
            bankAccount: fields.bankAccount)
    }
}

/// Builds one batch from mapped records (a struct with mutating methods rather than closures over local
/// variables: those are boxed and checked for exclusive access on every use, on the reader's hot path).
struct BatchBuilder {
    let hub: PaymentHub
    let run: ImportRun
    let entity: ID<LegalEntity>
    let known: KnownVendors?
    let now: Date
    private(set) var batch = SyncBatch(reportsCreatedPayables: false)
    private(set) var rejections: [QuarantinedRow] = []
    /// The rows' vendors as the file gives them, by external id: a repeat costs no validation, and a row
    /// that gives the same vendor different details (a new IBAN) is upserted as well, so the change is
    /// not lost but stored pending like any other.
    private var vendorIndex: [String: (record: ERPVendorRecord, reference: PayableUpsert.VendorReference)] = [:]

    init(hub: PaymentHub, run: ImportRun, entity: ID<LegalEntity>, known: KnownVendors?, now: Date) {
        self.hub = hub
        self.run = run
        self.entity = entity
        self.known = known
        self.now = now
    }

    mutating func add(_ record: ERPRecord) {
        switch record {
        case .rejected(let source, let errors):
            reject(source, errors)
        case .vendor(let record, let source):
            var problems = FieldErrorCollector()
            // A vendor file's rows are what it is about: each is upserted and counted, known or not.
            if vendor(record, currency: nil, problems: &problems, reuse: false) == nil {
                reject(source, problems.errors)
            }
        case .payable(let record, let source):
            var problems = FieldErrorCollector()
            let vendorAt = vendor(record.vendor, currency: record.amount.currency, problems: &problems)
            let sourceReference = problems.field { () throws(FieldError) in
                try SourceReference(system: run.source, externalID: record.externalID)
            }
            guard let vendorAt, let sourceReference,
                let payable = problems.domain({ () throws(ValidationFailure) in
                    try Payable(
                        id: hub.clock.newID(), entityID: entity, vendorID: vendorAt.id,
                        invoiceNumber: record.invoiceNumber, invoiceDate: record.invoiceDate, dueDate: record.dueDate,
                        amount: record.amount, source: sourceReference, createdAt: now)
                })
            else {
                reject(source, problems.errors)
                return
            }
            batch.payables.append(
                PayableUpsert(
                    payable: payable, vendor: vendorAt.reference,
                    origin: RowOrigin(line: source.line, location: source.location, raw: source.raw),
                    creation: .created(payable)))
        }
    }

    private mutating func reject(_ source: ERPRecordSource, _ errors: [FieldError]) {
        rejections.append(
            QuarantinedRow(
                id: hub.clock.newID(), importID: run.id, line: source.line, location: source.location, raw: source.raw,
                errors: errors))
    }

    /// The vendor a row refers to: one already in this batch, one the import has stored, or a new upsert.
    private mutating func vendor(
        _ record: ERPVendorRecord, currency: Currency?, problems: inout FieldErrorCollector, reuse: Bool = true
    ) -> (reference: PayableUpsert.VendorReference, id: ID<Vendor>)? {
        if let seen = vendorIndex[record.externalID], seen.record == record {
            return (seen.reference, vendorID(seen.reference))
        }
        guard
            let upsert = hub.vendorUpsert(
                .init(record, defaultCurrency: currency), source: run.source, entity: entity, at: now,
                problems: &problems, pathPrefix: "vendor.")
        else { return nil }
        let reference: PayableUpsert.VendorReference
        if reuse, let stored = known?.storedID(of: upsert) {
            reference = .id(stored)
        } else {
            batch.vendors.append(upsert)
            reference = .batchVendor(batch.vendors.count - 1)
        }
        vendorIndex[record.externalID] = (record, reference)
        return (reference, vendorID(reference))
    }

    private func vendorID(_ reference: PayableUpsert.VendorReference) -> ID<Vendor> {
        switch reference {
        case .id(let id): id
        case .batchVendor(let index): batch.vendors[index].vendor.id
        }
    }
}

/// One batch of a file, mapped and checked, ready to write.
struct PreparedBatch: Sendable {
    var batch: SyncBatch
    var rejections: [QuarantinedRow]
    /// How many records of the file it covers (accepted or not).
    var records: Int
}

/// The vendors an import has already written, as they were written.
///
/// ERP exports repeat each vendor on every invoice row. Once a batch has written a vendor, the reader
/// thread points later rows that carry it unchanged at the stored vendor instead of upserting it again;
/// anything that differs (a new name, a new account) goes through the upsert and its controls as usual.
/// The reader runs up to two batches ahead of the writer, so it shares this with the writer under a lock.
final class KnownVendors: Sendable {
    struct Fingerprint: Hashable {
        var name: String
        var country: String
        var taxID: String?
        var account: String?
        var bic: String?
        var currency: String?

        init(_ upsert: VendorUpsert) {
            name = upsert.vendor.name
            country = upsert.vendor.countryCode
            taxID = upsert.vendor.taxID?.value
            account = upsert.bankAccount?.accountNumber.value
            bic = upsert.bankAccount?.bic?.value
            currency = upsert.bankAccount?.currency.code
        }
    }

    private let stored = Mutex<[String: (fingerprint: Fingerprint, id: ID<Vendor>)]>([:])

    /// The stored vendor this candidate is, unchanged, if the import has written it already.
    func storedID(of upsert: VendorUpsert) -> ID<Vendor>? {
        guard let externalID = upsert.vendor.source?.externalID else { return nil }
        return stored.withLock { stored in
            stored[externalID].flatMap { $0.fingerprint == Fingerprint(upsert) ? $0.id : nil }
        }
    }

    func remember(_ upserts: [VendorUpsert], as results: [VendorSyncResult]) {
        stored.withLock { stored in
            for (upsert, result) in zip(upserts, results) {
                guard let externalID = upsert.vendor.source?.externalID else { continue }
                stored[externalID] = (Fingerprint(upsert), result.vendor.id)
            }
        }
    }
}

/// What one written batch leaves behind, freed off the writer's path.
private struct ReleasedBatch: Sendable {
    let batch: SyncBatch
    let prepared: PreparedBatch
    let result: SyncResult
}

/// The file read and prepared on a dispatch thread, handed over a batch at a time: the reader blocks
/// while two batches wait, and stops if the consumer goes away.
final class BatchPipe<Output: Sendable>: @unchecked Sendable {
    let batches: AsyncThrowingStream<Output, any Error>
    private let slots = DispatchSemaphore(value: 2)
    private let lock = NSLock()
    private var stopped = false

    struct Stopped: Error {}

    static var firstChunkSizeMax: Int { 1000 }

    init(
        reader: ERPFileReader, input: ImportRequest.Input, chunkSize: Int,
        prepare: @escaping @Sendable ([ERPRecord]) -> Output
    ) {
        let (stream, continuation) = AsyncThrowingStream<Output, any Error>.makeStream()
        batches = stream
        continuation.onTermination = { [self] _ in
            lock.withLock { stopped = true }
            slots.signal()
        }
        DispatchQueue.global().async { [self] in
            var chunk: [ERPRecord] = []
            chunk.reserveCapacity(chunkSize)
            // The writer waits for the first batch, so it is small; the sizes double up to `chunkSize`,
            // where batches are large enough that each commit's fixed cost is shared by many rows.
            var limit = min(chunkSize, Self.firstChunkSizeMax)
            func handOver() throws {
                let prepared = prepare(chunk)
                chunk.removeAll(keepingCapacity: true)
                limit = min(limit * 2, chunkSize)
                slots.wait()
                if lock.withLock({ stopped }) { throw Stopped() }
                continuation.yield(prepared)
            }
            do {
                // A block at a time either way: the file is never decoded into text whole.
                let collect = { (record: ERPRecord) throws in
                    chunk.append(record)
                    if chunk.count >= limit { try handOver() }
                }
                switch input {
                case .data(let data): try reader.read(pieces: data, collect)
                case .file(let url): try reader.read(contentsOf: url, collect)
                }
                if !chunk.isEmpty { try handOver() }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
    }

    /// The consumer took a batch: the reader may hand over another.
    func consumed() { slots.signal() }

    /// Lets the last references to `values` go on a utility thread, off the caller's path.
    static func release<Values: Sendable>(_ values: Values) {
        DispatchQueue.global(qos: .utility).async { withExtendedLifetime(values) {} }
    }
}
