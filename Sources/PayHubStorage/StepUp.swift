import Foundation
import PayHubDomain

/// A user's TOTP enrolment as stored: the secret sealed like bank details (bound to the user id), whether
/// the user proved they hold it, and the last time step used, so a code cannot be replayed.
public struct TOTPEnrolment: Sendable, Hashable {
    public var userID: ID<User>
    /// Base32, as authenticator apps take it; only ever held in memory.
    public var secret: String
    public var enrolledAt: Date
    public var confirmedAt: Date?
    public var lastTimeStep: Int64?

    public init(userID: ID<User>, secret: String, enrolledAt: Date, confirmedAt: Date? = nil, lastTimeStep: Int64? = nil) {
        self.userID = userID
        self.secret = secret
        self.enrolledAt = enrolledAt
        self.confirmedAt = confirmedAt
        self.lastTimeStep = lastTimeStep
    }
}

extension SQLTransactionRunner {
    /// Starts (or restarts) a user's enrolment with a new secret; an earlier confirmation no longer counts.
    public func saveTOTPEnrolment(_ enrolment: TOTPEnrolment, context: AuditContext) async throws {
        let records = self.records
        try await writeTransaction { session in
            let sealed = try records.cipher.seal(enrolment.secret, rowID: enrolment.userID.rawValue)
            try session.run(SQLQuery("DELETE FROM user_totp WHERE user_id = ?", [.text(enrolment.userID.rawValue)]))
            try session.run(
                SQLQuery(
                    "INSERT INTO user_totp (user_id, secret_sealed, enrolled_at) VALUES (?, ?, ?)",
                    [
                        .text(enrolment.userID.rawValue), .blob(sealed),
                        .integer(StoredTime.milliseconds(enrolment.enrolledAt)),
                    ]))
            var chain = try ChainAppender(locking: session)
            try chain.append(
                AuditEntry(action: "user.totp_enrolled", objectType: "user", objectID: enrolment.userID.rawValue),
                context: context, records: records, in: session)
        }
    }

    public func totpEnrolment(of user: ID<User>) async throws -> TOTPEnrolment? {
        let records = self.records
        return try await readTransaction { session in
            guard let row = try session.rows(SQLQuery("SELECT * FROM user_totp WHERE user_id = ?", [.text(user.rawValue)])).first
            else { return nil }
            return TOTPEnrolment(
                userID: user, secret: try records.cipher.open(try row.blob("secret_sealed"), rowID: user.rawValue),
                enrolledAt: StoredTime.date(try row.integer("enrolled_at")),
                confirmedAt: try row.optionalInteger("confirmed_at").map(StoredTime.date),
                lastTimeStep: try row.optionalInteger("last_time_step"))
        }
    }

    /// Records that a code of `timeStep` was used: confirms the enrolment if `confirming`, and refuses
    /// (returns false) a time step not later than the last one used, so each code works once.
    public func useTOTPStep(_ timeStep: Int64, of user: ID<User>, confirming: Bool, context: AuditContext) async throws
        -> Bool
    {
        let records = self.records
        return try await writeTransaction { session in
            let changed = try session.run(
                SQLQuery(
                    """
                    UPDATE user_totp SET last_time_step = ?, confirmed_at = COALESCE(confirmed_at, ?)
                    WHERE user_id = ? AND (last_time_step IS NULL OR last_time_step < ?)
                        AND (confirmed_at IS NOT NULL OR ? = 1)
                    """,
                    [
                        .integer(timeStep), confirming ? .integer(StoredTime.milliseconds(context.occurredAt)) : .null,
                        .text(user.rawValue), .integer(timeStep), .integer(confirming ? 1 : 0),
                    ]))
            if changed == 1, confirming {
                var chain = try ChainAppender(locking: session)
                try chain.append(
                    AuditEntry(action: "user.totp_confirmed", objectType: "user", objectID: user.rawValue),
                    context: context, records: records, in: session)
            }
            return changed == 1
        }
    }
}
