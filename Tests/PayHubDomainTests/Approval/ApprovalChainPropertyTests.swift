import Foundation
import Testing

@testable import PayHubDomain

/// Random chains, people, delegations and acts, checked against the rules of segregation of duties as
/// this test states them, independently of how ``ApprovalChainState`` enforces them.
@Suite("Approval chain properties")
struct ApprovalChainPropertyTests {
    static let groups = ["g1", "g2", "g3"]
    static let start = ApprovalFixture.start

    /// One random case: the people with their real roles and groups, the initiators, the delegations.
    struct World {
        var people: [ApprovalActor]
        var initiators: Set<ActorID>
        var delegations: [Delegation]

        func person(_ id: ActorID) -> ApprovalActor? { people.first { $0.actorID == id } }
    }

    static func randomStep(release: Bool, using random: inout SplitMix64) -> ApprovalStep {
        let pool: ApproverPool
        if Bool.random(using: &random) {
            pool = .group(groups.randomElement(using: &random)!)
        } else {
            pool = .role(release ? .treasurer : [Role.approver, .treasurer].randomElement(using: &random)!)
        }
        let approvals = Int.random(in: 1...(release ? 2 : 3), using: &random)
        return ApprovalStep(
            approvers: pool, approvals: approvals,
            of: Bool.random(using: &random) ? Int.random(in: approvals...5, using: &random) : nil,
            escalateAfterHours: Bool.random(using: &random) ? Int.random(in: 1...48, using: &random) : nil,
            requiresTOTP: Bool.random(using: &random))
    }

    static func randomWorld(using random: inout SplitMix64) throws -> World {
        let count = Int.random(in: 5...10, using: &random)
        var people: [ApprovalActor] = []
        for index in 0..<count {
            var roles: Set<Role> = []
            for role in [Role.approver, .treasurer, .apClerk] where Int.random(in: 0..<10, using: &random) < 4 {
                roles.insert(role)
            }
            let groups = Set(Self.groups.filter { _ in Int.random(in: 0..<10, using: &random) < 4 })
            people.append(ApprovalActor(actorID: ApprovalFixture.user("u\(index)"), roles: roles, groups: groups))
        }
        var initiators: Set<ActorID> = [people.randomElement(using: &random)!.actorID]
        if Bool.random(using: &random) { initiators.insert(people.randomElement(using: &random)!.actorID) }
        var delegations: [Delegation] = []
        for _ in 0..<Int.random(in: 0...4, using: &random) {
            let from = people.randomElement(using: &random)!.actorID
            let to = people.randomElement(using: &random)!.actorID
            guard from != to else { continue }
            let begin = Int.random(in: -20...80, using: &random)
            let length = Int.random(in: 1...60, using: &random)
            delegations.append(
                try Delegation(
                    from: from, to: to, validFrom: hours(begin), validUntil: hours(begin + length),
                    entityID: [nil, ApprovalFixture.germany, ApprovalFixture.china].randomElement(using: &random)!))
        }
        return World(people: people, initiators: initiators, delegations: delegations)
    }

    static func hours(_ count: Int) -> Date { start.addingTimeInterval(TimeInterval(count) * 3600) }

    /// A random act, biased towards people who could sign the current step so that chains do complete.
    static func randomAction(
        _ state: ApprovalChainState, _ world: World, time: Date, using random: inout SplitMix64
    ) -> ApprovalChainAction {
        var actor = world.people.randomElement(using: &random)!
        if let stage = state.currentStage, Int.random(in: 0..<10, using: &random) < 6 {
            let eligible = world.people.filter { Self.holds(stage.step.approvers, roles: $0.roles, groups: $0.groups) }
            if let pick = eligible.randomElement(using: &random) { actor = pick }
        }
        var delegated: DelegatedAuthority?
        let roll = Int.random(in: 0..<10, using: &random)
        var candidates: [Delegation]
        switch roll {
        case 0..<3:
            // A stand-in for someone who could sign this step; the act is the delegate's.
            candidates = world.delegations.filter { delegation in
                guard let stage = state.currentStage, let delegator = world.person(delegation.from) else {
                    return false
                }
                return Self.holds(stage.step.approvers, roles: delegator.roles, groups: delegator.groups)
            }
        case 3..<5: candidates = world.delegations.filter { $0.to == actor.actorID }
        case 5: candidates = world.delegations  // most likely someone else's: must be refused
        default: candidates = []
        }
        if let delegation = candidates.randomElement(using: &random), let delegator = world.person(delegation.from) {
            delegated = DelegatedAuthority(delegation: delegation, roles: delegator.roles, groups: delegator.groups)
            if roll < 3, let delegate = world.person(delegation.to) { actor = delegate }
        }
        let totp = Int.random(in: 0..<10, using: &random) < 7
        switch Int.random(in: 0..<20, using: &random) {
        case 0: return .reject(by: actor, onBehalfOf: delegated, reason: "random", at: time)
        case 1..<6: return .release(by: actor, onBehalfOf: delegated, at: time, totpVerified: totp)
        default:
            // At the release step most approvals would be refused; ask for a release instead, mostly.
            if state.currentStage?.isRelease == true, Int.random(in: 0..<10, using: &random) < 8 {
                return .release(by: actor, onBehalfOf: delegated, at: time, totpVerified: totp)
            }
            return .approve(by: actor, onBehalfOf: delegated, at: time, totpVerified: totp)
        }
    }

