import Foundation
import PayHubDomain
import Testing

@Suite("Execution date")
struct ExecutionDateTests {
    static let berlin = try! CutOffTime(hour: 15, minute: 0, timeZoneIdentifier: "Europe/Berlin")
    static let shanghai = try! CutOffTime(hour: 17, minute: 0, timeZoneIdentifier: "Asia/Shanghai")

    /// An instant written in UTC, `2026-03-02T13:59:59Z`.
    static func utc(_ text: String) -> Date {
        // Test literals only.
        try! Date(text, strategy: .iso8601)
    }

    /// A calendar open every day, so cut-off behaviour is seen without holidays in the way.
    static let everyDay = BusinessCalendar(
        id: BusinessCalendarID("every-day"), name: "Every day", weekend: [], coveredYears: 2024...2030, holidays: [:])

    @Test(
        "today before the cut-off, the next business day at or after it",
        arguments: [
            ("2026-03-02T13:59:59Z", "2026-03-02"),  // 14:59:59 in Berlin (CET)
            ("2026-03-02T14:00:00Z", "2026-03-03"),  // 15:00 exactly is too late
            ("2026-04-02T12:59:59Z", "2026-04-02"),  // Maundy Thursday, 14:59:59 CEST
            ("2026-04-02T13:00:00Z", "2026-04-07"),  // after the cut-off: over Easter to Tuesday
            ("2026-04-04T08:00:00Z", "2026-04-07"),  // a Saturday morning
        ])
    func berlinTarget2(now: String, expected: String) throws {
        let calendar = try CalendarFixtures.target2.get()
        #expect(try calendar.executionDate(requested: nil, now: Self.utc(now), cutOff: Self.berlin) == date(expected))
    }

    @Test("the same instant is before the cut-off in Berlin and after it in Shanghai")
    func sameInstantTwoZones() throws {
        let target2 = try CalendarFixtures.target2.get()
        let china = try CalendarFixtures.china.get()
        let now = Self.utc("2026-03-02T09:30:00Z")  // 10:30 in Berlin, 17:30 in Shanghai
        #expect(try target2.executionDate(requested: nil, now: now, cutOff: Self.berlin) == date("2026-03-02"))
        #expect(try china.executionDate(requested: nil, now: now, cutOff: Self.shanghai) == date("2026-03-03"))
        let earlier = Self.utc("2026-03-02T08:59:59Z")  // 16:59:59 in Shanghai
        #expect(try china.executionDate(requested: nil, now: earlier, cutOff: Self.shanghai) == date("2026-03-02"))
    }

