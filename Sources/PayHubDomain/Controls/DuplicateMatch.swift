import Foundation

/// How much a suspect looks like a duplicate. Ordered: `weak < strong < exact`.
///
/// The services hold suspects at or above ``DuplicatePolicy/holdThreshold`` until a person releases or
/// cancels them, and only flag the others.
public enum DuplicateStrength: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    /// Something is off (a typo'd number, another vendor, an amount or a date outside the limits), but
    /// enough matches to be worth a look.
    case weak
    /// Same vendor, same normalised invoice number, amount within tolerance, date within the window: the
    /// product's definition of a duplicate.
    case strong
    /// Same vendor, same normalised invoice number, the same amount and the same invoice date.
    case exact

    public static func < (lhs: DuplicateStrength, rhs: DuplicateStrength) -> Bool { lhs.rank < rhs.rank }

    private var rank: Int {
        switch self {
        case .weak: 0
        case .strong: 1
        case .exact: 2
        }
    }
}

/// Why two invoices look alike, field by field: what a person sees when deciding to release or cancel.
///
/// Encoded with snake_case keys for the audit trail and the API. It never contains names, account
/// numbers or invoice numbers, only how they compared.
public struct DuplicateMatch: Hashable, Sendable, Codable {
    /// How two invoice numbers compared.
    public enum InvoiceNumberComparison: String, Sendable, Hashable, Codable, CaseIterable {
        /// The same text (after trimming surrounding whitespace).
        case identical
        /// Equal after ``InvoiceNumber/normalised(_:)``: case, spacing, punctuation, width, leading zeros.
        case normalised
        /// Within ``DuplicatePolicy/invoiceNumberEditDistanceMax`` edits of each other once normalised.
        case similar
        case different
    }

    /// How two amounts compared.
    public enum AmountComparison: String, Sendable, Hashable, Codable, CaseIterable {
        case equal
        case withinTolerance = "within_tolerance"
        case outsideTolerance = "outside_tolerance"
        /// Different currencies are not compared at all: no rate is applied to guess at a duplicate.
        case differentCurrency = "different_currency"
    }

    /// How two invoice dates compared.
    public enum DateComparison: String, Sendable, Hashable, Codable, CaseIterable {
        case sameDay = "same_day"
        case withinWindow = "within_window"
        case outsideWindow = "outside_window"
    }

    /// The vendor keys both invoices share; empty when they are not known to be owed to the same vendor.
    public var vendorKeys: [VendorKeyKind]
    public var invoiceNumber: InvoiceNumberComparison
    /// The edit distance between the normalised numbers when ``invoiceNumber`` is `similar`; 0 when they
    /// are equal, nil when they are further apart than the policy looks.
    public var invoiceNumberEditDistance: Int?
    public var amount: AmountComparison
    /// How far apart the amounts are (never negative); nil when the currencies differ.
    public var amountDifference: Money?
    public var invoiceDate: DateComparison
    /// How many days apart the invoice dates are (never negative).
    public var invoiceDateDifferenceDays: Int
    /// Whether both invoices belong to the same legal entity.
    public var sameEntity: Bool

    public init(
        vendorKeys: [VendorKeyKind], invoiceNumber: InvoiceNumberComparison, invoiceNumberEditDistance: Int?,
        amount: AmountComparison, amountDifference: Money?, invoiceDate: DateComparison,
        invoiceDateDifferenceDays: Int, sameEntity: Bool
    ) {
        self.vendorKeys = vendorKeys
        self.invoiceNumber = invoiceNumber
        self.invoiceNumberEditDistance = invoiceNumberEditDistance
        self.amount = amount
        self.amountDifference = amountDifference
        self.invoiceDate = invoiceDate
        self.invoiceDateDifferenceDays = invoiceDateDifferenceDays
        self.sameEntity = sameEntity
    }

    public var isSameVendor: Bool { !vendorKeys.isEmpty }
    /// Equal or equal once normalised.
    public var isSameInvoiceNumber: Bool { invoiceNumber == .identical || invoiceNumber == .normalised }
    public var isAmountWithinTolerance: Bool { amount == .equal || amount == .withinTolerance }
    public var isDateWithinWindow: Bool { invoiceDate == .sameDay || invoiceDate == .withinWindow }

    /// One line for people, such as "same vendor (tax_id); invoice number equal once normalised; amount
    /// differs by 0.50 EUR, within tolerance; invoice dates 2 days apart, within the window; other entity".
    public var summary: String {
        let vendor =
            isSameVendor ? "same vendor (\(vendorKeys.map(\.rawValue).joined(separator: ", ")))" : "other vendor"
        let number: String
        switch invoiceNumber {
        case .identical: number = "same invoice number"
        case .normalised: number = "invoice number equal once normalised"
        case .similar: number = "invoice number \(invoiceNumberEditDistance ?? 0) edit(s) apart"
        case .different: number = "different invoice number"
        }
        let amountText: String
        switch amount {
        case .equal: amountText = "same amount"
        case .withinTolerance:
            amountText = "amount differs by \(amountDifference?.description ?? "?"), within tolerance"
        case .outsideTolerance:
            amountText = "amount differs by \(amountDifference?.description ?? "?"), outside tolerance"
        case .differentCurrency: amountText = "different currency, amounts not compared"
        }
        let date: String
        switch invoiceDate {
        case .sameDay: date = "same invoice date"
        case .withinWindow: date = "invoice dates \(invoiceDateDifferenceDays) days apart, within the window"
        case .outsideWindow: date = "invoice dates \(invoiceDateDifferenceDays) days apart, outside the window"
        }
        return [vendor, number, amountText, date, sameEntity ? "same entity" : "other entity"].joined(separator: "; ")
    }

    enum CodingKeys: String, CodingKey {
        case vendorKeys = "vendor_keys"
        case invoiceNumber = "invoice_number"
        case invoiceNumberEditDistance = "invoice_number_edit_distance"
        case amount
        case amountDifference = "amount_difference"
        case invoiceDate = "invoice_date"
        case invoiceDateDifferenceDays = "invoice_date_difference_days"
        case sameEntity = "same_entity"
    }
}

/// An existing invoice that a new one may duplicate, with why and how strongly.
public struct DuplicateSuspect: Hashable, Sendable {
    /// The earlier invoice; its ``DuplicateCandidate/stage`` says whether it was already sent.
    public let candidate: DuplicateCandidate
    public let match: DuplicateMatch
    public let strength: DuplicateStrength

    public init(candidate: DuplicateCandidate, match: DuplicateMatch, strength: DuplicateStrength) {
        self.candidate = candidate
        self.match = match
        self.strength = strength
    }
}

/// The outcome of checking one new invoice: its suspects, strongest first, and whether to hold it.
public struct DuplicateCheck: Hashable, Sendable {
    public let suspects: [DuplicateSuspect]
    /// Whether any suspect reaches the policy's ``DuplicatePolicy/holdThreshold``: the new invoice waits
    /// for a person to release or cancel it.
    public let requiresHold: Bool

    public init(suspects: [DuplicateSuspect], requiresHold: Bool) {
        self.suspects = suspects
        self.requiresHold = requiresHold
    }

    /// The strongest suspicion, or nil when there is none.
    public var strongest: DuplicateStrength? { suspects.first?.strength }
}
