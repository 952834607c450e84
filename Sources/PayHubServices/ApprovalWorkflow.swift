import Foundation
import PayHubDomain
import PayHubStorage

// Submit, approve, reject, hold and release. The chain's progress is rebuilt from the round's stored
// decision and the actions recorded so far, then the new action is judged by the domain's state
// machine (segregation of duties, eligibility, step-up), and the result is written in one transaction
// whose action position and payment state guards let only one of two simultaneous callers through.

/// A payment waiting for approval, as the queue shows it: what it waits for and since when.
public struct ApprovalQueueItem: Sendable, Hashable {
    public var payment: Payment
    public var round: ApprovalRound
    /// `Finance managers: 2 of group finance-managers, 1 given`.
    public var waitingFor: String
    public var approvalsGiven: Int
    public var approvalsNeeded: Int
    public var isRelease: Bool
    public var requiresTOTP: Bool
}

/// An approval action as stored in `approval_actions`, enough to replay it into the chain.
struct StoredChainAction: Codable, Sendable {
    enum Kind: String, Codable { case approve, release, reject }

    struct Authority: Codable, Sendable {
        var from: String
        var to: String
        var validFrom: Date
        var validUntil: Date
        var entityID: String?
        var roles: [Role]
        var groups: [String]
    }

    var kind: Kind
    var actor: String
    var roles: [Role]
    var groups: [String]
    var onBehalfOf: Authority?
    var at: Date
    var totpVerified: Bool
    var reason: String?

    var chainAction: ApprovalChainAction {
        get throws {
            let actor = ApprovalActor(actorID: ActorID(self.actor), roles: Set(roles), groups: Set(groups))
            let delegated = try onBehalfOf.map { authority in
                DelegatedAuthority(
                    delegation: try Delegation(
                        from: ActorID(authority.from), to: ActorID(authority.to), validFrom: authority.validFrom,
                        validUntil: authority.validUntil, entityID: try authority.entityID.map { try ID<LegalEntity>($0) }),
                    roles: Set(authority.roles), groups: Set(authority.groups))
            }
            switch kind {
            case .approve: return .approve(by: actor, onBehalfOf: delegated, at: at, totpVerified: totpVerified)
            case .release: return .release(by: actor, onBehalfOf: delegated, at: at, totpVerified: totpVerified)
            case .reject: return .reject(by: actor, onBehalfOf: delegated, reason: reason ?? "", at: at)
            }
        }
    }
}

extension ApprovalService {
    // MARK: Submit

    /// Runs the controls and the policy on a draft payment and moves it where they send it: approved
    /// (auto-approval), pending approval (a chain), on hold (a control or the policy found something a
    /// person must look at) or rejected (the policy blocks it).
    public func submit(_ paymentID: String, context: CallContext) async throws -> Payment {
        try hub.require(.paymentsCreate, context)
        let payment = try await hub.payment(paymentID, context: context)
        guard payment.state == .draft else {
            throw StorageError(.stateChanged, target: "payment", currentState: payment.state.rawValue)
        }
        let now = clock.now()
        try await requireVerifiedCreditor(of: payment)
        // What the limits and the policy judge; gathered once for both.
        let facts = try await facts(for: payment)
        let controls = try await runControls(on: payment, facts: facts, at: now)
        return try await judge(
            payment, facts: facts, round: 1, findings: controls.findings, moves: [.draft], releasedRule: nil,
            screenings: controls.screenings, screeningSummary: controls.screeningSummary, at: now, context: context)
    }

    /// What the controls found, and the sanctions screenings they made (stored with the submission).
    struct ControlsOutcome {
        var findings: [ControlFinding]
        var screenings: [VendorScreening]
        var screeningSummary: String?
    }

