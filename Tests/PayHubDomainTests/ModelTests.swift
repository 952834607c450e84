import Foundation
import Testing

@testable import PayHubDomain

@Suite("Domain model")
struct ModelTests {
    let now = Date(timeIntervalSince1970: 1_790_000_000)

    @Test("local dates parse, print and count days exactly")
    func localDates() throws {
        let date = try LocalDate(iso8601: "2024-02-29")
        #expect(date.iso8601 == "2024-02-29")
        #expect(try date.adding(days: 1).iso8601 == "2024-03-01")
        #expect(try LocalDate(iso8601: "1970-01-01").daysSinceEpoch == 0)
        #expect(try LocalDate(iso8601: "2026-12-31").adding(days: 1).iso8601 == "2027-01-01")
        #expect(try LocalDate(year: 33, month: 1, day: 5).iso8601 == "0033-01-05", "years below 1000 are padded")
        #expect(try LocalDate(year: 9999, month: 12, day: 31).iso8601 == "9999-12-31")
        for text in ["2023-02-29", "2024-13-01", "2024-1-01", "24-01-01", "2024-01-32", "2024/01/01", ""] {
            #expect(throws: LocalDateError.self, "\(text)") { try LocalDate(iso8601: text) }
        }
        var generator = SplitMix64(seed: 7)
        for _ in 0..<2000 {
            let days = Int.random(in: -700_000...2_900_000, using: &generator)
            #expect(try LocalDate(daysSinceEpoch: days).daysSinceEpoch == days)
        }
    }

    @Test("typed ids carry their prefix, sort by time and validate")
    func ids() throws {
        var generator = SplitMix64(seed: 1)
        let early = ID<Payment>.generate(millisecondsSinceEpoch: 1_000, using: &generator)
        let late = ID<Payment>.generate(millisecondsSinceEpoch: 2_000, using: &generator)
        #expect(early.rawValue.hasPrefix("pay_") && early.rawValue.count == 30)
        #expect(early < late)
        #expect(try ID<Payment>(early.rawValue) == early)
        #expect(throws: InvalidIDError.self) { try ID<Vendor>(early.rawValue) }
        #expect(throws: InvalidIDError.self) { try ID<Payment>("pay_") }
        #expect(throws: InvalidIDError.self) { try ID<Payment>("pay_ABC") }
        #expect(EndToEndID.isValid(EndToEndID.derived(from: early)))
    }

    struct Parties {
        let entity: LegalEntity
        let vendor: Vendor
        let debtor: BankAccount
        let creditor: BankAccount
    }

    func parties() throws -> Parties {
        var generator = SplitMix64(seed: 3)
        let entity = try LegalEntity(
            id: .generate(millisecondsSinceEpoch: 1, using: &generator), name: "ACME GmbH", countryCode: "DE",
            baseCurrency: .eur, createdAt: now)
        let vendor = try Vendor(
            id: .generate(millisecondsSinceEpoch: 2, using: &generator), entityID: entity.id, name: "Lieferant AG",
            countryCode: "DE", createdAt: now)
        let debtor = try BankAccount(
            id: .generate(millisecondsSinceEpoch: 3, using: &generator), holder: .entity(entity.id), entityID: entity.id,
            accountNumber: .iban(try IBAN("DE89370400440532013000")), currency: .eur, holderName: "ACME", createdAt: now)
        let creditor = try BankAccount(
            id: .generate(millisecondsSinceEpoch: 4, using: &generator), holder: .vendor(vendor.id), entityID: entity.id,
            accountNumber: .iban(try IBAN("GB29NWBK60161331926819")), currency: .eur, holderName: "Lieferant",
            createdAt: now)
        return Parties(entity: entity, vendor: vendor, debtor: debtor, creditor: creditor)
    }

    func payable(_ parties: Parties, _ amount: String, currency: Currency = .eur, number: Int) throws -> Payable {
        var generator = SplitMix64(seed: UInt64(number))
        return try Payable(
            id: .generate(millisecondsSinceEpoch: 10 + UInt64(number), using: &generator), entityID: parties.entity.id,
            vendorID: parties.vendor.id, invoiceNumber: "INV-\(number)", invoiceDate: LocalDate(iso8601: "2026-11-01"),
            dueDate: LocalDate(iso8601: "2026-11-30"), amount: Money(parsing: amount, currency: currency),
            source: SourceReference(system: "sap", externalID: "\(number)"), createdAt: now)
    }

