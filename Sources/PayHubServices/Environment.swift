import Foundation
import Synchronization
import PayHubDomain
import PayHubStorage

/// Where the current time and new ids come from. The domain takes both as arguments; this is the one
/// place the application makes them, so tests can fix the clock.
public struct Clock: Sendable {
    public let now: @Sendable () -> Date

    public init(now: @escaping @Sendable () -> Date) { self.now = now }

    public static let system = Clock { Date() }

    /// A new id; ids made by this process sort in the order they were made (see ``IDSequence``).
    public func newID<Object: Identified>(_: Object.Type = Object.self) -> ID<Object> {
        var generator = SystemRandomNumberGenerator()
        let (milliseconds, sequence) = IDSequence.next(UInt64(max(now().timeIntervalSince1970, 0) * 1000))
        return ID.generate(millisecondsSinceEpoch: milliseconds, sequence: sequence, using: &generator)
    }
}

/// Who is asking and how the request reached PayHub, carried from the edge into every use case.
public struct CallContext: Sendable {
    public var principal: Principal
    /// `api`, `cli`, `demo`… plus the client address when known.
    public var origin: String
    public var requestID: String?

    public init(principal: Principal, origin: String, requestID: String? = nil) {
        self.principal = principal
        self.origin = origin
        self.requestID = requestID
    }

    func audit(at date: Date) -> AuditContext {
        AuditContext(principal: principal, origin: origin, requestID: requestID, occurredAt: date)
    }
}

/// A use case refused for the caller: missing permission, or an object they may not see.
public struct AccessDenied: Error, Sendable, Hashable, CustomStringConvertible {
    public let permission: Permission
    public var description: String { "this requires the \(permission.rawValue) permission" }
}

/// Numbers the ids this process makes within each millisecond, and never lets time run backwards for
/// them (a fixed test clock, or the wall clock stepped back), so later ids always sort later.
enum IDSequence {
    private static let last = Mutex<(milliseconds: UInt64, sequence: UInt32)>((0, 0))

    static func next(_ milliseconds: UInt64) -> (UInt64, UInt32) {
        last.withLock { last in
            if milliseconds > last.milliseconds {
                last = (milliseconds, 0)
            } else if last.sequence == .max {
                last = (last.milliseconds + 1, 0)
            } else {
                last.sequence += 1
            }
            return last
        }
    }
}