    static func holds(_ pool: ApproverPool, roles: Set<Role>, groups: Set<String>) -> Bool {
        switch pool {
        case .role(let role): roles.contains(role)
        case .group(let group): groups.contains(group)
        }
    }

    /// The rules, checked on the recorded approvals against the world's own tables. Returns each
    /// violation as a sentence.
    static func violations(of state: ApprovalChainState, in world: World) -> [String] {
        var problems: [String] = []
        var seen: Set<ActorID> = []
        for approval in state.approvals {
            let stage = state.stages[approval.stage]
            let people: Set<ActorID> = approval.onBehalfOf.map { [approval.by, $0] } ?? [approval.by]
            if !people.isDisjoint(with: world.initiators) { problems.append("an initiator acted: \(approval)") }
            if !people.isDisjoint(with: seen) { problems.append("a person acted twice: \(approval)") }
            seen.formUnion(people)
            if stage.step.requiresTOTP && !approval.totpVerified { problems.append("no TOTP: \(approval)") }
            if approval.isRelease != stage.isRelease { problems.append("approval and release confused: \(approval)") }
            // Whose authority was used, and was it theirs to use?
            let authority: ActorID
            if let delegator = approval.onBehalfOf {
                authority = delegator
                let lent = world.delegations.contains {
                    $0.from == delegator && $0.to == approval.by && $0.validFrom <= approval.at
                        && approval.at < $0.validUntil
                        && ($0.entityID == nil || $0.entityID == state.entityID)
                }
                if !lent { problems.append("no delegation in force: \(approval)") }
            } else {
                authority = approval.by
            }
            guard let holder = world.person(authority) else {
                problems.append("unknown person: \(approval)")
                continue
            }
            if !holds(stage.step.approvers, roles: holder.roles, groups: holder.groups) {
                problems.append("not eligible for \(stage.step.approvers): \(approval)")
            }
        }
        // Steps complete in order, each only with its N approvals.
        let current = state.currentStage?.index ?? (state.isApproved ? state.stages.count : nil)
        for stage in state.stages {
            let approvals = state.approvals(ofStage: stage.index)
            let humans = Set(approvals.map { $0.onBehalfOf ?? $0.by })
            if let current, stage.index < current, humans.count < stage.step.approvals {
                problems.append("stage \(stage.index) passed with \(humans.count) of \(stage.step.approvals)")
            }
            if approvals.count > stage.step.approvals { problems.append("stage \(stage.index) over-approved") }
            if let current, stage.index > current, !approvals.isEmpty { problems.append("stage \(stage.index) early") }
        }
        if state.isApproved {
            let releasers = Set(
                state.approvals.filter(\.isRelease).flatMap { [$0.by] + ($0.onBehalfOf.map { [$0] } ?? []) })
            let approvers = Set(
                state.approvals.filter { !$0.isRelease }.flatMap { [$0.by] + ($0.onBehalfOf.map { [$0] } ?? []) })
            if !releasers.isDisjoint(with: approvers) { problems.append("a releaser also approved") }
            if state.chain.release != nil && releasers.isEmpty { problems.append("approved without release") }
            for stage in state.stages {
                let distinct = Set(state.approvals(ofStage: stage.index).map(\.by)).count
                if distinct < stage.step.approvals {
                    problems.append("stage \(stage.index): \(distinct) distinct approvers")
                }
            }
        }
        return problems
    }

