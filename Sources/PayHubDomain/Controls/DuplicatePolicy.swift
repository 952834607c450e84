import Foundation

/// The settings of the duplicate-payment check: how close two invoices must be, and which suspects hold
/// a payment.
///
/// Two invoices are the **same vendor** when their ``VendorIdentity`` values share a key, the **same
/// number** when their ``InvoiceNumber/normalised(_:)`` forms are equal, **within tolerance** when
/// their amounts are (see ``isWithinTolerance(_:_:)``), and **within the window** when their invoice
/// dates are at most ``invoiceDateWindowDays`` apart. From those:
///
/// | strength | vendor | number | amount | date |
/// | --- | --- | --- | --- | --- |
/// | exact | same | same | equal | same day |
/// | strong | same | same | within tolerance | within window |
/// | weak, ``WeakRule/similarInvoiceNumber`` | same | a few edits apart | within tolerance | within window |
/// | weak, ``WeakRule/sameVendorAndInvoiceNumber`` | same | same | within tolerance, **or** | within window |
/// | weak, ``WeakRule/otherVendor`` | not linked | same | within tolerance | within window |
///
/// Amounts in different currencies are never compared: no exchange rate is applied to guess at a
/// duplicate. Such a pair can only be a weak ``WeakRule/sameVendorAndInvoiceNumber`` suspect.
public struct DuplicatePolicy: Hashable, Sendable {
    /// The weaker kinds of suspect, each of which can be switched off.
    public enum WeakRule: String, Sendable, Hashable, Codable, CaseIterable {
        /// Same vendor, amount and date window, and invoice numbers a typo apart (`INV-1021`, `INV-1012`).
        case similarInvoiceNumber = "similar_invoice_number"
        /// Same vendor and number, and either the amount within tolerance or the date within the window:
        /// a corrected re-issue, or the same invoice entered with another date or in another currency.
        case sameVendorAndInvoiceNumber = "same_vendor_and_invoice_number"
        /// Same number, amount and date window, for vendors no key links: the same supplier set up twice
        /// without a shared tax id or account.
        case otherVendor = "other_vendor"
    }

    /// Amounts this many minor units apart are within tolerance (whatever the relative tolerance says).
    public let amountToleranceMinorUnits: Int64
    /// Amounts this many ten-thousandths of the larger one apart are within tolerance (whatever the
    /// absolute tolerance says). At most 5,000 (50 %).
    public let amountToleranceBasisPoints: Int
    /// Invoice dates at most this many days apart are within the window. 0 to 366.
    public let invoiceDateWindowDays: Int
    /// Normalised invoice numbers at most this many edits apart are "similar" (0 switches the
    /// ``WeakRule/similarInvoiceNumber`` rule off). 0 to 3.
    public let invoiceNumberEditDistanceMax: Int
    /// The weak rules in force; pairs that only a rule left out would report are not suspects.
    public let weakRules: Set<WeakRule>
    /// Suspects of this strength or stronger hold the new invoice; weaker ones only flag it.
    public let holdThreshold: DuplicateStrength
    /// At most this many suspects are reported per invoice, strongest first. 1 to 1,000.
    public let suspectCountMax: Int

    public init(
        amountToleranceMinorUnits: Int64 = 100, amountToleranceBasisPoints: Int = 50, invoiceDateWindowDays: Int = 14,
        invoiceNumberEditDistanceMax: Int = 1, weakRules: Set<WeakRule> = Set(WeakRule.allCases),
        holdThreshold: DuplicateStrength = .strong, suspectCountMax: Int = 20
    ) throws(ValidationFailure) {
        var problems = FieldErrorCollector()
        if amountToleranceMinorUnits < 0 {
            problems.add(
                "amount_tolerance_minor_units", code: "invalid_tolerance", "amount tolerance must not be negative")
        }
        if !(0...5_000).contains(amountToleranceBasisPoints) {
            problems.add(
                "amount_tolerance_basis_points", code: "invalid_tolerance",
                "relative amount tolerance must be 0 to 5000 basis points")
        }
        if !(0...366).contains(invoiceDateWindowDays) {
            problems.add("invoice_date_window_days", code: "invalid_window", "date window must be 0 to 366 days")
        }
        if !(0...3).contains(invoiceNumberEditDistanceMax) {
            problems.add(
                "invoice_number_edit_distance_max", code: "invalid_edit_distance", "edit distance must be 0 to 3")
        }
        if !(1...1_000).contains(suspectCountMax) {
            problems.add("suspect_count_max", code: "invalid_count", "suspect count must be 1 to 1000")
        }
        try problems.throwIfAny()
        self.amountToleranceMinorUnits = amountToleranceMinorUnits
        self.amountToleranceBasisPoints = amountToleranceBasisPoints
        self.invoiceDateWindowDays = invoiceDateWindowDays
        self.invoiceNumberEditDistanceMax = invoiceNumberEditDistanceMax
        self.weakRules = weakRules
        self.holdThreshold = holdThreshold
        self.suspectCountMax = suspectCountMax
    }

