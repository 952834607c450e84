import PayHubDomain
import Testing

@Suite("Business calendar file")
struct BusinessCalendarFileTests {
    static let header = "name Test\nweekend saturday sunday\nyears 2025-2026\n"

    @Test("a valid file gives its name, weekend, years, holidays and make-up days; comments and blanks are skipped")
    func valid() throws {
        let text = """
            \u{FEFF}# a comment
              name   Test calendar  \r
            weekend\tsaturday sunday

            years 2025 - 2026
            2025-01-28 holiday Spring Festival (春节)
            # 2025-01-29 holiday commented out
            2025-01-26 workday make-up working day
            """
        let calendar = try BusinessCalendar.parse(text, id: BusinessCalendarID("test"))
        #expect(calendar.id.rawValue == "test")
        #expect(calendar.name == "Test calendar")
        #expect(calendar.weekend == [.saturday, .sunday])
        #expect(calendar.coveredYears == 2025...2026)
        #expect(calendar.holidays == [date("2025-01-28"): "Spring Festival (春节)"])
        #expect(calendar.makeUpWorkdays == [date("2025-01-26"): "make-up working day"])
    }

    @Test("'weekend none' gives a calendar in which only holidays are closed")
    func noWeekend() throws {
        let calendar = try BusinessCalendar.parse(
            "name T\nweekend none\nyears 2026-2026\n2026-01-01 holiday New Year", id: BusinessCalendarID("t"))
        #expect(calendar.weekend.isEmpty)
        #expect(try calendar.isBusinessDay(date("2026-01-03")))  // a Saturday
        #expect(try !calendar.isBusinessDay(date("2026-01-01")))
    }

    @Test(
        "each problem is reported with its code and line",
        arguments: [
            (
                BusinessCalendarFileTests.header + "2025-02-30 holiday Not a day",
                BusinessCalendarFileError.Code.invalidDate, 4
            ),
            (BusinessCalendarFileTests.header + "2025-1-01 holiday Short month", .invalidDate, 4),
            (BusinessCalendarFileTests.header + "\n\nholiday 2025-01-01 New Year", .unknownStatement, 6),
            (BusinessCalendarFileTests.header + "2025-01-01 feiertag New Year", .unknownDayKind, 4),
            (BusinessCalendarFileTests.header + "2025-01-01 holiday", .missingDayName, 4),
            (BusinessCalendarFileTests.header + "2025-01-01 holiday   ", .missingDayName, 4),
            (BusinessCalendarFileTests.header + "2027-01-01 holiday New Year", .dateOutsideYears, 4),
            (BusinessCalendarFileTests.header + "2025-01-27 workday a Monday", .workdayNotOnWeekend, 4),
            (BusinessCalendarFileTests.header + "name Again", .repeatedStatement, 4),
            (BusinessCalendarFileTests.header + "weekend sunday", .repeatedStatement, 4),
            (BusinessCalendarFileTests.header + "years 2025-2026", .repeatedStatement, 4),
            ("name\nweekend saturday\nyears 2025-2026", .missingValue, 1),
            ("name T\nweekend samstag\nyears 2025-2026", .unknownWeekday, 2),
            ("name T\nweekend\nyears 2025-2026", .missingValue, 2),
            ("name T\nweekend sunday\nyears 2026-2025", .invalidYears, 3),
            ("name T\nweekend sunday\nyears 2026", .invalidYears, 3),
            ("name T\nweekend sunday\nyears 0000-2025", .invalidYears, 3),
            ("name T\nweekend sunday\nyears twenty-2025", .invalidYears, 3),
            ("weekend sunday\nyears 2025-2026", .missingName, 1),
            ("name T\nyears 2025-2026", .missingWeekend, 1),
            ("name T\nweekend sunday", .missingYears, 1),
            ("", .missingName, 1),
        ])
    func problem(text: String, code: BusinessCalendarFileError.Code, line: Int) {
        #expect(throws: BusinessCalendarFileFailure.self) { try BusinessCalendar.parse(text, id: .target2) }
        do {
            _ = try BusinessCalendar.parse(text, id: .target2)
        } catch {
            #expect(error.errors.contains { $0.code == code && $0.line == line }, "\(error.errors)")
            #expect(error.description.contains("line \(line):"))
        }
    }

    @Test("a date given twice names both lines, whether as holiday twice or as holiday and working day")
    func duplicateDate() {
        let text = Self.header + "2025-01-25 holiday One\n# gap\n2025-01-25 workday Two\n2025-01-25 holiday Three"
        do {
            _ = try BusinessCalendar.parse(text, id: .chinaMainland)
            Issue.record("expected a failure")
        } catch {
            #expect(
                error.errors == [
                    BusinessCalendarFileError(code: .duplicateDate, line: 6, firstLine: 4),
                    BusinessCalendarFileError(code: .duplicateDate, line: 7, firstLine: 4),
                ])
            #expect(error.errors[0].description == "line 6: this date was already given (line 4)")
        }
    }

    @Test("all problems are reported at once, in line order, and the description keeps names out")
    func allAtOnce() {
        let text = "2026-13-01 holiday Secret Name\nname T\nbogus\n2025-01-01 holiday New Year\nyears 2026-2026"
        do {
            _ = try BusinessCalendar.parse(text, id: .target2)
            Issue.record("expected a failure")
        } catch {
            #expect(error.errors.map(\.code) == [.invalidDate, .missingWeekend, .unknownStatement, .dateOutsideYears])
            #expect(error.errors.map(\.line) == [1, 1, 3, 4])
            #expect(!error.description.contains("Secret"))
        }
    }

    @Test(
        "the committed calendar files parse",
        arguments: [BusinessCalendarID.target2, .usFederalReserve, .chinaMainland])
    func committedFiles(id: BusinessCalendarID) throws {
        let calendar = try CalendarFixtures.calendar(id)
        #expect(calendar.id == id)
        #expect(calendar.weekend == [.saturday, .sunday])
        #expect(!calendar.holidays.isEmpty)
    }
}
