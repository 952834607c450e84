/// Where a payment stands between its creation and the money arriving.
///
/// The happy path is `draft → pending_approval → approved → scheduled → sent → accepted → settled`.
/// ``transition(to:)`` is the only way to move; anything not in ``allowedTransitions`` is an error.
public enum PaymentState: String, Sendable, Hashable, Codable, CaseIterable {
    case draft
    case pendingApproval = "pending_approval"
    case approved
    /// Put into a bank instruction that has not left yet.
    case scheduled
    case sent
    /// The bank confirmed the instruction (pain.002 `ACCP`/`ACSP`…).
    case accepted
    /// Booked on the statement: the money has left.
    case settled
    /// Stopped by a person or a control until someone releases it.
    case onHold = "on_hold"
    /// Refused by an approver.
    case rejected
    case cancelled
    /// Refused by the bank.
    case failed
    /// Sent back by the beneficiary's bank after settlement.
    case returned
    /// Handed to the bank, but no answer came: it may or may not have been received.
    case unknown

    /// Every legal move. A move not listed here is refused, whoever asks.
    ///
    /// Why the less obvious ones exist:
    /// - `on_hold` returns to `pending_approval`, never straight to `approved`: a released payment is
    ///   approved again under the policy in force, because the reason it was held may have changed it.
    /// - `scheduled → approved` takes a payment back out of a batch that has not been sent.
    /// - `unknown → scheduled` re-sends when the bank confirms it never received the file; the ids
    ///   stored before the first attempt are reused, so the bank can recognise a duplicate.
    /// - `sent`/`accepted`/`unknown → settled` because a statement can arrive before the status report.
    public static let allowedTransitions: [PaymentState: Set<PaymentState>] = [
        .draft: [.pendingApproval, .cancelled],
        .pendingApproval: [.approved, .rejected, .onHold, .cancelled],
        .onHold: [.pendingApproval, .cancelled],
        .approved: [.scheduled, .onHold, .cancelled],
        .scheduled: [.sent, .unknown, .approved, .onHold, .cancelled],
        .sent: [.accepted, .failed, .settled, .unknown],
        .unknown: [.sent, .scheduled, .accepted, .failed, .settled],
        .accepted: [.settled, .failed, .returned],
        .settled: [.returned],
        .rejected: [],
        .cancelled: [],
        .failed: [],
        .returned: [],
    ]

    /// The states a payment can move to from here.
    public var successors: Set<PaymentState> { Self.allowedTransitions[self] ?? [] }

    /// No move leads out of a final state.
    public var isFinal: Bool { successors.isEmpty }

    /// Whether the bank may already have the payment: from here on it can no longer be cancelled.
    public var isWithBank: Bool { [.sent, .accepted, .settled, .unknown, .returned].contains(self) }

    /// Returns `target` when the move is legal, or an error naming the move.
    public func transition(to target: PaymentState) throws(InvalidTransition) -> PaymentState {
        guard successors.contains(target) else { throw InvalidTransition(from: self, to: target) }
        return target
    }
}

/// A move the payment lifecycle does not allow, such as `settled → approved`.
public struct InvalidTransition: Error, Hashable, Sendable, CustomStringConvertible {
    public let from: PaymentState
    public let to: PaymentState

    public var description: String {
        "a payment cannot move from \(from.rawValue) to \(to.rawValue)"
    }
}
