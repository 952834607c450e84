import Foundation
import PayHubDomain

// What callers send to create or change objects: plain strings, as a JSON body or a CLI flag gives them.
// Each input checks every field and reports all problems at once, by field path.

public struct NewEntity: Codable, Sendable {
    public var name: String
    public var country: String
    public var baseCurrency: String
    public var lei: String?

    enum CodingKeys: String, CodingKey {
        case name, country, lei
        case baseCurrency = "base_currency"
    }

    public init(name: String, country: String, baseCurrency: String, lei: String? = nil) {
        self.name = name
        self.country = country
        self.baseCurrency = baseCurrency
        self.lei = lei
    }
}

public struct EntityChanges: Codable, Sendable {
    public var name: String?
    public var lei: String?
}

public struct NewBankAccount: Codable, Sendable {
    /// For an account the entity pays from; leave nil for a vendor's account.
    public var entityID: String?
    /// For a vendor's account.
    public var vendorID: String?
    public var iban: String?
    public var accountNumber: String?
    public var bic: String?
    public var routingNumber: String?
    public var cnapsCode: String?
    public var currency: String
    public var holderName: String
    public var bankName: String?

    enum CodingKeys: String, CodingKey {
        case iban, bic, currency
        case entityID = "entity_id"
        case vendorID = "vendor_id"
        case accountNumber = "account_number"
        case routingNumber = "routing_number"
        case cnapsCode = "cnaps_code"
        case holderName = "holder_name"
        case bankName = "bank_name"
    }

