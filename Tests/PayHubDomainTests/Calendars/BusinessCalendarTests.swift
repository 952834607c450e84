import PayHubDomain
import Testing

@Suite("Business calendars")
struct BusinessCalendarTests {
    @Test(
        "TARGET2 closing days and open days",
        arguments: [
            ("2026-04-03", false),  // Good Friday
            ("2026-04-06", false),  // Easter Monday
            ("2026-04-02", true),  // Maundy Thursday is open
            ("2026-04-07", true),
            ("2025-04-18", false),  // Good Friday 2025
            ("2030-04-22", false),  // Easter Monday 2030
            ("2026-05-01", false),
            ("2026-12-24", true),  // Christmas Eve is open on TARGET2
            ("2026-12-25", false),
            ("2026-12-28", true),  // 26 December 2026 is a Saturday: no Monday in lieu
            ("2026-01-01", false),
            ("2026-01-06", true),  // Epiphany is a national, not a TARGET2, holiday
            ("2026-03-07", false),  // a Saturday
        ])
    func target2(day: String, isBusinessDay: Bool) throws {
        let calendar = try CalendarFixtures.target2.get()
        #expect(try calendar.isBusinessDay(date(day)) == isBusinessDay, "\(day)")
    }

    @Test(
        "US Federal Reserve closing days and open days",
        arguments: [
            ("2026-07-03", true),  // Independence Day 2026 is a Saturday: the Fed does not close Friday
            ("2026-07-04", false),  // the Saturday itself
            ("2027-07-05", false),  // Independence Day 2027 is a Sunday: closed Monday
            ("2027-12-24", true),  // Christmas 2027 is a Saturday: open Friday
            ("2026-01-19", false),  // MLK Day
            ("2026-02-16", false),  // Presidents Day
            ("2026-05-25", false),  // Memorial Day
            ("2026-06-19", false),  // Juneteenth
            ("2026-09-07", false),  // Labor Day
            ("2026-10-12", false),  // Columbus Day
            ("2026-11-11", false),  // Veterans Day
            ("2026-11-26", false),  // Thanksgiving
            ("2026-11-27", true),  // the Friday after Thanksgiving is open
            ("2026-12-25", false),
            ("2026-04-03", true),  // Good Friday is not a Fed holiday
        ])
    func usFed(day: String, isBusinessDay: Bool) throws {
        let calendar = try CalendarFixtures.usFed.get()
        #expect(try calendar.isBusinessDay(date(day)) == isBusinessDay, "\(day)")
    }

    @Test(
        "mainland China holidays and make-up working days",
        arguments: [
            ("2025-01-26", true),  // make-up Sunday before Spring Festival 2025
            ("2025-01-27", true),
            ("2025-01-28", false),  // New Year's Eve, first day of Spring Festival 2025
            ("2025-01-31", false),
            ("2025-02-04", false),  // last day
            ("2025-02-05", true),
            ("2025-02-08", true),  // make-up Saturday
            ("2025-02-09", false),  // an ordinary Sunday
            ("2024-02-09", true),  // New Year's Eve 2024 was a working day
            ("2024-02-18", true),  // make-up Sunday
            ("2024-05-11", true),  // make-up Saturday
            ("2025-10-08", false),  // National Day and Mid-Autumn 2025
            ("2025-10-11", true),
            ("2026-01-04", true),  // make-up Sunday after New Year 2026
            ("2026-02-23", false),  // last day of Spring Festival 2026
            ("2026-02-28", true),
            ("2026-09-20", true),
            ("2026-10-10", true),
        ])
    func china(day: String, isBusinessDay: Bool) throws {
        let calendar = try CalendarFixtures.china.get()
        #expect(try calendar.isBusinessDay(date(day)) == isBusinessDay, "\(day)")
    }

    @Test("holidays carry their names; weekends have none")
    func names() throws {
        #expect(try CalendarFixtures.target2.get().holidayName(on: date("2026-04-03")) == "Good Friday")
        #expect(try CalendarFixtures.china.get().holidayName(on: date("2025-01-29")) == "Spring Festival (春节)")
        #expect(try CalendarFixtures.china.get().makeUpWorkdays[date("2025-01-26")] != nil)
        #expect(try CalendarFixtures.target2.get().holidayName(on: date("2026-03-07")) == nil)
    }