    /// The controls that run before any approval; each finding holds the payment until a person releases it.
    func runControls(on payment: Payment, facts: PaymentFacts, at now: Date) async throws -> ControlsOutcome {
        var findings: [ControlFinding] = []
        let settings = try await controlsInForce()
        findings += try await duplicateFindings(for: payment, policy: settings.duplicates, at: now)
        findings += try await limitFindings(for: payment, facts: facts, limits: settings.limits, at: now)
        let screened = try await sanctions.configured(by: settings).control(for: payment, at: now)
        findings += screened.findings
        return ControlsOutcome(findings: findings, screenings: screened.screenings, screeningSummary: screened.summary)
    }

    /// Dual control: nobody may even ask for approval of a payment to unverified bank details.
    func requireVerifiedCreditor(of payment: Payment) async throws {
        guard let creditor = try await store.bankAccount(payment.creditorAccountID, scope: .all) else {
            throw StorageError(.notFound, target: "creditor account")
        }
        guard creditor.isUsable else {
            throw ValidationFailure([
                FieldError(
                    path: "creditor_account_id", code: "account_not_verified",
                    message: "the account is \(creditor.verification.state.rawValue); a second person must verify it first")
            ])
        }
    }

    /// Duplicate payments: the same invoice of the same company (across entities and ERPs), already
    /// paid, in payment or open, with a strong or exact match.
    func duplicateFindings(for payment: Payment, policy duplicatePolicy: DuplicatePolicy, at now: Date) async throws
        -> [ControlFinding]
    {
        var own: [Payable] = []
        for id in payment.payableIDs {
            if let payable = try await store.payable(id, scope: .all) { own.append(payable) }
        }
        guard let earliest = own.map(\.invoiceDate).min(), let latest = own.map(\.invoiceDate).max() else { return [] }
        let window = duplicatePolicy.invoiceDateWindowDays
        let dates = try earliest.adding(days: -window)...latest.adding(days: window)
        let loaded = try await store.duplicateCandidates(for: payment, invoiceDates: dates)
        let accountsByVendor = Dictionary(grouping: loaded.accounts) { account -> String in
            if case .vendor(let id) = account.holder { id.rawValue } else { "" }
        }
        let identities = Dictionary(
            uniqueKeysWithValues: loaded.vendors.map {
                ($0.id, VendorIdentity(vendor: $0, accounts: accountsByVendor[$0.id.rawValue] ?? []))
            })
        let ownIDs = Set(payment.payableIDs)
        let candidates = loaded.payables.compactMap { row -> DuplicateCandidate? in
            guard !ownIDs.contains(row.0.id), let identity = identities[row.0.vendorID],
                let stage = DuplicateCandidate.Stage(payable: row.0.state, payment: row.paymentState)
            else { return nil }
            return DuplicateCandidate(
                payableID: row.0.id, paymentID: row.paymentID, entityID: row.0.entityID, vendor: identity,
                invoiceNumber: row.0.invoiceNumber, invoiceDate: row.0.invoiceDate, amount: row.0.amount, stage: stage)
        }
        var detector = DuplicateDetector(policy: duplicatePolicy, candidates: candidates)
        var findings: [ControlFinding] = []
        for payable in own {
            guard let identity = identities[payable.vendorID],
                let item = DuplicateCandidate(payable: payable, vendor: identity)
            else { continue }
            let check = detector.check(item)
            detector.insert(item)  // two payables of one payment may duplicate each other
            guard check.requiresHold else { continue }
            let held = check.suspects.filter { $0.strength >= duplicatePolicy.holdThreshold }
            let details = held.map { suspect in
                [
                    "payable_id": payable.id.rawValue, "suspect_payable_id": suspect.candidate.payableID.rawValue,
                    "suspect_payment_id": suspect.candidate.paymentID?.rawValue ?? "",
                    "strength": suspect.strength.rawValue, "match": suspect.match.summary,
                ]
            }
            let first = held.first ?? check.suspects[0]
            findings.append(
                ControlFinding(
                    id: clock.newID(), paymentID: payment.id, entityID: payment.entityID, kind: .duplicate,
                    summary: "\(payable.invoiceNumber): \(first.strength.rawValue) duplicate of \(first.candidate.payableID.rawValue) — \(first.match.summary)",
                    detailsJSON: CanonicalJSON.string(details), createdAt: now))
        }
        return findings
    }