    /// 1.00 (100 minor units) or 0.5 %, whichever is more; 14 days; one typo; every weak rule; strong
    /// and exact suspects hold.
    ///
    /// Why these: a re-keyed invoice nearly always carries the same amount, and small differences come
    /// from rounding or a deducted fee; a re-entered date is usually the receipt date instead of the
    /// invoice date, days apart rather than weeks.
    public static let standard = try! DuplicatePolicy()

    /// Whether two amounts are within tolerance: the same currency, the same sign, and
    /// `|a − b| ≤ max(absolute, ⌊max(|a|, |b|) × basis points / 10 000⌋)`.
    ///
    /// Using the larger amount makes the test symmetric: `a` is within tolerance of `b` exactly when `b`
    /// is of `a`. A credit and a debit are never within tolerance of each other. Integer arithmetic only.
    public func isWithinTolerance(_ first: Money, _ second: Money) -> Bool {
        guard first.currency == second.currency, (first.minorUnits < 0) == (second.minorUnits < 0) else {
            return false
        }
        let larger = max(first.minorUnits.magnitude, second.minorUnits.magnitude)
        let difference = Int128(first.minorUnits) - Int128(second.minorUnits)
        return difference.magnitude <= allowedDifference(forLarger: larger)
    }

    /// `max(absolute, ⌊larger × basis points / 10 000⌋)` for a larger magnitude `larger`.
    func allowedDifference(forLarger larger: UInt64) -> UInt128 {
        let relative = UInt128(larger) * UInt128(amountToleranceBasisPoints) / 10_000
        return max(UInt128(amountToleranceMinorUnits), relative)
    }

    /// Every magnitude that can be within tolerance of `magnitude` (of the same sign) lies in this range:
    /// the lower end is exact, the upper end solves `b − m ≤ max(absolute, b × bp / 10 000)` for `b`.
    func toleranceRange(around magnitude: UInt64) -> ClosedRange<UInt64> {
        let allowedBelow = allowedDifference(forLarger: magnitude)
        let low = UInt128(magnitude) > allowedBelow ? UInt128(magnitude) - allowedBelow : 0
        let byAbsolute = UInt128(magnitude) + UInt128(amountToleranceMinorUnits)
        let byRelative = UInt128(magnitude) * 10_000 / UInt128(10_000 - amountToleranceBasisPoints)
        let high = min(max(byAbsolute, byRelative), UInt128(UInt64.max))
        return UInt64(low)...UInt64(high)
    }

    /// Compares a new invoice with an existing one, field by field.
    public func compare(_ item: DuplicateCandidate, with candidate: DuplicateCandidate) -> DuplicateMatch {
        let numberComparison: DuplicateMatch.InvoiceNumberComparison
        var editDistance: Int? = nil
        let (itemNumber, candidateNumber) = (item.normalisedInvoiceNumber, candidate.normalisedInvoiceNumber)
        if !itemNumber.isEmpty && itemNumber == candidateNumber {
            numberComparison = item.invoiceNumber == candidate.invoiceNumber ? .identical : .normalised
            editDistance = 0
        } else if invoiceNumberEditDistanceMax > 0,
            let distance = InvoiceNumber.editDistance(
                itemNumber, candidateNumber, maximum: invoiceNumberEditDistanceMax)
        {
            numberComparison = .similar
            editDistance = distance
        } else {
            numberComparison = .different
        }

        let amountComparison: DuplicateMatch.AmountComparison
        var amountDifference: Money? = nil
        if item.amount.currency != candidate.amount.currency {
            amountComparison = .differentCurrency
        } else {
            let difference = (Int128(item.amount.minorUnits) - Int128(candidate.amount.minorUnits)).magnitude
            // Two Int64 amounts can be further apart than an Int64 holds; such a pair is far outside anyway.
            amountDifference = Int64(exactly: difference).map { Money(minorUnits: $0, currency: item.amount.currency) }
            if difference == 0 {
                amountComparison = .equal
            } else {
                amountComparison =
                    isWithinTolerance(item.amount, candidate.amount) ? .withinTolerance : .outsideTolerance
            }
        }

        let days = abs(item.invoiceDate.daysSinceEpoch - candidate.invoiceDate.daysSinceEpoch)
        let dateComparison: DuplicateMatch.DateComparison =
            days == 0 ? .sameDay : days <= invoiceDateWindowDays ? .withinWindow : .outsideWindow

        return DuplicateMatch(
            vendorKeys: item.vendor.sharedKeys(with: candidate.vendor), invoiceNumber: numberComparison,
            invoiceNumberEditDistance: editDistance, amount: amountComparison, amountDifference: amountDifference,
            invoiceDate: dateComparison, invoiceDateDifferenceDays: days,
            sameEntity: item.entityID == candidate.entityID)
    }

