import Foundation
import PayHubDomain
import PayHubStorage

/// The use cases behind the API and the CLI: master data, payables and payments.
///
/// Each use case checks the caller's permission first (nothing is allowed unless a role grants it),
/// reads only within the caller's entity scope (so an object of another entity is simply not found),
/// checks its input completely, and leaves the write and its audit event to the store's transaction.
public struct PaymentHub: Sendable {
    public let store: any PayHubStore
    public let clock: Clock

    public init(store: any PayHubStore, clock: Clock = .system) {
        self.store = store
        self.clock = clock
    }

    // MARK: Entities

    public func createEntity(_ input: NewEntity, context: CallContext) async throws -> LegalEntity {
        try require(.entitiesWrite, context)
        var problems = FieldErrorCollector()
        let currency = problems.currency("base_currency", input.baseCurrency)
        let lei = problems.identifier("lei", input.lei) { text throws(IdentifierError) in try LEI(text) }
        let entity = problems.domain { () throws(ValidationFailure) in
            try LegalEntity(
                id: clock.newID(), name: input.name, countryCode: input.country, baseCurrency: currency ?? .eur, lei: lei,
                createdAt: clock.now())
        }
        try problems.throwIfAny()
        guard let entity else { throw ValidationFailure(problems.errors) }
        try await store.createEntity(entity, context: context.audit(at: clock.now()))
        return entity
    }

    public func entity(_ id: String, context: CallContext) async throws -> LegalEntity {
        try require(.entitiesRead, context)
        guard let id = try? ID<LegalEntity>(id), let entity = try await store.entity(id, scope: context.principal.scope)
        else { throw StorageError(.notFound, target: "entity") }
        return entity
    }

    public func entities(_ page: PageRequest, context: CallContext) async throws -> Page<LegalEntity> {
        try require(.entitiesRead, context)
        return try await store.entities(page, scope: context.principal.scope)
    }

    public func updateEntity(_ id: String, _ changes: EntityChanges, context: CallContext) async throws -> LegalEntity {
        try require(.entitiesWrite, context)
        let current = try await entity(id, context: context)
        var problems = FieldErrorCollector()
        let lei = problems.identifier("lei", changes.lei) { text throws(IdentifierError) in try LEI(text) }
        let updated = problems.domain { () throws(ValidationFailure) in
            try LegalEntity(
                id: current.id, name: changes.name ?? current.name, countryCode: current.countryCode,
                baseCurrency: current.baseCurrency, lei: lei ?? current.lei, createdAt: current.createdAt)
        }
        try problems.throwIfAny()
        guard let updated else { throw ValidationFailure(problems.errors) }
        try await store.updateEntity(updated, context: context.audit(at: clock.now()))
        return updated
    }

    // MARK: Bank accounts

    public func createBankAccount(_ input: NewBankAccount, context: CallContext) async throws -> BankAccount {
        var problems = FieldErrorCollector()
        let holder: AccountHolder
        let entityID: ID<LegalEntity>
        switch (input.entityID, input.vendorID) {
        case (let entityText?, nil):
            // Accounts money leaves from are treasury's business; vendor accounts are master data.
            try require(.bankAccountsWrite, context)
            let entity = try await requireEntity(entityText, path: "entity_id", context: context)
            holder = .entity(entity.id)
            entityID = entity.id
        case (nil, let vendorText?):
            try require(.vendorsWrite, context)
            let vendor = try await vendor(vendorText, context: context)
            holder = .vendor(vendor.id)
            entityID = vendor.entityID
        default:
            throw ValidationFailure([
                FieldError(path: "entity_id", code: "holder_required", message: "give exactly one of entity_id and vendor_id")
            ])
        }
        let details = problems.accountDetails(
            iban: input.iban, accountNumber: input.accountNumber, bic: input.bic, routingNumber: input.routingNumber,
            cnapsCode: input.cnapsCode, currency: input.currency)
        try problems.throwIfAny()
        guard let details else { throw ValidationFailure(problems.errors) }
        let account = try BankAccount(
            id: clock.newID(), holder: holder, entityID: entityID, accountNumber: details.accountNumber,
            bic: details.bic, routingNumber: details.routingNumber, cnapsCode: details.cnapsCode,
            currency: details.currency, holderName: input.holderName, bankName: input.bankName, createdAt: clock.now())
        try await store.createBankAccount(account, context: context.audit(at: clock.now()))
        return account
    }

    public func bankAccount(_ id: String, context: CallContext) async throws -> BankAccount {
        try require(.bankAccountsRead, context)
        guard let id = try? ID<BankAccount>(id),
            let account = try await store.bankAccount(id, scope: context.principal.scope)
        else { throw StorageError(.notFound, target: "bank_account") }
        return account
    }

    public func bankAccounts(_ filter: BankAccountFilter, _ page: PageRequest, context: CallContext) async throws
        -> Page<BankAccount>
    {
        try require(.bankAccountsRead, context)
        return try await store.bankAccounts(filter, page, scope: context.principal.scope)
    }