    /// The policy's judgement, and the move it leads to, written as one step with one audit event.
    ///
    /// `moves` starts with the state the payment is in (draft on submission, on hold on release).
    func judge(
        _ payment: Payment, facts: PaymentFacts, round: Int, findings: [ControlFinding], moves start: [PaymentState], releasedRule: String?,
        resolved: [(id: ID<ControlFinding>, state: ControlFinding.State, reason: String)] = [],
        screenings: [VendorScreening] = [], screeningSummary: String? = nil, initiators known: Set<String>? = nil,
        at now: Date, context: CallContext
    ) async throws -> Payment {
        var (stored, policy) = try await policyInForce()
        if let releasedRule {
            // A person released the hold this rule asked for: the payment goes on as the rest of the policy says.
            policy.rules.removeAll { $0.id == releasedRule }
        }
        let decision = policy.evaluate(facts: facts)
        let initiators: Set<String> = if let known { known } else { try await store.initiators(of: payment) }
        var path = start
        if path.last != .pendingApproval { path.append(.pendingApproval) }
        var findings = findings
        var status: ApprovalRound.Status
        var reason: String?
        var stage: Int?
        switch decision.outcome {
        case .autoApprove:
            status = .approved
        case .chain:
            status = .awaiting
            stage = 0
        case .hold(let why):
            status = .held
            reason = why
            findings.append(
                ControlFinding(
                    id: clock.newID(), paymentID: payment.id, entityID: payment.entityID, kind: .policyHold,
                    summary: "rule \(decision.ruleID): \(why)",
                    detailsJSON: CanonicalJSON.string(["rule": decision.ruleID, "reason": why]), createdAt: now))
        case .block(let why):
            status = .blocked
            reason = "blocked by rule \(decision.ruleID): \(why)"
        }
        if !findings.isEmpty, status != .blocked {
            status = .held
            reason = reason ?? findings.map(\.summary).joined(separator: "; ")
        }
        switch status {
        case .approved: path.append(.approved)
        case .held: path.append(.onHold)
        case .blocked: path.append(.rejected)
        default: break
        }
        let roundRecord = ApprovalRound(
            paymentID: payment.id, round: round, entityID: payment.entityID, policyVersion: stored?.version ?? 0,
            ruleID: decision.ruleID, outcome: decision.outcome.kind.rawValue, factsJSON: CanonicalJSON.string(facts),
            decisionJSON: CanonicalJSON.string(decision), initiators: initiators.sorted(), status: status,
            currentStage: status == .awaiting ? stage : nil, waitingSince: status == .awaiting ? now : nil,
            startedAt: now, updatedAt: now)
        let final = path.last ?? payment.state
        let audit = AuditEntry(
            action: "payment.\(final.rawValue)", objectType: "payment", objectID: payment.id.rawValue,
            entityID: payment.entityID.rawValue, before: AuditSnapshot.state(payment.state),
            after: CanonicalJSON.object([
                "state": final.rawValue, "reason": reason, "policy_version": String(stored?.version ?? 0),
                "rule": decision.ruleID, "outcome": decision.outcome.kind.rawValue,
                "findings": findings.isEmpty ? nil : findings.map { "\($0.kind.rawValue): \($0.summary)" }.joined(separator: "; "),
                "round": String(round), "sanctions_screening": screeningSummary,
            ]))
        let moves = zip(path, path.dropFirst()).map { (from: $0, to: $1, reason: $1 == final ? reason : nil) }
        return try await store.writeApprovalStep(
            ApprovalWrite(
                paymentID: payment.id, moves: moves, newRound: roundRecord, newFindings: findings,
                resolvedFindings: resolved, screenings: screenings, audit: audit),
            context: context.audit(at: now))
    }

    // MARK: Approve, release, reject

