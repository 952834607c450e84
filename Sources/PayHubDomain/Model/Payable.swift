import Foundation

/// An open item the company owes a vendor: one supplier invoice as the ERP handed it over.
public struct Payable: Identified, Hashable, Sendable {
    public static let idPrefix = "pyb"

    public let id: ID<Payable>
    public var entityID: ID<LegalEntity>
    public var vendorID: ID<Vendor>
    public var invoiceNumber: String
    public var invoiceDate: LocalDate
    public var dueDate: LocalDate
    /// What is owed; always positive. Credit notes are not payables.
    public var amount: Money
    /// The ERP and its document id; unique, so the same invoice cannot come in twice.
    public var source: SourceReference
    public var state: PayableState
    public var createdAt: Date

    public init(
        id: ID<Payable>, entityID: ID<LegalEntity>, vendorID: ID<Vendor>, invoiceNumber: String,
        invoiceDate: LocalDate, dueDate: LocalDate, amount: Money, source: SourceReference,
        state: PayableState = .open, createdAt: Date
    ) throws(ValidationFailure) {
        var problems = FieldErrorCollector()
        let trimmedNumber = invoiceNumber.trimmed(.whitespaces)
        if trimmedNumber.isEmpty || trimmedNumber.count > 64 {
            problems.add("invoice_number", code: "invalid_invoice_number", "invoice number must have 1 to 64 characters")
        }
        if !amount.isPositive {
            problems.add("amount", code: "amount_not_positive", "amount must be greater than zero")
        }
        if dueDate < invoiceDate {
            problems.add("due_date", code: "due_before_invoice", "due date must not be before the invoice date")
        }
        try problems.throwIfAny()
        self.id = id
        self.entityID = entityID
        self.vendorID = vendorID
        self.invoiceNumber = trimmedNumber
        self.invoiceDate = invoiceDate
        self.dueDate = dueDate
        self.amount = amount
        self.source = source
        self.state = state
        self.createdAt = createdAt
    }
}

/// Where a payable stands: open until a payment takes it, paid when that payment settles.
public enum PayableState: String, Sendable, Hashable, Codable, CaseIterable {
    case open
    /// Taken by a payment that is neither finished nor abandoned.
    case inPayment = "in_payment"
    case paid
    case cancelled
}
