import PayHubDomain

// The audit entry of every change the store makes, defined once so that both adapters write exactly
// the same trail for the same change.
extension AuditEntry {
    public static func created(_ entity: LegalEntity) -> AuditEntry {
        AuditEntry(
            action: "entity.created", objectType: "entity", objectID: entity.id.rawValue, entityID: entity.id.rawValue,
            after: AuditSnapshot.of(entity))
    }

    public static func updated(_ before: LegalEntity, to after: LegalEntity) -> AuditEntry {
        AuditEntry(
            action: "entity.updated", objectType: "entity", objectID: after.id.rawValue, entityID: after.id.rawValue,
            before: AuditSnapshot.of(before), after: AuditSnapshot.of(after))
    }

    public static func created(_ vendor: Vendor) -> AuditEntry {
        AuditEntry(
            action: "vendor.created", objectType: "vendor", objectID: vendor.id.rawValue,
            entityID: vendor.entityID.rawValue, after: AuditSnapshot.of(vendor))
    }

    public static func updated(_ before: Vendor, to after: Vendor) -> AuditEntry {
        AuditEntry(
            action: "vendor.updated", objectType: "vendor", objectID: after.id.rawValue,
            entityID: after.entityID.rawValue, before: AuditSnapshot.of(before), after: AuditSnapshot.of(after))
    }

    public static func created(_ account: BankAccount) -> AuditEntry {
        AuditEntry(
            action: "bank_account.created", objectType: "bank_account", objectID: account.id.rawValue,
            entityID: account.entityID.rawValue, after: AuditSnapshot.of(account))
    }

    public static func created(_ payable: Payable) -> AuditEntry {
        AuditEntry(
            action: "payable.created", objectType: "payable", objectID: payable.id.rawValue,
            entityID: payable.entityID.rawValue, after: AuditSnapshot.of(payable), events: [.payable(payable, "created")])
    }

    public static func updated(_ before: Payable, to after: Payable) -> AuditEntry {
        AuditEntry(
            action: "payable.updated", objectType: "payable", objectID: after.id.rawValue,
            entityID: after.entityID.rawValue, before: AuditSnapshot.of(before), after: AuditSnapshot.of(after),
            events: [.payable(after, "updated")])
    }

    public static func created(_ payment: Payment) -> AuditEntry {
        AuditEntry(
            action: "payment.created", objectType: "payment", objectID: payment.id.rawValue,
            entityID: payment.entityID.rawValue, after: AuditSnapshot.of(payment), events: [.paymentCreated(payment)])
    }

    /// A lifecycle move, named after the state reached: `payment.approved`, `payment.cancelled`.
    public static func moved(
        _ payment: Payment, from: PaymentState, to target: PaymentState, reason: String?
    ) -> AuditEntry {
        AuditEntry(
            action: "payment.\(target.rawValue)", objectType: "payment", objectID: payment.id.rawValue,
            entityID: payment.entityID.rawValue, before: AuditSnapshot.state(from),
            after: AuditSnapshot.state(target, reason: reason))
    }

    public static func created(_ user: User) -> AuditEntry {
        AuditEntry(action: "user.created", objectType: "user", objectID: user.id.rawValue, after: AuditSnapshot.of(user))
    }

    public static func created(_ key: APIKey) -> AuditEntry {
        AuditEntry(action: "api_key.created", objectType: "api_key", objectID: key.id.rawValue, after: AuditSnapshot.of(key))
    }
}