    public init(
        entityID: String? = nil, vendorID: String? = nil, iban: String? = nil, accountNumber: String? = nil,
        bic: String? = nil, routingNumber: String? = nil, cnapsCode: String? = nil, currency: String,
        holderName: String, bankName: String? = nil
    ) {
        self.entityID = entityID
        self.vendorID = vendorID
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

public struct NewVendor: Codable, Sendable {
    public var entityID: String
    public var name: String
    public var country: String
    public var taxID: String?
    public var source: String?
    public var externalID: String?

    enum CodingKeys: String, CodingKey {
        case name, country, source
        case entityID = "entity_id"
        case taxID = "tax_id"
        case externalID = "external_id"
    }

    public init(
        entityID: String, name: String, country: String, taxID: String? = nil, source: String? = nil,
        externalID: String? = nil
    ) {
        self.entityID = entityID
        self.name = name
        self.country = country
        self.taxID = taxID
        self.source = source
        self.externalID = externalID
    }
}

public struct VendorChanges: Codable, Sendable {
    public var name: String?
    public var country: String?
    public var taxID: String?

    enum CodingKeys: String, CodingKey {
        case name, country
        case taxID = "tax_id"
    }
}

public struct NewPayable: Codable, Sendable {
    public var vendorID: String
    public var invoiceNumber: String
    public var invoiceDate: String
    public var dueDate: String
    /// A decimal string, never a JSON number: `"1234.56"`.
    public var amount: String
    public var currency: String
    public var source: String
    public var externalID: String

    enum CodingKeys: String, CodingKey {
        case amount, currency, source
        case vendorID = "vendor_id"
        case invoiceNumber = "invoice_number"
        case invoiceDate = "invoice_date"
        case dueDate = "due_date"
        case externalID = "external_id"
    }

    public init(
        vendorID: String, invoiceNumber: String, invoiceDate: String, dueDate: String, amount: String,
        currency: String, source: String, externalID: String
    ) {
        self.vendorID = vendorID
        self.invoiceNumber = invoiceNumber
        self.invoiceDate = invoiceDate
        self.dueDate = dueDate
        self.amount = amount
        self.currency = currency
        self.source = source
        self.externalID = externalID
    }
}

public struct PayableChanges: Codable, Sendable {
    public var invoiceNumber: String?
    public var invoiceDate: String?
    public var dueDate: String?
    public var amount: String?
    public var currency: String?

    enum CodingKeys: String, CodingKey {
        case amount, currency
        case invoiceNumber = "invoice_number"
        case invoiceDate = "invoice_date"
        case dueDate = "due_date"
    }
}

public struct NewPayment: Codable, Sendable {
    public var payableIDs: [String]
    public var debtorAccountID: String
    public var creditorAccountID: String
    public var requestedExecutionDate: String?

    enum CodingKeys: String, CodingKey {
        case payableIDs = "payable_ids"
        case debtorAccountID = "debtor_account_id"
        case creditorAccountID = "creditor_account_id"
        case requestedExecutionDate = "requested_execution_date"
    }

    public init(payableIDs: [String], debtorAccountID: String, creditorAccountID: String, requestedExecutionDate: String? = nil) {
        self.payableIDs = payableIDs
        self.debtorAccountID = debtorAccountID
        self.creditorAccountID = creditorAccountID
        self.requestedExecutionDate = requestedExecutionDate
    }
}

/// A state change asked for by a person, with the reason that goes into the audit trail.
public struct TransitionRequest: Codable, Sendable {
    public var reason: String?
    public init(reason: String? = nil) { self.reason = reason }
}

/// Where an account is, checked: what both a new entity or vendor account and an ERP's vendor account need.
struct AccountDetails {
    var accountNumber: AccountNumber
    var bic: BIC?
    var routingNumber: ABARoutingNumber?
    var cnapsCode: CNAPSCode?
    var currency: Currency
}

extension FieldErrorCollector {
    /// Checks exactly one of IBAN and domestic number, and the bank codes and currency beside it, adding
    /// every problem under its field name; nil when anything is wrong.
    mutating func accountDetails(
        iban: String?, accountNumber: String?, bic: String?, routingNumber: String?, cnapsCode: String?,
        currency: String
    ) -> AccountDetails? {
        let currency = self.currency("currency", currency)
        let number: AccountNumber?
        switch (iban, accountNumber) {
        case (let iban?, nil):
            number = identifier("iban", iban) { text throws(IdentifierError) in try IBAN(text) }.map { AccountNumber.iban($0) }
        case (nil, let domestic?):
            number = field { () throws(FieldError) in try AccountNumber.domestic(validating: domestic) }
        default:
            add("iban", code: "account_number_required", "give exactly one of iban and account_number")
            number = nil
        }
        let bic = identifier("bic", bic) { text throws(IdentifierError) in try BIC(text) }
        let routing = identifier("routing_number", routingNumber) { text throws(IdentifierError) in
            try ABARoutingNumber(text)
        }
        let cnaps = identifier("cnaps_code", cnapsCode) { text throws(IdentifierError) in try CNAPSCode(text) }
        guard let currency, let number else { return nil }
        return AccountDetails(accountNumber: number, bic: bic, routingNumber: routing, cnapsCode: cnaps, currency: currency)
    }

    mutating func id<Object: Identified>(_ path: String, _ text: String) -> ID<Object>? {
        check(path, code: { _ in "invalid_id" }) { () throws(InvalidIDError) in try ID<Object>(text) }
    }

    mutating func currency(_ path: String, _ text: String) -> Currency? {
        check(path, code: { $0.code.rawValue }) { () throws(CurrencyError) in try Currency(code: text) }
    }

    mutating func date(_ path: String, _ text: String) -> LocalDate? {
        check(path, code: { _ in "invalid_date" }) { () throws(LocalDateError) in try LocalDate(iso8601: text) }
    }

    mutating func money(_ path: String, _ text: String, _ currency: Currency?) -> Money? {
        guard let currency else { return nil }
        return check(path, code: { $0.code.rawValue }) { () throws(MoneyError) in
            try Money(parsing: text, currency: currency)
        }
    }

    mutating func identifier<Value>(_ path: String, _ text: String?, _ parse: (String) throws(IdentifierError) -> Value)
        -> Value?
    {
        guard let text else { return nil }
        return check(path, code: { $0.code.rawValue }) { () throws(IdentifierError) in try parse(text) }
    }

    /// Adds every error of a failed domain construction, or returns the value.
    mutating func domain<Value>(_ make: () throws(ValidationFailure) -> Value) -> Value? {
        do {
            return try make()
        } catch {
            for problem in error.errors { add(problem.path, code: problem.code, problem.message) }
            return nil
        }
    }

    mutating func field<Value>(_ make: () throws(FieldError) -> Value) -> Value? {
        do {
            return try make()
        } catch {
            add(error.path, code: error.code, error.message)
            return nil
        }
    }
}
