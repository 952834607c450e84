import Foundation
import PayHubDomain
import PayHubStorage

// The job table's lease protocol behaves the same on SQLite and PostgreSQL: queuing is idempotent, a job is
// held by one worker at a time, a lease that runs out is taken over, and claimers racing each other never
// take the same job.
extension StorageContract {
    static let jobs: [StorageContract] = [jobsAreLeasedToOneWorkerAtATime, racingClaimersNeverShareAJob]

    static let jobsAreLeasedToOneWorkerAtATime = StorageContract(
        name: "jobs: queued once, leased to one worker, taken over when the lease runs out, retried when due"
    ) { store in
        let start = Date(timeIntervalSince1970: 1_790_000_000)
        try await expect(try await store.enqueueJob(kind: "send", subjectID: "ins_1", runAfter: start, now: start), "queued")
        try await expect(
            try await store.enqueueJob(kind: "send", subjectID: "ins_1", runAfter: start, now: start) == false,
            "the same work is queued once")
        try await store.enqueueJob(kind: "send", subjectID: "ins_2", runAfter: start.addingTimeInterval(60), now: start)

        let first = try await store.claimJobs(kinds: ["send"], owner: "worker-a", now: start, lease: 30, limit: 10)
        try await expect(first.map(\.subjectID) == ["ins_1"], "only the due job")
        try await expect(first.first?.attempts == 1 && first.first?.leaseOwner == "worker-a", "leased to its claimer")
        try await expect(
            try await store.claimJobs(kinds: ["send"], owner: "worker-b", now: start.addingTimeInterval(10), lease: 30, limit: 10)
                .isEmpty, "held while the lease runs")

        // Worker A dies; after its lease, worker B takes the job over, and A can no longer finish it.
        let later = start.addingTimeInterval(45)
        let takenOver = try await store.claimJobs(kinds: ["send"], owner: "worker-b", now: later, lease: 30, limit: 10)
        try await expect(takenOver.map(\.subjectID) == ["ins_1"], "the expired lease is taken over (ins_2 is not due yet)")
        try await expect(takenOver.first?.attempts == 2, "a second attempt")
        let job = try requireValue(takenOver.first, "the taken-over job")
        try await expect(
            try await store.finishJob(job.id, owner: "worker-a", now: later, error: nil, retryAt: nil) == false,
            "the old owner lost it")
        try await expect(try await store.finishJob(job.id, owner: "worker-b", now: later, error: nil, retryAt: nil), "finished")
        try await expect(try await store.job(kind: "send", subjectID: "ins_1")?.state == .done, "done")

        // A failure with a retry time queues it again for then; without one it stays failed.
        let second = try await store.claimJobs(kinds: ["send"], owner: "worker-a", now: start.addingTimeInterval(61), lease: 30, limit: 10)
        try await expect(second.map(\.subjectID) == ["ins_2"], "ins_2 is due now")
        let retry = start.addingTimeInterval(300)
        try await store.finishJob(second[0].id, owner: "worker-a", now: start.addingTimeInterval(62), error: "bank busy", retryAt: retry)
        try await expect(
            try await store.claimJobs(kinds: ["send"], owner: "worker-a", now: retry.addingTimeInterval(-1), lease: 30, limit: 10)
                .isEmpty, "not before its retry time")
        let third = try await store.claimJobs(kinds: ["send"], owner: "worker-a", now: retry, lease: 30, limit: 10)
        try await expect(third.first?.lastError == "bank busy" && third.first?.attempts == 2, "retried, the error kept")
        try await store.finishJob(third[0].id, owner: "worker-a", now: retry, error: "account closed", retryAt: nil)
        try await expect(try await store.job(kind: "send", subjectID: "ins_2")?.state == .failed, "failed for good")
        try await expect(
            try await store.claimJobs(kinds: ["send"], owner: "worker-c", now: retry.addingTimeInterval(3600), lease: 30, limit: 10)
                .isEmpty, "done and failed jobs are never claimed")
    }

    static let racingClaimersNeverShareAJob = StorageContract(name: "jobs: eight racing claimers take each job exactly once") {
        store in
        let now = Date(timeIntervalSince1970: 1_790_000_000)
        for index in 0..<60 {
            try await store.enqueueJob(kind: "send", subjectID: "ins_\(index)", runAfter: now, now: now)
        }
        // Each worker claims until nothing is left and returns what it took.
        let taken = try await withThrowingTaskGroup(of: [String].self) { group in
            for worker in 0..<8 {
                group.addTask {
                    var mine: [String] = []
                    while true {
                        let jobs = try await store.claimJobs(
                            kinds: ["send"], owner: "worker-\(worker)", now: now, lease: 600, limit: 3)
                        if jobs.isEmpty { return mine }
                        mine += jobs.map(\.subjectID)
                    }
                }
            }
            var all: [String: Int] = [:]
            for try await claimed in group {
                for subject in claimed { all[subject, default: 0] += 1 }
            }
            return all
        }
        try await expect(taken.count == 60, "every job was claimed (\(taken.count))")
        try await expect(taken.values.allSatisfy { $0 == 1 }, "no job was claimed twice")
    }
}

/// An optional the contract needs, or a violation naming it.
func requireValue<Value>(_ value: Value?, _ what: String) throws -> Value {
    guard let value else { throw ContractViolation("expected: \(what)") }
    return value
}