    @Test(
        "rolling forward across long Chinese holidays lands on the first working day, make-up days included",
        arguments: [
            ("2025-01-28", "2025-02-05"),  // Spring Festival 2025
            ("2025-01-25", "2025-01-26"),  // a Saturday rolls to the make-up Sunday
            ("2025-09-29", "2025-09-29"),  // a business day stays
            ("2025-10-01", "2025-10-09"),  // National Day + Mid-Autumn, 8 days
            ("2026-02-14", "2026-02-14"),  // make-up Saturday
            ("2026-02-15", "2026-02-24"),  // Spring Festival 2026, 9 days
            ("2024-09-30", "2024-09-30"),
            ("2024-10-01", "2024-10-08"),
        ])
    func rollingInChina(from: String, expected: String) throws {
        #expect(try CalendarFixtures.china.get().nextBusinessDay(onOrAfter: date(from)) == date(expected))
    }

    @Test(
        "adding business days skips holidays and counts make-up days",
        arguments: [
            (BusinessCalendarID.chinaMainland, "2025-01-24", 1, "2025-01-26"),  // Friday + 1 = make-up Sunday
            (.chinaMainland, "2025-01-24", 2, "2025-01-27"),
            (.chinaMainland, "2025-01-24", 3, "2025-02-05"),  // over Spring Festival
            (.chinaMainland, "2025-02-05", -2, "2025-01-26"),
            (.chinaMainland, "2025-02-05", -3, "2025-01-24"),
            (.target2, "2026-04-02", 1, "2026-04-07"),  // over Easter
            (.target2, "2026-04-04", 0, "2026-04-07"),  // 0 rolls forward
            (.target2, "2026-04-07", -1, "2026-04-02"),
            (.usFederalReserve, "2026-11-25", 1, "2026-11-27"),  // over Thanksgiving
            (.usFederalReserve, "2026-12-31", 1, "2027-01-04"),
        ])
    func adding(id: BusinessCalendarID, from: String, count: Int, expected: String) throws {
        let calendar = try CalendarFixtures.calendar(id)
        #expect(try calendar.addingBusinessDays(count, to: date(from)) == date(expected))
    }

    @Test("the calendar refuses to answer outside its years instead of guessing")
    func outsideCoverage() throws {
        let china = try CalendarFixtures.china.get()
        #expect(throws: BusinessCalendarError.self) { try china.isBusinessDay(date("2027-01-04")) }
        #expect(throws: BusinessCalendarError.self) { try china.isBusinessDay(date("2023-12-29")) }
        // 2026-12-31 is a Thursday and a business day; one more business day needs 2027.
        #expect(try china.nextBusinessDay(onOrAfter: date("2026-12-31")) == date("2026-12-31"))
        #expect(throws: BusinessCalendarError.self) { try china.addingBusinessDays(1, to: date("2026-12-31")) }
        #expect(throws: BusinessCalendarError.self) { try china.addingBusinessDays(-1, to: date("2024-01-02")) }
        do {
            _ = try china.nextBusinessDay(onOrAfter: date("2027-01-01"))
        } catch {
            #expect(error.code == .outsideCoverage)
            #expect(error.date == date("2027-01-01"))
        }
    }

    @Test(
        "each rail settles on its currency's calendar",
        arguments: [
            (PaymentMethod.sepaCreditTransfer, Currency.eur, SettlementCalendar.businessDays(.target2)),
            (.crossBorderWire, .eur, .businessDays(.target2)),
            (.sepaInstant, .eur, .everyDay),
            (.usACH, .usd, .businessDays(.usFederalReserve)),
            (.crossBorderWire, .usd, .businessDays(.usFederalReserve)),
            (.cnDomestic, .cny, .businessDays(.chinaMainland)),
            (.crossBorderWire, .cny, .businessDays(.chinaMainland)),
        ])
    func rails(method: PaymentMethod, currency: Currency, expected: SettlementCalendar) {
        #expect(SettlementCalendar(method: method, currency: currency) == expected)
    }

    @Test("a rail in a currency it does not carry has no calendar")
    func railMismatch() throws {
        #expect(SettlementCalendar(method: .sepaCreditTransfer, currency: .usd) == nil)
        #expect(SettlementCalendar(method: .usACH, currency: .eur) == nil)
        #expect(SettlementCalendar(method: .cnDomestic, currency: .usd) == nil)
        #expect(SettlementCalendar(method: .crossBorderWire, currency: try Currency(code: "JPY")) == nil)
    }

    @Test("weekday of known dates, before and after 1970")
    func weekday() {
        #expect(date("1970-01-01").weekday == .thursday)
        #expect(date("1969-12-28").weekday == .sunday)
        #expect(date("2026-07-04").weekday == .saturday)
        #expect(date("2025-01-26").weekday == .sunday)
    }
}