    /// One approval of the step the payment waits for (or the release, when that is what it waits for).
    ///
    /// `totpCode` is the approver's current TOTP code; a step that requires step-up is refused without one,
    /// and a wrong or already used code is refused whatever the step.
    public func approve(
        _ paymentID: String, totpCode: String? = nil, onBehalfOf delegator: String? = nil, context: CallContext
    ) async throws -> Payment {
        var totpVerified = false
        if let totpCode {
            guard let stepUp, try await stepUp.verify(principal: context.principal, code: totpCode, context: context) else {
                throw ApprovalChainError(code: .stepUpRequired, stage: nil)
            }
            totpVerified = true
        }
        return try await act(
            paymentID, reason: nil, totpVerified: totpVerified, onBehalfOf: delegator, rejecting: false, context: context)
    }

    /// Refuses the payment for the step it waits at; the reason goes back to the ERP.
    public func reject(_ paymentID: String, reason: String, onBehalfOf delegator: String? = nil, context: CallContext)
        async throws -> Payment
    {
        try await act(paymentID, reason: reason, totpVerified: false, onBehalfOf: delegator, rejecting: true, context: context)
    }

    func act(
        _ paymentID: String, reason: String?, totpVerified: Bool, onBehalfOf delegator: String?, rejecting: Bool,
        context: CallContext
    ) async throws -> Payment {
        let principal = context.principal
        guard principal.may(.paymentsApprove) || principal.may(.paymentsRelease) else {
            throw AccessDenied(permission: .paymentsApprove)
        }
        let payment = try await hub.payment(paymentID, context: context)
        guard payment.state == .pendingApproval, let (round, actions) = try await store.approvalRound(of: payment.id),
            round.status == .awaiting
        else { throw StorageError(.stateChanged, target: "payment", currentState: payment.state.rawValue) }
        var chain = try replay(round, actions)
        guard let stage = chain.currentStage else {
            throw StorageError(.stateChanged, target: "payment", currentState: payment.state.rawValue)
        }
        if stage.isRelease, !rejecting, !principal.may(.paymentsRelease) { throw AccessDenied(permission: .paymentsRelease) }
        let now = clock.now()
        let stored = StoredChainAction(
            kind: rejecting ? .reject : (stage.isRelease ? .release : .approve), actor: principal.actorID,
            roles: principal.roles.sorted { $0.rawValue < $1.rawValue }, groups: try await groups(of: principal).sorted(),
            onBehalfOf: try await authority(from: delegator, to: principal, at: now), at: now, totpVerified: totpVerified,
            reason: reason)
        try chain.apply(try stored.chainAction)

        var progress = round
        progress.updatedAt = now
        var moves: [(from: PaymentState, to: PaymentState, reason: String?)] = []
        let action: String
        switch chain.status {
        case .approved:
            progress.status = .approved
            progress.currentStage = nil
            progress.waitingSince = nil
            moves = [(.pendingApproval, .approved, nil)]
            action = "payment.approved"
        case .rejected(let rejection):
            progress.status = .rejected
            progress.currentStage = nil
            progress.waitingSince = nil
            moves = [(.pendingApproval, .rejected, rejection.reason)]
            action = "payment.rejected"
        case .awaiting(let next, let since):
            progress.currentStage = next
            progress.waitingSince = since
            action = "payment.approval_given"
        }
        let audit = AuditEntry(
            action: action, objectType: "payment", objectID: payment.id.rawValue, entityID: payment.entityID.rawValue,
            before: AuditSnapshot.state(payment.state),
            after: CanonicalJSON.object([
                "state": moves.last?.to.rawValue ?? payment.state.rawValue, "step": stage.step.name ?? String(stage.index + 1),
                "stage": String(stage.index), "release": stage.isRelease ? "true" : nil, "reason": reason,
                "on_behalf_of": stored.onBehalfOf?.from, "totp": totpVerified ? "verified" : nil,
                "round": String(round.round),
            ]))
        return try await store.writeApprovalStep(
            ApprovalWrite(
                paymentID: payment.id, moves: moves, roundProgress: progress,
                action: RecordedApprovalAction(
                    position: actions.count, actionJSON: CanonicalJSON.string(stored), actorID: principal.actorID,
                    createdAt: now),
                audit: audit),
            context: context.audit(at: now))
    }

