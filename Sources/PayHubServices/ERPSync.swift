import Foundation
import PayHubDomain
import PayHubStorage

// The API side of ERP sync: batch upserts of vendors and payables, each item answered on its own,
// the dual-control verification of new bank details, and the event feed.

/// A vendor as an ERP sends it, matched by entity, source and external id.
public struct VendorSyncInput: Codable, Sendable {
    public var entityID: String
    public var source: String
    public var externalID: String
    public var name: String
    public var country: String
    public var taxID: String?
    public var bankAccount: BankAccountSyncInput?

    enum CodingKeys: String, CodingKey {
        case name, country, source
        case entityID = "entity_id"
        case externalID = "external_id"
        case taxID = "tax_id"
        case bankAccount = "bank_account"
    }

    public init(
        entityID: String, source: String, externalID: String, name: String, country: String, taxID: String? = nil,
        bankAccount: BankAccountSyncInput? = nil
    ) {
        self.entityID = entityID
        self.source = source
        self.externalID = externalID
        self.name = name
        self.country = country
        self.taxID = taxID
        self.bankAccount = bankAccount
    }
}

/// The account a vendor wants to be paid into.
public struct BankAccountSyncInput: Codable, Sendable {
    public var iban: String?
    public var accountNumber: String?
    public var bic: String?
    public var routingNumber: String?
    public var cnapsCode: String?
    public var currency: String
    /// Defaults to the vendor's name.
    public var holderName: String?
    public var bankName: String?

    enum CodingKeys: String, CodingKey {
        case iban, bic, currency
        case accountNumber = "account_number"
        case routingNumber = "routing_number"
        case cnapsCode = "cnaps_code"
        case holderName = "holder_name"
        case bankName = "bank_name"
    }

    public init(
        iban: String? = nil, accountNumber: String? = nil, bic: String? = nil, routingNumber: String? = nil,
        cnapsCode: String? = nil, currency: String, holderName: String? = nil, bankName: String? = nil
    ) {
        self.iban = iban
        self.accountNumber = accountNumber
        self.bic = bic
        self.routingNumber = routingNumber
        self.cnapsCode = cnapsCode
        self.currency = currency
        self.holderName = holderName
        self.bankName = bankName
    }
}

/// One item's answer in a batch, in the order the items were sent.
public struct BatchItemResult: Sendable, Hashable {
    /// What became of the bank account sent with a vendor.
    public struct AccountOutcome: Sendable, Hashable {
        public var id: String
        public var status: AccountSyncStatus
    }

    public var index: Int
    public var status: UpsertStatus
    public var id: String?
    public var errors: [FieldError]
    public var bankAccount: AccountOutcome?

    public init(index: Int, status: UpsertStatus, id: String? = nil, errors: [FieldError], bankAccount: AccountOutcome? = nil) {
        self.index = index
        self.status = status
        self.id = id
        self.errors = errors
        self.bankAccount = bankAccount
    }
}

public enum SyncBatchLimits {
    /// The most items one batch request may carry; larger loads go in several requests or as a file.
    public static let maxItems = 10_000
}

