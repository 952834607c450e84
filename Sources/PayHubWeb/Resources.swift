import Foundation
import PayHubDomain
import PayHubStorage

// The JSON shape of each object, as every GET returns it: snake_case keys, amounts as decimal strings
// beside their currency, times in ISO 8601, account numbers masked.

/// An optional that is written as JSON `null` when absent instead of being left out, so every key of
/// a resource is always there and clients can tell "none" from "not sent".
@propertyWrapper
struct ExplicitNull<Value: Encodable>: Encodable {
    var wrappedValue: Value?

    init(wrappedValue: Value?) { self.wrappedValue = wrappedValue }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let value = wrappedValue { try container.encode(value) } else { try container.encodeNil() }
    }
}

enum Timestamp {
    static func iso8601(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}

struct AmountResource: Encodable {
    let amount: String
    let currency: String
    init(_ money: Money) {
        amount = money.decimalString
        currency = money.currency.code
    }
}

struct EntityResource: Encodable {
    let id: String
    let name: String
    let country: String
    let baseCurrency: String
    @ExplicitNull var lei: String?
    let createdAt: String

    enum CodingKeys: String, CodingKey {
        case id, name, country, lei
        case baseCurrency = "base_currency"
        case createdAt = "created_at"
    }

    init(_ entity: LegalEntity) {
        id = entity.id.rawValue
        name = entity.name
        country = entity.countryCode
        baseCurrency = entity.baseCurrency.code
        lei = entity.lei?.value
        createdAt = Timestamp.iso8601(entity.createdAt)
    }
}

struct BankAccountResource: Encodable {
    let id: String
    let entityID: String
    @ExplicitNull var vendorID: String?
    /// Never the full number: `****3000`. Integrations that need it already have it.
    let accountNumberMasked: String
    let accountNumberKind: String
    @ExplicitNull var bic: String?
    @ExplicitNull var routingNumber: String?
    @ExplicitNull var cnapsCode: String?
    let currency: String
    let holderName: String
    @ExplicitNull var bankName: String?
    let createdAt: String

    enum CodingKeys: String, CodingKey {
        case id, bic, currency
        case entityID = "entity_id"
        case vendorID = "vendor_id"
        case accountNumberMasked = "account_number_masked"
        case accountNumberKind = "account_number_kind"
        case routingNumber = "routing_number"
        case cnapsCode = "cnaps_code"
        case holderName = "holder_name"
        case bankName = "bank_name"
        case createdAt = "created_at"
    }

    init(_ account: BankAccount) {
        id = account.id.rawValue
        entityID = account.entityID.rawValue
        vendorID = if case .vendor(let vendorID) = account.holder { vendorID.rawValue } else { nil }
        accountNumberMasked = account.accountNumber.masked
        accountNumberKind = account.accountNumber.isIBAN ? "iban" : "domestic"
        bic = account.bic?.value
        routingNumber = account.routingNumber?.value
        cnapsCode = account.cnapsCode?.value
        currency = account.currency.code
        holderName = account.holderName
        bankName = account.bankName
        createdAt = Timestamp.iso8601(account.createdAt)
    }
}

struct VendorResource: Encodable {
    let id: String
    let entityID: String
    let name: String
    let country: String
    @ExplicitNull var taxID: String?
    @ExplicitNull var source: String?
    @ExplicitNull var externalID: String?
    let createdAt: String

    enum CodingKeys: String, CodingKey {
        case id, name, country, source
        case entityID = "entity_id"
        case taxID = "tax_id"
        case externalID = "external_id"
        case createdAt = "created_at"
    }

    init(_ vendor: Vendor) {
        id = vendor.id.rawValue
        entityID = vendor.entityID.rawValue
        name = vendor.name
        country = vendor.countryCode
        taxID = vendor.taxID?.value
        source = vendor.source?.system
        externalID = vendor.source?.externalID
        createdAt = Timestamp.iso8601(vendor.createdAt)
    }
}

struct PayableResource: Encodable {
    let id: String
    let entityID: String
    let vendorID: String
    let invoiceNumber: String
    let invoiceDate: String
    let dueDate: String
    let amount: String
    let currency: String
    let source: String
    let externalID: String
    let state: String
    let createdAt: String

