/// Reading a business calendar from its file.
///
/// A calendar file is UTF-8 text, one statement a line; blank lines and lines starting with `#` are
/// ignored, and words are separated by spaces or tabs:
///
/// ```
/// # Mainland China, State Council notice of 12 November 2024.
/// name Mainland China (CNAPS)
/// weekend saturday sunday
/// years 2025-2025
/// 2025-01-28 holiday Spring Festival
/// 2025-01-26 workday make-up working day for Spring Festival
/// ```
///
/// - `name <text>`: the calendar's name for people (once).
/// - `weekend <day> …` or `weekend none`: the weekdays that are not business days (once).
/// - `years <first>-<last>`: the years the file lists every holiday of (once); the calendar refuses to
///   answer for any other year.
/// - `<YYYY-MM-DD> holiday <name>`: a day without settlement, even if it is a weekday.
/// - `<YYYY-MM-DD> workday <reason>`: a weekend day that is a business day (China's make-up days).
extension BusinessCalendar {
    /// Reporting stops after this many problems: a file with more is the wrong file.
    public static let fileErrorsMax = 100

    /// The calendar written in `text`. Every problem is reported with its 1-based line, all at once.
    public static func parse(_ text: String, id: BusinessCalendarID) throws(BusinessCalendarFileFailure)
        -> BusinessCalendar
    {
        var errors: [BusinessCalendarFileError] = []
        var name: (value: String, line: Int)?
        var weekend: (value: Set<Weekday>, line: Int)?
        var years: (value: ClosedRange<Int>, line: Int)?
        struct Entry {
            let date: LocalDate
            let isHoliday: Bool
            let text: String
            let line: Int
        }
        var entries: [Entry] = []
        var firstLineOfDate: [LocalDate: Int] = [:]

        func problem(_ code: BusinessCalendarFileError.Code, _ line: Int, firstLine: Int? = nil) {
            errors.append(BusinessCalendarFileError(code: code, line: line, firstLine: firstLine))
        }

        // Lines end in LF or CRLF (one Character to Swift, so both are named); a byte-order mark is dropped.
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        if let first = lines.first, first.hasPrefix("\u{FEFF}") { lines[0] = first.dropFirst() }

        for (offset, rawLine) in lines.enumerated() {
            if errors.count >= fileErrorsMax { break }
            let lineNumber = offset + 1
            let line = trimmingSpaces(rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let (keyword, rest) = firstWord(of: line)

            switch keyword {
            case "name":
                if let name { problem(.repeatedStatement, lineNumber, firstLine: name.line); continue }
                guard !rest.isEmpty else { problem(.missingValue, lineNumber); continue }
                name = (String(rest), lineNumber)
            case "weekend":
                if let weekend { problem(.repeatedStatement, lineNumber, firstLine: weekend.line); continue }
                let words: [String] = rest.split(whereSeparator: isSpace).map { String($0) }
                guard !words.isEmpty else { problem(.missingValue, lineNumber); continue }
                if words == ["none"] { weekend = ([], lineNumber); continue }
                let days = words.compactMap(Weekday.init(name:))
                guard days.count == words.count else { problem(.unknownWeekday, lineNumber); continue }
                weekend = (Set(days), lineNumber)
            case "years":
                if let years { problem(.repeatedStatement, lineNumber, firstLine: years.line); continue }
                guard !rest.isEmpty else { problem(.missingValue, lineNumber); continue }
                guard let range = yearRange(rest) else { problem(.invalidYears, lineNumber); continue }
                years = (range, lineNumber)
            default:
                guard keyword.first?.isASCII == true, keyword.first?.isNumber == true else {
                    problem(.unknownStatement, lineNumber)
                    continue
                }
                guard let date = try? LocalDate(iso8601: String(keyword)) else {
                    problem(.invalidDate, lineNumber)
                    continue
                }
                let (kind, text) = firstWord(of: rest)
                let isHoliday: Bool
                switch kind {
                case "holiday": isHoliday = true
                case "workday": isHoliday = false
                default:
                    problem(.unknownDayKind, lineNumber)
                    continue
                }
                guard !text.isEmpty else { problem(.missingDayName, lineNumber); continue }
                if let firstLine = firstLineOfDate[date] {
                    problem(.duplicateDate, lineNumber, firstLine: firstLine)
                    continue
                }
                firstLineOfDate[date] = lineNumber
                entries.append(Entry(date: date, isHoliday: isHoliday, text: String(text), line: lineNumber))
            }
        }

        // Statements may come in any order, so the checks that need the header run at the end.
        if name == nil { problem(.missingName, 1) }
        if weekend == nil { problem(.missingWeekend, 1) }
        if years == nil { problem(.missingYears, 1) }
        var holidays: [LocalDate: String] = [:]
        var makeUpWorkdays: [LocalDate: String] = [:]
        for entry in entries {
            if let years, !years.value.contains(entry.date.year) {
                problem(.dateOutsideYears, entry.line, firstLine: years.line)
                continue
            }
            if entry.isHoliday {
                holidays[entry.date] = entry.text
            } else {
                if let weekend, !weekend.value.contains(entry.date.weekday) {
                    problem(.workdayNotOnWeekend, entry.line)
                    continue
                }
                makeUpWorkdays[entry.date] = entry.text
            }
        }
        guard errors.isEmpty, let name, let weekend, let years else {
            throw BusinessCalendarFileFailure(calendarID: id, errors: errors.sorted { $0.line < $1.line })
        }
        return BusinessCalendar(
            id: id, name: name.value, weekend: weekend.value, coveredYears: years.value, holidays: holidays,
            makeUpWorkdays: makeUpWorkdays)
    }

    /// Words are separated by spaces and tabs only: names may hold any other character.
    private static func isSpace(_ character: Character) -> Bool { character == " " || character == "\t" }

    private static func trimmingSpaces(_ text: Substring) -> Substring {
        guard let first = text.firstIndex(where: { !isSpace($0) }), let last = text.lastIndex(where: { !isSpace($0) })
        else { return "" }
        return text[first...last]
    }

    /// The first word of `text` and the rest, trimmed.
    private static func firstWord(of text: Substring) -> (word: Substring, rest: Substring) {
        guard let end = text.firstIndex(where: isSpace) else { return (text, "") }
        let rest = text[end...].drop(while: isSpace)
        return (text[..<end], rest)
    }

    /// `2024-2030` (spaces around the dash allowed) as a range of years within 1…9999, first ≤ last.
    private static func yearRange(_ text: Substring) -> ClosedRange<Int>? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return nil }
        let bounds = parts.map { part -> Int? in
            let trimmed = trimmingSpaces(part)
            guard trimmed.count == 4, trimmed.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
            return Int(trimmed)
        }
        guard let first = bounds[0], let last = bounds[1], first >= 1, first <= last else { return nil }
        return first...last
    }
}

