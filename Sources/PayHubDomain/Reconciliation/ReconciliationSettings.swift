import Foundation

/// The rules of the matching cascade, in the order they run.
public enum ReconciliationRule: String, Hashable, Sendable, Codable, CaseIterable, Comparable {
    /// The line quotes the item's end-to-end id, UETR or instruction id.
    case exactReference = "exact_reference"
    /// One line books a whole sent batch: its total, or the batch's end-to-end ids.
    case batchBooking = "batch_booking"
    /// The remittance text quotes an invoice number, an ISO 11649 or a Swiss QR reference.
    case remittanceReference = "remittance_reference"
    /// Same amount, value date within the window, same counterparty (account, or a similar name).
    case amountDateCounterparty = "amount_date_counterparty"
    /// One line for several items or several lines for one item, with a tolerance for deducted bank fees.
    case grouped

    public static func < (lhs: ReconciliationRule, rhs: ReconciliationRule) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// How one bank account's statement lines are matched.
public struct ReconciliationSettings: Hashable, Sendable {
    public var enabledRules: Set<ReconciliationRule>
    /// How many days a value date may lie before or after the expected value date.
    public var dateWindowDays: Int
    /// A deducted fee accepted as such up to this amount in minor units …
    public var feeToleranceMinorUnits: Int64
    /// … or up to this share of the amount in thousandths, whichever is larger.
    public var feeTolerancePerMille: Int64
    /// The least name similarity, in thousandths, that counts as the same counterparty when an account is
    /// missing (see ``CounterpartyName/similarityPerMille(_:_:)``).
    public var nameSimilarityThresholdPerMille: Int
    /// Whether an incoming line may settle an expected receipt for less or more than expected (the difference
    /// is recorded). Only references (rules 1 and 3) can justify such a match.
    public var acceptsPartialPayments: Bool
    /// How many candidates each exception lists (0…3): finding them is the costliest part of a run with many
    /// unmatched lines, and a bulk re-run that only needs the matches can switch it off with 0.
    public var candidatesPerException: Int

    public init(
        enabledRules: Set<ReconciliationRule> = Set(ReconciliationRule.allCases), dateWindowDays: Int = 5,
        feeToleranceMinorUnits: Int64 = 2_500, feeTolerancePerMille: Int64 = 0,
        nameSimilarityThresholdPerMille: Int = 850, acceptsPartialPayments: Bool = true, candidatesPerException: Int = 3
    ) {
        self.enabledRules = enabledRules
        self.dateWindowDays = dateWindowDays
        self.feeToleranceMinorUnits = feeToleranceMinorUnits
        self.feeTolerancePerMille = feeTolerancePerMille
        self.nameSimilarityThresholdPerMille = nameSimilarityThresholdPerMille
        self.acceptsPartialPayments = acceptsPartialPayments
        self.candidatesPerException = min(3, max(0, candidatesPerException))
    }

    /// The largest fee, in minor units, accepted on an amount of `amountMinorUnits`.
    func feeToleranceMinorUnits(for amountMinorUnits: Int128) -> Int128 {
        let proportional = amountMinorUnits.magnitude * UInt128(max(0, feeTolerancePerMille)) / 1000
        return max(Int128(max(0, feeToleranceMinorUnits)), Int128(proportional))
    }
}
