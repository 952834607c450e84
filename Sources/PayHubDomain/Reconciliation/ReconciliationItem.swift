import Foundation

/// An open item that a bank statement line may settle: a payment PayHub sent, or a receipt it expects.
///
/// Amounts are always positive; ``direction`` says which way the money moves. The references are what
/// PayHub put into the payment file (or what the ERP said the payer would quote) and are the strongest
/// evidence the matcher has.
public struct ReconciliationItem: Hashable, Sendable {
    public enum Direction: String, Hashable, Sendable, Codable {
        /// Money PayHub paid out: the statement shows a debit.
        case outgoing
        /// Money PayHub expects to receive: the statement shows a credit.
        case incoming
    }

    /// The batch (pain.001 `PmtInf`) an outgoing payment was sent in, with the batch's total, which is what
    /// a bank books when it debits the batch as one entry.
    public struct Batch: Hashable, Sendable {
        public let id: String
        public let total: Money

        public init(id: String, total: Money) {
            self.id = id
            self.total = total
        }
    }

    public let id: String
    public let direction: Direction
    /// The amount expected on the statement, positive.
    public let amount: Money
    public let expectedValueDate: LocalDate
    public let counterpartyName: String?
    /// The counterparty's account (IBAN or local number), compared after removing spaces and case.
    public let counterpartyAccount: String?
    public let endToEndID: String?
    public let uetr: String?
    /// The instruction or message id the payment was sent with.
    public let instructionID: String?
    public let batch: Batch?
    /// Invoice numbers or a free payment reference the remittance text is expected to quote.
    public let invoiceNumbers: [String]
    /// A structured creditor reference: ISO 11649 (`RF…`) or a Swiss QR reference (27 digits).
    public let creditorReference: String?

    public init(
        id: String, direction: Direction, amount: Money, expectedValueDate: LocalDate,
        counterpartyName: String? = nil, counterpartyAccount: String? = nil, endToEndID: String? = nil,
        uetr: String? = nil, instructionID: String? = nil, batch: Batch? = nil, invoiceNumbers: [String] = [],
        creditorReference: String? = nil
    ) {
        self.id = id
        self.direction = direction
        self.amount = amount
        self.expectedValueDate = expectedValueDate
        self.counterpartyName = counterpartyName
        self.counterpartyAccount = counterpartyAccount
        self.endToEndID = endToEndID
        self.uetr = uetr
        self.instructionID = instructionID
        self.batch = batch
        self.invoiceNumbers = invoiceNumbers
        self.creditorReference = creditorReference
    }
}

/// One entry of a bank statement, as read from camt.053/054, MT940 or BAI2.
public struct StatementLine: Hashable, Sendable {
    public let id: String
    /// Signed: a debit is negative, a credit positive.
    public let amount: Money
    public let bookingDate: LocalDate
    public let valueDate: LocalDate
    public let counterpartyName: String?
    public let counterpartyAccount: String?
    public let remittanceText: String
    /// One per `TxDtls`; a batch booking carries several.
    public let endToEndIDs: [String]
    public let uetrs: [String]
    /// The bank's own reference for the entry (`AcctSvcrRef`, MT940 field 61 bank reference).
    public let bankReference: String?
    /// Whether the bank marks this entry as a return of an earlier payment.
    public let isReturn: Bool
    /// The return reason code (camt `RtrInf/Rsn`, e.g. `AC04`), when given.
    public let returnReason: String?

    public init(
        id: String, amount: Money, bookingDate: LocalDate, valueDate: LocalDate, counterpartyName: String? = nil,
        counterpartyAccount: String? = nil, remittanceText: String = "", endToEndIDs: [String] = [],
        uetrs: [String] = [], bankReference: String? = nil, isReturn: Bool = false, returnReason: String? = nil
    ) {
        self.id = id
        self.amount = amount
        self.bookingDate = bookingDate
        self.valueDate = valueDate
        self.counterpartyName = counterpartyName
        self.counterpartyAccount = counterpartyAccount
        self.remittanceText = remittanceText
        self.endToEndIDs = endToEndIDs
        self.uetrs = uetrs
        self.bankReference = bankReference
        self.isReturn = isReturn
        self.returnReason = returnReason
    }
}