extension PaymentHub {
    /// Upserts payables by source and external id: new ones are created, changed open ones updated,
    /// identical ones reported `unchanged`; invalid items are rejected on their own without stopping the rest.
    public func syncPayables(_ inputs: [NewPayable], context: CallContext) async throws -> [BatchItemResult] {
        try require(.payablesWrite, context)
        try Self.checkBatchSize(inputs.count, path: "payables")
        var results = [BatchItemResult?](repeating: nil, count: inputs.count)
        var upserts: [PayableUpsert] = []
        var positions: [Int] = []
        var vendors: [String: Vendor?] = [:]
        let now = clock.now()
        for (index, input) in inputs.enumerated() {
            var problems = FieldErrorCollector()
            let vendorID: ID<Vendor>? = problems.id("vendor_id", input.vendorID)
            let currency = problems.currency("currency", input.currency)
            let amount = problems.money("amount", input.amount, currency)
            let invoiceDate = problems.date("invoice_date", input.invoiceDate)
            let dueDate = problems.date("due_date", input.dueDate)
            let source = problems.field { () throws(FieldError) in
                try SourceReference(system: input.source, externalID: input.externalID)
            }
            var vendor: Vendor?
            if let vendorID {
                if vendors[input.vendorID] == nil {
                    vendors[input.vendorID] = .some(try await store.vendor(vendorID, scope: context.principal.scope))
                }
                vendor = vendors[input.vendorID] ?? nil
                if vendor == nil { problems.add("vendor_id", code: "unknown_vendor", "no such vendor") }
            }
            var payable: Payable?
            if problems.errors.isEmpty, let vendor, let amount, let invoiceDate, let dueDate, let source {
                payable = problems.domain { () throws(ValidationFailure) in
                    try Payable(
                        id: clock.newID(), entityID: vendor.entityID, vendorID: vendor.id, invoiceNumber: input.invoiceNumber,
                        invoiceDate: invoiceDate, dueDate: dueDate, amount: amount, source: source, createdAt: now)
                }
            }
            if let payable {
                upserts.append(PayableUpsert(payable: payable, vendor: .id(payable.vendorID)))
                positions.append(index)
            } else {
                results[index] = BatchItemResult(index: index, status: .rejected, errors: problems.errors)
            }
        }
        if !upserts.isEmpty {
            let outcome = try await store.sync(SyncBatch(payables: upserts), context: context.audit(at: now))
            for (position, result) in zip(positions, outcome.payables) {
                results[position] = BatchItemResult(
                    index: position, status: result.status, id: result.payable?.id.rawValue,
                    errors: result.error.map { [Self.fieldError($0)] } ?? [])
            }
        }
        return results.map { $0! }
    }

    /// Upserts vendors by entity, source and external id, with the account each should be paid into.
    /// New details for a vendor that already has an account are stored pending verification.
    public func syncVendors(_ inputs: [VendorSyncInput], context: CallContext) async throws -> [BatchItemResult] {
        try require(.vendorsWrite, context)
        try Self.checkBatchSize(inputs.count, path: "vendors")
        var results = [BatchItemResult?](repeating: nil, count: inputs.count)
        var upserts: [VendorUpsert] = []
        var positions: [Int] = []
        var entities: [String: LegalEntity?] = [:]
        let now = clock.now()
        for (index, input) in inputs.enumerated() {
            var problems = FieldErrorCollector()
            if entities[input.entityID] == nil {
                let id = try? ID<LegalEntity>(input.entityID)
                entities[input.entityID] = .some(try await id.asyncFlatMap { try await store.entity($0, scope: context.principal.scope) })
            }
            let entity = entities[input.entityID] ?? nil
            if entity == nil { problems.add("entity_id", code: "unknown_entity", "no such entity") }
            let upsert = entity.flatMap { entity in
                vendorUpsert(
                    VendorDetails(
                        externalID: input.externalID, name: input.name, country: input.country, taxID: input.taxID,
                        bankAccount: input.bankAccount),
                    source: input.source, entity: entity.id, at: now, problems: &problems)
            }
            if let upsert, problems.errors.isEmpty {
                upserts.append(upsert)
                positions.append(index)
            } else {
                results[index] = BatchItemResult(index: index, status: .rejected, errors: problems.errors)
            }
        }
        if !upserts.isEmpty {
            let outcome = try await store.sync(SyncBatch(vendors: upserts), context: context.audit(at: now))
            for (position, result) in zip(positions, outcome.vendors) {
                var item = BatchItemResult(index: position, status: result.status, id: result.vendor.id.rawValue, errors: [])
                if let accountID = result.bankAccountID, let status = result.bankAccountStatus {
                    item.bankAccount = BatchItemResult.AccountOutcome(id: accountID.rawValue, status: status)
                }
                results[position] = item
            }
        }
        return results.map { $0! }
    }

    /// A vendor's details however they arrived (API item, ERP file row), checked field by field.
    struct VendorDetails {
        var externalID: String
        var name: String
        var country: String
        var taxID: String?
        var bankAccount: BankAccountSyncInput?
    }

