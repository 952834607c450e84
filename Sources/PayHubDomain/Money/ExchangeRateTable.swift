/// One published rate and the day it applies from: `2026-03-02 EUR→USD 1.0842`.
public struct DatedExchangeRate: Hashable, Sendable {
    public var date: LocalDate
    public var rate: ExchangeRate

    public init(date: LocalDate, rate: ExchangeRate) {
        self.date = date
        self.rate = rate
    }
}

/// Daily exchange rates as a pure value that answers "what is the rate from A to B on day D".
///
/// Approval thresholds are written in each entity's base currency, so a USD payment of a EUR entity is
/// converted before it is compared. The table answers with:
/// - the identity for the same currency;
/// - otherwise the latest rate on or before the day (rates are not published on weekends and holidays,
///   and a payment on Saturday is judged at Friday's rate);
/// - the inverse of the opposite direction (`USD→EUR` from `EUR→USD`) when that is more recent than
///   any direct rate, or the only one; on the same day the direct rate wins, because it was published
///   and the inverse is computed.
///
/// Nothing is ever guessed: no triangulation through a third currency, and no rate from after the day.
public struct ExchangeRateTable: Hashable, Sendable {
    /// Ordered by date, one per day; per direction as published.
    private var ratesByPair: [Pair: [DatedExchangeRate]] = [:]

    private struct Pair: Hashable, Sendable {
        let base: Currency
        let quote: Currency
    }

    /// An empty table: every lookup except the identity fails.
    public init() {}

    /// A table of `rates`. When one pair has two rates for the same day the later in the list wins, as
    /// a correction published after the first figure would. (``ExchangeRateCSV`` refuses such files.)
    public init(_ rates: some Sequence<DatedExchangeRate>) {
        for rate in rates { insert(rate) }
    }

    /// Adds one rate, replacing one of the same pair and day.
    public mutating func insert(_ dated: DatedExchangeRate) {
        let pair = Pair(base: dated.rate.base, quote: dated.rate.quote)
        var list = ratesByPair[pair, default: []]
        let index = Self.firstIndex(in: list, after: dated.date)
        if index > 0, list[index - 1].date == dated.date {
            list[index - 1] = dated
        } else {
            list.insert(dated, at: index)
        }
        ratesByPair[pair] = list
    }

    /// How many dated rates the table holds (inverses not counted).
    public var count: Int { ratesByPair.values.reduce(0) { $0 + $1.count } }

    /// Where a looked-up rate came from, so a caller can show it and judge its age.
    public struct Lookup: Hashable, Sendable {
        /// The rate `from → to`, ready for ``Money/converted(at:rounding:)``.
        public var rate: ExchangeRate
        /// The day the rate was published for; before or on the day asked about. Nil for the identity.
        public var publishedOn: LocalDate?
        /// Whether the rate is the computed inverse of a published `to → from` rate.
        public var isInverse: Bool
    }

    /// The rate from `source` to `target` on `date`, and where it came from.
    public func lookUp(from source: Currency, to target: Currency, on date: LocalDate)
        throws(ExchangeRateLookupError) -> Lookup
    {
        if source == target { return Lookup(rate: .identity(source), publishedOn: nil, isInverse: false) }
        let direct = latest(Pair(base: source, quote: target), onOrBefore: date)
        let opposite = latest(Pair(base: target, quote: source), onOrBefore: date)
        if let direct, opposite.map({ $0.date <= direct.date }) ?? true {
            return Lookup(rate: direct.rate, publishedOn: direct.date, isInverse: false)
        }
        if let opposite {
            guard let inverse = opposite.rate.inverted() else {
                throw ExchangeRateLookupError(code: .inverseOutOfRange, from: source, to: target, date: date)
            }
            return Lookup(rate: inverse, publishedOn: opposite.date, isInverse: true)
        }
        throw ExchangeRateLookupError(code: .missingRate, from: source, to: target, date: date)
    }

    /// The rate from `source` to `target` on `date`; see the type's rules.
    public func rate(from source: Currency, to target: Currency, on date: LocalDate)
        throws(ExchangeRateLookupError) -> ExchangeRate
    {
        try lookUp(from: source, to: target, on: date).rate
    }

    /// `amount` in `target` at the rate of `date`, rounded once with `rounding` (half-even unless said).
    public func convert(
        _ amount: Money, to target: Currency, on date: LocalDate, rounding: RoundingMode = .halfEven
    ) throws(ExchangeRateConversionError) -> Money {
        let rate: ExchangeRate
        do {
            rate = try self.rate(from: amount.currency, to: target, on: date)
        } catch {
            throw .lookup(error)
        }
        do {
            return try amount.converted(at: rate, rounding: rounding)
        } catch {
            throw .amount(error)
        }
    }

    private func latest(_ pair: Pair, onOrBefore date: LocalDate) -> DatedExchangeRate? {
        guard let list = ratesByPair[pair] else { return nil }
        let index = Self.firstIndex(in: list, after: date)
        return index > 0 ? list[index - 1] : nil
    }

    /// The index of the first rate dated after `date` (binary search; the list is sorted by date).
    private static func firstIndex(in list: [DatedExchangeRate], after date: LocalDate) -> Int {
        var low = 0
        var high = list.count
        while low < high {
            let middle = (low + high) / 2
            if list[middle].date <= date { low = middle + 1 } else { high = middle }
        }
        return low
    }
}

/// No rate answers the question: none published on or before the day in either direction.
public struct ExchangeRateLookupError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        case missingRate = "missing_exchange_rate"
        /// Only the opposite direction exists, and its inverse is too small to write down.
        case inverseOutOfRange = "exchange_rate_out_of_range"
    }

    public let code: Code
    public let from: Currency
    public let to: Currency
    public let date: LocalDate

    public var description: String {
        switch code {
        case .missingRate: "no \(from.code)→\(to.code) exchange rate on or before \(date.iso8601)"
        case .inverseOutOfRange: "the \(from.code)→\(to.code) rate on \(date.iso8601) is out of range"
        }
    }
}

/// Why an amount could not be converted: no rate, or the result does not fit in ``Money``.
public enum ExchangeRateConversionError: Error, Hashable, Sendable, CustomStringConvertible {
    case lookup(ExchangeRateLookupError)
    case amount(MoneyError)

    public var code: String {
        switch self {
        case .lookup(let error): error.code.rawValue
        case .amount(let error): error.code.rawValue
        }
    }

    public var description: String {
        switch self {
        case .lookup(let error): error.description
        case .amount(let error): error.description
        }
    }
}
