import Foundation
import HummingbirdOTP
import PayHubDomain
import PayHubServices
import PayHubStorage
import PayHubTesting
import PayHubWeb
import Testing

/// TOTP step-up for approvers, with hummingbird-auth's TOTP behind the services, on a real SQLite file.
@Suite("Step-up (TOTP) for approvers")
struct StepUpTests {
    @Test("the TOTP adapter gives RFC 6238's SHA-1 test vectors (last 6 digits)")
    func rfc6238() {
        let passwords = HummingbirdOneTimePasswords()
        // RFC 6238 appendix B: secret "12345678901234567890", 8-digit codes 94287082, 07081804, 89005924.
        for (seconds, code) in [(59.0, 287_082), (1_111_111_109.0, 81_804), (1_234_567_890.0, 5_924)] {
            #expect(passwords.code(secret: "12345678901234567890", at: Date(timeIntervalSince1970: seconds)) == code)
        }
        let uri = passwords.enrolmentURI(secret: "12345678901234567890", account: "anna", issuer: "PayHub")
        #expect(uri.hasPrefix("otpauth://totp/PayHub:anna?") && uri.contains("secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"))
    }

    @Test("a step that requires TOTP passes only with a fresh code of a confirmed enrolment, each code once")
    func approvalWithTOTP() async throws {
        try await TestSQLite.withFreshStore { store in
            var fixtures = Fixtures()
            let world = try await World.make(store, &fixtures)
            let now = Date(timeIntervalSince1970: 1_790_000_000)
            let clock = Clock { now }
            let hub = PaymentHub(store: store, clock: clock)
            let passwords = HummingbirdOneTimePasswords()
            let stepUp = StepUpService(hub: hub, passwords: passwords)
            let approvals = ApprovalService(hub: hub, stepUp: stepUp)
            let access = AccessService(store: store, clock: clock, bcryptCost: 4)
            let system = CallContext(principal: .system, origin: "test")
            func user(_ name: String, _ roles: Set<Role>) async throws -> CallContext {
                let user = try await access.addUser(
                    username: name, displayName: name, password: "correct horse battery", roles: roles, scope: .all,
                    context: system)
                return CallContext(principal: Principal(kind: .user, actorID: user.id.rawValue, roles: roles, scope: .all), origin: "test")
            }
            let clerk = try await user("clerk", [.apClerk])
            let anna = try await user("anna", [.approver])
            let admin = try await user("admin", [.admin])
            _ = try await approvals.savePolicy(
                "id: p\nrules: []\ndefault: { outcome: chain, steps: [{ role: approver, approvals: 1, require_totp: true }] }",
                context: admin)
            let payable = try await hub.createPayable(
                NewPayable(
                    vendorID: world.vendor.id.rawValue, invoiceNumber: "T-1", invoiceDate: "2026-09-01", dueDate: "2026-10-01",
                    amount: "500.00", currency: "EUR", source: "sap", externalID: "T-1"), context: clerk)
            let payment = try await hub.createPayment(
                NewPayment(payableIDs: [payable.id.rawValue], debtorAccountID: world.debtor.id.rawValue, creditorAccountID: world.creditor.id.rawValue),
                context: clerk)
            _ = try await approvals.submit(payment.id.rawValue, context: clerk)

            // Without a code, and before enrolment, the step is refused.
            await #expect(throws: ApprovalChainError(code: .stepUpRequired, stage: 0)) {
                try await approvals.approve(payment.id.rawValue, context: anna)
            }
            let (uri, key) = try await stepUp.enrol(username: "anna", context: anna)
            #expect(uri.hasPrefix("otpauth://totp/PayHub:anna?") && uri.contains("secret=\(key)"))
            let secret = try #require(try await store.totpEnrolment(of: try ID<User>(anna.principal.actorID))?.secret)
            let code = { (offset: TimeInterval) in
                String(format: "%06d", passwords.code(secret: secret, at: now.addingTimeInterval(offset)))
            }
            // Unconfirmed: a right code does not count yet.
            await #expect(throws: ApprovalChainError(code: .stepUpRequired, stage: nil)) {
                try await approvals.approve(payment.id.rawValue, totpCode: code(0), context: anna)
            }
            try await stepUp.confirm(username: "anna", code: code(-30), context: anna)
            await #expect(throws: ApprovalChainError(code: .stepUpRequired, stage: nil), "a wrong code") {
                try await approvals.approve(payment.id.rawValue, totpCode: "000000", context: anna)
            }
            await #expect(throws: ApprovalChainError(code: .stepUpRequired, stage: nil), "an already used step") {
                try await approvals.approve(payment.id.rawValue, totpCode: code(-30), context: anna)
            }
            let approved = try await approvals.approve(payment.id.rawValue, totpCode: code(0), context: anna)
            #expect(approved.state == .approved)
            let review = try await approvals.review(payment.id.rawValue, context: anna)
            #expect(review.actions.first?.actionJSON.contains("\"totpVerified\":true") == true)
            // Nobody enrols someone else without users.manage.
            await #expect(throws: AccessDenied.self) { try await stepUp.enrol(username: "clerk", context: anna) }
        }
    }
}