    /// Builds the validated vendor and account, adding every problem to `problems` under the input's
    /// field names (`country`, `bank_account.iban`…); nil when anything is wrong.
    func vendorUpsert(
        _ details: VendorDetails, source: String, entity: ID<LegalEntity>, at now: Date,
        problems outer: inout FieldErrorCollector, pathPrefix: String = ""
    ) -> VendorUpsert? {
        var problems = FieldErrorCollector()
        defer { for error in problems.errors { outer.add(pathPrefix + error.path, code: error.code, error.message) } }
        let taxID = details.taxID.flatMap { text in
            problems.field { () throws(FieldError) in try TaxID(text, countryCode: details.country) }
        }
        let sourceReference = problems.field { () throws(FieldError) in
            try SourceReference(system: source, externalID: details.externalID)
        }
        let vendor = problems.domain { () throws(ValidationFailure) in
            try Vendor(
                id: clock.newID(), entityID: entity, name: details.name, countryCode: details.country, taxID: taxID,
                source: sourceReference, createdAt: now)
        }
        var account: BankAccount?
        if let input = details.bankAccount, let vendor {
            var accountProblems = FieldErrorCollector()
            account = bankAccount(input, for: vendor, at: now, problems: &accountProblems)
            for error in accountProblems.errors {
                problems.add("bank_account." + error.path, code: error.code, error.message)
            }
        }
        guard problems.errors.isEmpty, let vendor else { return nil }
        return VendorUpsert(vendor: vendor, bankAccount: account)
    }

    private func bankAccount(
        _ input: BankAccountSyncInput, for vendor: Vendor, at now: Date, problems: inout FieldErrorCollector
    ) -> BankAccount? {
        let details = problems.accountDetails(
            iban: input.iban, accountNumber: input.accountNumber, bic: input.bic, routingNumber: input.routingNumber,
            cnapsCode: input.cnapsCode, currency: input.currency)
        guard let details else { return nil }
        return problems.domain { () throws(ValidationFailure) in
            try BankAccount(
                id: clock.newID(), holder: .vendor(vendor.id), entityID: vendor.entityID,
                accountNumber: details.accountNumber, bic: details.bic, routingNumber: details.routingNumber,
                cnapsCode: details.cnapsCode, currency: details.currency, holderName: input.holderName ?? vendor.name,
                bankName: input.bankName, createdAt: now)
        }
    }

    /// Confirms a vendor's pending bank details. The person who entered them cannot (dual control).
    public func verifyBankAccount(_ id: String, context: CallContext) async throws -> BankAccount {
        try require(.bankAccountsVerify, context)
        guard let id = try? ID<BankAccount>(id) else { throw StorageError(.notFound, target: "bank_account") }
        return try await store.verifyBankAccount(id, scope: context.principal.scope, context: context.audit(at: clock.now()))
    }

    /// The event feed after `cursor`, of the caller's entities.
    public func events(after cursor: Int64, limit: Int, filter: EventFilter, context: CallContext) async throws
        -> [FeedEvent]
    {
        try require(.eventsRead, context)
        return try await store.events(after: cursor, limit: limit, filter: filter, scope: context.principal.scope)
    }

    static func checkBatchSize(_ count: Int, path: String) throws {
        guard count <= SyncBatchLimits.maxItems else {
            throw ValidationFailure([
                FieldError(
                    path: path, code: "batch_too_large",
                    message: "a batch holds at most \(SyncBatchLimits.maxItems) items; send \(count) in several requests")
            ])
        }
        guard count > 0 else {
            throw ValidationFailure([FieldError(path: path, code: "empty_batch", message: "send at least one item")])
        }
    }

    /// A per-item storage refusal as the field error the batch answer carries.
    static func fieldError(_ error: StorageError) -> FieldError {
        switch error.code {
        case .notEditable:
            FieldError(
                path: "", code: "not_editable",
                message: "the payable is \(error.currentState ?? "taken") and can no longer change")
        case .duplicate:
            FieldError(path: "external_id", code: "duplicate", message: "this external id belongs to another entity's payable")
        default:
            FieldError(path: "", code: error.code.rawValue, message: error.description)
        }
    }
}