    /// The chain as the recorded actions left it.
    func replay(_ round: ApprovalRound, _ actions: [RecordedApprovalAction]) throws -> ApprovalChainState {
        let decision = try JSONDecoder().decode(PolicyDecision.self, from: Data(round.decisionJSON.utf8))
        var chain = try ApprovalChainState(
            decision: decision, initiators: Set(round.initiators.map { ActorID($0) }), startedAt: round.startedAt)
        for action in actions {
            let stored = try JSONDecoder().decode(StoredChainAction.self, from: Data(action.actionJSON.utf8))
            try chain.apply(try stored.chainAction)
        }
        return chain
    }

    func groups(of principal: Principal) async throws -> Set<String> {
        guard principal.kind == .user, let id = try? ID<User>(principal.actorID) else { return [] }
        return try await store.groups(of: id)
    }

    /// The delegation `delegator` gave the caller, in force now, with the delegator's roles and groups.
    func authority(from delegator: String?, to principal: Principal, at now: Date) async throws -> StoredChainAction.Authority? {
        guard let delegator else { return nil }
        guard principal.kind == .user, let me = try? ID<User>(principal.actorID), let from = try? ID<User>(delegator),
            let delegation = try await store.delegations(to: me, notEndedBy: now).first(where: { $0.from == from && $0.validFrom <= now }),
            let delegatingUser = try await store.user(from)
        else {
            throw ValidationFailure([
                FieldError(path: "on_behalf_of", code: "no_delegation", message: "no delegation from that user to you is in force")
            ])
        }
        return StoredChainAction.Authority(
            from: from.rawValue, to: me.rawValue, validFrom: delegation.validFrom, validUntil: delegation.validUntil,
            entityID: delegation.entityID?.rawValue, roles: delegatingUser.roles.sorted { $0.rawValue < $1.rawValue },
            groups: try await store.groups(of: from).sorted())
    }

    // MARK: Hold and release

    /// Stops a payment before it leaves, with a reason, until someone releases it.
    public func hold(_ paymentID: String, reason: String, context: CallContext) async throws -> Payment {
        try hub.require(.paymentsHold, context)
        let payment = try await hub.payment(paymentID, context: context)
        guard payment.state == .pendingApproval || payment.state == .approved else {
            throw StorageError(.stateChanged, target: "payment", currentState: payment.state.rawValue)
        }
        let now = clock.now()
        var progress: ApprovalRound?
        if let (round, _) = try await store.approvalRound(of: payment.id), round.status == .awaiting || round.status == .approved {
            // A held payment is judged again when released; this round's approvals no longer count.
            progress = round
            progress?.status = .superseded
            progress?.updatedAt = now
        }
        let finding = ControlFinding(
            id: clock.newID(), paymentID: payment.id, entityID: payment.entityID, kind: .manualHold,
            summary: "held by \(context.principal.actorID): \(reason)",
            detailsJSON: CanonicalJSON.string(["by": context.principal.actorID, "reason": reason]), createdAt: now)
        let audit = AuditEntry(
            action: "payment.on_hold", objectType: "payment", objectID: payment.id.rawValue,
            entityID: payment.entityID.rawValue, before: AuditSnapshot.state(payment.state),
            after: AuditSnapshot.state(.onHold, reason: reason))
        return try await store.writeApprovalStep(
            ApprovalWrite(
                paymentID: payment.id, moves: [(payment.state, .onHold, reason)], roundProgress: progress,
                newFindings: [finding], audit: audit),
            context: context.audit(at: now))
    }

