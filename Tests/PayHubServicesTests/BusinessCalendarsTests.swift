import Foundation
import PayHubDomain
import PayHubServices
import Testing

/// The calendars PayHub ships, loaded as the server loads them, and an operator's own folder.
@Suite("Business calendars, as shipped")
struct BusinessCalendarsTests {
    static let berlin = try! CutOffTime(hour: 15, minute: 0, timeZoneIdentifier: "Europe/Berlin")
    static let shanghai = try! CutOffTime(hour: 16, minute: 0, timeZoneIdentifier: "Asia/Shanghai")
    static let newYork = try! CutOffTime(hour: 14, minute: 0, timeZoneIdentifier: "America/New_York")

    static func date(_ text: String) -> LocalDate { try! LocalDate(iso8601: text) }
    static func instant(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }

    @Test("the shipped TARGET2, Federal Reserve and China calendars load and roll payments by rail")
    func shipped() throws {
        let calendars = try BusinessCalendars.load()
        #expect(Set(calendars.calendars.keys) == [.target2, .usFederalReserve, .chinaMainland])
        // Thursday 2 April 2026 after Berlin's cut-off: Good Friday and Easter Monday are TARGET2 holidays.
        #expect(
            try calendars.executionDate(
                method: .sepaCreditTransfer, currency: .eur, requested: nil, now: Self.instant("2026-04-02T14:30:00Z"),
                cutOff: Self.berlin) == Self.date("2026-04-07"))
        // SEPA Instant settles every day: the requested Sunday stays.
        #expect(
            try calendars.executionDate(
                method: .sepaInstant, currency: .eur, requested: Self.date("2026-04-05"),
                now: Self.instant("2026-04-02T14:30:00Z"), cutOff: Self.berlin) == Self.date("2026-04-05"))
        // Spring Festival 2026 in Shanghai; the Federal Reserve is open on 3 July 2026.
        let chinese = try calendars.executionDate(
            method: .cnDomestic, currency: .cny, requested: Self.date("2026-02-16"),
            now: Self.instant("2026-02-10T02:00:00Z"), cutOff: Self.shanghai)
        #expect(try calendars[.chinaMainland]!.isBusinessDay(chinese) && chinese > Self.date("2026-02-16"))
        #expect(
            try calendars.executionDate(
                method: .usACH, currency: .usd, requested: Self.date("2026-07-03"),
                now: Self.instant("2026-07-01T12:00:00Z"), cutOff: Self.newYork) == Self.date("2026-07-03"))
        // A pair without a calendar is refused rather than guessed.
        #expect(throws: BusinessCalendarsError.noCalendar(.usACH, .eur)) {
            try calendars.executionDate(
                method: .usACH, currency: .eur, requested: nil, now: Self.instant("2026-07-01T12:00:00Z"),
                cutOff: Self.newYork)
        }
    }

    @Test("an operator's folder replaces a shipped calendar, and a bad file names its line")
    func operatorFolder() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("payhub-calendars-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try "name Test TARGET2\nweekend saturday sunday\nyears 2026-2026\n2026-06-01 holiday A bank's own day\n"
            .write(to: folder.appendingPathComponent("target2.txt"), atomically: true, encoding: .utf8)
        let calendars = try BusinessCalendars.load(folder: folder)
        #expect(try calendars[.target2]!.isBusinessDay(Self.date("2026-06-01")) == false)
        #expect(calendars[.target2]!.name == "Test TARGET2")

        try "name Broken\nweekend saturday sunday\nyears 2026-2026\n2026-13-01 holiday Nonsense\n"
            .write(to: folder.appendingPathComponent("target2.txt"), atomically: true, encoding: .utf8)
        do {
            _ = try BusinessCalendars.load(folder: folder)
            Issue.record("a calendar with an impossible date loaded")
        } catch let failure as ValidationFailure {
            #expect(failure.errors.first?.path == "target2.txt: line 4")
        }
    }
}
