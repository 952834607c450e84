import Foundation

/// A POST that carries an `Idempotency-Key`, as the store records it.
public struct IdempotentRequest: Sendable, Hashable {
    /// Keys are per caller: two integrations may both send `batch-1`.
    public var actorID: String
    public var key: String
    /// SHA-256 of the method, path and body: the same key with another request is refused.
    public var requestHash: String
    public var now: Date
    /// How long the first response is kept for replays; the API conventions promise at least 24 hours.
    public var retention: TimeInterval
    /// How long a request may run before its key is considered abandoned (the process died mid-request)
    /// and a retry may take it over.
    public var lease: TimeInterval

    public init(
        actorID: String, key: String, requestHash: String, now: Date, retention: TimeInterval = 24 * 3600,
        lease: TimeInterval = 300
    ) {
        self.actorID = actorID
        self.key = key
        self.requestHash = requestHash
        self.now = now
        self.retention = retention
        self.lease = lease
    }
}

/// The first response to an idempotent request, replayed byte for byte.
public struct StoredResponse: Sendable, Hashable {
    public var status: Int
    public var contentType: String?
    public var body: Data

    public init(status: Int, contentType: String?, body: Data) {
        self.status = status
        self.contentType = contentType
        self.body = body
    }
}

/// What may happen with a request that carries a key.
public enum IdempotencyClaim: Sendable, Hashable {
    /// The key is new (or expired, or abandoned): run the request, then complete or release the key.
    case proceed
    /// The same request finished before: answer with its response.
    case replay(StoredResponse)
    /// The same key is running right now in another request.
    case inProgress
    /// The key was used for a different request.
    case mismatch
}

extension SQLTransactionRunner {
    public func claimIdempotencyKey(_ request: IdempotentRequest) async throws -> IdempotencyClaim {
        do {
            return try await writeTransaction { session in try Self.claim(request, in: session) }
        } catch let error as StorageError where error.code == .duplicate {
            // PostgreSQL: a concurrent first request inserted the key between our read and our insert.
            // Its row is committed or running now; reading again gives the right answer.
            return try await writeTransaction { session in try Self.claim(request, in: session) }
        }
    }

    private static func claim(_ request: IdempotentRequest, in session: any SQLSession) throws -> IdempotencyClaim {
        let now = StoredTime.milliseconds(request.now)
        let leaseUntil = StoredTime.milliseconds(request.now.addingTimeInterval(request.lease))
        let key: [SQLValue] = [.text(request.actorID), .text(request.key)]
        let existing = try session.rows(
            SQLQuery(
                "SELECT * FROM idempotency_keys WHERE actor_id = ? AND idempotency_key = ?" + session.forUpdate, key)
        ).first
        if let existing, try existing.integer("expires_at") > now {
            guard try existing.text("request_hash") == request.requestHash else { return .mismatch }
            if try existing.text("state") == "completed" {
                return .replay(
                    StoredResponse(
                        status: Int(try existing.integer("response_status")),
                        contentType: try existing.optionalText("response_content_type"),
                        body: try existing.blob("response_body")))
            }
            guard try existing.integer("lease_until") <= now else { return .inProgress }
            // The request that held it never finished (its process died): this retry takes over.
            try session.run(
                SQLQuery(
                    "UPDATE idempotency_keys SET lease_until = ? WHERE actor_id = ? AND idempotency_key = ?",
                    [.integer(leaseUntil)] + key))
            return .proceed
        }
        if existing != nil {
            try session.run(SQLQuery("DELETE FROM idempotency_keys WHERE actor_id = ? AND idempotency_key = ?", key))
        }
        try session.run(
            SQLQuery(
                """
                INSERT INTO idempotency_keys (actor_id, idempotency_key, request_hash, state, created_at, expires_at,
                    lease_until)
                VALUES (?, ?, ?, 'running', ?, ?, ?)
                """,
                key + [
                    .text(request.requestHash), .integer(now),
                    .integer(StoredTime.milliseconds(request.now.addingTimeInterval(request.retention))),
                    .integer(leaseUntil),
                ]))
        return .proceed
    }

    /// Stores the response of a request that ran, for replays.
    public func completeIdempotencyKey(actorID: String, key: String, response: StoredResponse) async throws {
        try await writeTransaction { session in
            try session.run(
                SQLQuery(
                    """
                    UPDATE idempotency_keys SET state = 'completed', response_status = ?, response_content_type = ?,
                        response_body = ?
                    WHERE actor_id = ? AND idempotency_key = ? AND state = 'running'
                    """,
                    [
                        .integer(Int64(response.status)), SQLValue(response.contentType), .blob(response.body),
                        .text(actorID), .text(key),
                    ]))
        }
    }

    /// Frees a key whose request failed in a way a retry may fix (a server error): the next attempt runs.
    public func releaseIdempotencyKey(actorID: String, key: String) async throws {
        try await writeTransaction { session in
            try session.run(
                SQLQuery(
                    "DELETE FROM idempotency_keys WHERE actor_id = ? AND idempotency_key = ? AND state = 'running'",
                    [.text(actorID), .text(key)]))
        }
    }

    /// Deletes keys past their retention; returns how many.
    public func purgeIdempotencyKeys(expiredBy now: Date) async throws -> Int {
        try await writeTransaction { session in
            try session.run(
                SQLQuery(
                    "DELETE FROM idempotency_keys WHERE expires_at <= ?", [.integer(StoredTime.milliseconds(now))]))
        }
    }
}

extension SQLSession {
    /// ` FOR UPDATE` where the database locks rows (PostgreSQL); SQLite's writer holds the whole file.
    var forUpdate: String { dialect == .postgres ? " FOR UPDATE" : "" }
}
