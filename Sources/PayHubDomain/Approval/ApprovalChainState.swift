import Foundation

/// Someone acting on an approval chain, with the authority they hold at that moment.
public struct ApprovalActor: Hashable, Sendable {
    public var actorID: ActorID
    /// The user's roles for the payment's entity.
    public var roles: Set<Role>
    /// The approval groups the user belongs to (`cfo-office`).
    public var groups: Set<String>

    public init(actorID: ActorID, roles: Set<Role> = [], groups: Set<String> = []) {
        self.actorID = actorID
        self.roles = roles
        self.groups = groups
    }
}

/// Authority borrowed for one action: the delegation, and the delegator's roles and groups then.
public struct DelegatedAuthority: Hashable, Sendable {
    public var delegation: Delegation
    /// The delegator's roles; the delegate acts with these, not their own.
    public var roles: Set<Role>
    /// The delegator's approval groups.
    public var groups: Set<String>

    public init(delegation: Delegation, roles: Set<Role>, groups: Set<String> = []) {
        self.delegation = delegation
        self.roles = roles
        self.groups = groups
    }

    public var delegator: ActorID { delegation.from }
}

/// What someone does to a chain. Approving and releasing are separate acts, so a click meant for one
/// step can never complete another.
public enum ApprovalChainAction: Hashable, Sendable {
    /// Approves the current step; `totpVerified` says a second factor was checked for this act.
    case approve(by: ApprovalActor, onBehalfOf: DelegatedAuthority? = nil, at: Date, totpVerified: Bool)
    /// Completes the release step, the last one, when the chain has one.
    case release(by: ApprovalActor, onBehalfOf: DelegatedAuthority? = nil, at: Date, totpVerified: Bool)
    /// Ends the chain: the payment is rejected, with the reason.
    case reject(by: ApprovalActor, onBehalfOf: DelegatedAuthority? = nil, reason: String, at: Date)
}

/// One step of a running chain: an approval step, or the release step at the end.
public struct ApprovalStage: Hashable, Sendable {
    /// 0-based, approval steps first, the release step last.
    public let index: Int
    public let step: ApprovalStep
    public let isRelease: Bool
}

/// An approval (or release) the chain accepted.
public struct RecordedApproval: Hashable, Sendable {
    public let stage: Int
    public let isRelease: Bool
    /// The person who acted.
    public let by: ActorID
    /// The delegator, when `by` acted through a delegation.
    public let onBehalfOf: ActorID?
    public let at: Date
    public let totpVerified: Bool

    /// Everyone this approval stands for: the actor, and the delegator if any. Each may appear only
    /// once in a chain.
    public var people: Set<ActorID> { onBehalfOf.map { [by, $0] } ?? [by] }
}

/// Why and by whom a chain was rejected.
public struct ChainRejection: Hashable, Sendable {
    public let stage: Int
    public let by: ActorID
    public let onBehalfOf: ActorID?
    public let reason: String
    public let at: Date
}

/// Where a chain stands.
public enum ApprovalChainStatus: Hashable, Sendable {
    /// Waiting for approvals of `stage`, current since `since`.
    case awaiting(stage: Int, since: Date)
    /// Every step has its approvals, and the release (if any) is done.
    case approved(at: Date)
    case rejected(ChainRejection)
}

/// The progress of one payment through the approval chain its policy decision asked for, as a pure state
/// machine: feed it actions, get back the next state or a typed error and the old state unchanged.
///
/// Segregation of duties is enforced here, where no user interface can forget it:
/// - nobody who created or imported the payment (the ``initiators``) approves, releases or rejects it;
/// - nobody acts twice in one chain, across all steps; a delegate and their delegator count as one
///   person, so no human can approve twice through a stand-in;
/// - the releaser approved nothing else in the chain;
/// - each act needs the step's role or group (the delegator's, when acting through a delegation);
/// - a step that asks for step-up authentication accepts only acts with a verified second factor.
///
/// Steps complete in order: a step is done when it has its N approvals from N different people; the
/// chain is approved when the last step (the release, if any) is done. A rejection at any step ends it.
public struct ApprovalChainState: Hashable, Sendable {
    public let chain: ApprovalChainSpec
    /// The payment's legal entity; delegations limited to another entity do not count here.
    public let entityID: ID<LegalEntity>
    /// Whoever created or imported the payment (`usr_…`): none of them may act on it.
    public let initiators: Set<ActorID>
    /// The approval steps in order, then the release step.
    public let stages: [ApprovalStage]
    public private(set) var status: ApprovalChainStatus
    /// Every accepted approval and release, in the order given.
    public private(set) var approvals: [RecordedApproval] = []

