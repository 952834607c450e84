import Foundation
import Testing

@testable import PayHubDomain

/// Small builders shared by the approval tests; every value they make is spelt out at the call site.
enum ApprovalFixture {
    static let germany = try! ID<LegalEntity>("ent_de01")
    static let china = try! ID<LegalEntity>("ent_cn01")
    static let start = Date(timeIntervalSince1970: 1_790_000_000)

    static func user(_ name: String) -> ActorID { ActorID("usr_" + name) }

    static func day(_ text: String) -> LocalDate { try! LocalDate(iso8601: text) }

    static func eur(_ text: String) -> Money { try! Money(parsing: text, currency: .eur) }

    /// A routine payment: 500 EUR by SEPA to an established, low-risk German vendor, on 2026-03-02.
    static func facts(
        entity: ID<LegalEntity> = germany, amount: Money = eur("500.00"), base: Money? = nil,
        method: PaymentMethod = .sepaCreditTransfer, country: String = "DE", risk: RiskRating = .low,
        vendorCreated: String = "2020-01-01", previousPayments: Int = 10, accountChangedOn: String? = nil,
        paymentsSinceChange: Int = 0, asOf: String = "2026-03-02"
    ) -> PaymentFacts {
        PaymentFacts(
            entityID: entity, amount: amount, amountInBaseCurrency: base, method: method,
            vendor: VendorFacts(
                countryCode: country, riskRating: risk, createdOn: day(vendorCreated),
                previousPaymentCount: previousPayments),
            bankAccount: BankAccountChangeFacts(
                changedOn: accountChangedOn.map(day), paymentsSinceChange: paymentsSinceChange),
            asOf: day(asOf))
    }

    static func step(
        _ pool: ApproverPool, _ approvals: Int = 1, of poolSize: Int? = nil, totp: Bool = false, escalate: Int? = nil
    ) -> ApprovalStep {
        ApprovalStep(
            approvers: pool, approvals: approvals, of: poolSize, escalateAfterHours: escalate, requiresTOTP: totp)
    }

    /// The repository root, for the sample documents under `samples/`.
    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
    }

    static func sample(_ relativePath: String) throws -> Data {
        try Data(contentsOf: repositoryRoot.appendingPathComponent(relativePath))
    }
}