/// One problem in a calendar file, with its line. Calendar files hold no personal data, but the
/// description still names only the line and the problem.
public struct BusinessCalendarFileError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        case unknownStatement = "calendar_unknown_statement"
        case missingValue = "calendar_missing_value"
        case repeatedStatement = "calendar_repeated_statement"
        case unknownWeekday = "calendar_unknown_weekday"
        case invalidYears = "calendar_invalid_years"
        case invalidDate = "calendar_invalid_date"
        case unknownDayKind = "calendar_unknown_day_kind"
        case missingDayName = "calendar_missing_day_name"
        /// The same date twice, as holidays or as a holiday and a working day: which is right cannot be told.
        case duplicateDate = "calendar_duplicate_date"
        case dateOutsideYears = "calendar_date_outside_years"
        /// A make-up working day on a day that is a business day anyway: most likely a typo in the date.
        case workdayNotOnWeekend = "calendar_workday_not_on_weekend"
        case missingName = "calendar_missing_name"
        case missingWeekend = "calendar_missing_weekend"
        case missingYears = "calendar_missing_years"
    }

    public let code: Code
    /// The 1-based line of the file (1 for a statement the file lacks).
    public let line: Int
    /// The line of the earlier statement a repeated one, or of the `years` statement a date, conflicts with.
    public let firstLine: Int?

    public init(code: Code, line: Int, firstLine: Int? = nil) {
        self.code = code
        self.line = line
        self.firstLine = firstLine
    }

    public var description: String {
        let earlier = firstLine.map { " (line \($0))" } ?? ""
        let problem =
            switch code {
            case .unknownStatement: "expected 'name', 'weekend', 'years' or a date written YYYY-MM-DD"
            case .missingValue: "the statement has no value"
            case .repeatedStatement: "the statement was already given\(earlier)"
            case .unknownWeekday: "weekend days must be English weekday names such as saturday, or none"
            case .invalidYears: "years must be written FIRST-LAST, such as 2024-2030"
            case .invalidDate: "date must be a real calendar date written YYYY-MM-DD"
            case .unknownDayKind: "a date must be followed by 'holiday' or 'workday'"
            case .missingDayName: "a holiday or working day needs a name"
            case .duplicateDate: "this date was already given\(earlier)"
            case .dateOutsideYears: "the date is outside the years the file covers\(earlier)"
            case .workdayNotOnWeekend: "a make-up working day must fall on a weekend day"
            case .missingName: "the file has no 'name' line"
            case .missingWeekend: "the file has no 'weekend' line"
            case .missingYears: "the file has no 'years' line"
            }
        return "line \(line): \(problem)"
    }
}

/// Every problem found in one calendar file; nothing of it is used when there is one.
public struct BusinessCalendarFileFailure: Error, Hashable, Sendable, CustomStringConvertible {
    public let calendarID: BusinessCalendarID
    public var errors: [BusinessCalendarFileError]

    public var description: String {
        "calendar \(calendarID): " + errors.map(\.description).joined(separator: "; ")
    }
}