    // MARK: Vendors

    public func createVendor(_ input: NewVendor, context: CallContext) async throws -> Vendor {
        try require(.vendorsWrite, context)
        let entity = try await requireEntity(input.entityID, path: "entity_id", context: context)
        var problems = FieldErrorCollector()
        let taxID = input.taxID.flatMap { text in
            problems.field { () throws(FieldError) in try TaxID(text, countryCode: input.country) }
        }
        let source: SourceReference? =
            if let system = input.source, let externalID = input.externalID {
                problems.field { () throws(FieldError) in try SourceReference(system: system, externalID: externalID) }
            } else {
                nil
            }
        let vendor = problems.domain { () throws(ValidationFailure) in
            try Vendor(
                id: clock.newID(), entityID: entity.id, name: input.name, countryCode: input.country, taxID: taxID,
                source: source, createdAt: clock.now())
        }
        try problems.throwIfAny()
        guard let vendor else { throw ValidationFailure(problems.errors) }
        try await store.createVendor(vendor, context: context.audit(at: clock.now()))
        return vendor
    }

    public func vendor(_ id: String, context: CallContext) async throws -> Vendor {
        try require(.vendorsRead, context)
        guard let id = try? ID<Vendor>(id), let vendor = try await store.vendor(id, scope: context.principal.scope)
        else { throw StorageError(.notFound, target: "vendor") }
        return vendor
    }

    public func vendors(_ filter: VendorFilter, _ page: PageRequest, context: CallContext) async throws -> Page<Vendor> {
        try require(.vendorsRead, context)
        return try await store.vendors(filter, page, scope: context.principal.scope)
    }

    public func updateVendor(_ id: String, _ changes: VendorChanges, context: CallContext) async throws -> Vendor {
        try require(.vendorsWrite, context)
        let current = try await vendor(id, context: context)
        var problems = FieldErrorCollector()
        let country = changes.country ?? current.countryCode
        let taxID = changes.taxID.flatMap { text in
            problems.field { () throws(FieldError) in try TaxID(text, countryCode: country) }
        }
        let updated = problems.domain { () throws(ValidationFailure) in
            try Vendor(
                id: current.id, entityID: current.entityID, name: changes.name ?? current.name, countryCode: country,
                taxID: taxID ?? current.taxID, source: current.source, createdAt: current.createdAt)
        }
        try problems.throwIfAny()
        guard let updated else { throw ValidationFailure(problems.errors) }
        try await store.updateVendor(updated, context: context.audit(at: clock.now()))
        return updated
    }

    // MARK: Payables

    public func createPayable(_ input: NewPayable, context: CallContext) async throws -> Payable {
        try require(.payablesWrite, context)
        let payable = try await validated(input, id: clock.newID(), createdAt: clock.now(), context: context)
        try await store.createPayable(payable, context: context.audit(at: clock.now()))
        return payable
    }

    public func payable(_ id: String, context: CallContext) async throws -> Payable {
        try require(.payablesRead, context)
        guard let id = try? ID<Payable>(id), let payable = try await store.payable(id, scope: context.principal.scope)
        else { throw StorageError(.notFound, target: "payable") }
        return payable
    }

    public func payables(_ filter: PayableFilter, _ page: PageRequest, context: CallContext) async throws -> Page<Payable> {
        try require(.payablesRead, context)
        return try await store.payables(filter, page, scope: context.principal.scope)
    }

    /// Changes an open payable; once a payment has taken it, the store refuses.
    public func updatePayable(_ id: String, _ changes: PayableChanges, context: CallContext) async throws -> Payable {
        try require(.payablesWrite, context)
        let current = try await payable(id, context: context)
        let merged = NewPayable(
            vendorID: current.vendorID.rawValue, invoiceNumber: changes.invoiceNumber ?? current.invoiceNumber,
            invoiceDate: changes.invoiceDate ?? current.invoiceDate.iso8601,
            dueDate: changes.dueDate ?? current.dueDate.iso8601,
            amount: changes.amount ?? current.amount.decimalString,
            currency: changes.currency ?? current.amount.currency.code, source: current.source.system,
            externalID: current.source.externalID)
        let updated = try await validated(merged, id: current.id, createdAt: current.createdAt, context: context)
        try await store.updatePayable(updated, context: context.audit(at: clock.now()))
        return updated
    }

