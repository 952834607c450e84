import Foundation

@testable import PayHubDomain

/// Small builders for the controls' tests: ids from numbers, dates from day offsets, candidates with
/// defaults for everything a test does not care about.
enum ControlFixture {
    static func entity(_ number: Int) -> ID<LegalEntity> { try! ID("ent_e\(number)") }
    static func vendor(_ number: Int) -> ID<Vendor> { try! ID("ven_v\(number)") }
    static func payable(_ number: Int) -> ID<Payable> { try! ID("pyb_p\(number)") }
    static func payment(_ number: Int) -> ID<Payment> { try! ID("pay_p\(number)") }

    /// 2026-01-01 plus `offset` days.
    static func date(_ offset: Int = 0) -> LocalDate {
        try! LocalDate(daysSinceEpoch: 20_454 + offset)
    }

    static func money(_ text: String, _ currency: Currency = .eur) -> Money {
        try! Money(parsing: text, currency: currency)
    }

    static func candidate(
        _ payable: Int, entity: Int = 1, vendor: VendorIdentity? = nil, number: String = "INV-1",
        date: LocalDate = ControlFixture.date(), amount: Money = ControlFixture.money("1000.00"),
        stage: DuplicateCandidate.Stage = .open, payment: Int? = nil
    ) -> DuplicateCandidate {
        DuplicateCandidate(
            payableID: ControlFixture.payable(payable), paymentID: payment.map(ControlFixture.payment),
            entityID: ControlFixture.entity(entity),
            vendor: vendor ?? VendorIdentity(vendorID: ControlFixture.vendor(1)), invoiceNumber: number, invoiceDate: date,
            amount: amount, stage: stage)
    }
}
