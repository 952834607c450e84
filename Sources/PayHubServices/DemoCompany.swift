import Foundation
import PayHubDomain
import PayHubStorage

/// Seeds a demo company: a German GmbH paying in EUR and a Shanghai subsidiary paying in CNY, their bank
/// accounts, 20 vendors and 200 payables, and a few payments along the lifecycle.
///
/// Everything comes from a seeded generator, so two demo databases hold the same names and amounts.
public struct DemoCompany: Sendable {
    let store: any PayHubStore
    let clock: Clock
    let seed: UInt64

    public static let vendorCount = 20
    public static let payableCount = 200

    public init(store: any PayHubStore, clock: Clock = .system, seed: UInt64 = 2026) {
        self.store = store
        self.clock = clock
        self.seed = seed
    }

    public struct Summary: Sendable {
        public var entities: [LegalEntity]
        public var vendors: Int
        public var payables: Int
        public var payments: Int
    }

    /// Whether the database holds no entity yet, which is when `serve --demo` seeds it.
    public func isEmpty() async throws -> Bool {
        try await store.entities(PageRequest(limit: 1), scope: .all).items.isEmpty
    }

    public func seed(progress: (Int, Int) -> Void = { _, _ in }) async throws -> Summary {
        var random = SplitMix64(seed: seed)
        let now = clock.now()
        var tick: UInt64 = 0
        func newID<Object: Identified>(_: Object.Type = Object.self) -> ID<Object> {
            tick += 1
            return ID.generate(millisecondsSinceEpoch: UInt64(now.timeIntervalSince1970 * 1000) + tick, using: &random)
        }
        let audit = AuditContext(actorKind: .system, actorID: "system", origin: "demo", occurredAt: now)

        let germany = try LegalEntity(
            id: newID(), name: "Lindenhof Maschinenbau GmbH", countryCode: "DE", baseCurrency: .eur,
            lei: try LEI("5299000J2N45DDNE4Y" + (LEI.checkDigits(for: "5299000J2N45DDNE4Y") ?? "")),
            createdAt: now)
        let china = try LegalEntity(
            id: newID(), name: "林登霍夫机械(上海)有限公司", countryCode: "CN", baseCurrency: .cny, createdAt: now)
        for entity in [germany, china] { try await store.createEntity(entity, context: audit) }

        let germanDebtor = try BankAccount(
            id: newID(), holder: .entity(germany.id), entityID: germany.id,
            accountNumber: .iban(try Self.iban("DE", bban: "37040044" + Self.digits(10, &random))),
            bic: try BIC("COBADEFFXXX"), currency: .eur, holderName: germany.name, bankName: "Commerzbank",
            createdAt: now)
        let germanUSD = try BankAccount(
            id: newID(), holder: .entity(germany.id), entityID: germany.id,
            accountNumber: .iban(try Self.iban("DE", bban: "50070010" + Self.digits(10, &random))),
            bic: try BIC("DEUTDEFFXXX"), currency: .usd, holderName: germany.name, bankName: "Deutsche Bank",
            createdAt: now)
        let chinaDebtor = try BankAccount(
            id: newID(), holder: .entity(china.id), entityID: china.id,
            accountNumber: try AccountNumber.domestic(validating: "1001" + Self.digits(15, &random)),
            bic: try BIC("ICBKCNBJSHI"), cnapsCode: try CNAPSCode("102290024015"), currency: .cny,
            holderName: china.name, bankName: "中国工商银行上海分行", createdAt: now)
        for account in [germanDebtor, germanUSD, chinaDebtor] { try await store.createBankAccount(account, context: audit) }

        var vendors: [(Vendor, BankAccount)] = []
        for (index, name) in Self.germanVendors.enumerated() {
            let country = Self.europeanCountries[index % Self.europeanCountries.count]
            let vendor = try Vendor(
                id: newID(), entityID: germany.id, name: name, countryCode: country.code,
                taxID: .other(country.code + Self.digits(9, &random)),
                source: try SourceReference(system: "sap-de", externalID: String(100_000 + index)), createdAt: now)
            let account = try BankAccount(
                id: newID(), holder: .vendor(vendor.id), entityID: germany.id,
                accountNumber: .iban(try Self.iban(country.code, bban: country.bban(&random))),
                bic: try BIC(country.bic), currency: .eur, holderName: name, createdAt: now)
            vendors.append((vendor, account))
        }
        for (index, name) in Self.chineseVendors.enumerated() {
            let vendor = try Vendor(
                id: newID(), entityID: china.id, name: name, countryCode: "CN",
                taxID: .unifiedSocialCreditCode(try Self.uscc(&random)),
                source: try SourceReference(system: "kingdee", externalID: "V" + String(2000 + index)), createdAt: now)
            let bank = Self.chineseBanks[index % Self.chineseBanks.count]
            let account = try BankAccount(
                id: newID(), holder: .vendor(vendor.id), entityID: china.id,
                accountNumber: try AccountNumber.domestic(validating: bank.prefix + Self.digits(19 - bank.prefix.count, &random)),
                cnapsCode: try CNAPSCode(bank.cnaps), currency: .cny, holderName: name, bankName: bank.name,
                createdAt: now)
            vendors.append((vendor, account))
        }
        for (vendor, account) in vendors {
            try await store.createVendor(vendor, context: audit)
            try await store.createBankAccount(account, context: audit)
        }

        let today = try LocalDate(daysSinceEpoch: Int(now.timeIntervalSince1970 / 86_400))
        var payables: [Payable] = []
        for index in 0..<Self.payableCount {
            let (vendor, _) = vendors[index % vendors.count]
            let german = vendor.entityID == germany.id
            let currency: Currency = german ? .eur : .cny
            // Realistic spread: mostly hundreds to tens of thousands, a few large ones for approval chains.
            let base = Int64.random(in: 150_00...48_000_00, using: &random)
            let minor = index % 25 == 0 ? base * 20 : base
            let invoiceDate = try today.adding(days: -Int.random(in: 5...60, using: &random))
            let payable = try Payable(
                id: newID(), entityID: vendor.entityID, vendorID: vendor.id,
                invoiceNumber: german ? "RE-2026-\(String(10_000 + index))" : "FP\(Self.digits(8, &random))",
                invoiceDate: invoiceDate, dueDate: try invoiceDate.adding(days: [14, 30, 45, 60][index % 4]),
                amount: Money(minorUnits: minor, currency: currency),
                source: try SourceReference(system: german ? "sap-de" : "kingdee", externalID: String(5_100_000 + index)),
                createdAt: now)
            try await store.createPayable(payable, context: audit)
            payables.append(payable)
            progress(index + 1, Self.payableCount)
        }

        // A few payments at each stage, so the lists and the dashboard have something to show.
        let stages: [[PaymentState]] = [
            [], [.pendingApproval], [.pendingApproval], [.pendingApproval, .approved],
            [.pendingApproval, .approved, .scheduled, .sent], [.pendingApproval, .approved, .scheduled, .sent, .accepted, .settled],
            [.pendingApproval, .onHold], [.pendingApproval, .rejected],
        ]
        var paymentCount = 0
        for (index, path) in stages.enumerated() {
            for offset in [0, 1] {
                let payable = payables[index * 2 + offset]
                let (vendor, creditor) = vendors.first { $0.0.id == payable.vendorID }!
                let debtor = vendor.entityID == germany.id ? germanDebtor : chinaDebtor
                let paymentID: ID<Payment> = newID()
                let payment = try Payment(
                    id: paymentID, endToEndID: EndToEndID.derived(from: paymentID), payables: [payable],
                    debtorAccount: debtor, creditorAccount: creditor, createdAt: now)
                try await store.createPayment(payment, context: audit)
                var state = PaymentState.draft
                for next in path {
                    _ = try await store.transitionPayment(payment.id, from: state, to: next, reason: next == .rejected ? "demo: duplicate invoice" : nil, context: audit)
                    state = next
                }
                paymentCount += 1
            }
        }
        return Summary(entities: [germany, china], vendors: vendors.count, payables: payables.count, payments: paymentCount)
    }

