import Foundation

/// Names a business calendar: `target2`, `us-fed`, `cn-mainland`. Calendar files are named after it.
public struct BusinessCalendarID: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }

    public init(_ rawValue: String) { self.rawValue = rawValue }

    public var description: String { rawValue }

    /// TARGET2 / T2, the euro's settlement calendar (SEPA credit transfers, euro wires).
    public static let target2 = BusinessCalendarID("target2")
    /// The US Federal Reserve's holiday schedule (Fedwire, FedACH): US dollar wires and ACH.
    public static let usFederalReserve = BusinessCalendarID("us-fed")
    /// Mainland China's public holidays with their make-up working days (CNAPS): renminbi.
    public static let chinaMainland = BusinessCalendarID("cn-mainland")
}

/// The days on which a payment system settles: every day except the weekend and the holidays, plus
/// the weekend days declared working days (China's make-up working days, 调休).
///
/// A calendar knows only the years its data covers (``coveredYears``). Asking about any other day throws
/// rather than guessing, because a calendar that silently treats next year's holidays as business days
/// would send payments on days the bank does not execute them.
///
/// Values come from ``parse(_:id:)`` (a calendar file) or from code; both are pure.
public struct BusinessCalendar: Hashable, Sendable {
    public let id: BusinessCalendarID
    /// A name for people: `TARGET2 (euro)`.
    public let name: String
    /// The weekdays that are not business days unless declared make-up working days.
    public let weekend: Set<Weekday>
    /// The years the holidays are known for, complete; every question about another year throws.
    public let coveredYears: ClosedRange<Int>
    /// The holidays, each with its name. A holiday may fall on a weekend day (it changes nothing then).
    public let holidays: [LocalDate: String]
    /// Weekend days that are working days, each with why (`make-up working day for Spring Festival`).
    public let makeUpWorkdays: [LocalDate: String]

    /// A calendar made in code. The arguments are the programmer's, not input: contradictions stop the
    /// program. Input goes through ``parse(_:id:)``, which reports them as errors with their lines.
    public init(
        id: BusinessCalendarID, name: String, weekend: Set<Weekday>, coveredYears: ClosedRange<Int>,
        holidays: [LocalDate: String], makeUpWorkdays: [LocalDate: String] = [:]
    ) {
        precondition(coveredYears.lowerBound >= 1 && coveredYears.upperBound <= 9999, "years must be 1…9999")
        precondition(
            holidays.keys.allSatisfy { coveredYears.contains($0.year) }
                && makeUpWorkdays.keys.allSatisfy { coveredYears.contains($0.year) },
            "every holiday and make-up working day must lie in the covered years")
        precondition(
            makeUpWorkdays.keys.allSatisfy { weekend.contains($0.weekday) && holidays[$0] == nil },
            "a make-up working day must be a weekend day and not a holiday")
        self.id = id
        self.name = name
        self.weekend = weekend
        self.coveredYears = coveredYears
        self.holidays = holidays
        self.makeUpWorkdays = makeUpWorkdays
    }

    /// Whether the calendar's data covers `date`.
    public func covers(_ date: LocalDate) -> Bool { coveredYears.contains(date.year) }

    /// Whether the payment system settles on `date`.
    public func isBusinessDay(_ date: LocalDate) throws(BusinessCalendarError) -> Bool {
        guard covers(date) else { throw outsideCoverage(date) }
        if holidays[date] != nil { return false }
        if makeUpWorkdays[date] != nil { return true }
        return !weekend.contains(date.weekday)
    }

    /// The holiday's name on `date`, or nil when `date` is not a holiday (weekends have no name).
    public func holidayName(on date: LocalDate) -> String? { holidays[date] }

    /// `date` itself when it is a business day, otherwise the first business day after it.
    public func nextBusinessDay(onOrAfter date: LocalDate) throws(BusinessCalendarError) -> LocalDate {
        var day = date
        // Bounded: every step either returns or moves one day towards the end of the covered years,
        // where `isBusinessDay` throws.
        while !(try isBusinessDay(day)) { day = try following(day) }
        return day
    }

    /// `date` itself when it is a business day, otherwise the last business day before it.
    public func previousBusinessDay(onOrBefore date: LocalDate) throws(BusinessCalendarError) -> LocalDate {
        var day = date
        while !(try isBusinessDay(day)) { day = try preceding(day) }
        return day
    }

    /// The business day `count` business days after `date` (before it when `count` is negative);
    /// `date` itself need not be a business day. With a count of 0, ``nextBusinessDay(onOrAfter:)``.
    ///
    /// Settlement "T+2" from a Friday before a long holiday is `addingBusinessDays(2, to: friday)`.
    public func addingBusinessDays(_ count: Int, to date: LocalDate) throws(BusinessCalendarError) -> LocalDate {
        guard count != 0 else { return try nextBusinessDay(onOrAfter: date) }
        var day = date
        var remaining = count.magnitude
        // Bounded by the covered years as in `nextBusinessDay`: a count beyond them throws.
        while remaining > 0 {
            day = count > 0 ? try following(day) : try preceding(day)
            if try isBusinessDay(day) { remaining -= 1 }
        }
        return day
    }

    /// The date a payment is executed: `requested` when it is a business day that has not passed, and,
    /// when it is today, only before the cut-off; otherwise the next business day after it. Never a day
    /// in the past. Without a requested date, the earliest possible day.
    ///
    /// "Today" is the date at `now` in the cut-off's time zone, so a payment entered in Berlin on the
    /// evening of 2 March for a Shanghai rail may already be on 3 March there.
    ///
    /// - Parameters:
    ///   - requested: the execution date the payer asked for, if any.
    ///   - now: the current instant, from the caller's clock.
    ///   - cutOff: the latest time of day a payment is still executed the same day, in the rail's zone.
    public func executionDate(
        requested: LocalDate?, now: Date, cutOff: CutOffTime
    ) throws(BusinessCalendarError) -> LocalDate {
        guard let today = cutOff.localDate(at: now) else {
            throw BusinessCalendarError(code: .outsideCoverage, date: nil, coveredYears: coveredYears)
        }
        let earliest = cutOff.isBefore(now) ? today : try following(today)
        return try nextBusinessDay(onOrAfter: max(requested ?? earliest, earliest))
    }

    private func following(_ date: LocalDate) throws(BusinessCalendarError) -> LocalDate {
        do { return try date.adding(days: 1) } catch { throw outsideCoverage(date) }
    }

    private func preceding(_ date: LocalDate) throws(BusinessCalendarError) -> LocalDate {
        do { return try date.adding(days: -1) } catch { throw outsideCoverage(date) }
    }

    private func outsideCoverage(_ date: LocalDate) -> BusinessCalendarError {
        BusinessCalendarError(code: .outsideCoverage, date: date, coveredYears: coveredYears)
    }
}

/// A question a calendar cannot answer.
public struct BusinessCalendarError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        /// The answer needs a day outside the years the calendar's data covers: load a newer calendar.
        case outsideCoverage = "calendar_outside_coverage"
    }

    public let code: Code
    /// The first day the calendar could not answer for; nil when the clock's instant itself is out of range.
    public let date: LocalDate?
    public let coveredYears: ClosedRange<Int>

    public var description: String {
        let years = "\(coveredYears.lowerBound)–\(coveredYears.upperBound)"
        guard let date else { return "the current time is outside the years the business calendar covers (\(years))" }
        return "\(date) is outside the years the business calendar covers (\(years))"
    }
}
