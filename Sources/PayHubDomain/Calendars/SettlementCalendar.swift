/// Which days a rail settles on, for a payment method and a currency.
public enum SettlementCalendar: Hashable, Sendable {
    /// The rail settles on the business days of this calendar only.
    case businessDays(BusinessCalendarID)
    /// The rail settles at any hour of every day of the year (SEPA Instant), so no calendar applies.
    case everyDay

    /// The calendar of payments by `method` in `currency`, or nil when PayHub has none for that pair (a
    /// SEPA transfer in dollars, a wire in yen): the caller must then refuse to promise a date rather
    /// than assume every weekday settles.
    ///
    /// A cross-border wire settles in its currency's home system, so it follows that currency's calendar.
    public init?(method: PaymentMethod, currency: Currency) {
        switch (method, currency.code) {
        case (.sepaCreditTransfer, "EUR"), (.crossBorderWire, "EUR"): self = .businessDays(.target2)
        case (.sepaInstant, "EUR"): self = .everyDay
        case (.usACH, "USD"), (.crossBorderWire, "USD"): self = .businessDays(.usFederalReserve)
        case (.cnDomestic, "CNY"), (.crossBorderWire, "CNY"): self = .businessDays(.chinaMainland)
        default: return nil
        }
    }
}
