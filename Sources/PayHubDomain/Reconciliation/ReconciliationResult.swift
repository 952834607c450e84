import Foundation

/// One explained statement line (or several lines) and the items it settles.
public struct ReconciliationMatch: Hashable, Sendable {
    public let lineIDs: [String]
    public let itemIDs: [String]
    public let rule: ReconciliationRule
    /// How sure the matcher is, in thousandths (0…1000): 1000 for a quoted end-to-end id, less for weaker rules.
    public let confidencePerMille: Int
    /// A bank fee deducted from the amount (the lines moved this much less money than the items), if any.
    public let fee: Money?
    /// For an expected receipt paid partly (negative) or too much (positive): lines minus items. Nil when the
    /// amounts agree or the gap is explained as a fee.
    public let difference: Money?
    /// Whether the line returns the item's payment (the item goes back to `returned`). A return line does
    /// not consume its item: the original debit is matched on its own.
    public let isReturn: Bool

    public init(
        lineIDs: [String], itemIDs: [String], rule: ReconciliationRule, confidencePerMille: Int, fee: Money? = nil,
        difference: Money? = nil, isReturn: Bool = false
    ) {
        self.lineIDs = lineIDs
        self.itemIDs = itemIDs
        self.rule = rule
        self.confidencePerMille = confidencePerMille
        self.fee = fee
        self.difference = difference
        self.isReturn = isReturn
    }
}

/// Why a candidate item was not matched to an unexplained line.
public enum ReconciliationRejection: Hashable, Sendable, CustomStringConvertible {
    case amountDiffers(by: Money)
    case currencyDiffers
    case directionDiffers
    case dateOutsideWindow(days: Int, windowDays: Int)
    case accountDiffers
    case nameNotSimilar(similarityPerMille: Int, thresholdPerMille: Int)
    case noCounterparty
    case ambiguous
    case alreadyMatched

    public var description: String {
        switch self {
        case .amountDiffers(let by): "amount differs by \(by)"
        case .currencyDiffers: "currency differs"
        case .directionDiffers: "direction differs (debit against an expected receipt, or the reverse)"
        case .dateOutsideWindow(let days, let window): "value date \(days) days from expected, window \(window)"
        case .accountDiffers: "counterparty account differs"
        case .nameNotSimilar(let similarity, let threshold):
            "name similarity \(decimal(perMille: similarity)) < \(decimal(perMille: threshold))"
        case .noCounterparty: "no counterparty to compare"
        case .ambiguous: "another item fits equally well"
        case .alreadyMatched: "item already matched to another line"
        }
    }
}

/// An item that came close to explaining an unmatched line.
public struct ReconciliationCandidate: Hashable, Sendable {
    public let itemID: String
    /// Higher is closer, in thousandths (0…1000).
    public let scorePerMille: Int
    public let reasons: [ReconciliationRejection]

    public init(itemID: String, scorePerMille: Int, reasons: [ReconciliationRejection]) {
        self.itemID = itemID
        self.scorePerMille = scorePerMille
        self.reasons = reasons
    }
}

/// A line nobody could explain, for the exceptions queue, with up to three best candidates.
public struct ReconciliationException: Hashable, Sendable {
    public let lineID: String
    public let candidates: [ReconciliationCandidate]

    public init(lineID: String, candidates: [ReconciliationCandidate]) {
        self.lineID = lineID
        self.candidates = candidates
    }
}

public struct ReconciliationResult: Hashable, Sendable {
    /// In a deterministic order: by rule, then by first line id.
    public let matches: [ReconciliationMatch]
    /// Unmatched lines, by line id.
    public let exceptions: [ReconciliationException]
    /// Items no line settled, by id.
    public let unmatchedItemIDs: [String]

    public init(matches: [ReconciliationMatch], exceptions: [ReconciliationException], unmatchedItemIDs: [String]) {
        self.matches = matches
        self.exceptions = exceptions
        self.unmatchedItemIDs = unmatchedItemIDs
    }
}

/// `620` → `"0.62"`, `850` → `"0.85"`, `1000` → `"1.00"`: two places, as people read similarity.
func decimal(perMille value: Int) -> String {
    let hundredths = (max(0, value) + 5) / 10
    let fraction = hundredths % 100
    return "\(hundredths / 100)." + (fraction < 10 ? "0" : "") + String(fraction)
}