    /// How strongly `match` suggests a duplicate under this policy (see the table on ``DuplicatePolicy``),
    /// or nil when it does not.
    public func strength(of match: DuplicateMatch) -> DuplicateStrength? {
        let vendor = match.isSameVendor
        let number = match.isSameInvoiceNumber
        let amount = match.isAmountWithinTolerance
        let date = match.isDateWithinWindow
        if vendor && number && match.amount == .equal && match.invoiceDate == .sameDay { return .exact }
        if vendor && number && amount && date { return .strong }
        if weakRules.contains(.similarInvoiceNumber) && vendor && match.invoiceNumber == .similar && amount && date {
            return .weak
        }
        if weakRules.contains(.sameVendorAndInvoiceNumber) && vendor && number && (amount || date) { return .weak }
        if weakRules.contains(.otherVendor) && !vendor && number && amount && date { return .weak }
        return nil
    }

    /// Whether a suspect of `strength` holds the new invoice.
    public func holds(_ strength: DuplicateStrength) -> Bool { strength >= holdThreshold }
}

extension DuplicatePolicy: Codable {
    enum CodingKeys: String, CodingKey {
        case amountToleranceMinorUnits = "amount_tolerance_minor_units"
        case amountToleranceBasisPoints = "amount_tolerance_basis_points"
        case invoiceDateWindowDays = "invoice_date_window_days"
        case invoiceNumberEditDistanceMax = "invoice_number_edit_distance_max"
        case weakRules = "weak_rules"
        case holdThreshold = "hold_threshold"
        case suspectCountMax = "suspect_count_max"
    }

    /// Missing keys take the ``standard`` values; the result is checked like a policy made in code.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let standard = DuplicatePolicy.standard
        let toleranceMinorUnits = try container.decodeIfPresent(Int64.self, forKey: .amountToleranceMinorUnits)
        let toleranceBasisPoints = try container.decodeIfPresent(Int.self, forKey: .amountToleranceBasisPoints)
        let windowDays = try container.decodeIfPresent(Int.self, forKey: .invoiceDateWindowDays)
        let editDistanceMax = try container.decodeIfPresent(Int.self, forKey: .invoiceNumberEditDistanceMax)
        let weakRules = try container.decodeIfPresent(Set<WeakRule>.self, forKey: .weakRules)
        let holdThreshold = try container.decodeIfPresent(DuplicateStrength.self, forKey: .holdThreshold)
        let suspectCountMax = try container.decodeIfPresent(Int.self, forKey: .suspectCountMax)
        do {
            try self.init(
                amountToleranceMinorUnits: toleranceMinorUnits ?? standard.amountToleranceMinorUnits,
                amountToleranceBasisPoints: toleranceBasisPoints ?? standard.amountToleranceBasisPoints,
                invoiceDateWindowDays: windowDays ?? standard.invoiceDateWindowDays,
                invoiceNumberEditDistanceMax: editDistanceMax ?? standard.invoiceNumberEditDistanceMax,
                weakRules: weakRules ?? standard.weakRules, holdThreshold: holdThreshold ?? standard.holdThreshold,
                suspectCountMax: suspectCountMax ?? standard.suspectCountMax)
        } catch {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }

    /// Weak rules are written sorted, so the same policy always encodes to the same bytes.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(amountToleranceMinorUnits, forKey: .amountToleranceMinorUnits)
        try container.encode(amountToleranceBasisPoints, forKey: .amountToleranceBasisPoints)
        try container.encode(invoiceDateWindowDays, forKey: .invoiceDateWindowDays)
        try container.encode(invoiceNumberEditDistanceMax, forKey: .invoiceNumberEditDistanceMax)
        try container.encode(weakRules.map(\.rawValue).sorted(), forKey: .weakRules)
        try container.encode(holdThreshold, forKey: .holdThreshold)
        try container.encode(suspectCountMax, forKey: .suspectCountMax)
    }
}
