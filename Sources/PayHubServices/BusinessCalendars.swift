import Foundation
import PayHubDomain

/// The business calendars PayHub knows: the ones it ships (`Resources/calendars/<id>.txt`: TARGET2, the US
/// Federal Reserve, mainland China), and an operator's own folder of files in the same format, which
/// replace a shipped calendar of the same id (a new year's holidays before PayHub ships them).
public struct BusinessCalendars: Sendable {
    public let calendars: [BusinessCalendarID: BusinessCalendar]

    public init(_ calendars: [BusinessCalendar]) {
        self.calendars = Dictionary(calendars.map { ($0.id, $0) }, uniquingKeysWith: { _, last in last })
    }

    /// Reads every `*.txt` of the shipped folder, then of `folder`; a file that does not parse is refused
    /// with its name and every problem's line.
    public static func load(folder: URL? = nil) throws -> BusinessCalendars {
        var calendars: [BusinessCalendar] = []
        for directory in [Bundle.module.url(forResource: "calendars", withExtension: nil), folder].compactMap({ $0 }) {
            let files = try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
                .filter { $0.pathExtension == "txt" }
                .sorted { $0.lastPathComponent < $1.lastPathComponent }
            for file in files {
                let id = BusinessCalendarID(file.deletingPathExtension().lastPathComponent)
                let text = try String(contentsOf: file, encoding: .utf8)
                do {
                    calendars.append(try BusinessCalendar.parse(text, id: id))
                } catch {
                    throw ValidationFailure(
                        error.errors.map {
                            FieldError(path: "\(file.lastPathComponent): line \($0.line)", code: $0.code.rawValue, message: $0.description)
                        })
                }
            }
        }
        return BusinessCalendars(calendars)
    }

    public subscript(id: BusinessCalendarID) -> BusinessCalendar? { calendars[id] }

    /// When a payment by `method` in `currency`, requested for `requested` (or as soon as possible), can
    /// be executed: the requested day if it is a business day of the rail and not past today's cut-off,
    /// otherwise the next business day. SEPA Instant runs every day; a pair PayHub has no calendar for is
    /// refused rather than guessed.
    public func executionDate(
        method: PaymentMethod, currency: Currency, requested: LocalDate?, now: Date, cutOff: CutOffTime
    ) throws -> LocalDate {
        switch SettlementCalendar(method: method, currency: currency) {
        case .everyDay:
            guard let today = cutOff.localDate(at: now) else { throw BusinessCalendarsError.noCalendar(method, currency) }
            return max(requested ?? today, today)
        case .businessDays(let id):
            guard let calendar = calendars[id] else { throw BusinessCalendarsError.calendarMissing(id) }
            return try calendar.executionDate(requested: requested, now: now, cutOff: cutOff)
        case nil:
            throw BusinessCalendarsError.noCalendar(method, currency)
        }
    }
}

public enum BusinessCalendarsError: Error, Hashable, Sendable, CustomStringConvertible {
    case noCalendar(PaymentMethod, Currency)
    case calendarMissing(BusinessCalendarID)

    public var description: String {
        switch self {
        case .noCalendar(let method, let currency):
            "PayHub has no settlement calendar for \(method.rawValue) in \(currency.code)"
        case .calendarMissing(let id): "the business calendar \(id) is not loaded"
        }
    }
}
