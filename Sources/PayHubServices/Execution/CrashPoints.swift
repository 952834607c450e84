import Foundation
import Synchronization

/// Named step boundaries of execution where the crash test stops the process dead.
///
/// Exactly-once sending is a claim about what happens when a process dies between any two steps; the
/// only honest test is to make it die there. With `PAYHUB_CRASH_AT=send.after_stage#3`, the third time
/// any worker of this process reaches `send.after_stage`, the process sends itself SIGKILL: no cleanup,
/// no flush, as a power cut or the OOM killer would. Without the variable this is one atomic load.
public enum CrashPoint: String, Sendable, CaseIterable {
    /// Instructions are stored and their payments scheduled; their send jobs are not queued yet.
    case planAfterSave = "plan.after_save"
    /// The file is rendered; nothing is staged yet.
    case sendBeforeStage = "send.before_stage"
    /// The file is staged where the bank cannot see it; the payments are still `scheduled`.
    case sendAfterStage = "send.after_stage"
    /// The payments are `unknown`; the bank cannot see the file yet.
    case sendAfterBegin = "send.after_begin"
    /// The bank can see the file; PayHub has not recorded it.
    case sendAfterDeliver = "send.after_deliver"
    /// The payments are `sent`; the job is not finished.
    case sendAfterComplete = "send.after_complete"
    /// A bank file is fetched; nothing of it is applied.
    case collectAfterFetch = "collect.after_fetch"
    /// A bank file is applied; it is still in the bank's outbox.
    case collectAfterApply = "collect.after_apply"

    /// Called at the boundary; kills the process when the environment names this point and count.
    public func reached() {
        guard let target = CrashPoints.target, target.point == self else { return }
        let count = CrashPoints.counter.add(1, ordering: .sequentiallyConsistent).newValue
        if count == target.occurrence {
            FileHandle.standardError.write(Data("crash point \(rawValue)#\(count): SIGKILL\n".utf8))
            kill(getpid(), SIGKILL)
        }
    }
}

enum CrashPoints {
    static let target: (point: CrashPoint, occurrence: Int)? = {
        guard let text = ProcessInfo.processInfo.environment["PAYHUB_CRASH_AT"], !text.isEmpty else { return nil }
        let parts = text.split(separator: "#", maxSplits: 1)
        guard let point = CrashPoint(rawValue: String(parts[0])) else { return nil }
        let occurrence = parts.count > 1 ? Int(parts[1]) ?? 1 : 1
        return (point, max(occurrence, 1))
    }()

    static let counter = Atomic<Int>(0)
}