    enum CodingKeys: String, CodingKey {
        case id, amount, currency, source, state
        case entityID = "entity_id"
        case vendorID = "vendor_id"
        case invoiceNumber = "invoice_number"
        case invoiceDate = "invoice_date"
        case dueDate = "due_date"
        case externalID = "external_id"
        case createdAt = "created_at"
    }

    init(_ payable: Payable) {
        id = payable.id.rawValue
        entityID = payable.entityID.rawValue
        vendorID = payable.vendorID.rawValue
        invoiceNumber = payable.invoiceNumber
        invoiceDate = payable.invoiceDate.iso8601
        dueDate = payable.dueDate.iso8601
        amount = payable.amount.decimalString
        currency = payable.amount.currency.code
        source = payable.source.system
        externalID = payable.source.externalID
        state = payable.state.rawValue
        createdAt = Timestamp.iso8601(payable.createdAt)
    }
}

struct PaymentResource: Encodable {
    let id: String
    let entityID: String
    let vendorID: String
    let payableIDs: [String]
    let amount: String
    let currency: String
    let debtorAccountID: String
    let creditorAccountID: String
    let state: String
    let endToEndID: String
    @ExplicitNull var requestedExecutionDate: String?
    let createdAt: String

    enum CodingKeys: String, CodingKey {
        case id, amount, currency, state
        case entityID = "entity_id"
        case vendorID = "vendor_id"
        case payableIDs = "payable_ids"
        case debtorAccountID = "debtor_account_id"
        case creditorAccountID = "creditor_account_id"
        case endToEndID = "end_to_end_id"
        case requestedExecutionDate = "requested_execution_date"
        case createdAt = "created_at"
    }

    init(_ payment: Payment) {
        id = payment.id.rawValue
        entityID = payment.entityID.rawValue
        vendorID = payment.vendorID.rawValue
        payableIDs = payment.payableIDs.map(\.rawValue)
        amount = payment.amount.decimalString
        currency = payment.amount.currency.code
        debtorAccountID = payment.debtorAccountID.rawValue
        creditorAccountID = payment.creditorAccountID.rawValue
        state = payment.state.rawValue
        endToEndID = payment.endToEndID
        requestedExecutionDate = payment.requestedExecutionDate?.iso8601
        createdAt = Timestamp.iso8601(payment.createdAt)
    }
}

struct AuditEventResource: Encodable {
    let sequence: Int64
    let occurredAt: String
    let actorKind: String
    let actorID: String
    let action: String
    let objectType: String
    let objectID: String
    @ExplicitNull var entityID: String?
    @ExplicitNull var before: String?
    @ExplicitNull var after: String?
    let origin: String
    @ExplicitNull var requestID: String?
    let hash: String

    enum CodingKeys: String, CodingKey {
        case sequence, action, before, after, origin, hash
        case occurredAt = "occurred_at"
        case actorKind = "actor_kind"
        case actorID = "actor_id"
        case objectType = "object_type"
        case objectID = "object_id"
        case entityID = "entity_id"
        case requestID = "request_id"
    }

    init(_ event: AuditEvent) {
        sequence = event.sequence
        occurredAt = Timestamp.iso8601(event.occurredAt)
        actorKind = event.actorKind
        actorID = event.actorID
        action = event.action
        objectType = event.objectType
        objectID = event.objectID
        entityID = event.entityID
        before = event.before
        after = event.after
        origin = event.origin
        requestID = event.requestID
        hash = event.hash
    }
}

/// `{"data": [...], "next_cursor": "…" | null}`.
struct ListResource<Item: Encodable>: Encodable {
    let data: [Item]
    @ExplicitNull var nextCursor: String?

    enum CodingKeys: String, CodingKey {
        case data
        case nextCursor = "next_cursor"
    }
}
