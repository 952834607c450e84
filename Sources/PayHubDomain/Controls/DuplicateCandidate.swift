import Foundation

/// One invoice as the duplicate check sees it: a payable that already exists (open, in a payment, sent,
/// settled) or the new one being checked.
///
/// The services build candidates from what they loaded; the check itself does no I/O. A payable that
/// has been put into a payment is one candidate whose ``stage`` follows the payment, so a new invoice
/// matching an *already sent* payment is reported as such.
public struct DuplicateCandidate: Hashable, Sendable {
    /// Where an existing invoice stands, as far as the risk of paying it twice goes.
    public enum Stage: String, Sendable, Hashable, Codable, CaseIterable {
        /// A payable not yet in any payment.
        case open
        /// Taken by a payment that the bank does not have yet (draft, approval, hold, batch).
        case inPayment = "in_payment"
        /// Handed to the bank: sent, accepted, or with no answer yet. Paying again pays twice.
        case sent
        /// The money has left (booked on a statement, or the payable marked paid).
        case settled

        /// Whether the bank may already have the money: a duplicate of this can no longer be undone by
        /// cancelling the earlier payment.
        public var isWithBank: Bool { self == .sent || self == .settled }

        /// The stage of a payable, taking the state of the payment that carries it (if any) into account.
        ///
        /// Nil for a cancelled payable: it will never be paid, so it cannot be paid twice. A payment that
        /// was rejected, cancelled, failed or returned no longer carries its payables; their own state
        /// decides.
        public init?(payable: PayableState, payment: PaymentState? = nil) {
            switch payment {
            case .draft, .pendingApproval, .approved, .scheduled, .onHold:
                self = .inPayment
                return
            case .sent, .accepted, .unknown:
                self = .sent
                return
            case .settled:
                self = .settled
                return
            case .rejected, .cancelled, .failed, .returned, nil:
                break
            }
            switch payable {
            case .open: self = .open
            case .inPayment: self = .inPayment
            case .paid: self = .settled
            case .cancelled: return nil
            }
        }
    }

    public let payableID: ID<Payable>
    /// The payment carrying the payable, if it is in one.
    public let paymentID: ID<Payment>?
    public let entityID: ID<LegalEntity>
    public let vendor: VendorIdentity
    /// The invoice number as the ERP gave it.
    public let invoiceNumber: String
    /// ``InvoiceNumber/normalised(_:)`` of ``invoiceNumber``, computed once.
    public let normalisedInvoiceNumber: String
    public let invoiceDate: LocalDate
    /// The invoice amount in its own currency. Amounts in different currencies are never compared.
    public let amount: Money
    public let stage: Stage

    public init(
        payableID: ID<Payable>, paymentID: ID<Payment>? = nil, entityID: ID<LegalEntity>, vendor: VendorIdentity,
        invoiceNumber: String, invoiceDate: LocalDate, amount: Money, stage: Stage
    ) {
        self.payableID = payableID
        self.paymentID = paymentID
        self.entityID = entityID
        self.vendor = vendor
        self.invoiceNumber = invoiceNumber.trimmed(.whitespacesAndNewlines)
        self.normalisedInvoiceNumber = InvoiceNumber.normalised(invoiceNumber)
        self.invoiceDate = invoiceDate
        self.amount = amount
        self.stage = stage
    }

    /// A candidate for `payable`, owed to `vendor`, carried by `payment` if it is in one; nil when the
    /// payable is cancelled (see ``Stage/init(payable:payment:)``).
    ///
    /// `vendor` should be the identity of the payable's vendor; its vendor id is the one compared.
    public init?(payable: Payable, vendor: VendorIdentity, payment: Payment? = nil) {
        guard let stage = Stage(payable: payable.state, payment: payment?.state) else { return nil }
        self.init(
            payableID: payable.id, paymentID: payment?.id, entityID: payable.entityID, vendor: vendor,
            invoiceNumber: payable.invoiceNumber, invoiceDate: payable.invoiceDate, amount: payable.amount,
            stage: stage)
    }
}
