import Crypto
import Foundation
import HummingbirdBcrypt
import PayHubDomain
import PayHubStorage

/// Users, API keys, and turning credentials into a ``Principal``.
public struct AccessService: Sendable {
    let store: any PayHubStore
    let clock: Clock
    /// bcrypt's work factor; 12 in production. Tests may lower it to keep the suite fast.
    let bcryptCost: UInt8

    public static let apiKeyPrefix = "phk_"

    public init(store: any PayHubStore, clock: Clock = .system, bcryptCost: UInt8 = 12) {
        self.store = store
        self.clock = clock
        self.bcryptCost = bcryptCost
    }

    /// Creates a user with a bcrypt-hashed password of at least ``User/passwordLengthMin`` characters.
    public func addUser(
        username: String, displayName: String, password: String, roles: Set<Role>, scope: EntityScope,
        context: CallContext
    ) async throws -> User {
        guard context.principal.kind == .system || context.principal.may(.usersManage) else {
            throw AccessDenied(permission: .usersManage)
        }
        var problems = FieldErrorCollector()
        if password.count < User.passwordLengthMin {
            problems.add(
                "password", code: "password_too_short",
                "password must have at least \(User.passwordLengthMin) characters")
        }
        try problems.throwIfAny()
        try await requireEntitiesExist(scope)
        let user = try User(
            id: clock.newID(), username: username, displayName: displayName, roles: roles, scope: scope,
            createdAt: clock.now())
        let hash = Bcrypt.hash(password, cost: bcryptCost)
        try await store.createUser(user, passwordHash: hash, context: context.audit(at: clock.now()))
        return user
    }

    /// Creates an API key and returns it with its secret, which exists only in this return value.
    public func createAPIKey(name: String, roles: Set<Role>, scope: EntityScope, context: CallContext) async throws
        -> (key: APIKey, secret: String)
    {
        guard context.principal.kind == .system || context.principal.may(.apiKeysManage) else {
            throw AccessDenied(permission: .apiKeysManage)
        }
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        guard (1...100).contains(trimmed.count) else {
            throw ValidationFailure([FieldError(path: "name", code: "invalid_name", message: "name must have 1 to 100 characters")])
        }
        guard !roles.isEmpty else {
            throw ValidationFailure([FieldError(path: "roles", code: "no_roles", message: "an API key needs at least one role")])
        }
        try await requireEntitiesExist(scope)
        var random = SystemRandomNumberGenerator()
        let secretBytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &random) }
        let secret = Self.apiKeyPrefix + Self.base64URL(secretBytes)
        let key = APIKey(id: clock.newID(), name: trimmed, roles: roles, scope: scope, createdAt: clock.now())
        try await store.createAPIKey(key, secretHash: Self.secretHash(secret), context: context.audit(at: clock.now()))
        return (key, secret)
    }

    /// The principal behind an API key secret, or nil for an unknown or revoked key.
    public func authenticate(apiKey secret: String) async throws -> Principal? {
        guard secret.hasPrefix(Self.apiKeyPrefix), secret.utf8.count < 200 else { return nil }
        return try await store.apiKey(secretHash: Self.secretHash(secret))?.principal
    }

    /// The principal of a user whose password matches, or nil. Unknown users cost the same bcrypt work,
    /// so response time does not reveal which usernames exist.
    public func authenticate(username: String, password: String) async throws -> Principal? {
        guard let stored = try await store.user(username: username) else {
            _ = Bcrypt.verify(password, hash: Self.decoyHash)
            return nil
        }
        return Bcrypt.verify(password, hash: stored.passwordHash) ? stored.user.principal : nil
    }

    /// API key secrets are 256 random bits, so a fast hash is enough: nothing to brute-force.
    static func secretHash(_ secret: String) -> String {
        SHA256.hash(data: Data(secret.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    private static let decoyHash = Bcrypt.hash("decoy password for timing", cost: 12)

    private func requireEntitiesExist(_ scope: EntityScope) async throws {
        guard case .only(let entities) = scope else { return }
        for (index, entityID) in entities.sorted().enumerated() where try await store.entity(entityID, scope: .all) == nil {
            throw ValidationFailure([FieldError(path: "entities[\(index)]", code: "unknown_entity", message: "no such entity")])
        }
    }
}