    @Test("'today' is the date in the cut-off's zone: Berlin's evening is already tomorrow morning in Shanghai")
    func todayInTheRailsZone() throws {
        let china = try CalendarFixtures.china.get()
        let now = Self.utc("2026-03-02T17:00:00Z")  // 18:00 on 2 March in Berlin, 01:00 on 3 March in Shanghai
        #expect(try china.executionDate(requested: nil, now: now, cutOff: Self.shanghai) == date("2026-03-03"))
        // Asking for 2 March, which has passed in Shanghai, gives the earliest day instead.
        #expect(
            try china.executionDate(requested: date("2026-03-02"), now: now, cutOff: Self.shanghai)
                == date("2026-03-03"))
        #expect(Self.shanghai.localDate(at: now) == date("2026-03-03"))
        #expect(Self.berlin.localDate(at: now) == date("2026-03-02"))
    }

    @Test("after the cut-off on the Friday before Spring Festival 2026, the make-up Saturday is next")
    func chinaMakeUpDayAfterCutOff() throws {
        let china = try CalendarFixtures.china.get()
        let now = Self.utc("2026-02-13T10:00:00Z")  // 18:00 Friday in Shanghai
        #expect(try china.executionDate(requested: nil, now: now, cutOff: Self.shanghai) == date("2026-02-14"))
        // And after the cut-off on that Saturday, the next working day is after the nine-day holiday.
        let saturday = Self.utc("2026-02-14T10:00:00Z")
        #expect(try china.executionDate(requested: nil, now: saturday, cutOff: Self.shanghai) == date("2026-02-24"))
    }

    @Test(
        "a requested date is kept when it is a future business day, rolled forward otherwise, never in the past",
        arguments: [
            ("2026-03-10", "2026-03-10"),  // a future Tuesday
            ("2026-04-03", "2026-04-07"),  // Good Friday rolls over Easter
            ("2026-03-07", "2026-03-09"),  // a Saturday rolls to Monday
            ("2026-03-02", "2026-03-02"),  // today, before the cut-off
            ("2026-02-20", "2026-03-02"),  // in the past
        ])
    func requested(requested: String, expected: String) throws {
        let calendar = try CalendarFixtures.target2.get()
        let now = Self.utc("2026-03-02T09:00:00Z")
        let result = try calendar.executionDate(requested: date(requested), now: now, cutOff: Self.berlin)
        #expect(result == date(expected))
    }

    @Test("today requested after the cut-off moves to the next business day")
    func requestedTodayAfterCutOff() throws {
        let calendar = try CalendarFixtures.target2.get()
        let now = Self.utc("2026-03-02T15:00:00Z")
        #expect(
            try calendar.executionDate(requested: date("2026-03-02"), now: now, cutOff: Self.berlin)
                == date("2026-03-03"))
    }

    @Test(
        "cut-offs follow summer time: 15:00 in Berlin is 13:00 UTC in summer, 14:00 UTC in winter, on the change days too",
        arguments: [
            ("Europe/Berlin", 15, 0, "2026-03-29T12:59:59Z", true),  // summer time starts 29 March
            ("Europe/Berlin", 15, 0, "2026-03-29T13:00:00Z", false),
            ("Europe/Berlin", 15, 0, "2026-10-25T13:59:59Z", true),  // summer time ends 25 October
            ("Europe/Berlin", 15, 0, "2026-10-25T14:00:00Z", false),
            // 02:30 does not exist on 29 March: the cut-off is reached when the clocks jump to 03:00.
            ("Europe/Berlin", 2, 30, "2026-03-29T00:59:59Z", true),
            ("Europe/Berlin", 2, 30, "2026-03-29T01:00:00Z", false),
            // 02:30 happens twice on 25 October: the first time counts.
            ("Europe/Berlin", 2, 30, "2026-10-25T00:29:59Z", true),
            ("Europe/Berlin", 2, 30, "2026-10-25T00:30:00Z", false),
            ("Europe/Berlin", 2, 30, "2026-10-25T01:15:00Z", false),  // 02:15 the second time: already past
            ("America/New_York", 17, 0, "2026-03-08T20:59:59Z", true),  // US summer time starts 8 March
            ("America/New_York", 17, 0, "2026-03-08T21:00:00Z", false),
            ("Asia/Shanghai", 17, 0, "2026-03-29T08:59:59Z", true),  // no summer time in China
            ("Asia/Shanghai", 17, 0, "2026-03-29T09:00:00Z", false),
            ("Asia/Shanghai", 0, 0, "2026-03-28T16:00:00Z", false),  // midnight: nothing is before it
        ])
    func daylightSaving(zone: String, hour: Int, minute: Int, now: String, isBefore: Bool) throws {
        let cutOff = try CutOffTime(hour: hour, minute: minute, timeZoneIdentifier: zone)
        #expect(cutOff.isBefore(Self.utc(now)) == isBefore, "\(cutOff) at \(now)")
    }

    @Test("on the day summer time starts, the execution date follows the local cut-off, not a fixed offset")
    func executionOnDaylightSavingDay() throws {
        // 14:30 UTC-local-by-winter-offset would be 15:30 in winter, but it is 15:30 CEST: after the cut-off.
        let after = Self.utc("2026-03-29T13:30:00Z")
        #expect(try Self.everyDay.executionDate(requested: nil, now: after, cutOff: Self.berlin) == date("2026-03-30"))
        let before = Self.utc("2026-10-25T13:30:00Z")  // 14:30 CET, after summer time ended
        #expect(try Self.everyDay.executionDate(requested: nil, now: before, cutOff: Self.berlin) == date("2026-10-25"))
    }

    @Test(
        "cut-off times are checked",
        arguments: [
            (24, 0, "Europe/Berlin", CutOffTimeError.Code.invalidTime),
            (-1, 0, "Europe/Berlin", .invalidTime),
            (12, 60, "Europe/Berlin", .invalidTime),
            (12, 0, "Europe/Nowhere", .unknownTimeZone),
            (12, 0, "", .unknownTimeZone),
        ])
    func invalidCutOff(hour: Int, minute: Int, zone: String, code: CutOffTimeError.Code) {
        #expect(throws: CutOffTimeError(code: code)) {
            try CutOffTime(hour: hour, minute: minute, timeZoneIdentifier: zone)
        }
    }

    @Test("an instant outside the calendar's years throws instead of guessing")
    func nowOutsideCoverage() throws {
        let china = try CalendarFixtures.china.get()
        #expect(throws: BusinessCalendarError.self) {
            try china.executionDate(requested: nil, now: Self.utc("2027-03-01T00:00:00Z"), cutOff: Self.shanghai)
        }
    }
}
