import Foundation
import PayHubDomain

// The JSON shape of each object, as every GET returns it and as every event and webhook carries it:
// snake_case keys, amounts as decimal strings beside their currency, times in ISO 8601, account numbers
// masked. Defined here, below the API, because the store writes events in the same transaction as the
// change they report.

/// An optional that is written as JSON `null` when absent instead of being left out, so every key of
/// a resource is always there and clients can tell "none" from "not sent".
@propertyWrapper
public struct ExplicitNull<Value: Encodable & Sendable>: Encodable, Sendable {
    public var wrappedValue: Value?

    public init(wrappedValue: Value?) { self.wrappedValue = wrappedValue }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let value = wrappedValue { try container.encode(value) } else { try container.encodeNil() }
    }
}

public enum Timestamp {
    /// An ISO 8601 instant with a time zone (`2026-12-01T09:00:00Z`, `…+08:00`, fractional seconds allowed).
    public static func parse(_ text: String) -> Date? {
        for options: ISO8601DateFormatter.Options in [[.withInternetDateTime, .withFractionalSeconds], [.withInternetDateTime]] {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = options
            if let date = formatter.date(from: text) { return date }
        }
        return nil
    }

    /// `2026-11-29T11:33:07.147Z`: UTC, whole milliseconds (cut, not rounded, as times are stored).
    ///
    /// Written out by hand because it runs for every object of every event: Foundation's format style
    /// costs microseconds each, a tenth of an import's whole budget per row. A test holds it to
    /// `Date.ISO8601FormatStyle` on every millisecond it tries.
    public static func iso8601(_ date: Date) -> String {
        let milliseconds = StoredTime.milliseconds(date)
        var days = milliseconds / 86_400_000
        var rest = milliseconds % 86_400_000
        if rest < 0 {
            days -= 1
            rest += 86_400_000
        }
        guard let day = try? LocalDate(daysSinceEpoch: Int(days)), (0...9999).contains(day.year) else {
            return date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
        }
        var utf8: [UInt8] = []
        utf8.reserveCapacity(24)
        func digits(_ value: Int64, _ count: Int) {
            var divisor: Int64 = 1
            for _ in 1..<count { divisor *= 10 }
            var value = value
            while divisor > 0 {
                utf8.append(UInt8(48 + value / divisor))
                value %= divisor
                divisor /= 10
            }
        }
        digits(Int64(day.year), 4)
        utf8.append(45)
        digits(Int64(day.month), 2)
        utf8.append(45)
        digits(Int64(day.day), 2)
        utf8.append(84)
        digits(rest / 3_600_000, 2)
        utf8.append(58)
        digits(rest / 60_000 % 60, 2)
        utf8.append(58)
        digits(rest / 1000 % 60, 2)
        utf8.append(46)
        digits(rest % 1000, 3)
        utf8.append(90)
        return String(decoding: utf8, as: UTF8.self)
    }
}

public struct AmountResource: Encodable, Sendable {
    public let amount: String
    public let currency: String
    public init(_ money: Money) {
        amount = money.decimalString
        currency = money.currency.code
    }
}

public struct EntityResource: Encodable, Sendable {
    public let id: String
    public let name: String
    public let country: String
    public let baseCurrency: String
    @ExplicitNull public var lei: String?
    public let createdAt: String

    enum CodingKeys: String, CodingKey {
        case id, name, country, lei
        case baseCurrency = "base_currency"
        case createdAt = "created_at"
    }

    public init(_ entity: LegalEntity) {
        id = entity.id.rawValue
        name = entity.name
        country = entity.countryCode
        baseCurrency = entity.baseCurrency.code
        lei = entity.lei?.value
        createdAt = Timestamp.iso8601(entity.createdAt)
    }
}

public struct BankAccountResource: Encodable, Sendable {
    public let id: String
    public let entityID: String
    @ExplicitNull public var vendorID: String?
    /// Never the full number: `****3000`. Integrations that need it already have it.
    public let accountNumberMasked: String
    public let accountNumberKind: String
    @ExplicitNull public var bic: String?
    @ExplicitNull public var routingNumber: String?
    @ExplicitNull public var cnapsCode: String?
    public let currency: String
    public let holderName: String
    @ExplicitNull public var bankName: String?
    /// `active`, `pending_verification` or `superseded`: only an active account can be paid.
    public let verification: String
    @ExplicitNull public var requestedBy: String?
    @ExplicitNull public var requestedAt: String?
    @ExplicitNull public var verifiedBy: String?
    @ExplicitNull public var verifiedAt: String?
    public let createdAt: String

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
        case verification
        case requestedBy = "requested_by"
        case requestedAt = "requested_at"
        case verifiedBy = "verified_by"
        case verifiedAt = "verified_at"
        case createdAt = "created_at"
    }

    public init(_ account: BankAccount) {
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
        verification = account.verification.state.rawValue
        requestedBy = account.verification.requestedBy
        requestedAt = account.verification.requestedAt.map(Timestamp.iso8601)
        verifiedBy = account.verification.verifiedBy
        verifiedAt = account.verification.verifiedAt.map(Timestamp.iso8601)
        createdAt = Timestamp.iso8601(account.createdAt)
    }
}

public struct VendorResource: Encodable, Sendable {
    public let id: String
    public let entityID: String
    public let name: String
    public let country: String
    @ExplicitNull public var taxID: String?
    @ExplicitNull public var source: String?
    @ExplicitNull public var externalID: String?
    public let createdAt: String

    enum CodingKeys: String, CodingKey {
        case id, name, country, source
        case entityID = "entity_id"
        case taxID = "tax_id"
        case externalID = "external_id"
        case createdAt = "created_at"
    }