    /// A chain waiting for its first step since `startedAt`.
    ///
    /// Refuses a chain without steps or with a step asking for fewer than one approval: such a chain
    /// would approve a payment nobody looked at. (``ApprovalPolicy/validate()`` refuses them earlier.)
    public init(
        chain: ApprovalChainSpec, entityID: ID<LegalEntity>, initiators: Set<ActorID>, startedAt: Date
    ) throws(ApprovalChainError) {
        guard !chain.steps.isEmpty else { throw ApprovalChainError(code: .invalidChain, stage: nil) }
        var stages = chain.steps.enumerated().map {
            ApprovalStage(index: $0.offset, step: $0.element, isRelease: false)
        }
        if let release = chain.release {
            stages.append(ApprovalStage(index: stages.count, step: release, isRelease: true))
        }
        if let invalid = stages.first(where: { $0.step.approvals < 1 }) {
            throw ApprovalChainError(code: .invalidChain, stage: invalid.index)
        }
        self.chain = chain
        self.entityID = entityID
        self.initiators = initiators
        self.stages = stages
        self.status = .awaiting(stage: 0, since: startedAt)
    }

    /// The chain a policy decision asked for; ``ApprovalChainError/Code/notAChain`` when it asked for
    /// something else (auto-approval, a hold, a block).
    public init(decision: PolicyDecision, initiators: Set<ActorID>, startedAt: Date) throws(ApprovalChainError) {
        guard case .chain(let chain) = decision.outcome else { throw ApprovalChainError(code: .notAChain, stage: nil) }
        try self.init(chain: chain, entityID: decision.entityID, initiators: initiators, startedAt: startedAt)
    }

    /// The step waiting for approvals; nil once the chain is approved or rejected.
    public var currentStage: ApprovalStage? {
        guard case .awaiting(let index, _) = status else { return nil }
        return stages[index]
    }

    public var isApproved: Bool { if case .approved = status { true } else { false } }
    public var isRejected: Bool { if case .rejected = status { true } else { false } }

    /// The accepted approvals of one stage.
    public func approvals(ofStage index: Int) -> [RecordedApproval] { approvals.filter { $0.stage == index } }

    /// Everyone who approved or released so far, delegators included.
    public var peopleWhoActed: Set<ActorID> { approvals.reduce(into: []) { $0.formUnion($1.people) } }

    /// Applies `action`, leaving the state unchanged when it is refused.
    public mutating func apply(_ action: ApprovalChainAction) throws(ApprovalChainError) {
        self = try applying(action)
    }

    /// The state after `action`, or the reason it is refused.
    public func applying(_ action: ApprovalChainAction) throws(ApprovalChainError) -> ApprovalChainState {
        guard case .awaiting(let index, _) = status else { throw ApprovalChainError(code: .chainFinished, stage: nil) }
        let stage = stages[index]
        switch action {
        case .approve(let actor, let delegated, let time, let totpVerified):
            guard !stage.isRelease else { throw ApprovalChainError(code: .releaseExpected, stage: index) }
            return try signing(stage, by: actor, delegated: delegated, at: time, totpVerified: totpVerified)
        case .release(let actor, let delegated, let time, let totpVerified):
            guard stage.isRelease else { throw ApprovalChainError(code: .notAtRelease, stage: index) }
            return try signing(stage, by: actor, delegated: delegated, at: time, totpVerified: totpVerified)
        case .reject(let actor, let delegated, let reason, let time):
            // Anyone who may sign the current step may stop it, even after approving an earlier step:
            // changing one's mind only ever makes the payment safer. Rejecting asks for no second factor
            // for the same reason.
            _ = try authority(of: actor, delegated: delegated, at: time, for: stage)
            let trimmed = reason.trimmed(.whitespacesAndNewlines)
            guard !trimmed.isEmpty else { throw ApprovalChainError(code: .reasonRequired, stage: index) }
            var next = self
            next.status = .rejected(
                ChainRejection(
                    stage: index, by: actor.actorID, onBehalfOf: delegated?.delegator, reason: trimmed, at: time))
            return next
        }
    }

