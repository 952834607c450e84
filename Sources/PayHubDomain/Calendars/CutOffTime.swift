import Foundation

/// The latest time of day at which a bank still executes a payment the same day, in the time zone the
/// rail runs in: `CutOffTime(hour: 15, minute: 0, timeZoneIdentifier: "Europe/Berlin")`.
///
/// Kept as a wall-clock time and a zone rather than an offset, so it follows summer time: 15:00 in
/// Berlin is 14:00 UTC in winter and 13:00 UTC in summer.
public struct CutOffTime: Hashable, Sendable, CustomStringConvertible {
    public let hour: Int
    public let minute: Int
    /// The IANA zone the cut-off is given in, such as `Asia/Shanghai`.
    public let timeZoneIdentifier: String
    public let timeZone: TimeZone

    public init(hour: Int, minute: Int, timeZoneIdentifier: String) throws(CutOffTimeError) {
        guard (0...23).contains(hour), (0...59).contains(minute) else { throw CutOffTimeError(code: .invalidTime) }
        guard let timeZone = TimeZone(identifier: timeZoneIdentifier) else {
            throw CutOffTimeError(code: .unknownTimeZone)
        }
        self.hour = hour
        self.minute = minute
        self.timeZoneIdentifier = timeZoneIdentifier
        self.timeZone = timeZone
    }

    public var description: String {
        let minutes = minute < 10 ? "0\(minute)" : "\(minute)"
        return "\(hour < 10 ? "0" : "")\(hour):\(minutes) \(timeZoneIdentifier)"
    }

    /// The date at `instant` in the cut-off's time zone; nil only for an instant beyond year 9999.
    public func localDate(at instant: Date) -> LocalDate? {
        let parts = calendar.dateComponents([.year, .month, .day], from: instant)
        guard let year = parts.year, let month = parts.month, let day = parts.day else { return nil }
        return try? LocalDate(year: year, month: month, day: day)
    }

    /// Whether `instant` is before the cut-off of its own day (in the cut-off's zone). At the cut-off
    /// exactly it is too late.
    ///
    /// On the day summer time starts, a cut-off inside the skipped hour is reached when the clocks jump
    /// (02:30 is reached at 03:00); on the day it ends, a cut-off inside the repeated hour is reached the
    /// first time the clocks show it.
    public func isBefore(_ instant: Date) -> Bool {
        guard let cutOff = cutOffInstant(onDayOf: instant) else { return false }
        return instant < cutOff
    }

    /// The instant of the cut-off on the local day of `instant`.
    func cutOffInstant(onDayOf instant: Date) -> Date? {
        let startOfDay = calendar.startOfDay(for: instant)
        if hour == 0 && minute == 0 { return startOfDay }
        return calendar.nextDate(
            after: startOfDay, matching: DateComponents(hour: hour, minute: minute, second: 0),
            matchingPolicy: .nextTime, repeatedTimePolicy: .first, direction: .forward)
    }

    private var calendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar
    }
}

/// A cut-off time that cannot be used.
public struct CutOffTimeError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        /// The hour is not 0…23 or the minute not 0…59.
        case invalidTime = "cut_off_invalid_time"
        /// The zone is not an IANA time zone identifier this system knows (`Europe/Berlin`).
        case unknownTimeZone = "cut_off_unknown_time_zone"
    }

    public let code: Code

    public init(code: Code) { self.code = code }

    public var description: String {
        switch code {
        case .invalidTime: "cut-off time must be an hour 0–23 and a minute 0–59"
        case .unknownTimeZone: "cut-off time zone must be an IANA identifier such as Europe/Berlin"
        }
    }
}
