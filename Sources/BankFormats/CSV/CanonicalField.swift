/// The fields a mapping profile can fill, by the names profiles use for them.
enum CanonicalField: String, CaseIterable, Sendable, Hashable {
    case externalID = "external_id"
    case invoiceNumber = "invoice_number"
    case invoiceDate = "invoice_date"
    case dueDate = "due_date"
    case amount
    case currency
    case remittance
    case entity
    case vendorExternalID = "vendor.external_id"
    case vendorName = "vendor.name"
    case vendorCountry = "vendor.country"
    case vendorTaxID = "vendor.tax_id"
    case vendorIBAN = "vendor.iban"
    case vendorAccountNumber = "vendor.account_number"
    case vendorBIC = "vendor.bic"
    case vendorRoutingNumber = "vendor.routing_number"
    case vendorCNAPSCode = "vendor.cnaps_code"
    case vendorBankName = "vendor.bank_name"
    case vendorAccountHolder = "vendor.account_holder"
    case vendorAccountCurrency = "vendor.account_currency"

    /// Slots in a row's value array, so a row is evaluated without hashing field names.
    var slot: Int {
        switch self {
        case .externalID: 0
        case .invoiceNumber: 1
        case .invoiceDate: 2
        case .dueDate: 3
        case .amount: 4
        case .currency: 5
        case .remittance: 6
        case .entity: 7
        case .vendorExternalID: 8
        case .vendorName: 9
        case .vendorCountry: 10
        case .vendorTaxID: 11
        case .vendorIBAN: 12
        case .vendorAccountNumber: 13
        case .vendorBIC: 14
        case .vendorRoutingNumber: 15
        case .vendorCNAPSCode: 16
        case .vendorBankName: 17
        case .vendorAccountHolder: 18
        case .vendorAccountCurrency: 19
        }
    }

    static let slotCount = 20

    var isVendorField: Bool { rawValue.hasPrefix("vendor.") }

    var isDate: Bool { self == .invoiceDate || self == .dueDate }

    /// Values that must never appear in an error message, which ends up in logs and API responses:
    /// account numbers and the names of people and companies.
    var isConfidential: Bool {
        switch self {
        case .vendorIBAN, .vendorAccountNumber, .vendorName, .vendorAccountHolder, .vendorTaxID: true
        default: false
        }
    }

    static let requiredForPayables: [CanonicalField] = [
        .externalID, .invoiceNumber, .invoiceDate, .amount, .vendorExternalID, .vendorName,
    ]
    static let requiredForVendors: [CanonicalField] = [.vendorExternalID, .vendorName]
}
