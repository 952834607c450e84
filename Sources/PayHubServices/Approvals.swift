import Foundation
import PayHubDomain
import PayHubStorage
import Yams

/// Approval of payments: the policy in force judges each submitted payment after the controls have run,
/// and the approval chain it asks for is enforced here, in the engine, whatever the caller (API, CLI,
/// dashboard). Every step is one transaction with one audit event.
public struct ApprovalService: Sendable {
    public let hub: PaymentHub
    /// Checks the TOTP codes approvers give; without it no step that requires TOTP can be passed.
    public var stepUp: StepUpService?
    /// The sanctions control: the vendor of each submitted payment is screened against the lists in force.
    public var sanctions: SanctionsService

    public init(hub: PaymentHub, stepUp: StepUpService? = nil) {
        self.hub = hub
        self.stepUp = stepUp
        sanctions = SanctionsService(hub: hub)
    }

    var store: any PayHubStore { hub.store }
    var clock: Clock { hub.clock }

    /// The policy in force before anyone has stored one: every payment needs one approver.
    public static let builtInPolicy = ApprovalPolicy(
        id: "built-in", name: "One approver for every payment", rules: [],
        defaultOutcome: .chain(ApprovalChainSpec(steps: [ApprovalStep(approvers: .role(.approver), approvals: 1)])))

    // MARK: Policies

    /// The formats a policy document may be written in.
    public enum DocumentFormat: String, Sendable, CaseIterable {
        case yaml, json

        /// JSON when the text starts like a JSON object, YAML otherwise.
        public static func detect(_ text: String) -> DocumentFormat {
            text.drop(while: { $0.isWhitespace }).first == "{" ? .json : .yaml
        }
    }

    /// Reads a policy document (YAML or JSON); every problem comes back with its path.
    public static func readPolicy(_ text: String, format: DocumentFormat) throws(ValidationFailure) -> ApprovalPolicy {
        switch format {
        case .json: try ApprovalPolicy.read(json: Data(text.utf8))
        case .yaml: try ApprovalPolicy.read { try YAMLDecoder().decode(ApprovalPolicy.self, from: text) }
        }
    }

    /// Stores `text` as the next version of the approval policy, once it reads and validates.
    public func savePolicy(_ text: String, format: DocumentFormat? = nil, context: CallContext) async throws
        -> (PolicyDocumentVersion, ApprovalPolicy)
    {
        try hub.require(.policiesWrite, context)
        let format = format ?? .detect(text)
        var policy = try Self.readPolicy(text, format: format)
        policy.version = nil  // the store numbers versions
        let saved = try await store.savePolicyDocument(
            kind: .approval, documentJSON: CanonicalJSON.string(policy), sourceText: text,
            sourceFormat: format.rawValue, context: context.audit(at: clock.now()))
        policy.version = Int(saved.version)
        return (saved, policy)
    }

    /// The policy in force (or `version`), with its stored record; the built-in one before any is stored.
    public func policy(version: Int64? = nil, context: CallContext) async throws -> (PolicyDocumentVersion?, ApprovalPolicy) {
        try hub.require(.policiesRead, context)
        return try await policyInForce(version: version)
    }

    public func policyVersions(context: CallContext) async throws -> [PolicyDocumentVersion] {
        try hub.require(.policiesRead, context)
        return try await store.policyDocumentVersions(.approval)
    }

    func policyInForce(version: Int64? = nil) async throws -> (PolicyDocumentVersion?, ApprovalPolicy) {
        guard let stored = try await store.policyDocument(.approval, version: version) else {
            if let version { throw StorageError(.notFound, target: "policy version \(version)") }
            return (nil, Self.builtInPolicy)
        }
        var policy = try ApprovalPolicy.read(json: Data(stored.documentJSON.utf8))
        policy.version = Int(stored.version)
        return (stored, policy)
    }

    /// What the policy would decide for `paymentID` now, and why; nothing is written.
    public func simulate(paymentID: String, version: Int64? = nil, context: CallContext) async throws -> PolicyDecision {
        try hub.require(.policiesRead, context)
        let payment = try await hub.payment(paymentID, context: context)
        let facts = try await facts(for: payment)
        return try await policyInForce(version: version).1.evaluate(facts: facts, explainingMisses: true)
    }

    /// What the policy would decide for payment facts given directly (a payment not yet created).
    public func simulate(facts: PaymentFacts, version: Int64? = nil, context: CallContext) async throws -> PolicyDecision {
        try hub.require(.policiesRead, context)
        return try await policyInForce(version: version).1.evaluate(facts: facts, explainingMisses: true)
    }

