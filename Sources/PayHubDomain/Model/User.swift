import Foundation

/// A person who signs in to PayHub.
public struct User: Identified, Hashable, Sendable {
    public static let idPrefix = "usr"

    public let id: ID<User>
    /// The sign-in name: lowercase, 3 to 64 characters.
    public var username: String
    public var displayName: String
    public var roles: Set<Role>
    public var scope: EntityScope
    public var createdAt: Date

    public init(
        id: ID<User>, username: String, displayName: String, roles: Set<Role>, scope: EntityScope, createdAt: Date
    ) throws(ValidationFailure) {
        var problems = FieldErrorCollector()
        let normalized = username.lowercased()
        if !(3...64).contains(normalized.count)
            || !normalized.utf8.allSatisfy({
                ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z")) || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9"))
                    || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "@")
            })
        {
            problems.add("username", code: "invalid_username", "username must have 3 to 64 of a-z 0-9 . _ - @")
        }
        if roles.isEmpty { problems.add("roles", code: "no_roles", "a user needs at least one role") }
        try problems.throwIfAny()
        self.id = id
        self.username = normalized
        self.displayName = displayName
        self.roles = roles
        self.scope = scope
        self.createdAt = createdAt
    }

    public var principal: Principal { Principal(kind: .user, actorID: id.rawValue, roles: roles, scope: scope) }

    /// The shortest password PayHub accepts; length beats composition rules (NIST SP 800-63B).
    public static let passwordLengthMin = 12
}

/// A key an ERP integration authenticates with. Only its hash is stored; the secret is shown once.
public struct APIKey: Identified, Hashable, Sendable {
    public static let idPrefix = "key"

    public let id: ID<APIKey>
    public var name: String
    public var roles: Set<Role>
    public var scope: EntityScope
    public var createdAt: Date
    public var revokedAt: Date?

    public init(id: ID<APIKey>, name: String, roles: Set<Role>, scope: EntityScope, createdAt: Date, revokedAt: Date? = nil) {
        self.id = id
        self.name = name
        self.roles = roles
        self.scope = scope
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }

    public var principal: Principal { Principal(kind: .apiKey, actorID: id.rawValue, roles: roles, scope: scope) }
}
