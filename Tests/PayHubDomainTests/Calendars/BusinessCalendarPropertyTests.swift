import Foundation
import PayHubDomain
import Testing

@Suite("Business calendar properties")
struct BusinessCalendarPropertyTests {
    static let seed: UInt64 = 0x5EED_CA1E_DA25
    static let iterations = 3_000

    /// A random date of the calendar's years, at least `marginDays` before their end.
    static func randomDate(in calendar: BusinessCalendar, marginDays: Int, using random: inout SplitMix64) -> LocalDate
    {
        let first = try! LocalDate(year: calendar.coveredYears.lowerBound, month: 1, day: 1).daysSinceEpoch
        let last = try! LocalDate(year: calendar.coveredYears.upperBound, month: 12, day: 31).daysSinceEpoch
        return try! LocalDate(daysSinceEpoch: Int.random(in: first...(last - marginDays), using: &random))
    }

    @Test(
        "nextBusinessDay is a business day, not before the input, and skips no business day",
        arguments: [BusinessCalendarID.target2, .usFederalReserve, .chinaMainland])
    func nextBusinessDay(id: BusinessCalendarID) throws {
        let calendar = try CalendarFixtures.calendar(id)
        var random = SplitMix64(seed: Self.seed)
        for iteration in 0..<Self.iterations {
            let start = Self.randomDate(in: calendar, marginDays: 30, using: &random)
            let next = try calendar.nextBusinessDay(onOrAfter: start)
            let context = "seed \(Self.seed) iteration \(iteration) \(id): \(start) → \(next)"
            #expect(try calendar.isBusinessDay(next), "\(context)")
            #expect(next >= start, "\(context)")
            var day = start
            while day < next {
                #expect(try !calendar.isBusinessDay(day), "skipped business day \(day); \(context)")
                day = try day.adding(days: 1)
            }
        }
    }

    @Test(
        "addingBusinessDays(n) lands on a business day with exactly n business days after the start",
        arguments: [BusinessCalendarID.target2, .usFederalReserve, .chinaMainland])
    func addingBusinessDays(id: BusinessCalendarID) throws {
        let calendar = try CalendarFixtures.calendar(id)
        var random = SplitMix64(seed: Self.seed ^ 0xADD)
        for iteration in 0..<Self.iterations {
            let start = Self.randomDate(in: calendar, marginDays: 60, using: &random)
            let count = Int.random(in: 1...15, using: &random)
            let result = try calendar.addingBusinessDays(count, to: start)
            let context = "seed \(Self.seed ^ 0xADD) iteration \(iteration) \(id): \(start) + \(count) → \(result)"
            #expect(try calendar.isBusinessDay(result), "\(context)")
            var counted = 0
            var day = try start.adding(days: 1)
            while day <= result {
                if try calendar.isBusinessDay(day) { counted += 1 }
                day = try day.adding(days: 1)
            }
            #expect(counted == count, "\(context)")
        }
    }

    @Test(
        "the execution date is a business day, never before today in the rail's zone, and a requested future business day is kept",
        arguments: [
            (BusinessCalendarID.target2, "Europe/Berlin"), (.usFederalReserve, "America/New_York"),
            (.chinaMainland, "Asia/Shanghai"),
        ])
    func executionDate(id: BusinessCalendarID, zone: String) throws {
        let calendar = try CalendarFixtures.calendar(id)
        var random = SplitMix64(seed: Self.seed ^ 0xE7EC)
        for iteration in 0..<Self.iterations {
            let cutOff = try CutOffTime(
                hour: Int.random(in: 0...23, using: &random), minute: Int.random(in: 0...59, using: &random),
                timeZoneIdentifier: zone)
            let today = Self.randomDate(in: calendar, marginDays: 60, using: &random)
            let now = Date(
                timeIntervalSince1970: Double(
                    today.daysSinceEpoch * 86_400 + Int.random(in: 0..<86_400, using: &random)))
            let requested =
                Bool.random(using: &random) ? nil : try today.adding(days: Int.random(in: -10...20, using: &random))
            let result = try calendar.executionDate(requested: requested, now: now, cutOff: cutOff)
            let localToday = try #require(cutOff.localDate(at: now))
            let context =
                "seed \(Self.seed ^ 0xE7EC) iteration \(iteration) \(id) \(cutOff) now \(now) requested \(requested?.description ?? "none") → \(result)"
            #expect(try calendar.isBusinessDay(result), "\(context)")
            #expect(result >= localToday, "\(context)")
            if let requested, requested > localToday, try calendar.isBusinessDay(requested) {
                #expect(result == requested, "\(context)")
            }
            if result == localToday { #expect(cutOff.isBefore(now), "\(context)") }
        }
    }
}
