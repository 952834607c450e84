import Foundation

/// One transfer to one vendor: one or more of its payables, in one currency, from one debtor account.
public struct Payment: Identified, Hashable, Sendable {
    public static let idPrefix = "pay"

    public let id: ID<Payment>
    public var entityID: ID<LegalEntity>
    public var vendorID: ID<Vendor>
    public var payableIDs: [ID<Payable>]
    /// The sum of the payables; a payment never pays more or less than what it covers.
    public var amount: Money
    public var debtorAccountID: ID<BankAccount>
    public var creditorAccountID: ID<BankAccount>
    public private(set) var state: PaymentState
    /// The end-to-end id the bank carries back in status reports and statements. Assigned before
    /// anything is sent and never changed, so a re-send can be recognised as the same payment.
    public let endToEndID: String
    public var requestedExecutionDate: LocalDate?
    public var createdAt: Date

    /// Forms a payment from payables, checking the rules that make it one transfer.
    public init(
        id: ID<Payment>, endToEndID: String, payables: [Payable], debtorAccount: BankAccount,
        creditorAccount: BankAccount, requestedExecutionDate: LocalDate? = nil, createdAt: Date
    ) throws(ValidationFailure) {
        var problems = FieldErrorCollector()
        guard let first = payables.first else {
            throw ValidationFailure([
                FieldError(path: "payable_ids", code: "no_payables", message: "a payment needs at least one payable")
            ])
        }
        for (index, payable) in payables.enumerated() {
            let path = "payable_ids[\(index)]"
            if payable.vendorID != first.vendorID {
                problems.add(path, code: "vendor_mismatch", "all payables of a payment must be owed to one vendor")
            }
            if payable.entityID != first.entityID {
                problems.add(path, code: "entity_mismatch", "all payables of a payment must belong to one entity")
            }
            if payable.amount.currency != first.amount.currency {
                problems.add(path, code: "currency_mismatch", "all payables of a payment must be in one currency")
            }
            if payable.state != .open {
                problems.add(path, code: "payable_not_open", "payable is \(payable.state.rawValue), not open")
            }
        }
        if Set(payables.map(\.id)).count != payables.count {
            problems.add("payable_ids", code: "duplicate_payable", "a payable may appear only once in a payment")
        }
        if debtorAccount.holder != .entity(first.entityID) {
            problems.add("debtor_account_id", code: "not_entity_account", "debtor account must belong to the paying entity")
        }
        if debtorAccount.currency != first.amount.currency {
            problems.add("debtor_account_id", code: "currency_mismatch", "debtor account currency differs from the payables'")
        }
        if creditorAccount.holder != .vendor(first.vendorID) {
            problems.add("creditor_account_id", code: "not_vendor_account", "creditor account must belong to the vendor")
        }
        if !EndToEndID.isValid(endToEndID) {
            problems.add("end_to_end_id", code: "invalid_end_to_end_id", "end-to-end id must have 1 to 35 SWIFT characters")
        }
        try problems.throwIfAny()
        let total: Money
        do {
            total = try Money.sum(payables.map(\.amount), currency: first.amount.currency)
        } catch {
            throw ValidationFailure([FieldError(path: "payable_ids", code: error.code.rawValue, message: error.description)])
        }
        self.id = id
        self.entityID = first.entityID
        self.vendorID = first.vendorID
        self.payableIDs = payables.map(\.id)
        self.amount = total
        self.debtorAccountID = debtorAccount.id
        self.creditorAccountID = creditorAccount.id
        self.state = .draft
        self.endToEndID = endToEndID
        self.requestedExecutionDate = requestedExecutionDate
        self.createdAt = createdAt
    }

    /// Restores a stored payment exactly as it was saved; only storage adapters should need this.
    public init(
        restoring id: ID<Payment>, entityID: ID<LegalEntity>, vendorID: ID<Vendor>, payableIDs: [ID<Payable>],
        amount: Money, debtorAccountID: ID<BankAccount>, creditorAccountID: ID<BankAccount>, state: PaymentState,
        endToEndID: String, requestedExecutionDate: LocalDate?, createdAt: Date
    ) {
        self.id = id
        self.entityID = entityID
        self.vendorID = vendorID
        self.payableIDs = payableIDs
        self.amount = amount
        self.debtorAccountID = debtorAccountID
        self.creditorAccountID = creditorAccountID
        self.state = state
        self.endToEndID = endToEndID
        self.requestedExecutionDate = requestedExecutionDate
        self.createdAt = createdAt
    }

    /// The payment in its next state, if the lifecycle allows the move.
    public func transitioned(to target: PaymentState) throws(InvalidTransition) -> Payment {
        var moved = self
        moved.state = try state.transition(to: target)
        return moved
    }
}

/// ISO 20022 end-to-end identification: up to 35 characters of the SWIFT character set.
public enum EndToEndID {
    public static func isValid(_ text: String) -> Bool {
        (1...35).contains(text.utf8.count) && text.utf8.allSatisfy { allowed.contains($0) }
    }

    private static let allowed = Set(
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/-?:().,'+ ".utf8)

    /// Derives an end-to-end id from a payment id: the id body, which is unique and 26 characters long.
    public static func derived(from paymentID: ID<Payment>) -> String {
        String(paymentID.rawValue.dropFirst(Payment.idPrefix.count + 1)).uppercased()
    }
}