    // MARK: Data

    static let germanVendors = [
        "Schäfer Stahlhandel GmbH", "Krüger & Söhne Elektrotechnik KG", "Bäckerei Müller Catering GmbH",
        "Hoffmann Logistik AG", "Weiß Hydraulik GmbH", "Van der Berg Components B.V.", "Dupont Usinage SARL",
        "Rossi Meccanica S.p.A.", "García Embalajes S.L.", "Novák Strojírny s.r.o.",
    ]

    static let chineseVendors = [
        "上海宝钢金属制品有限公司", "深圳华强电子科技有限公司", "苏州精工模具有限公司", "宁波海天物流有限公司",
        "杭州西子轴承股份有限公司", "北京中关村软件服务有限公司", "广州白云包装材料有限公司", "无锡恒通液压设备有限公司",
        "天津港联国际货运代理有限公司", "成都蜀星机电工程有限公司",
    ]

    struct EuropeanCountry {
        let code: String
        let bic: String
        let bankCode: String
        let bbanDigits: Int
        let bbanLetters: String

        func bban(_ random: inout SplitMix64) -> String { bbanLetters + bankCode + DemoCompany.digits(bbanDigits, &random) }
    }

    static let europeanCountries = [
        EuropeanCountry(code: "DE", bic: "BYLADEMMXXX", bankCode: "70020270", bbanDigits: 10, bbanLetters: ""),
        EuropeanCountry(code: "DE", bic: "GENODEF1M04", bankCode: "70169464", bbanDigits: 10, bbanLetters: ""),
        EuropeanCountry(code: "NL", bic: "ABNANL2AXXX", bankCode: "", bbanDigits: 10, bbanLetters: "ABNA"),
        EuropeanCountry(code: "FR", bic: "BNPAFRPPXXX", bankCode: "3000400003", bbanDigits: 13, bbanLetters: ""),
        EuropeanCountry(code: "IT", bic: "BCITITMMXXX", bankCode: "0306909606", bbanDigits: 12, bbanLetters: "X"),
    ]

