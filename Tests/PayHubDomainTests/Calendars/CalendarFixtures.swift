import Foundation
import PayHubDomain

/// The calendar files as committed, read from the source tree: the domain does no I/O, and the services
/// target that ships them as resources is not a dependency of these tests.
enum CalendarFixtures {
    static let folder: URL = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        .deletingLastPathComponent()  // Calendars
        .deletingLastPathComponent()  // PayHubDomainTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // repository root
        .appendingPathComponent("Sources/PayHubServices/Resources/calendars")

    static func url(_ id: BusinessCalendarID) -> URL { folder.appendingPathComponent("\(id.rawValue).txt") }

    static func text(_ id: BusinessCalendarID) throws -> String { try String(contentsOf: url(id), encoding: .utf8) }

    static func calendar(_ id: BusinessCalendarID) throws -> BusinessCalendar {
        try BusinessCalendar.parse(try text(id), id: id)
    }

    static let target2 = Result { try calendar(.target2) }
    static let usFed = Result { try calendar(.usFederalReserve) }
    static let china = Result { try calendar(.chinaMainland) }
}

func date(_ text: String) -> LocalDate {
    // Test literals only; a typo fails loudly.
    try! LocalDate(iso8601: text)
}