    @Test("a payment sums its payables of one vendor and currency")
    func paymentSums() throws {
        let parties = try parties()
        let payables = [try payable(parties, "100.10", number: 1), try payable(parties, "0.90", number: 2)]
        var generator = SplitMix64(seed: 9)
        let id = ID<Payment>.generate(millisecondsSinceEpoch: 99, using: &generator)
        let payment = try Payment(
            id: id, endToEndID: EndToEndID.derived(from: id), payables: payables, debtorAccount: parties.debtor,
            creditorAccount: parties.creditor, createdAt: now)
        #expect(payment.amount.decimalString == "101.00")
        #expect(payment.state == .draft)
        #expect(try payment.transitioned(to: .pendingApproval).state == .pendingApproval)
        #expect(throws: InvalidTransition(from: .draft, to: .settled)) { try payment.transitioned(to: .settled) }
    }

    @Test("a payment refuses mixed currencies, foreign accounts and repeated payables, naming each field")
    func paymentRules() throws {
        let parties = try parties()
        let euro = try payable(parties, "10.00", number: 1)
        let dollar = try payable(parties, "10.00", currency: .usd, number: 2)
        var generator = SplitMix64(seed: 9)
        let id = ID<Payment>.generate(millisecondsSinceEpoch: 99, using: &generator)
        do {
            _ = try Payment(
                id: id, endToEndID: "E2E", payables: [euro, dollar, euro], debtorAccount: parties.creditor,
                creditorAccount: parties.debtor, createdAt: now)
            Issue.record("an invalid payment was formed")
        } catch {
            let codes = Set(error.errors.map { "\($0.path):\($0.code)" })
            #expect(codes.contains("payable_ids[1]:currency_mismatch"))
            #expect(codes.contains("payable_ids:duplicate_payable"))
            #expect(codes.contains("debtor_account_id:not_entity_account"))
            #expect(codes.contains("creditor_account_id:not_vendor_account"))
        }
        #expect(throws: ValidationFailure.self) {
            try Payment(
                id: id, endToEndID: "E2E", payables: [], debtorAccount: parties.debtor, creditorAccount: parties.creditor,
                createdAt: now)
        }
    }

    @Test("account numbers are masked to their last four characters")
    func masking() throws {
        let iban = AccountNumber.iban(try IBAN("DE89370400440532013000"))
        #expect(iban.masked == "****3000")
        #expect(!iban.masked.contains("37040044"))
        #expect(try AccountNumber.domestic(validating: "6222 0210 0100 1234 567").masked == "****4567")
        #expect(throws: FieldError.self) { try AccountNumber.domestic(validating: "12") }
    }

    @Test("roles: creators never approve, administrators approve nothing")
    func segregationInRoles() {
        for role in Role.allCases {
            let permissions = role.permissions
            #expect(!(permissions.contains(.paymentsCreate) && permissions.contains(.paymentsApprove)), "\(role)")
        }
        #expect(!Role.admin.permissions.contains(.paymentsApprove))
        #expect(Principal.system.permissions.isEmpty)
        #expect(EntityScope.only([]).contains(try! ID<LegalEntity>("ent_abc")) == false)
    }
}

@Suite("House rules")
struct HouseRuleTests {
    /// Money must never pass through binary floating point. This reads the domain and format sources
    /// and fails on any `Double` or `Float` outside a comment, except in the folders that compute
    /// similarity scores, which are not money.
    @Test("no Double or Float in the domain or the bank formats")
    func noFloatingPointMoney() throws {
        // Through a symlink first, so that a scratch package linking this folder in reads the sources.
        let root = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        // Sanctions screening scores names 0…1 (Jaro-Winkler, Levenshtein ratios): floating point, no money.
        let scoreFolders = ["Sources/PayHubDomain/Controls/Sanctions/"]
        var offenders: [String] = []
        var filesRead = 0
        for folder in ["Sources/PayHubDomain", "Sources/BankFormats", "Sources/PayHubStorage"] {
            let url = root.appendingPathComponent(folder)
            guard let files = FileManager.default.enumerator(at: url, includingPropertiesForKeys: nil) else { continue }
            for case let file as URL in files where file.pathExtension == "swift" {
                if scoreFolders.contains(where: { file.path.contains($0) }) { continue }
                filesRead += 1
                let lines = try String(contentsOf: file, encoding: .utf8).split(separator: "\n")
                for (number, line) in lines.enumerated() {
                    let code = line.components(separatedBy: "//").first ?? ""
                    if code.range(of: #"\b(Double|Float|Float32|Float64|CGFloat)\b"#, options: .regularExpression) != nil {
                        offenders.append("\(file.lastPathComponent):\(number + 1)")
                    }
                }
            }
        }
        #expect(filesRead > 10, "the scan must actually read the sources")
        #expect(offenders.isEmpty, "floating point in a money path: \(offenders)")
    }
}
