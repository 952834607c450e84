import Foundation

/// One explained statement line (or several lines) and the items it settles.
public struct ReconciliationMatch: Hashable, Sendable {
    public let lineIDs: [String]
    public let itemIDs: [String]
    public let rule: ReconciliationRule
    /// How sure the matcher is, 0…1. A score, not money.
    public let confidence: Double
    /// A bank fee deducted from the amount (the lines moved this much less money than the items), if any.
    public let fee: Money?
    /// For an expected receipt paid partly (negative) or too much (positive): lines minus items. Nil when the
    /// amounts agree or the gap is explained as a fee.
    public let difference: Money?
    /// Whether the line returns the item's payment (the item goes back to `returned`). A return line does
    /// not consume its item: the original debit is matched on its own.
    public let isReturn: Bool

    public init(
        lineIDs: [String], itemIDs: [String], rule: ReconciliationRule, confidence: Double, fee: Money? = nil,
        difference: Money? = nil, isReturn: Bool = false
    ) {
        self.lineIDs = lineIDs
        self.itemIDs = itemIDs
        self.rule = rule
        self.confidence = confidence
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
    case nameNotSimilar(similarity: Double, threshold: Double)
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
            "name similarity \(String(format: "%.2f", similarity)) < \(String(format: "%.2f", threshold))"
        case .noCounterparty: "no counterparty to compare"
        case .ambiguous: "another item fits equally well"
        case .alreadyMatched: "item already matched to another line"
        }
    }
}

/// An item that came close to explaining an unmatched line.
public struct ReconciliationCandidate: Hashable, Sendable {
    public let itemID: String
    /// Higher is closer, 0…1.
    public let score: Double
    public let reasons: [ReconciliationRejection]

    public init(itemID: String, score: Double, reasons: [ReconciliationRejection]) {
        self.itemID = itemID
        self.score = score
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
