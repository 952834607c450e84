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
        var (milliseconds, sequence, random) = IDSequence.next(UInt64(max(now().timeIntervalSince1970, 0) * 1000))
        return ID.generate(millisecondsSinceEpoch: milliseconds, sequence: sequence, using: &random)
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
    private struct State {
        var milliseconds: UInt64 = 0
        var sequence: UInt32 = 0
        /// Reseeded from the system every 4,096 ids (see ``IDRandomness`` for why not every time).
        var random = IDRandomness()
        var drawn = 0
    }

    private static let state = Mutex(State())

    /// The next (millisecond, sequence) pair, and a random word for the id's remaining bits.
    static func next(_ milliseconds: UInt64) -> (UInt64, UInt32, PresetRandomWord) {
        state.withLock { state in
            if milliseconds > state.milliseconds {
                (state.milliseconds, state.sequence) = (milliseconds, 0)
            } else if state.sequence == .max {
                (state.milliseconds, state.sequence) = (state.milliseconds + 1, 0)
            } else {
                state.sequence += 1
            }
            state.drawn += 1
            if state.drawn % 4096 == 0 { state.random = IDRandomness() }
            return (state.milliseconds, state.sequence, PresetRandomWord(state.random.next()))
        }
    }
}

/// A random word drawn in advance, handed out as a generator: an id with a sequence number needs one.
struct PresetRandomWord: RandomNumberGenerator {
    private var word: UInt64?

    init(_ word: UInt64) { self.word = word }

    mutating func next() -> UInt64 {
        guard let word else { preconditionFailure("an id with a sequence number draws one random word") }
        self.word = nil
        return word
    }
}
