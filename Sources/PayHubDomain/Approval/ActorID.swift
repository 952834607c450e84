/// Who acted, as the audit trail records it: a user (`usr_…`), an API key (`key_…`), the command line
/// (`cli:…`) or the system.
///
/// Approval chains compare people by this: an ERP integration that imported a payable is an initiator
/// as much as a clerk who typed it, and an approver may be a user or a key that holds the role.
public struct ActorID: RawRepresentable, Hashable, Sendable, Codable, Comparable, CustomStringConvertible,
    ExpressibleByStringLiteral
{
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { rawValue = value }
    public init(_ user: ID<User>) { rawValue = user.rawValue }

    public init(from decoder: any Decoder) throws { rawValue = try decoder.singleValueContainer().decode(String.self) }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    public var description: String { rawValue }

    public static func < (lhs: ActorID, rhs: ActorID) -> Bool { lhs.rawValue < rhs.rawValue }
}
