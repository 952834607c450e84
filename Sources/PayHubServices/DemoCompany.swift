import Foundation
import PayHubDomain
import PayHubStorage

/// Seeds a demo company: a German GmbH paying in EUR and a Shanghai subsidiary paying in CNY, their bank
/// accounts, 20 vendors and 200 payables, the people who approve them, an approval policy, a few days of
/// FX rates, and a few payments along the lifecycle.
///
/// The payments go through the approval workflow as they would in use: the clerk creates and submits
/// them, the policy judges them, and the demo approvers approve, hold or reject them, so the approval
/// queue, `payhub policy simulate` and the audit trail have something real to show.
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
        /// The demo's people, with their approver groups. None has a password; the console acts as them
        /// with `--as`.
        public var users: [(user: User, groups: [String])]
        /// The version of the approval policy the demo stored.
        public var policyVersion: Int64
        public var fxRates: Int
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

        // The people, the policy they work under, and the rates it converts amounts with.
        let hub = PaymentHub(store: store, clock: clock)
        let approvals = ApprovalService(hub: hub)
        var users: [String: User] = [:]
        for person in Self.people {
            let scope: EntityScope =
                switch person.entity {
                case .all: .all
                case .china: .only([china.id])
                }
            let user = try User(
                id: newID(), username: person.username, displayName: person.displayName, roles: person.roles,
                scope: scope, createdAt: now)
            // "!" is no bcrypt hash, so no password matches it: nobody signs in as a demo user.
            try await store.createUser(user, passwordHash: "!", context: audit)
            users[person.username] = user
        }
        func acting(_ username: String) throws -> CallContext {
            guard let user = users[username] else { throw StorageError(.notFound, target: "demo user") }
            return CallContext(principal: user.principal, origin: "demo")
        }
        for person in Self.people where !person.groups.isEmpty {
            _ = try await approvals.setGroups(
                Set(person.groups), of: try acting(person.username).principal.actorID, context: try acting("eva.klein"))
        }
        let treasurer = try acting("tom.richter")
        let (policy, _) = try await approvals.savePolicy(
            Self.policy(germany: germany.id, china: china.id), format: .json, context: treasurer)
        let rateCount = try await approvals.importRates(
            csv: try Self.rates(endingOn: today), source: "demo (fixed rates, not market data)", context: treasurer)
        // One vendor no demo payment uses is rated high risk, so simulating a payment to it shows a hold.
        if let risky = vendors.last?.0 {
            try await approvals.setRiskRating("high", of: risky.id.rawValue, context: treasurer)
        }

        // A few payments at each stage, so the lists, the approval queue and the dashboard have something
        // to show. The clerk creates and submits them; approvers act through the approval service.
        let clerk = try acting("jana.becker")
        let stages: [DemoStage] = [.draft, .pending, .pending, .approved, .sent, .settled, .held, .rejected]
        var paymentCount = 0
        for (index, stage) in stages.enumerated() {
            for offset in [0, 1] {
                let payable = payables[index * 2 + offset]
                guard let party = vendors.first(where: { $0.0.id == payable.vendorID }) else {
                    throw StorageError(.notFound, target: "demo vendor")
                }
                let (vendor, creditor) = party
                let debtor = vendor.entityID == germany.id ? germanDebtor : chinaDebtor
                let paymentID: ID<Payment> = newID()
                let payment = try Payment(
                    id: paymentID, endToEndID: EndToEndID.derived(from: paymentID), payables: [payable],
                    debtorAccount: debtor, creditorAccount: creditor, createdAt: now)
                try await store.createPayment(
                    payment, context: AuditContext(principal: clerk.principal, origin: "demo", occurredAt: now))
                try await walk(payment, to: stage, approvals: approvals, clerk: clerk, users: users, audit: audit)
                paymentCount += 1
            }
        }
        return Summary(
            entities: [germany, china], vendors: vendors.count, payables: payables.count, payments: paymentCount,
            users: Self.people.compactMap { person in users[person.username].map { ($0, person.groups) } },
            policyVersion: policy.version, fxRates: rateCount)
    }

    /// Where a demo payment is left.
    enum DemoStage {
        case draft, pending, approved, sent, settled, held, rejected
    }

    /// Moves a draft payment to `stage` the way people would: submitted by the clerk, judged by the policy,
    /// approved step by step by whichever demo approvers the chain accepts, held or rejected by an approver.
    /// What follows approval (sending, settling) belongs to the bank side and is recorded directly.
    func walk(
        _ payment: Payment, to stage: DemoStage, approvals: ApprovalService, clerk: CallContext,
        users: [String: User], audit: AuditContext
    ) async throws {
        guard stage != .draft else { return }
        let id = payment.id.rawValue
        let submitted = try await approvals.submit(id, context: clerk)
        // The demo policy asks for approval of every demo payment; anything else means policy and data
        // have drifted apart, which a demo should not hide.
        guard submitted.state == .pendingApproval else {
            throw StorageError(.stateChanged, target: "demo payment", currentState: submitted.state.rawValue)
        }
        // Approvers who may see the payment's entity, in the order the demo asks them.
        let approvers = Self.approvalOrder.compactMap { users[$0] }.filter { $0.scope.contains(payment.entityID) }
            .map { CallContext(principal: $0.principal, origin: "demo") }
        guard let first = approvers.first else { throw StorageError(.notFound, target: "demo approver") }
        switch stage {
        case .draft, .pending:
            return
        case .held:
            _ = try await approvals.hold(id, reason: "demo: waiting for the vendor's corrected invoice", context: first)
            return
        case .rejected:
            _ = try await approvals.reject(id, reason: "demo: duplicate invoice", context: first)
            return
        case .approved, .sent, .settled:
            break
        }
        var current = submitted
        // Each pass gives one approval; a chain has a few steps of a few approvals, so this bound is generous.
        for _ in 0..<Self.approvalsPerPaymentMax where current.state == .pendingApproval {
            var approved: Payment?
            for approver in approvers {
                do {
                    approved = try await approvals.approve(id, context: approver)
                    break
                } catch let refusal as ApprovalChainError
                    where [.notEligible, .alreadyActed, .releaserApproved].contains(refusal.code)
                {
                    continue  // not this person for this step: ask the next one
                } catch is AccessDenied {
                    continue
                }
            }
            guard let approved else {
                throw StorageError(.stateChanged, target: "demo payment", currentState: current.state.rawValue)
            }
            current = approved
        }
        guard current.state == .approved else {
            throw StorageError(.stateChanged, target: "demo payment", currentState: current.state.rawValue)
        }
        let after: [PaymentState] =
            switch stage {
            case .sent: [.scheduled, .sent]
            case .settled: [.scheduled, .sent, .accepted, .settled]
            default: []
            }
        var state = PaymentState.approved
        for next in after {
            _ = try await store.transitionPayment(payment.id, from: state, to: next, reason: nil, context: audit)
            state = next
        }
    }

    // MARK: Data

    struct Person {
        enum Entities { case all, china }

        let username: String
        let displayName: String
        let roles: Set<Role>
        let groups: [String]
        let entity: Entities
    }

    /// A clerk who prepares payments, budget owners who approve, three finance managers (a group), a
    /// treasurer who releases and owns the policy, and an administrator who manages the others.
    static let people = [
        Person(username: "jana.becker", displayName: "Jana Becker", roles: [.apClerk], groups: [], entity: .all),
        Person(username: "lukas.braun", displayName: "Lukas Braun", roles: [.approver], groups: [], entity: .all),
        Person(username: "wang.fang", displayName: "王芳", roles: [.approver], groups: [], entity: .china),
        Person(
            username: "anna.schmidt", displayName: "Anna Schmidt", roles: [.approver], groups: ["finance-managers"],
            entity: .all),
        Person(
            username: "ben.wagner", displayName: "Ben Wagner", roles: [.approver], groups: ["finance-managers"],
            entity: .all),
        Person(
            username: "chen.jing", displayName: "陈静", roles: [.approver], groups: ["finance-managers"], entity: .all),
        Person(username: "tom.richter", displayName: "Tom Richter", roles: [.treasurer], groups: [], entity: .all),
        Person(username: "eva.klein", displayName: "Eva Klein", roles: [.admin], groups: [], entity: .all),
    ]

    /// Whom the demo asks, in turn, to approve a payment it leaves approved.
    static let approvalOrder = ["wang.fang", "lukas.braun", "anna.schmidt", "ben.wagner", "chen.jing", "tom.richter"]

    /// Approvals one demo payment can take at most: the strictest chain asks for four.
    static let approvalsPerPaymentMax = 8

    /// `samples/policies/group-payments.json` fitted to the demo: thresholds per entity in its base
    /// currency (EUR for the GmbH, CNY for the Shanghai subsidiary), and no step that asks for a second
    /// factor, which nobody could give at the console.
    static func policy(germany: ID<LegalEntity>, china: ID<LegalEntity>) -> String {
        let de = germany.rawValue
        let cn = china.rawValue
        return #"""
            {
              "id": "lindenhof-payments",
              "name": "Supplier payments of the Lindenhof group",
              "description": "Thresholds are in each entity's base currency: EUR for \#(de), CNY for \#(cn). Rules are read top to bottom; the first that matches decides.",
              "rules": [
                {
                  "id": "sanctioned-countries",
                  "description": "Never pay vendors in countries under comprehensive sanctions.",
                  "when": { "vendor_country_in": ["BY", "CU", "IR", "KP", "RU", "SY"] },
                  "then": { "outcome": "block", "reason": "vendor country is under sanctions" }
                },
                {
                  "id": "high-risk-vendors",
                  "description": "Compliance looks at every payment to a vendor rated high risk before anyone approves it.",
                  "when": { "vendor_risk_in": ["high"] },
                  "then": { "outcome": "hold", "reason": "high-risk vendor: compliance review" }
                },
                {
                  "id": "large-payments-de",
                  "description": "Above 100,000 EUR: a budget owner, two finance managers, then release by treasury.",
                  "when": { "entity_ids": ["\#(de)"], "amount_above": "100000.00" },
                  "then": {
                    "outcome": "chain",
                    "steps": [
                      { "name": "Budget owner", "role": "approver", "approvals": 1, "escalate_after_hours": 24 },
                      { "name": "Finance managers", "group": "finance-managers", "approvals": 2, "of": 3, "escalate_after_hours": 24 }
                    ],
                    "release": { "name": "Treasury release", "role": "treasurer", "approvals": 1 }
                  }
                },
                {
                  "id": "large-payments-cn",
                  "description": "Above 800,000 CNY: a budget owner, two finance managers, then release by treasury.",
                  "when": { "entity_ids": ["\#(cn)"], "amount_above": "800000.00" },
                  "then": {
                    "outcome": "chain",
                    "steps": [
                      { "name": "Budget owner", "role": "approver", "approvals": 1, "escalate_after_hours": 24 },
                      { "name": "Finance managers", "group": "finance-managers", "approvals": 2, "of": 3, "escalate_after_hours": 24 }
                    ],
                    "release": { "name": "Treasury release", "role": "treasurer", "approvals": 1 }
                  }
                },
                {
                  "id": "changed-bank-details",
                  "description": "First payment to bank details that changed: one approval more than the amount alone would need, after a call-back to the vendor.",
                  "when": { "first_payment_to_changed_account": true },
                  "then": {
                    "outcome": "chain",
                    "steps": [
                      { "name": "Budget owner", "role": "approver", "approvals": 1 },
                      { "name": "Finance managers (call-back done)", "group": "finance-managers", "approvals": 2, "of": 3 }
                    ]
                  }
                },
                {
                  "id": "small-domestic",
                  "description": "Routine domestic SEPA payments up to 1,000 EUR to established vendors go out without a signature.",
                  "when": {
                    "entity_ids": ["\#(de)"],
                    "amount_at_most": "1000.00",
                    "currencies": ["EUR"],
                    "methods": ["sepa_credit_transfer", "sepa_instant"],
                    "vendor_country_in": ["DE"],
                    "vendor_is_new": false,
                    "new_vendor_within_days": 90
                  },
                  "then": { "outcome": "auto_approve" }
                },
                {
                  "id": "up-to-10000-de",
                  "description": "One budget owner up to 10,000 EUR.",
                  "when": { "entity_ids": ["\#(de)"], "amount_at_most": "10000.00" },
                  "then": {
                    "outcome": "chain",
                    "steps": [ { "name": "Budget owner", "role": "approver", "approvals": 1, "escalate_after_hours": 48 } ]
                  }
                },
                {
                  "id": "up-to-80000-cn",
                  "description": "One budget owner up to 80,000 CNY.",
                  "when": { "entity_ids": ["\#(cn)"], "amount_at_most": "80000.00" },
                  "then": {
                    "outcome": "chain",
                    "steps": [ { "name": "Budget owner", "role": "approver", "approvals": 1, "escalate_after_hours": 48 } ]
                  }
                },
                {
                  "id": "up-to-100000-de",
                  "description": "Above 10,000 and up to 100,000 EUR: a budget owner, then a finance manager.",
                  "when": { "entity_ids": ["\#(de)"], "amount_at_most": "100000.00" },
                  "then": {
                    "outcome": "chain",
                    "steps": [
                      { "name": "Budget owner", "role": "approver", "approvals": 1, "escalate_after_hours": 24 },
                      { "name": "Finance manager", "group": "finance-managers", "approvals": 1, "of": 3, "escalate_after_hours": 24 }
                    ]
                  }
                },
                {
                  "id": "up-to-800000-cn",
                  "description": "Above 80,000 and up to 800,000 CNY: a budget owner, then a finance manager.",
                  "when": { "entity_ids": ["\#(cn)"], "amount_at_most": "800000.00" },
                  "then": {
                    "outcome": "chain",
                    "steps": [
                      { "name": "Budget owner", "role": "approver", "approvals": 1, "escalate_after_hours": 24 },
                      { "name": "Finance manager", "group": "finance-managers", "approvals": 1, "of": 3, "escalate_after_hours": 24 }
                    ]
                  }
                }
              ],
              "default": {
                "outcome": "chain",
                "steps": [
                  { "name": "Budget owner", "role": "approver", "approvals": 1 },
                  { "name": "Finance managers", "group": "finance-managers", "approvals": 2 }
                ],
                "release": { "name": "Treasury release", "role": "treasurer", "approvals": 1 }
              }
            }
            """#
    }

    /// Three days of rates ending on `day`, for the pairs the demo's entities may meet: enough to judge a
    /// USD invoice of either entity against thresholds in EUR or CNY. Fixed values, not market data.
    static func rates(endingOn day: LocalDate) throws -> String {
        let table: [(base: String, quote: String, rates: [String])] = [
            ("EUR", "USD", ["1.0836", "1.0851", "1.0842"]),
            ("EUR", "CNY", ["7.8094", "7.8170", "7.8123"]),
            ("USD", "CNY", ["7.2069", "7.2039", "7.2056"]),
        ]
        var lines = ["date,base,quote,rate"]
        for (offset, daysBack) in [2, 1, 0].enumerated() {
            let date = try day.adding(days: -daysBack).iso8601
            for pair in table { lines.append("\(date),\(pair.base),\(pair.quote),\(pair.rates[offset])") }
        }
        return lines.joined(separator: "\n") + "\n"
    }

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