    private func signing(
        _ stage: ApprovalStage, by actor: ApprovalActor, delegated: DelegatedAuthority?, at time: Date,
        totpVerified: Bool
    ) throws(ApprovalChainError) -> ApprovalChainState {
        let people = try authority(of: actor, delegated: delegated, at: time, for: stage)
        let earlier = peopleWhoActed
        if !people.isDisjoint(with: earlier) {
            let approvers = approvals.filter { !$0.isRelease }.reduce(into: Set<ActorID>()) { $0.formUnion($1.people) }
            let code: ApprovalChainError.Code =
                stage.isRelease && !people.isDisjoint(with: approvers) ? .releaserApproved : .alreadyActed
            throw ApprovalChainError(code: code, stage: stage.index)
        }
        guard totpVerified || !stage.step.requiresTOTP else {
            throw ApprovalChainError(code: .stepUpRequired, stage: stage.index)
        }
        var next = self
        next.approvals.append(
            RecordedApproval(
                stage: stage.index, isRelease: stage.isRelease, by: actor.actorID, onBehalfOf: delegated?.delegator,
                at: time, totpVerified: totpVerified))
        if next.approvals(ofStage: stage.index).count >= stage.step.approvals {
            let following = stage.index + 1
            next.status = following < stages.count ? .awaiting(stage: following, since: time) : .approved(at: time)
        }
        return next
    }

    /// The people an act stands for, once the delegation (if any), the initiator rule and the step's
    /// role or group allow it.
    private func authority(
        of actor: ApprovalActor, delegated: DelegatedAuthority?, at time: Date, for stage: ApprovalStage
    ) throws(ApprovalChainError) -> Set<ActorID> {
        var people: Set<ActorID> = [actor.actorID]
        var roles = actor.roles
        var groups = actor.groups
        if let delegated {
            guard delegated.delegation.to == actor.actorID else {
                throw ApprovalChainError(code: .delegationNotForActor, stage: stage.index)
            }
            guard delegated.delegation.isInForce(at: time, for: entityID) else {
                throw ApprovalChainError(code: .delegationNotInForce, stage: stage.index)
            }
            people.insert(delegated.delegator)
            // The delegate acts with the delegator's authority for this act, not with their own.
            roles = delegated.roles
            groups = delegated.groups
        }
        guard people.isDisjoint(with: initiators) else {
            throw ApprovalChainError(code: .initiator, stage: stage.index)
        }
        let eligible =
            switch stage.step.approvers {
            case .role(let role): roles.contains(role)
            case .group(let group): groups.contains(group)
            }
        guard eligible else { throw ApprovalChainError(code: .notEligible, stage: stage.index) }
        return people
    }
}

/// Why an act on an approval chain was refused. The description says what rule stopped it, never who.
public struct ApprovalChainError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable, CaseIterable {
        /// The decision was not an approval chain.
        case notAChain = "not_a_chain"
        /// The chain has no steps, or a step asks for fewer than one approval.
        case invalidChain = "invalid_chain"
        /// The chain is already approved or rejected.
        case chainFinished = "chain_finished"
        /// The current step is the release: use release, not approve.
        case releaseExpected = "release_expected"
        /// Release is only possible at the release step, after every approval step.
        case notAtRelease = "not_at_release"
        /// Whoever created or imported the payment cannot act on its approval.
        case initiator = "initiator_cannot_act"
        /// The actor (or delegator) lacks the step's role or group.
        case notEligible = "not_eligible"
        /// This person (or the person they stand in for) already approved in this chain.
        case alreadyActed = "already_approved"
        /// The releaser approved an earlier step.
        case releaserApproved = "releaser_was_approver"
        /// The step requires a verified second factor for this act.
        case stepUpRequired = "step_up_required"
        /// The delegation names someone else as delegate.
        case delegationNotForActor = "delegation_not_for_actor"
        /// The delegation is expired, not yet valid, or for another entity.
        case delegationNotInForce = "delegation_not_in_force"
        /// A rejection needs a reason.
        case reasonRequired = "reason_required"
    }

    public let code: Code
    /// The stage the act was aimed at, when there was one.
    public let stage: Int?

    /// Also for the application's own checks of the same rules (an initiator releasing a held payment).
    public init(code: Code, stage: Int?) {
        self.code = code
        self.stage = stage
    }

    public var description: String {
        switch code {
        case .notAChain: "the policy decision is not an approval chain"
        case .invalidChain: "the approval chain has no steps or a step without approvals"
        case .chainFinished: "the approval chain is already finished"
        case .releaseExpected: "the current step is the release; release the payment instead of approving it"
        case .notAtRelease: "the payment can only be released after every approval step"
        case .initiator: "whoever created or imported a payment cannot approve, release or reject it"
        case .notEligible: "the current step needs a role or group the approver does not hold"
        case .alreadyActed: "the same person cannot approve twice in one approval chain, directly or by delegation"
        case .releaserApproved: "the releaser must not have approved the payment"
        case .stepUpRequired: "this step requires a verified second factor (TOTP)"
        case .delegationNotForActor: "the delegation was given to someone else"
        case .delegationNotInForce: "the delegation is not in force for this time and entity"
        case .reasonRequired: "a rejection needs a reason"
        }
    }
}