    struct ChineseBank {
        let name: String
        let cnaps: String
        let prefix: String
    }

    static let chineseBanks = [
        ChineseBank(name: "中国工商银行上海市分行", cnaps: "102290002916", prefix: "1001"),
        ChineseBank(name: "招商银行深圳分行", cnaps: "308584000013", prefix: "7559"),
        ChineseBank(name: "中国银行苏州分行", cnaps: "104305045012", prefix: "4658"),
        ChineseBank(name: "交通银行宁波分行", cnaps: "301332000015", prefix: "3320"),
        ChineseBank(name: "中国农业银行杭州分行", cnaps: "103331000016", prefix: "1908"),
    ]

    static func digits(_ count: Int, _ random: inout SplitMix64) -> String {
        String((0..<count).map { _ in Character(String(Int.random(in: 0...9, using: &random))) })
    }

    static func iban(_ country: String, bban: String) throws -> IBAN {
        try IBAN(country + IBAN.checkDigits(countryCode: country, bban: bban) + bban)
    }

    /// A Unified Social Credit Code for an enterprise (`91`) registered in Shanghai (`310000`-area codes).
    static func uscc(_ random: inout SplitMix64) throws -> UnifiedSocialCreditCode {
        let alphabet = Array("0123456789ABCDEFGHJKLMNPQRTUWXY")
        let organisation = String((0..<9).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &random)] })
        let first17 = "91" + "310115" + organisation
        return try UnifiedSocialCreditCode(first17 + String(UnifiedSocialCreditCode.checkCharacter(for: first17)!))
    }
}
