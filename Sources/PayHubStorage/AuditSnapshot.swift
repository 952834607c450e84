import Foundation
import PayHubDomain

/// The JSON an audit event keeps of an object before and after a change.
///
/// Snapshots are for people reading the trail: every field that matters, amounts as decimal strings,
/// and account numbers masked to their last four characters, so the trail never holds one in clear.
public enum AuditSnapshot {
    public static func of(_ entity: LegalEntity) -> String {
        json([
            "id": entity.id.rawValue, "name": entity.name, "country": entity.countryCode,
            "base_currency": entity.baseCurrency.code, "lei": entity.lei?.value,
        ])
    }

    public static func of(_ vendor: Vendor) -> String {
        json([
            "id": vendor.id.rawValue, "entity_id": vendor.entityID.rawValue, "name": vendor.name,
            "country": vendor.countryCode, "tax_id": vendor.taxID?.value, "source": vendor.source?.system,
            "external_id": vendor.source?.externalID,
        ])
    }

    public static func of(_ account: BankAccount) -> String {
        json([
            "id": account.id.rawValue, "entity_id": account.entityID.rawValue,
            "account_number": account.accountNumber.masked, "bic": account.bic?.value,
            "currency": account.currency.code, "holder_name": account.holderName,
        ])
    }

    /// The same bytes as `json([...])` of these fields would give, as a test checks; written directly
    /// because the import path makes one per row.
    public static func of(_ payable: Payable) -> String {
        CanonicalJSON.payable(payable, withCreatedAt: false)
    }

    public static func of(_ payment: Payment) -> String {
        json([
            "id": payment.id.rawValue, "entity_id": payment.entityID.rawValue, "vendor_id": payment.vendorID.rawValue,
            "amount": payment.amount.decimalString, "currency": payment.amount.currency.code,
            "state": payment.state.rawValue, "end_to_end_id": payment.endToEndID,
            "payable_ids": payment.payableIDs.map(\.rawValue).joined(separator: ","),
        ])
    }

    public static func state(_ state: PaymentState, reason: String? = nil) -> String {
        json(["state": state.rawValue, "reason": reason])
    }

    public static func of(_ user: User) -> String {
        json([
            "id": user.id.rawValue, "username": user.username, "roles": Records.encode(user.roles),
            "entities": Records.encode(user.scope),
        ])
    }

    public static func of(_ key: APIKey) -> String {
        json([
            "id": key.id.rawValue, "name": key.name, "roles": Records.encode(key.roles),
            "entities": Records.encode(key.scope),
        ])
    }

    /// Sorted keys and no nulls, so the same object always gives the same bytes (and the same hash).
    static func json(_ fields: [String: String?]) -> String {
        CanonicalJSON.object(fields)
    }
}
