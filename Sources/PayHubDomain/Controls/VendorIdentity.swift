import Foundation

/// The keys by which two payables can be recognised as owed to the same real vendor.
///
/// Vendors are kept per legal entity, and every ERP has its own vendor numbers, so the same supplier
/// appears as `ven_a` in the German entity and `ven_b` in the Chinese one. Two identities are the same
/// vendor when **any** key matches: the vendor id, the tax id, or one of the vendor's bank account numbers.
///
/// Tax ids and account numbers are compared in a normalised form: NFKC (full-width to ASCII), upper case,
/// only letters and digits (`DE 123.456.789` is `DE123456789`; an IBAN's printed and electronic forms
/// are equal). What is **not** done: an IBAN is not matched against the domestic account number inside
/// it, and a VAT id is not matched against the same number without its country prefix; both would need
/// country-specific rules, and a false link between vendors makes every one of their invoices suspect.
///
/// Placeholder values are not keys: a tax id or account number with fewer than five letters and digits,
/// or made of one repeated character (`N/A`, `0`, `000000000`, `XXXXXXXX`), is ignored, because ERPs
/// fill such values in for vendors that have none and they would link every one of those vendors.
///
/// Account numbers are secrets: ``description`` and ``debugDescription`` show them masked.
public struct VendorIdentity: Hashable, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    public let vendorID: ID<Vendor>
    /// The normalised tax id, or nil when there is none (or only a placeholder).
    public let taxID: String?
    /// The normalised account numbers, sorted, without duplicates or placeholders.
    public let accountNumbers: [String]

    /// An identity from raw values; tax id and account numbers are normalised here.
    public init(vendorID: ID<Vendor>, taxID: String? = nil, accountNumbers: [String] = []) {
        self.vendorID = vendorID
        self.taxID = taxID.flatMap(VendorIdentity.normalisedKey)
        self.accountNumbers = Array(Set(accountNumbers.compactMap(VendorIdentity.normalisedKey))).sorted()
    }

    /// The identity of `vendor`, with the numbers of the bank accounts it is paid into.
    ///
    /// Pass the accounts the caller considers the vendor's (usually the active and pending ones): which
    /// accounts count is a decision of the services, not of the comparison.
    public init(vendor: Vendor, accounts: [BankAccount]) {
        self.init(
            vendorID: vendor.id, taxID: vendor.taxID?.value, accountNumbers: accounts.map(\.accountNumber.value))
    }

    /// Which keys this identity shares with `other`, in the order of ``VendorKeyKind/allCases``; empty
    /// when they are not known to be the same vendor.
    public func sharedKeys(with other: VendorIdentity) -> [VendorKeyKind] {
        var shared: [VendorKeyKind] = []
        if vendorID == other.vendorID { shared.append(.vendorID) }
        if let taxID, taxID == other.taxID { shared.append(.taxID) }
        if VendorIdentity.intersect(accountNumbers, other.accountNumbers) { shared.append(.accountNumber) }
        return shared
    }

    /// Every key of the identity, for indexing.
    var keys: [VendorKey] {
        var keys = [VendorKey.vendorID(vendorID.rawValue)]
        if let taxID { keys.append(.taxID(taxID)) }
        for number in accountNumbers { keys.append(.accountNumber(number)) }
        return keys
    }

    public var description: String {
        let accounts = accountNumbers.map(AccountNumber.mask).joined(separator: ", ")
        return "VendorIdentity(\(vendorID), tax id: \(taxID == nil ? "none" : "given"), accounts: [\(accounts)])"
    }

    public var debugDescription: String { description }

    /// The comparison form of a tax id or account number, or nil for a missing value or a placeholder.
    static func normalisedKey(_ text: String) -> String? {
        let folded = text.utf8.allSatisfy { $0 < 0x80 } ? text : text.precomposedStringWithCompatibilityMapping
        var scalars = String.UnicodeScalarView()
        for scalar in folded.unicodeScalars {
            let properties = scalar.properties
            if properties.numericType == .decimal, let value = properties.numericValue, (0...9).contains(value) {
                scalars.append(Unicode.Scalar(UInt8(ascii: "0") + UInt8(value)))
            } else if properties.isAlphabetic {
                scalars.append(contentsOf: properties.uppercaseMapping.unicodeScalars)
            }
        }
        guard scalars.count >= 5, let first = scalars.first, scalars.contains(where: { $0 != first }) else {
            return nil
        }
        return String(scalars)
    }

    /// Whether two sorted arrays share an element, in one pass.
    private static func intersect(_ first: [String], _ second: [String]) -> Bool {
        var (i, j) = (0, 0)
        while i < first.count && j < second.count {
            if first[i] == second[j] { return true }
            if first[i] < second[j] { i += 1 } else { j += 1 }
        }
        return false
    }
}

/// A kind of key that identifies a vendor across entities and ERPs. Raw values are stable snake_case
/// names, shown in a suspect's match explanation.
public enum VendorKeyKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// The same vendor record (same entity, same vendor id).
    case vendorID = "vendor_id"
    /// The same tax registration, normalised.
    case taxID = "tax_id"
    /// A bank account number both vendors are paid into, normalised.
    case accountNumber = "account_number"
}

/// One key of a vendor identity, in its own namespace: a tax id never equals an account number.
enum VendorKey: Hashable, Sendable {
    case vendorID(String)
    case taxID(String)
    case accountNumber(String)
}
