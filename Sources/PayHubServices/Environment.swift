import Foundation
import PayHubDomain
import PayHubStorage

/// Where the current time and new ids come from. The domain takes both as arguments; this is the one
/// place the application makes them, so tests can fix the clock.
public struct Clock: Sendable {
    public let now: @Sendable () -> Date

    public init(now: @escaping @Sendable () -> Date) { self.now = now }

    public static let system = Clock { Date() }

    public func newID<Object: Identified>(_: Object.Type = Object.self) -> ID<Object> {
        var generator = SystemRandomNumberGenerator()
        return ID.generate(millisecondsSinceEpoch: UInt64(now().timeIntervalSince1970 * 1000), using: &generator)
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
