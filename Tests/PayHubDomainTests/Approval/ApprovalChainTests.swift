import Foundation
import Testing

@testable import PayHubDomain

@Suite("Approval chain: segregation of duties, delegation, escalation")
struct ApprovalChainTests {
    // Clara created the payment, the ERP integration key's owner Ivan imported it.
    let clara = ApprovalFixture.actor("clara", [.apClerk, .approver])
    let ivan = ApprovalFixture.actor("ivan", [.approver], groups: ["finance-managers"])
    let anna = ApprovalFixture.actor("anna", [.approver])
    let ben = ApprovalFixture.actor("ben", [.approver], groups: ["finance-managers"])
    let fay = ApprovalFixture.actor("fay", groups: ["finance-managers"])
    let gus = ApprovalFixture.actor("gus", groups: ["finance-managers"])
    let tom = ApprovalFixture.actor("tom", [.treasurer])
    let tina = ApprovalFixture.actor("tina", [.treasurer, .approver])
    let t0 = ApprovalFixture.start

    func at(_ hours: Int) -> Date { t0.addingTimeInterval(TimeInterval(hours) * 3600) }

    /// 1 approver, then 2 finance managers with TOTP, then a treasurer's release with TOTP.
    func chain() throws -> ApprovalChainState {
        try ApprovalChainState(
            chain: ApprovalChainSpec(
                steps: [
                    ApprovalFixture.step(.role(.approver), escalate: 24),
                    ApprovalFixture.step(.group("finance-managers"), 2, of: 3, totp: true, escalate: 8),
                ],
                release: ApprovalFixture.step(.role(.treasurer), totp: true)),
            entityID: ApprovalFixture.germany, initiators: [clara.actorID, ivan.actorID], startedAt: t0)
    }

    @Test("a chain completes only when every step has its approvals in order and the release is done")
    func happyPath() throws {
        var state = try chain()
        #expect(state.stages.map(\.isRelease) == [false, false, true])
        #expect(state.status == .awaiting(stage: 0, since: t0))
        try state.apply(.approve(by: anna, at: at(1), totpVerified: false))
        #expect(state.status == .awaiting(stage: 1, since: at(1)))
        try state.apply(.approve(by: ben, at: at(2), totpVerified: true))
        #expect(state.currentStage?.index == 1, "one of two finance managers is not enough")
        try state.apply(.approve(by: fay, at: at(3), totpVerified: true))
        #expect(state.status == .awaiting(stage: 2, since: at(3)))
        #expect(!state.isApproved, "approved steps without the release are not an approval")
        try state.apply(.release(by: tom, at: at(4), totpVerified: true))
        #expect(state.status == .approved(at: at(4)))
        #expect(state.approvals.map(\.by) == [anna.actorID, ben.actorID, fay.actorID, tom.actorID])
        #expect(state.approvals.map(\.stage) == [0, 1, 1, 2])
        #expect(state.approvals.last?.isRelease == true)
        #expect(state.refusal(.approve(by: gus, at: at(5), totpVerified: true)) == .chainFinished)
    }

    @Test("whoever created or imported the payment cannot approve, release or reject it")
    func initiators() throws {
        let state = try chain()
        #expect(state.refusal(.approve(by: clara, at: at(1), totpVerified: true)) == .initiator)
        #expect(state.refusal(.reject(by: clara, reason: "mine", at: at(1))) == .initiator)
        var second = try state.applying(.approve(by: anna, at: at(1), totpVerified: false))
        #expect(second.refusal(.approve(by: ivan, at: at(2), totpVerified: true)) == .initiator)
        try second.apply(.approve(by: ben, at: at(2), totpVerified: true))
        try second.apply(.approve(by: fay, at: at(2), totpVerified: true))
        let importerAsTreasurer = ApprovalFixture.actor("ivan", [.treasurer])
        #expect(second.refusal(.release(by: importerAsTreasurer, at: at(3), totpVerified: true)) == .initiator)
    }

