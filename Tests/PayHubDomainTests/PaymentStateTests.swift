import Testing

@testable import PayHubDomain

@Suite("Payment lifecycle")
struct PaymentStateTests {
    /// The lifecycle as finance signed it off, written out independently of the implementation's table.
    static let legal: Set<String> = [
        "draft>pending_approval", "draft>cancelled",
        "pending_approval>approved", "pending_approval>rejected", "pending_approval>on_hold",
        "pending_approval>cancelled",
        "on_hold>pending_approval", "on_hold>cancelled",
        "approved>scheduled", "approved>on_hold", "approved>cancelled",
        "scheduled>sent", "scheduled>unknown", "scheduled>approved", "scheduled>on_hold", "scheduled>cancelled",
        "sent>accepted", "sent>failed", "sent>settled", "sent>unknown",
        "unknown>sent", "unknown>scheduled", "unknown>accepted", "unknown>failed", "unknown>settled",
        "accepted>settled", "accepted>failed", "accepted>returned",
        "settled>returned",
    ]

    static let allPairs: [(PaymentState, PaymentState)] = PaymentState.allCases.flatMap { from in
        PaymentState.allCases.map { (from, $0) }
    }

    @Test("every pair of states: legal moves succeed, all others name the illegal move", arguments: allPairs)
    func everyPair(from: PaymentState, to: PaymentState) {
        let key = "\(from.rawValue)>\(to.rawValue)"
        if Self.legal.contains(key) {
            #expect((try? from.transition(to: to)) == to)
        } else {
            #expect(throws: InvalidTransition(from: from, to: to)) { try from.transition(to: to) }
            let message = InvalidTransition(from: from, to: to).description
            #expect(message.contains(from.rawValue) && message.contains(to.rawValue))
        }
    }

    @Test("thirteen states, and no state moves to itself")
    func shape() {
        #expect(PaymentState.allCases.count == 13)
        #expect(PaymentState.allCases.allSatisfy { !$0.successors.contains($0) })
        #expect(Set(PaymentState.allCases.filter(\.isFinal)) == [.rejected, .cancelled, .failed, .returned])
    }

    @Test("the happy path is reachable step by step")
    func happyPath() throws {
        var state = PaymentState.draft
        for next: PaymentState in [.pendingApproval, .approved, .scheduled, .sent, .accepted, .settled] {
            state = try state.transition(to: next)
        }
        #expect(state == .settled)
    }

    @Test("nothing the bank may already have can be cancelled")
    func noCancelAfterSending() {
        for state in PaymentState.allCases where state.isWithBank {
            #expect(!state.successors.contains(.cancelled), "\(state)")
        }
    }
}
