import Foundation
import PayHubDomain
import PayHubStorage

/// Computes time-based one-time passwords (RFC 6238: 6 digits, 30-second steps, HMAC-SHA1, as
/// authenticator apps do). The HTTP layer supplies hummingbird-auth's implementation, so this module
/// stays free of the server framework.
public protocol OneTimePasswords: Sendable {
    /// The code of `secret` (its UTF-8 bytes are the HMAC key) for the time step containing `date`.
    func code(secret: String, at date: Date) -> Int
    /// The `otpauth://` URI an authenticator app reads, usually from a QR code.
    func enrolmentURI(secret: String, account: String, issuer: String) -> String
}

/// Step-up authentication for approvers: enrolment of a TOTP secret, its confirmation with a first code,
/// and the check an approval step that requires TOTP makes. Each code works once.
public struct StepUpService: Sendable {
    public let hub: PaymentHub
    public let passwords: any OneTimePasswords
    /// Codes of the step before and after the current one are accepted too (clock drift, typing time).
    public static let stepsOfDrift: Int64 = 1
    public static let timeStepSeconds: Int64 = 30

    public init(hub: PaymentHub, passwords: any OneTimePasswords) {
        self.hub = hub
        self.passwords = passwords
    }

    /// A new secret for `username`, stored sealed and unconfirmed; returns the enrolment URI (for a QR code)
    /// and the key in base32 (for typing in by hand). The user confirms with a first code before it counts.
    public func enrol(username: String, context: CallContext) async throws -> (uri: String, secret: String) {
        let user = try await self.user(username, context: context)
        // 32 random characters of the base32 alphabet (160 bits); the HMAC key is their UTF-8 bytes, and
        // what an app is given (in the URI, or typed in) is those bytes in base32.
        var random = SystemRandomNumberGenerator()
        let secret = String(decoding: (0..<32).map { _ in Base32.alphabet.randomElement(using: &random)! }, as: UTF8.self)
        try await hub.store.saveTOTPEnrolment(
            TOTPEnrolment(userID: user.id, secret: secret, enrolledAt: hub.clock.now()),
            context: context.audit(at: hub.clock.now()))
        return (passwords.enrolmentURI(secret: secret, account: user.username, issuer: "PayHub"), Base32.encode(Array(secret.utf8)))
    }

    /// Confirms an enrolment with a code from the app.
    public func confirm(username: String, code: String, context: CallContext) async throws {
        let user = try await self.user(username, context: context)
        guard try await check(user.id, code: code, confirming: true, context: context) else {
            throw ValidationFailure([FieldError(path: "code", code: "totp_invalid", message: "the code does not match, or was already used")])
        }
    }

    /// Whether `code` is a fresh, valid code of the caller's confirmed enrolment. Used once: the same
    /// code (or an older one) is refused afterwards.
    public func verify(principal: Principal, code: String, context: CallContext) async throws -> Bool {
        guard principal.kind == .user, let id = try? ID<User>(principal.actorID) else { return false }
        return try await check(id, code: code, confirming: false, context: context)
    }

    func check(_ user: ID<User>, code: String, confirming: Bool, context: CallContext) async throws -> Bool {
        let digits = code.filter { !$0.isWhitespace }
        guard digits.count == 6, digits.allSatisfy(\.isASCII), let number = Int(digits),
            let enrolment = try await hub.store.totpEnrolment(of: user),
            confirming || enrolment.confirmedAt != nil
        else { return false }
        let now = hub.clock.now()
        let current = Int64(now.timeIntervalSince1970) / Self.timeStepSeconds
        for step in (current - Self.stepsOfDrift)...(current + Self.stepsOfDrift) {
            let at = Date(timeIntervalSince1970: TimeInterval(step * Self.timeStepSeconds))
            guard passwords.code(secret: enrolment.secret, at: at) == number else { continue }
            return try await hub.store.useTOTPStep(step, of: user, confirming: confirming, context: context.audit(at: now))
        }
        return false
    }

    /// Enrolling needs `users.manage` (or the local console), or being the user.
    func user(_ username: String, context: CallContext) async throws -> User {
        guard let stored = try await hub.store.user(username: username) else {
            throw StorageError(.notFound, target: "user")
        }
        guard context.principal.kind == .system || context.principal.may(.usersManage)
            || context.principal.actorID == stored.user.id.rawValue
        else {
            throw AccessDenied(permission: .usersManage)
        }
        return stored.user
    }
}

/// RFC 4648 base32 without padding, as authenticator apps expect secrets.
enum Base32 {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var output: [UInt8] = []
        var buffer: UInt32 = 0
        var bits = 0
        for byte in bytes {
            buffer = (buffer << 8) | UInt32(byte)
            bits += 8
            while bits >= 5 {
                output.append(alphabet[Int((buffer >> UInt32(bits - 5)) & 31)])
                bits -= 5
            }
        }
        if bits > 0 { output.append(alphabet[Int((buffer << UInt32(5 - bits)) & 31)]) }
        return String(decoding: output, as: UTF8.self)
    }
}