    /// Releases a held payment: every open finding is closed with the reason, and the payment is judged
    /// again by the policy in force now, in a new round (its earlier approvals no longer count).
    public func release(_ paymentID: String, reason: String, context: CallContext) async throws -> Payment {
        guard context.principal.may(.paymentsHold) || context.principal.may(.controlsRelease) else {
            throw AccessDenied(permission: .controlsRelease)
        }
        let payment = try await hub.payment(paymentID, context: context)
        guard payment.state == .onHold else {
            throw StorageError(.stateChanged, target: "payment", currentState: payment.state.rawValue)
        }
        let open = try await store.controlFindings(of: payment.id).filter { $0.state == .open }
        // Whoever created the payment cannot wave through what the controls found in it.
        let initiators = try await store.initiators(of: payment)
        if initiators.contains(context.principal.actorID) {
            throw ApprovalChainError(code: .initiator, stage: nil)
        }
        let previous = try await store.approvalRound(of: payment.id)?.0
        let releasedRule = open.contains { $0.kind == .policyHold } ? previous?.ruleID : nil
        return try await judge(
            payment, facts: try await facts(for: payment), round: (previous?.round ?? 0) + 1, findings: [],
            moves: [.onHold], releasedRule: releasedRule, resolved: open.map { ($0.id, .released, reason) },
            initiators: initiators, at: clock.now(), context: context)
    }

    // MARK: Queue

    /// Payments waiting for a person in the caller's entities, longest wait first: those awaiting an
    /// approval step (what the step needs and how many it has) and those on hold (what the controls found).
    /// With `mine`, only those the caller could act on now: eligible for the step, not an initiator, not
    /// having acted in the chain already; for held payments, allowed to release them.
    public func queue(mine: Bool = false, limit: Int = 100, context: CallContext) async throws -> [ApprovalQueueItem] {
        try hub.require(.paymentsRead, context)
        let principal = context.principal
        let actor = ApprovalActor(
            actorID: ActorID(principal.actorID), roles: principal.roles, groups: try await groups(of: principal))
        let now = clock.now()
        var items: [ApprovalQueueItem] = []
        for round in try await store.awaitingRounds(scope: principal.scope, statuses: [.awaiting, .held], limit: limit) {
            // An awaiting or held round is its payment's latest: a new round supersedes the one before.
            guard let payment = try await store.payment(round.paymentID, scope: principal.scope) else { continue }
            if round.status == .held {
                guard payment.state == .onHold else { continue }
                if mine, !(principal.may(.paymentsHold) || principal.may(.controlsRelease))
                    || round.initiators.contains(principal.actorID)
                {
                    continue
                }
                let open = try await store.controlFindings(of: payment.id).filter { $0.state == .open }
                items.append(
                    ApprovalQueueItem(
                        payment: payment, round: round,
                        waitingFor: "release: " + open.map(\.summary).joined(separator: "; "), approvalsGiven: 0,
                        approvalsNeeded: 0, isRelease: false, requiresTOTP: false))
                continue
            }
            guard payment.state == .pendingApproval,
                let chain = try? replay(round, try await store.approvalActions(of: payment.id, round: round.round)),
                let stage = chain.currentStage
            else { continue }
            if mine {
                // The domain's own judgement of a would-be approval, with step-up taken as given.
                let attempt: ApprovalChainAction =
                    stage.isRelease
                    ? .release(by: actor, at: now, totpVerified: true) : .approve(by: actor, at: now, totpVerified: true)
                guard (try? chain.applying(attempt)) != nil, !stage.isRelease || principal.may(.paymentsRelease) else { continue }
            }
            let given = chain.approvals(ofStage: stage.index).count
            items.append(
                ApprovalQueueItem(
                    payment: payment, round: round,
                    waitingFor: "\(stage.step.name ?? "step \(stage.index + 1)"): \(stage.step.description), \(given) given",
                    approvalsGiven: given, approvalsNeeded: stage.step.approvals, isRelease: stage.isRelease,
                    requiresTOTP: stage.step.requiresTOTP))
        }
        return items
    }

    /// What was found and decided about a payment: its latest round and every finding.
    public func review(_ paymentID: String, context: CallContext) async throws
        -> (round: ApprovalRound?, actions: [RecordedApprovalAction], findings: [ControlFinding])
    {
        let payment = try await hub.payment(paymentID, context: context)
        let round = try await store.approvalRound(of: payment.id)
        return (round?.0, round?.1 ?? [], try await store.controlFindings(of: payment.id))
    }
}
