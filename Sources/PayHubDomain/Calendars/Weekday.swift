/// A day of the week, numbered as ISO 8601 does: Monday is 1, Sunday 7.
public enum Weekday: Int, Sendable, Hashable, CaseIterable, Comparable, CustomStringConvertible {
    case monday = 1, tuesday, wednesday, thursday, friday, saturday, sunday

    /// The lowercase English name, as calendar files write it (`saturday`).
    public var description: String {
        switch self {
        case .monday: "monday"
        case .tuesday: "tuesday"
        case .wednesday: "wednesday"
        case .thursday: "thursday"
        case .friday: "friday"
        case .saturday: "saturday"
        case .sunday: "sunday"
        }
    }

    /// The weekday named `name` (`Saturday`, `saturday`), or nil.
    public init?(name: String) {
        guard let day = Weekday.allCases.first(where: { $0.description == name.lowercased() }) else { return nil }
        self = day
    }

    public static func < (lhs: Weekday, rhs: Weekday) -> Bool { lhs.rawValue < rhs.rawValue }
}

extension LocalDate {
    /// The day of the week, by the proleptic Gregorian calendar.
    public var weekday: Weekday {
        // 1970-01-01 was a Thursday (ISO 4); the modulo is kept non-negative for dates before 1970.
        let offset = ((daysSinceEpoch + 3) % 7 + 7) % 7
        return Weekday(rawValue: offset + 1) ?? .monday  // offset is 0…6, so the fallback is never taken
    }
}