    private func validated(_ input: NewPayable, id: ID<Payable>, createdAt: Date, context: CallContext) async throws
        -> Payable
    {
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
            vendor = try await store.vendor(vendorID, scope: context.principal.scope)
            if vendor == nil { problems.add("vendor_id", code: "unknown_vendor", "no such vendor") }
        }
        try problems.throwIfAny()
        guard let vendor, let amount, let invoiceDate, let dueDate, let source else {
            throw ValidationFailure(problems.errors)
        }
        return try Payable(
            id: id, entityID: vendor.entityID, vendorID: vendor.id, invoiceNumber: input.invoiceNumber,
            invoiceDate: invoiceDate, dueDate: dueDate, amount: amount, source: source, createdAt: createdAt)
    }

    // MARK: Payments

    public func createPayment(_ input: NewPayment, context: CallContext) async throws -> Payment {
        try require(.paymentsCreate, context)
        var problems = FieldErrorCollector()
        var payables: [Payable] = []
        for (index, text) in input.payableIDs.enumerated() {
            let path = "payable_ids[\(index)]"
            guard let id: ID<Payable> = problems.id(path, text) else { continue }
            guard let payable = try await store.payable(id, scope: context.principal.scope) else {
                problems.add(path, code: "unknown_payable", "no such payable")
                continue
            }
            payables.append(payable)
        }
        let debtorID: ID<BankAccount>? = problems.id("debtor_account_id", input.debtorAccountID)
        let creditorID: ID<BankAccount>? = problems.id("creditor_account_id", input.creditorAccountID)
        let executionDate = input.requestedExecutionDate.flatMap { problems.date("requested_execution_date", $0) }
        let debtor = try await debtorID.asyncFlatMap { try await store.bankAccount($0, scope: context.principal.scope) }
        let creditor = try await creditorID.asyncFlatMap { try await store.bankAccount($0, scope: context.principal.scope) }
        if debtorID != nil, debtor == nil { problems.add("debtor_account_id", code: "unknown_account", "no such account") }
        if let creditor, !creditor.isUsable {
            // Dual control: new bank details are not paid until a second person has verified them.
            problems.add(
                "creditor_account_id", code: "account_not_verified",
                "the account is \(creditor.verification.state.rawValue); only an active account can be paid")
        }
        if creditorID != nil, creditor == nil {
            problems.add("creditor_account_id", code: "unknown_account", "no such account")
        }
        try problems.throwIfAny()
        guard let debtor, let creditor else { throw ValidationFailure(problems.errors) }
        let id: ID<Payment> = clock.newID()
        let payment = try Payment(
            id: id, endToEndID: EndToEndID.derived(from: id), payables: payables, debtorAccount: debtor,
            creditorAccount: creditor, requestedExecutionDate: executionDate, createdAt: clock.now())
        try await store.createPayment(payment, context: context.audit(at: clock.now()))
        return payment
    }

    public func payment(_ id: String, context: CallContext) async throws -> Payment {
        try require(.paymentsRead, context)
        guard let id = try? ID<Payment>(id), let payment = try await store.payment(id, scope: context.principal.scope)
        else { throw StorageError(.notFound, target: "payment") }
        return payment
    }

    public func payments(_ filter: PaymentFilter, _ page: PageRequest, context: CallContext) async throws -> Page<Payment> {
        try require(.paymentsRead, context)
        return try await store.payments(filter, page, scope: context.principal.scope)
    }

    /// Applies a lifecycle verb (`submit`, `approve`, `reject`, `hold`, `release`, `cancel`) to a payment.
    public func perform(_ action: PaymentAction, on id: String, reason: String?, context: CallContext) async throws
        -> Payment
    {
        try require(action.permission, context)
        let current = try await payment(id, context: context)
        if action.requiresReason, (reason ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
            throw ValidationFailure([FieldError(path: "reason", code: "reason_required", message: "a reason is required")])
        }
        return try await store.transitionPayment(
            current.id, from: current.state, to: action.target, reason: reason, context: context.audit(at: clock.now()))
    }

    // MARK: Helpers

    func require(_ permission: Permission, _ context: CallContext) throws {
        guard context.principal.may(permission) else { throw AccessDenied(permission: permission) }
    }

    /// An entity named in a request body: unknown or out of scope is a field error, not a 404.
    func requireEntity(_ text: String, path: String, context: CallContext) async throws -> LegalEntity {
        guard let id = try? ID<LegalEntity>(text), let entity = try await store.entity(id, scope: context.principal.scope)
        else { throw ValidationFailure([FieldError(path: path, code: "unknown_entity", message: "no such entity")]) }
        return entity
    }
}

/// The payment verbs people and integrations use, each one lifecycle move guarded by one permission.
public enum PaymentAction: String, Sendable, CaseIterable {
    case submit, approve, reject, hold, release, cancel

    public var target: PaymentState {
        switch self {
        case .submit: .pendingApproval
        case .approve: .approved
        case .reject: .rejected
        case .hold: .onHold
        case .release: .pendingApproval
        case .cancel: .cancelled
        }
    }

    public var permission: Permission {
        switch self {
        case .submit: .paymentsCreate
        case .approve, .reject: .paymentsApprove
        case .hold, .release: .paymentsHold
        case .cancel: .paymentsCancel
        }
    }

    /// Refusing or stopping a payment must say why; the reason flows to the trail and back to the ERP.
    public var requiresReason: Bool { self == .reject || self == .hold || self == .cancel }
}

extension Optional where Wrapped: Sendable {
    func asyncFlatMap<T>(_ transform: (Wrapped) async throws -> T?) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