    public init(_ vendor: Vendor) {
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

public struct PayableResource: Encodable, Sendable {
    public let id: String
    public let entityID: String
    public let vendorID: String
    public let invoiceNumber: String
    public let invoiceDate: String
    public let dueDate: String
    public let amount: String
    public let currency: String
    public let source: String
    public let externalID: String
    public let state: String
    public let createdAt: String

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

    /// This payable's ``CanonicalJSON``, written directly (the import path writes one per row); a test
    /// holds it to `CanonicalJSON.string(PayableResource(payable))`.
    public static func canonicalJSON(_ payable: Payable) -> String {
        CanonicalJSON.payable(payable, withCreatedAt: true)
    }

    public init(_ payable: Payable) {
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

public struct PaymentResource: Encodable, Sendable {
    public let id: String
    public let entityID: String
    public let vendorID: String
    public let payableIDs: [String]
    public let amount: String
    public let currency: String
    public let debtorAccountID: String
    public let creditorAccountID: String
    public let state: String
    public let endToEndID: String
    @ExplicitNull public var requestedExecutionDate: String?
    public let createdAt: String

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

    public init(_ payment: Payment) {
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


/// Encodes a representation the same way every time (sorted keys, no escaped slashes), so an event's
/// stored JSON, its API rendering and the webhook body that is signed are the same bytes.
public enum CanonicalJSON {
    /// A flat object of strings, in sorted key order, absent values left out: the same bytes
    /// `string(_:)` gives for such an object, without JSONEncoder's cost (imports write one per row).
    public static func object(_ fields: [String: String?]) -> String {
        var utf8: [UInt8] = [UInt8(ascii: "{")]
        utf8.reserveCapacity(512)
        var first = true
        for (key, value) in fields.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }) {
            guard let value else { continue }
            if !first { utf8.append(UInt8(ascii: ",")) }
            first = false
            appendString(key, to: &utf8)
            utf8.append(UInt8(ascii: ":"))
            appendString(value, to: &utf8)
        }
        utf8.append(UInt8(ascii: "}"))
        return String(decoding: utf8, as: UTF8.self)
    }

    /// Builds a flat object of strings whose caller writes the keys in sorted order itself, so nothing
    /// is sorted or hashed per object: the import path writes two per row.
    struct SortedWriter {
        private var utf8: [UInt8] = [UInt8(ascii: "{")]

        init() { utf8.reserveCapacity(512) }

        mutating func field(_ key: StaticString, _ value: String?) {
            guard let value else { return }
            if utf8.count > 1 { utf8.append(UInt8(ascii: ",")) }
            utf8.append(UInt8(ascii: "\""))
            key.withUTF8Buffer { utf8.append(contentsOf: $0) }
            utf8.append(UInt8(ascii: "\""))
            utf8.append(UInt8(ascii: ":"))
            CanonicalJSON.appendString(value, to: &utf8)
        }

        consuming func finish() -> String {
            utf8.append(UInt8(ascii: "}"))
            return String(decoding: utf8, as: UTF8.self)
        }
    }

    /// A payable's fields in sorted key order, as the API shows it (with `created_at`) or as the audit
    /// trail keeps it (without): written directly, since an import writes both for every row.
    static func payable(_ payable: Payable, withCreatedAt: Bool) -> String {
        var json = SortedWriter()
        json.field("amount", payable.amount.decimalString)
        if withCreatedAt { json.field("created_at", Timestamp.iso8601(payable.createdAt)) }
        json.field("currency", payable.amount.currency.code)
        json.field("due_date", payable.dueDate.iso8601)
        json.field("entity_id", payable.entityID.rawValue)
        json.field("external_id", payable.source.externalID)
        json.field("id", payable.id.rawValue)
        json.field("invoice_date", payable.invoiceDate.iso8601)
        json.field("invoice_number", payable.invoiceNumber)
        json.field("source", payable.source.system)
        json.field("state", payable.state.rawValue)
        json.field("vendor_id", payable.vendorID.rawValue)
        return json.finish()
    }

    /// A JSON string literal as JSONEncoder writes it: `"` and `\` escaped, control characters as
    /// `\n`, `\t`… or `\u00XX`, everything else (slashes, non-ASCII) as it is.
    ///
    /// Nearly every value an import writes needs no escaping, so it is copied in one piece; only a value
    /// that does is written byte by byte.
    static func appendString(_ text: String, to utf8: inout [UInt8]) {
        utf8.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { bytes in
            if !bytes.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
                utf8.append(contentsOf: bytes)
                return
            }
            for byte in bytes {
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                    utf8.append(UInt8(ascii: "\\"))
                    utf8.append(byte)
                case 0x0A: appendEscape(UInt8(ascii: "n"), to: &utf8)
                case 0x0D: appendEscape(UInt8(ascii: "r"), to: &utf8)
                case 0x09: appendEscape(UInt8(ascii: "t"), to: &utf8)
                case 0x08: appendEscape(UInt8(ascii: "b"), to: &utf8)
                case 0x0C: appendEscape(UInt8(ascii: "f"), to: &utf8)
                case 0..<0x20:
                    utf8.append(contentsOf: "\\u00".utf8)
                    utf8.append(hexDigits[Int(byte >> 4)])
                    utf8.append(hexDigits[Int(byte & 0xF)])
                default: utf8.append(byte)
                }
            }
        }
        utf8.append(UInt8(ascii: "\""))
    }

    private static func appendEscape(_ letter: UInt8, to utf8: inout [UInt8]) {
        utf8.append(UInt8(ascii: "\\"))
        utf8.append(letter)
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    public static func string(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else {
            preconditionFailure("representations are plain strings, arrays and nulls and always encode")
        }
        return String(decoding: data, as: UTF8.self)
    }
}