    @Test("nobody approves twice in one chain, across steps")
    func nobodyTwice() throws {
        var state = try chain()
        try state.apply(.approve(by: ben, at: at(1), totpVerified: false))
        // Ben is also a finance manager: step 2 still refuses him.
        #expect(state.refusal(.approve(by: ben, at: at(2), totpVerified: true)) == .alreadyActed)
        try state.apply(.approve(by: fay, at: at(2), totpVerified: true))
        #expect(state.refusal(.approve(by: fay, at: at(3), totpVerified: true)) == .alreadyActed)
        #expect(state.currentStage?.index == 1)
    }

    @Test("the releaser approved nothing in the chain")
    func releaserIsNotAnApprover() throws {
        var state = try chain()
        try state.apply(.approve(by: tina, at: at(1), totpVerified: false))
        try state.apply(.approve(by: ben, at: at(2), totpVerified: true))
        try state.apply(.approve(by: fay, at: at(2), totpVerified: true))
        #expect(state.refusal(.release(by: tina, at: at(3), totpVerified: true)) == .releaserApproved)
        try state.apply(.release(by: tom, at: at(3), totpVerified: true))
        #expect(state.isApproved)
    }

    @Test("approvers need the step's role or group; approving and releasing are not interchangeable")
    func eligibility() throws {
        var state = try chain()
        #expect(state.refusal(.approve(by: fay, at: at(1), totpVerified: true)) == .notEligible, "group, not role")
        #expect(
            state.refusal(.approve(by: tom, at: at(1), totpVerified: true)) == .notEligible, "treasurer, not approver")
        #expect(state.refusal(.release(by: tom, at: at(1), totpVerified: true)) == .notAtRelease)
        try state.apply(.approve(by: anna, at: at(1), totpVerified: false))
        #expect(state.refusal(.approve(by: tina, at: at(2), totpVerified: true)) == .notEligible, "role, not group")
        try state.apply(.approve(by: fay, at: at(2), totpVerified: true))
        try state.apply(.approve(by: gus, at: at(2), totpVerified: true))
        #expect(state.refusal(.approve(by: tom, at: at(3), totpVerified: true)) == .releaseExpected)
        #expect(
            state.refusal(.release(by: ApprovalFixture.actor("zoe", [.approver]), at: at(3), totpVerified: true))
                == .notEligible)
        try state.apply(.release(by: tina, at: at(3), totpVerified: true))
        #expect(state.isApproved)
    }

    @Test("a step that asks for TOTP refuses an approval without it")
    func stepUp() throws {
        var state = try chain()
        try state.apply(.approve(by: anna, at: at(1), totpVerified: false))
        #expect(state.refusal(.approve(by: ben, at: at(2), totpVerified: false)) == .stepUpRequired)
        try state.apply(.approve(by: ben, at: at(2), totpVerified: true))
        try state.apply(.approve(by: fay, at: at(2), totpVerified: true))
        #expect(state.refusal(.release(by: tom, at: at(3), totpVerified: false)) == .stepUpRequired)
        #expect(state.approvals.allSatisfy { $0.totpVerified || $0.stage == 0 })
    }

    @Test("a delegate approves with the delegator's authority while the delegation is in force, and both are recorded")
    func delegation() throws {
        let dave = ApprovalFixture.actor("dave", [.apClerk])  // no approving role of his own
        let window = try Delegation(from: anna.actorID, to: dave.actorID, validFrom: at(1), validUntil: at(10))
        let authority = DelegatedAuthority(delegation: window, roles: anna.roles, groups: anna.groups)
        let state = try chain()
        #expect(state.refusal(.approve(by: dave, at: at(2), totpVerified: false)) == .notEligible, "not on his own")
        #expect(
            state.refusal(.approve(by: dave, onBehalfOf: authority, at: at(0), totpVerified: false))
                == .delegationNotInForce, "before validFrom")
        #expect(
            state.refusal(.approve(by: dave, onBehalfOf: authority, at: at(10), totpVerified: false))
                == .delegationNotInForce, "at validUntil")
        #expect(
            state.refusal(.approve(by: ben, onBehalfOf: authority, at: at(2), totpVerified: false))
                == .delegationNotForActor)
        let otherEntity = DelegatedAuthority(
            delegation: try Delegation(
                from: anna.actorID, to: dave.actorID, validFrom: at(1), validUntil: at(10), entityID: ApprovalFixture.china),
            roles: anna.roles)
        #expect(
            state.refusal(.approve(by: dave, onBehalfOf: otherEntity, at: at(2), totpVerified: false))
                == .delegationNotInForce)

        let approved = try state.applying(.approve(by: dave, onBehalfOf: authority, at: at(2), totpVerified: false))
        #expect(approved.approvals.first?.by == dave.actorID)
        #expect(approved.approvals.first?.onBehalfOf == anna.actorID)
        #expect(approved.currentStage?.index == 1)
    }

    @Test("delegate and delegator are one person: neither approves again, and neither may be an initiator")
    func delegationIsOneHuman() throws {
        // Ben delegates to Gus; both are finance managers.
        let window = try Delegation(from: ben.actorID, to: gus.actorID, validFrom: t0, validUntil: at(48))
        let authority = DelegatedAuthority(delegation: window, roles: ben.roles, groups: ben.groups)
        var state = try chain()
        try state.apply(.approve(by: anna, at: at(1), totpVerified: false))
        try state.apply(.approve(by: gus, onBehalfOf: authority, at: at(2), totpVerified: true))
        #expect(
            state.refusal(.approve(by: ben, at: at(3), totpVerified: true)) == .alreadyActed, "the delegator himself")
        #expect(
            state.refusal(.approve(by: gus, at: at(3), totpVerified: true)) == .alreadyActed, "the delegate on his own")
        try state.apply(.approve(by: fay, at: at(3), totpVerified: true))
        #expect(state.currentStage?.isRelease == true)

        // Anna approved step 1; Tom standing in for her cannot release.
        let forAnna = DelegatedAuthority(
            delegation: try Delegation(from: anna.actorID, to: tom.actorID, validFrom: t0, validUntil: at(48)),
            roles: [.treasurer])
        #expect(
            state.refusal(.release(by: tom, onBehalfOf: forAnna, at: at(4), totpVerified: true)) == .releaserApproved)

        // The delegate may not be an initiator, nor the delegator.
        let fresh = try chain()
        let toClara = DelegatedAuthority(
            delegation: try Delegation(from: anna.actorID, to: clara.actorID, validFrom: t0, validUntil: at(48)),
            roles: anna.roles)
        #expect(fresh.refusal(.approve(by: clara, onBehalfOf: toClara, at: at(1), totpVerified: false)) == .initiator)
        let fromIvan = DelegatedAuthority(
            delegation: try Delegation(from: ivan.actorID, to: anna.actorID, validFrom: t0, validUntil: at(48)),
            roles: ivan.roles)
        #expect(fresh.refusal(.approve(by: anna, onBehalfOf: fromIvan, at: at(1), totpVerified: false)) == .initiator)
    }

    @Test("delegations to oneself or with an empty window are refused when made, and never in force")
    func delegationRules() throws {
        #expect(throws: ValidationFailure.self) {
            try Delegation(from: anna.actorID, to: anna.actorID, validFrom: t0, validUntil: at(1))
        }
        #expect(throws: ValidationFailure.self) {
            try Delegation(from: anna.actorID, to: ben.actorID, validFrom: at(1), validUntil: at(1))
        }
        var edited = try Delegation(from: anna.actorID, to: ben.actorID, validFrom: t0, validUntil: at(1))
        #expect(edited.isInForce(at: t0, for: ApprovalFixture.germany))
        edited.to = anna.actorID
        #expect(!edited.isInForce(at: t0, for: ApprovalFixture.germany))
    }

    @Test("a rejection at any step ends the chain with its reason")
    func rejection() throws {
        var state = try chain()
        try state.apply(.approve(by: anna, at: at(1), totpVerified: false))
        #expect(state.refusal(.reject(by: tom, reason: "no", at: at(2))) == .notEligible, "not a finance manager")
        #expect(state.refusal(.reject(by: ben, reason: "  ", at: at(2))) == .reasonRequired)
        try state.apply(.reject(by: ben, reason: " invoice already paid by card ", at: at(2)))
        #expect(state.isRejected)
        #expect(
            state.status
                == .rejected(
                    ChainRejection(
                        stage: 1, by: ben.actorID, onBehalfOf: nil, reason: "invoice already paid by card", at: at(2))))
        #expect(state.refusal(.approve(by: fay, at: at(3), totpVerified: true)) == .chainFinished)
        #expect(state.refusal(.reject(by: fay, reason: "again", at: at(3))) == .chainFinished)
    }

    @Test("a chain comes only from a chain decision, and never from an empty chain")
    func construction() throws {
        let policy = ApprovalPolicy(
            id: "p",
            rules: [PolicyRule(id: "small", when: .init(amountBelow: "100.00"), then: .autoApprove)],
            defaultOutcome: .chain(ApprovalChainSpec(steps: [ApprovalFixture.step(.role(.approver))])))
        let small = policy.evaluate(facts: ApprovalFixture.facts(amount: ApprovalFixture.eur("5.00")))
        #expect(throws: ApprovalChainError(code: .notAChain, stage: nil)) {
            try ApprovalChainState(decision: small, initiators: [], startedAt: t0)
        }
        let big = policy.evaluate(facts: ApprovalFixture.facts(entity: ApprovalFixture.china, amount: ApprovalFixture.eur("500.00")))
        let state = try ApprovalChainState(decision: big, initiators: [clara.actorID], startedAt: t0)
        #expect(state.entityID == ApprovalFixture.china)
        #expect(state.stages.count == 1)
        #expect(throws: ApprovalChainError(code: .invalidChain, stage: nil)) {
            try ApprovalChainState(
                chain: ApprovalChainSpec(steps: []), entityID: ApprovalFixture.germany, initiators: [], startedAt: t0)
        }
        #expect(throws: ApprovalChainError(code: .invalidChain, stage: 1)) {
            try ApprovalChainState(
                chain: ApprovalChainSpec(
                    steps: [ApprovalFixture.step(.role(.approver))], release: ApprovalFixture.step(.role(.treasurer), 0)),
                entityID: ApprovalFixture.germany, initiators: [], startedAt: t0)
        }
    }

    @Test("a step is overdue once it has waited longer than its limit since it became current")
    func escalation() throws {
        var state = try chain()
        #expect(state.overdueStep(at: at(24)) == nil, "exactly at the limit is not yet overdue")
        let overdue = state.overdueStep(at: at(24).addingTimeInterval(1))
        #expect(
            overdue == OverdueStep(stage: 0, isRelease: false, waitingSince: t0, overdueSince: at(24), limitHours: 24))
        try state.apply(.approve(by: anna, at: at(30), totpVerified: false))
        #expect(state.overdueStep(at: at(37)) == nil, "step 2 has waited 7 of its 8 hours")
        #expect(state.overdueStep(at: at(39))?.overdueSince == at(38))
        #expect(state.overdueStep(at: at(39))?.waitingSince == at(30))
        try state.apply(.approve(by: ben, at: at(39), totpVerified: true))
        try state.apply(.approve(by: fay, at: at(40), totpVerified: true))
        #expect(state.overdueStep(at: at(1000)) == nil, "the release step has no limit")
        try state.apply(.release(by: tom, at: at(41), totpVerified: true))
        #expect(state.overdueStep(at: at(1000)) == nil, "a finished chain is never overdue")
    }

    @Test("error descriptions name the rule, never the person")
    func errorDescriptions() {
        for code in ApprovalChainError.Code.allCases {
            let text = ApprovalChainError(code: code, stage: 1).description
            #expect(!text.isEmpty)
            #expect(!text.contains("usr_"))
        }
    }
}

extension ApprovalFixture {
    static func actor(_ name: String, _ roles: Set<Role> = [], groups: Set<String> = []) -> ApprovalActor {
        ApprovalActor(actorID: user(name), roles: roles, groups: groups)
    }
}

extension ApprovalChainState {
    /// The code of the error that refuses `action`, or nil when it would be accepted.
    func refusal(_ action: ApprovalChainAction) -> ApprovalChainError.Code? {
        do {
            _ = try applying(action)
            return nil
        } catch {
            return error.code
        }
    }
}
