import Foundation
import PayHubDomain
import PayHubStorage

/// Seeded randomness for tests: the same data on every run, reproducible from the seed.
public typealias SeededGenerator = SplitMix64

/// Builders for valid domain objects, so tests say only what matters to them.
public struct Fixtures: Sendable {
    public var generator: SeededGenerator
    public var now: Date
    private var tick: UInt64 = 0

    public init(seed: UInt64 = 42, now: Date = Date(timeIntervalSince1970: 1_790_000_000)) {
        generator = SeededGenerator(seed: seed)
        self.now = now
    }

    public mutating func id<Object: Identified>(_: Object.Type = Object.self) -> ID<Object> {
        tick += 1
        return ID.generate(millisecondsSinceEpoch: UInt64(now.timeIntervalSince1970 * 1000) + tick, using: &generator)
    }

    /// A valid German IBAN with a random account part.
    public mutating func germanIBAN() -> IBAN {
        let bban = "37040044" + digits(10)
        return try! IBAN("DE" + IBAN.checkDigits(countryCode: "DE", bban: bban) + bban)
    }

    public mutating func digits(_ count: Int) -> String {
        String((0..<count).map { _ in Character(String(Int.random(in: 0...9, using: &generator))) })
    }

    public mutating func entity(name: String = "ACME GmbH", country: String = "DE", currency: Currency = .eur)
        -> LegalEntity
    {
        try! LegalEntity(id: id(), name: name, countryCode: country, baseCurrency: currency, createdAt: now)
    }

    public mutating func vendor(of entity: LegalEntity, name: String = "Muster Lieferant AG", country: String = "DE")
        -> Vendor
    {
        try! Vendor(id: id(), entityID: entity.id, name: name, countryCode: country, createdAt: now)
    }

    public mutating func entityAccount(of entity: LegalEntity, currency: Currency? = nil) -> BankAccount {
        try! BankAccount(
            id: id(), holder: .entity(entity.id), entityID: entity.id, accountNumber: .iban(germanIBAN()),
            bic: try! BIC("COBADEFFXXX"), currency: currency ?? entity.baseCurrency, holderName: entity.name,
            createdAt: now)
    }

    public mutating func vendorAccount(of vendor: Vendor, currency: Currency = .eur) -> BankAccount {
        try! BankAccount(
            id: id(), holder: .vendor(vendor.id), entityID: vendor.entityID, accountNumber: .iban(germanIBAN()),
            bic: try! BIC("DEUTDEFF"), currency: currency, holderName: vendor.name, createdAt: now)
    }

    public mutating func payable(
        of vendor: Vendor, amount: String = "1250.00", currency: Currency = .eur, source: String = "sap",
        externalID: String? = nil
    ) -> Payable {
        let invoice = "INV-" + digits(6)
        return try! Payable(
            id: id(), entityID: vendor.entityID, vendorID: vendor.id, invoiceNumber: invoice,
            invoiceDate: try! LocalDate(iso8601: "2026-11-01"), dueDate: try! LocalDate(iso8601: "2026-12-01"),
            amount: try! Money(parsing: amount, currency: currency),
            source: try! SourceReference(system: source, externalID: externalID ?? invoice), createdAt: now)
    }

    public mutating func payment(
        of payables: [Payable], from debtor: BankAccount, to creditor: BankAccount
    ) -> Payment {
        let paymentID: ID<Payment> = id()
        return try! Payment(
            id: paymentID, endToEndID: EndToEndID.derived(from: paymentID), payables: payables, debtorAccount: debtor,
            creditorAccount: creditor, createdAt: now)
    }

    public func context(actor: String = "usr_test", origin: String = "test") -> AuditContext {
        AuditContext(actorKind: .user, actorID: actor, origin: origin, requestID: "req-test", occurredAt: now)
    }

    /// A fixed 32-byte master key for tests; production keys come from PAYHUB_MASTER_KEY or a key file.
    public static let testCipher: BankDetailCipher = {
        try! BankDetailCipher(masterKeyBytes: Data((0..<32).map { UInt8($0) }))
    }()
}
