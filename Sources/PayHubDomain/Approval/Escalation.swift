import Foundation

/// A step that has waited longer than its policy allows: the services layer turns it into an event
/// (a reminder, a notice to a deputy).
public struct OverdueStep: Hashable, Sendable {
    /// The stage that is waiting (0-based; see ``ApprovalChainState/stages``).
    public let stage: Int
    public let isRelease: Bool
    /// When the step became current.
    public let waitingSince: Date
    /// When its limit ran out: `waitingSince` plus the limit.
    public let overdueSince: Date
    public let limitHours: Int
}

extension ApprovalChainState {
    /// The current step if it has waited longer than its `escalate_after_hours` at `now`; nil when it
    /// has not, when it has no limit, or when the chain is finished.
    ///
    /// A pure function of the state and `now`, so a worker can call it on every tick and turn the answer
    /// into an event once (keyed by the chain, the stage and ``OverdueStep/overdueSince``).
    public func overdueStep(at now: Date) -> OverdueStep? {
        guard case .awaiting(let index, let since) = status, let hours = stages[index].step.escalateAfterHours
        else { return nil }
        let deadline = since.addingTimeInterval(TimeInterval(hours) * 3600)
        guard now > deadline else { return nil }
        return OverdueStep(
            stage: index, isRelease: stages[index].isRelease, waitingSince: since, overdueSince: deadline,
            limitHours: hours)
    }
}