    @Test("random chains and acts: approval only ever comes with segregation of duties intact")
    func randomChains() throws {
        let baseSeed: UInt64 = 0x5EED_A11C_E000
        let caseCount = 4000
        var approved = 0
        var rejected = 0
        var refusals: [ApprovalChainError.Code: Int] = [:]
        var delegatedApprovals = 0
        for index in 0..<caseCount {
            let seed = baseSeed &+ UInt64(index)
            var random = SplitMix64(seed: seed)
            let world = try Self.randomWorld(using: &random)
            let steps = (0..<Int.random(in: 1...3, using: &random)).map { _ in
                Self.randomStep(release: false, using: &random)
            }
            let release = Bool.random(using: &random) ? Self.randomStep(release: true, using: &random) : nil
            var state = try ApprovalChainState(
                chain: ApprovalChainSpec(steps: steps, release: release), entityID: ApprovalFixture.germany,
                initiators: world.initiators, startedAt: Self.start)
            var time = Self.start
            for _ in 0..<Int.random(in: 10...40, using: &random) {
                time = time.addingTimeInterval(TimeInterval(Int.random(in: 0...5, using: &random)) * 3600)
                let action = Self.randomAction(state, world, time: time, using: &random)
                let before = state
                do {
                    try state.apply(action)
                } catch {
                    refusals[error.code, default: 0] += 1
                    #expect(state == before, "seed \(seed): a refused act changed the state: \(error.code)")
                    continue
                }
                #expect(state != before, "seed \(seed): an accepted act changed nothing")
                let problems = Self.violations(of: state, in: world)
                #expect(problems.isEmpty, "seed \(seed): \(problems)")
                if !problems.isEmpty { break }
            }
            if state.isApproved { approved += 1 }
            if state.isRejected { rejected += 1 }
            delegatedApprovals += state.approvals.filter { $0.onBehalfOf != nil }.count
        }
        // The generator must reach the interesting places, or the property proves nothing.
        #expect(approved >= caseCount / 10, "only \(approved) of \(caseCount) chains were approved")
        #expect(rejected >= caseCount / 20, "only \(rejected) chains were rejected")
        #expect(delegatedApprovals >= 100, "only \(delegatedApprovals) approvals went through a delegation")
        let mustOccur: [ApprovalChainError.Code] = [
            .initiator, .notEligible, .alreadyActed, .releaserApproved, .stepUpRequired, .delegationNotForActor,
            .delegationNotInForce, .chainFinished, .releaseExpected, .notAtRelease,
        ]
        for code in mustOccur {
            #expect(refusals[code, default: 0] >= 20, "\(code) refused only \(refusals[code, default: 0]) times")
        }
    }

    @Test("a chain built step by step by the rules is approved exactly when the last step is done")
    func eligibleActsComplete() throws {
        let baseSeed: UInt64 = 0xC0_4417_E7E
        for index in 0..<1000 {
            let seed = baseSeed &+ UInt64(index)
            var random = SplitMix64(seed: seed)
            let steps = (0..<Int.random(in: 1...3, using: &random)).map { _ in
                Self.randomStep(release: false, using: &random)
            }
            let release = Bool.random(using: &random) ? Self.randomStep(release: true, using: &random) : nil
            var state = try ApprovalChainState(
                chain: ApprovalChainSpec(steps: steps, release: release), entityID: ApprovalFixture.germany, initiators: [],
                startedAt: Self.start)
            // A fresh person with exactly the step's authority for every approval needed.
            var next = 0
            for stage in state.stages {
                for _ in 0..<stage.step.approvals {
                    #expect(!state.isApproved, "seed \(seed): approved before the last approval")
                    let person: ApprovalActor
                    switch stage.step.approvers {
                    case .role(let role): person = ApprovalFixture.actor("p\(next)", [role])
                    case .group(let group): person = ApprovalFixture.actor("p\(next)", groups: [group])
                    }
                    next += 1
                    let time = Self.hours(next)
                    try state.apply(
                        stage.isRelease
                            ? .release(by: person, at: time, totpVerified: true)
                            : .approve(by: person, at: time, totpVerified: true))
                }
            }
            #expect(state.status == .approved(at: Self.hours(next)), "seed \(seed)")
        }
    }
}
