/// Why the simulator could not do what it was asked, and where: a configuration setting's path, a
/// report's name, a file in its state directory. The description never holds account numbers or
/// names; ``debugDescription`` adds the underlying detail.
public struct BankSimulatorError: Error, Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    public enum Code: String, Sendable, Hashable {
        /// A setting is missing or wrong; `location` names it.
        case invalidConfiguration = "invalid_configuration"
        /// The state directory holds state the simulator cannot read.
        case corruptState = "corrupt_state"
        /// Reading or writing a file failed.
        case io = "io"
        /// No such report in the outgoing directory, or a name that is not a report's.
        case unknownReport = "unknown_report"
        /// The simulator's own books do not add up: a bug, reported instead of writing a wrong statement.
        case internalInconsistency = "internal_inconsistency"
    }

    public var code: Code
    /// A setting's path (`accounts[1].opening_balance`) or a file's name.
    public var location: String?
    public var message: String
    /// Detail for logs a developer reads (an underlying system error); not in ``description``.
    public var detail: String?

    public init(_ code: Code, at location: String? = nil, _ message: String, detail: String? = nil) {
        self.code = code
        self.location = location
        self.message = message
        self.detail = detail
    }

    public var description: String { "\(code.rawValue): " + (location.map { "\($0): \(message)" } ?? message) }
    public var debugDescription: String { description + (detail.map { " (\($0))" } ?? "") }

    /// Equal when the code and location are: the wording may change.
    public static func == (lhs: BankSimulatorError, rhs: BankSimulatorError) -> Bool {
        lhs.code == rhs.code && lhs.location == rhs.location
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(code)
        hasher.combine(location)
    }
}