    /// Runs a file of example payments against a policy: the one in force, a stored version, or a
    /// candidate document not stored yet (`candidate`), so finance can test a change before it is live.
    public func runPolicyTests(
        _ fileText: String, candidate: (text: String, format: DocumentFormat)? = nil, version: Int64? = nil,
        context: CallContext
    ) async throws -> PolicyTestReport {
        try hub.require(.policiesRead, context)
        let file: PolicyTestFile
        switch DocumentFormat.detect(fileText) {
        case .json: file = try PolicyTestFile.read(json: Data(fileText.utf8))
        case .yaml: file = try PolicyTestFile.read { try YAMLDecoder().decode(PolicyTestFile.self, from: fileText) }
        }
        let policy =
            if let candidate { try Self.readPolicy(candidate.text, format: candidate.format) } else {
                try await policyInForce(version: version).1
            }
        return file.run(against: policy)
    }

    // MARK: FX rates

    /// Imports a CSV of daily rates (`date,base,quote,rate`); a bad line names its line and column and
    /// nothing is stored.
    public func importRates(csv: String, source: String, context: CallContext) async throws -> Int {
        try hub.require(.fxRatesWrite, context)
        let rates: [DatedExchangeRate]
        do {
            rates = try ExchangeRateCSV.read(csv)
        } catch {
            throw ValidationFailure(
                error.errors.map {
                    FieldError(
                        path: "line \($0.line)" + ($0.columnName.map { ", column \($0)" } ?? ""),
                        code: $0.code.rawValue, message: $0.description)
                })
        }
        let stored = rates.map {
            StoredFXRate(
                base: $0.rate.base.code, quote: $0.rate.quote.code, date: $0.date, rate: $0.rate.decimalString,
                source: source)
        }
        return try await store.saveFXRates(stored, source: source, context: context.audit(at: clock.now()))
    }

    // MARK: Facts

    /// What the policy needs to know about a payment, gathered from the store: the amount in the entity's
    /// base currency at today's rate, the method it pays by, the vendor's country, risk and history, and
    /// whether its bank details changed.
    func facts(for payment: Payment) async throws -> PaymentFacts {
        let today = Self.day(of: clock.now())
        guard let entity = try await store.entity(payment.entityID, scope: .all),
            let vendor = try await store.vendor(payment.vendorID, scope: .all),
            let creditor = try await store.bankAccount(payment.creditorAccountID, scope: .all)
        else { throw StorageError(.notFound, target: "payment parties") }
        var rates = ExchangeRateTable()
        if payment.amount.currency != entity.baseCurrency {
            for stored in try await store.fxRates(
                between: payment.amount.currency.code, and: entity.baseCurrency.code, onOrBefore: today)
            {
                if let base = try? Currency(code: stored.base), let quote = try? Currency(code: stored.quote),
                    let rate = try? ExchangeRate(base: base, quote: quote, rate: stored.rate)
                {
                    rates.insert(DatedExchangeRate(date: stored.date, rate: rate))
                }
            }
        }
        let history = try await store.approvalHistory(
            vendorID: vendor.id, creditorAccountID: creditor.id, excluding: payment.id)
        let vendorFacts = VendorFacts(
            countryCode: vendor.countryCode, riskRating: RiskRating(rawValue: history.riskRating) ?? .high,
            createdOn: Self.day(of: vendor.createdAt), previousPaymentCount: history.paymentsToVendor)
        // Details that replaced earlier ones went through a change request; a vendor's first account did not.
        let change =
            creditor.verification.requestedAt.map {
                BankAccountChangeFacts(changedOn: Self.day(of: $0), paymentsSinceChange: history.paymentsToAccount)
            } ?? .unchanged
        do {
            return try PaymentFacts(
                entityID: entity.id, amount: payment.amount, baseCurrency: entity.baseCurrency, rates: rates,
                method: PaymentMethod.inferred(currency: payment.amount.currency, creditor: creditor),
                vendor: vendorFacts, bankAccount: change, asOf: today)
        } catch {
            // Without a rate the amount cannot be judged against thresholds: say which rate is missing.
            throw ValidationFailure([
                FieldError(
                    path: "amount", code: "fx_rate_missing",
                    message: "no \(payment.amount.currency.code)/\(entity.baseCurrency.code) rate on or before \(today.iso8601); import FX rates first")
            ])
        }
    }

