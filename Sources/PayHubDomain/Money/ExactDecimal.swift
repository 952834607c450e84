/// An exact decimal number as a bank file writes it: `-1234.56789` is significand -123456789, scale 5.
///
/// Statements may carry more places than the currency has (camt allows five), so their amounts are kept
/// as written rather than forced into ``Money``. Sums are exact; formatting never drops a place.
public struct ExactDecimal: Sendable, Hashable, CustomStringConvertible {
    public let significand: Int128
    public let scale: Int

    /// Places beyond this are refused: no bank format carries more, and it keeps sums inside `Int128`.
    public static let scaleMax = 12

    /// At most 26 digits, so rescaling to ``scaleMax`` places stays inside `Int128` (38 digits) with room
    /// for sums of billions of amounts.
    static let significandLimit = UInt128(powerOfTen(26))

    public init(significand: Int128, scale: Int) {
        precondition((0...ExactDecimal.scaleMax).contains(scale), "decimal scale out of range")
        self.significand = significand
        self.scale = scale
    }

    /// Reads `[+-]digits[.digits]`; nil for anything else (no exponent, no separators, no spaces).
    public init?(_ text: some StringProtocol) {
        guard let decimal = try? DecimalText(parsing: Substring(text)), decimal.scale <= Self.scaleMax,
            decimal.significand.magnitude < Self.significandLimit
        else { return nil }
        self.init(significand: decimal.significand, scale: decimal.scale)
    }

    public init(_ money: Money) {
        self.init(significand: Int128(money.minorUnits), scale: money.currency.minorUnits)
    }

    public static let zero = ExactDecimal(significand: 0, scale: 0)

    public var isZero: Bool { significand == 0 }
    public var isNegative: Bool { significand < 0 }

    public func negated() -> ExactDecimal { ExactDecimal(significand: -significand, scale: scale) }

    /// The same value with `newScale` places (only ever more places, which is exact); nil if that
    /// leaves `Int128`, which only sums of astronomically many amounts can reach.
    public func rescaled(to newScale: Int) -> ExactDecimal? {
        guard newScale > scale else { return self }
        let (value, overflow) = significand.multipliedReportingOverflow(by: powerOfTen(newScale - scale))
        return overflow ? nil : ExactDecimal(significand: value, scale: newScale)
    }

    /// The exact sum; nil if it leaves `Int128` (no real statement comes near).
    public func adding(_ other: ExactDecimal) -> ExactDecimal? {
        let commonScale = max(scale, other.scale)
        guard let left = rescaled(to: commonScale), let right = other.rescaled(to: commonScale) else { return nil }
        let (sum, overflow) = left.significand.addingReportingOverflow(right.significand)
        return overflow ? nil : ExactDecimal(significand: sum, scale: commonScale)
    }

    /// Equal values compare equal whatever their scale: 1.5 == 1.50.
    public func isEqual(to other: ExactDecimal) -> Bool {
        let commonScale = max(scale, other.scale)
        guard let left = rescaled(to: commonScale), let right = other.rescaled(to: commonScale) else { return false }
        return left.significand == right.significand
    }

    /// Plain decimal text with at least `minimumScale` places: `"100.00"`, `"-0.12345"`.
    public func formatted(minimumScale: Int = 0) -> String {
        let shown = rescaled(to: min(max(minimumScale, scale), Self.scaleMax)) ?? self
        return decimalString(significand: shown.significand, scale: shown.scale)
    }

    public var description: String { formatted() }
}
