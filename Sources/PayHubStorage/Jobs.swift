import Foundation
import PayHubDomain

/// One unit of background work on one subject, as the job table keeps it.
public struct Job: Identified, Sendable, Hashable {
    public static let idPrefix = "job"

    public enum State: String, Sendable, Hashable, Codable {
        case queued, running, done, failed
    }

    public var id: ID<Job>
    /// What to do (`send_instruction`, `poll_status`…).
    public var kind: String
    /// What to do it to (an instruction id, a payment id).
    public var subjectID: String
    public var state: State
    /// How many times it has been claimed.
    public var attempts: Int
    public var runAfter: Date
    public var leaseOwner: String?
    public var leaseUntil: Date?
    public var lastError: String?
}

/// The lease protocol: a worker claims due jobs for a time, finishes or fails them while it holds the
/// lease, and a job whose lease ran out (its worker died) is claimed again. On PostgreSQL the claim takes
/// rows `FOR UPDATE SKIP LOCKED`, so claimers in several processes pass each other by; on SQLite the one
/// write transaction does the same.
extension SQLTransactionRunner {
    /// Queues `kind` for `subjectID` unless it is queued or was done already; true when it is new.
    @discardableResult
    public func enqueueJob(kind: String, subjectID: String, runAfter: Date, now: Date) async throws -> Bool {
        var generator = IDRandomness()
        let id = ID<Job>.generate(millisecondsSinceEpoch: UInt64(StoredTime.milliseconds(now)), using: &generator)
        return try await writeTransaction { session in
            try session.run(
                SQLQuery(
                    """
                    INSERT INTO jobs (id, kind, subject_id, state, attempts, run_after, created_at, updated_at)
                    VALUES (?, ?, ?, 'queued', 0, ?, ?, ?)
                    ON CONFLICT (kind, subject_id) DO NOTHING
                    """,
                    [
                        .text(id.rawValue), .text(kind), .text(subjectID),
                        .integer(StoredTime.milliseconds(runAfter)), .integer(StoredTime.milliseconds(now)),
                        .integer(StoredTime.milliseconds(now)),
                    ])) == 1
        }
    }

    /// Takes up to `limit` due jobs of `kinds` (queued and due, or running with a lease run out) for
    /// `owner` until `now + lease`.
    public func claimJobs(kinds: [String], owner: String, now: Date, lease: TimeInterval, limit: Int) async throws -> [Job] {
        guard !kinds.isEmpty, limit > 0 else { return [] }
        let nowMilliseconds = StoredTime.milliseconds(now)
        let until = StoredTime.milliseconds(now.addingTimeInterval(lease))
        return try await writeTransaction { session in
            let marks = Array(repeating: "?", count: kinds.count).joined(separator: ", ")
            let skipLocked = session.dialect == .postgres ? " FOR UPDATE SKIP LOCKED" : ""
            let due = try session.rows(
                SQLQuery(
                    """
                    SELECT id FROM jobs
                    WHERE kind IN (\(marks))
                        AND ((state = 'queued' AND run_after <= ?) OR (state = 'running' AND lease_until < ?))
                    ORDER BY run_after, id LIMIT ?\(skipLocked)
                    """,
                    kinds.map { .text($0) } + [.integer(nowMilliseconds), .integer(nowMilliseconds), .integer(Int64(limit))])
            ).map { try $0.text("id") }
            var claimed: [Job] = []
            for id in due {
                try session.run(
                    SQLQuery(
                        """
                        UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_owner = ?, lease_until = ?,
                            updated_at = ?
                        WHERE id = ?
                        """, [.text(owner), .integer(until), .integer(nowMilliseconds), .text(id)]))
                if let row = try session.rows(SQLQuery("SELECT * FROM jobs WHERE id = ?", [.text(id)])).first {
                    claimed.append(try Self.job(from: row))
                }
            }
            return claimed
        }
    }

    /// Ends a job its owner still holds: `done`, or (with `error`) queued again at `retryAt`, or `failed`
    /// when there is no retry. False when the lease was lost (another worker took the job over).
    @discardableResult
    public func finishJob(
        _ id: ID<Job>, owner: String, now: Date, error: String? = nil, retryAt: Date? = nil
    ) async throws -> Bool {
        let state: Job.State = error == nil ? .done : (retryAt == nil ? .failed : .queued)
        return try await writeTransaction { session in
            try session.run(
                SQLQuery(
                    """
                    UPDATE jobs SET state = ?, last_error = ?, run_after = COALESCE(?, run_after), lease_owner = NULL,
                        lease_until = NULL, updated_at = ?
                    WHERE id = ? AND state = 'running' AND lease_owner = ?
                    """,
                    [
                        .text(state.rawValue), SQLValue(error), SQLValue(retryAt.map(StoredTime.milliseconds)),
                        .integer(StoredTime.milliseconds(now)), .text(id.rawValue), .text(owner),
                    ])) == 1
        }
    }

    /// Ends one run of a recurring job its owner still holds and queues the next at `runAfter`, so one
    /// row stands for "plan every minute" or "collect this connection's files" for every process.
    @discardableResult
    public func requeueJob(_ id: ID<Job>, owner: String, runAfter: Date, now: Date, error: String? = nil) async throws -> Bool {
        try await writeTransaction { session in
            try session.run(
                SQLQuery(
                    """
                    UPDATE jobs SET state = 'queued', last_error = ?, run_after = ?, lease_owner = NULL, lease_until = NULL,
                        updated_at = ?
                    WHERE id = ? AND state = 'running' AND lease_owner = ?
                    """,
                    [
                        SQLValue(error), .integer(StoredTime.milliseconds(runAfter)), .integer(StoredTime.milliseconds(now)),
                        .text(id.rawValue), .text(owner),
                    ])) == 1
        }
    }

    public func job(kind: String, subjectID: String) async throws -> Job? {
        try await readTransaction { session in
            try session.rows(
                SQLQuery("SELECT * FROM jobs WHERE kind = ? AND subject_id = ?", [.text(kind), .text(subjectID)])
            ).first.map(Self.job(from:))
        }
    }

    static func job(from row: any SQLRow) throws -> Job {
        guard let state = Job.State(rawValue: try row.text("state")) else {
            throw StorageError(.corruptRow, target: "jobs.state")
        }
        return Job(
            id: try ID(row.text("id")), kind: try row.text("kind"), subjectID: try row.text("subject_id"), state: state,
            attempts: Int(try row.integer("attempts")), runAfter: StoredTime.date(try row.integer("run_after")),
            leaseOwner: try row.optionalText("lease_owner"),
            leaseUntil: try row.optionalInteger("lease_until").map(StoredTime.date),
            lastError: try row.optionalText("last_error"))
    }
}