    static func day(of date: Date) -> LocalDate {
        // Dates are judged in UTC, as the rates table and the audit trail are.
        (try? LocalDate(daysSinceEpoch: Int((date.timeIntervalSince1970 / 86_400).rounded(.down))))
            ?? (try! LocalDate(year: 1970, month: 1, day: 1))
    }
}

extension PaymentMethod {
    /// The rail a payment takes when nobody chose one: SEPA for euros to an IBAN, ACH for dollars to a US
    /// routing number, CNAPS for yuan to a Chinese bank code, a cross-border wire otherwise.
    public static func inferred(currency: Currency, creditor: BankAccount) -> PaymentMethod {
        switch currency.code {
        case "EUR" where creditor.accountNumber.isIBAN: .sepaCreditTransfer
        case "USD" where creditor.routingNumber != nil: .usACH
        case "CNY" where creditor.cnapsCode != nil: .cnDomestic
        default: .crossBorderWire
        }
    }
}

extension ApprovalService {
    // MARK: Delegations, groups, risk

    /// Records that `from` lets `to` approve in their place between two instants (ISO 8601), optionally
    /// for one entity only: an administrator sets up an approver's absence. Nobody may delegate to
    /// themselves, nor record a delegation to themselves.
    public func delegate(
        from delegator: String, to user: String, from start: String, until end: String, entityID: String?,
        context: CallContext
    ) async throws -> StoredDelegation {
        try hub.require(.usersManage, context)
        var problems = FieldErrorCollector()
        let from: ID<User>? = problems.id("from", delegator)
        let to: ID<User>? = problems.id("to", user)
        let validFrom = Timestamp.parse(start)
        let validUntil = Timestamp.parse(end)
        if validFrom == nil { problems.add("valid_from", code: "invalid_time", "valid_from must be an ISO 8601 time with offset") }
        if validUntil == nil { problems.add("valid_until", code: "invalid_time", "valid_until must be an ISO 8601 time with offset") }
        let entity: ID<LegalEntity>? = entityID.flatMap { problems.id("entity_id", $0) }
        if let to, to.rawValue == context.principal.actorID {
            problems.add("to", code: "delegation_to_self", "you cannot record a delegation to yourself")
        }
        try problems.throwIfAny()
        guard let from, let to, let validFrom, let validUntil else { throw ValidationFailure(problems.errors) }
        // The domain checks the window and that nobody delegates to themselves.
        _ = try Delegation(from: ActorID(from), to: ActorID(to), validFrom: validFrom, validUntil: validUntil, entityID: entity)
        for (path, id) in [("from", from), ("to", to)] where try await store.user(id) == nil {
            throw ValidationFailure([FieldError(path: path, code: "unknown_user", message: "no such user")])
        }
        let delegation = StoredDelegation(
            id: clock.newID(), from: from, to: to, entityID: entity, validFrom: validFrom, validUntil: validUntil,
            createdBy: context.principal.actorID, createdAt: clock.now())
        try await store.saveDelegation(delegation, context: context.audit(at: clock.now()))
        return delegation
    }

    /// Replaces a user's approver groups (`finance-managers`): lower-case letters, digits and dashes.
    public func setGroups(_ groups: Set<String>, of userID: String, context: CallContext) async throws -> Set<String> {
        try hub.require(.usersManage, context)
        guard let id = try? ID<User>(userID), try await store.user(id) != nil else {
            throw StorageError(.notFound, target: "user")
        }
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789-".utf8)
        for (index, group) in groups.sorted().enumerated()
        where group.isEmpty || group.utf8.count > 64 || !group.utf8.allSatisfy(allowed.contains) {
            throw ValidationFailure([
                FieldError(
                    path: "groups[\(index)]", code: "invalid_group",
                    message: "a group name has 1 to 64 lower-case letters, digits and dashes")
            ])
        }
        try await store.setGroups(groups, of: id, context: context.audit(at: clock.now()))
        return groups
    }

    /// Rates a vendor `low`, `medium` or `high` risk; policies may hold or ask more of risky vendors.
    public func setRiskRating(_ rating: String, of vendorID: String, context: CallContext) async throws {
        try hub.require(.sanctionsManage, context)
        guard RiskRating(rawValue: rating) != nil else {
            throw ValidationFailure([
                FieldError(path: "risk_rating", code: "invalid_risk_rating", message: "risk_rating is low, medium or high")
            ])
        }
        let vendor = try await hub.vendor(vendorID, context: context)
        try await store.setRiskRating(rating, of: vendor.id, context: context.audit(at: clock.now()))
    }
}
