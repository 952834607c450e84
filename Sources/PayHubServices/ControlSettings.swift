import Foundation
import PayHubDomain
import PayHubStorage
import Yams

/// The settings of the controls that run before approval, kept as versioned documents like the approval
/// policy (kind `controls`): how alike two invoices must be to hold a payment as a duplicate, and the
/// payment limits per entity, vendor and day.
///
/// ```yaml
/// duplicates: { amount_tolerance_minor_units: 100, invoice_date_window_days: 14, hold_threshold: strong }
/// limits:
///   - { entity_id: ent_…, single_payment_max: { amount: "250000.00", currency: EUR },
///       daily_total_max: { amount: "1000000.00", currency: EUR } }
///   - { entity_id: ent_…, vendor_id: ven_…, daily_total_max: { amount: "50000.00", currency: EUR } }
/// ```
public struct ControlSettings: Sendable, Codable {
    public var duplicates: DuplicatePolicy
    public var limits: PaymentLimits
    public var sanctions: SanctionsSettings

    public static let standard = ControlSettings(duplicates: .standard, limits: .none, sanctions: SanctionsSettings())

    public init(duplicates: DuplicatePolicy, limits: PaymentLimits, sanctions: SanctionsSettings) {
        self.duplicates = duplicates
        self.limits = limits
        self.sanctions = sanctions
    }

    enum CodingKeys: String, CodingKey { case duplicates, limits, sanctions }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        sanctions = try container.decodeIfPresent(SanctionsSettings.self, forKey: .sanctions) ?? SanctionsSettings()
        do {
            _ = try sanctions.screeningOptions()
        } catch {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(codingPath: container.codingPath + [CodingKeys.sanctions], debugDescription: error.description))
        }
        duplicates = try container.decodeIfPresent(DuplicatePolicy.self, forKey: .duplicates) ?? .standard
        let limits = try container.decodeIfPresent([PaymentLimit].self, forKey: .limits) ?? []
        do {
            self.limits = try PaymentLimits(limits)
        } catch {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(codingPath: container.codingPath + [CodingKeys.limits], debugDescription: error.description))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(duplicates, forKey: .duplicates)
        try container.encode(limits.limits, forKey: .limits)
        try container.encode(sanctions, forKey: .sanctions)
    }
}

/// How sanctions screening judges names: the score at or above which a listed name is a potential match
/// (a decimal such as `"0.85"`, kept as written), and countries whose vendors are held whatever their name.
public struct SanctionsSettings: Sendable, Codable, Hashable {
    public var threshold: String
    public var embargoedCountries: [String]

    public init(threshold: String = "0.85", embargoedCountries: [String] = []) {
        self.threshold = threshold
        self.embargoedCountries = embargoedCountries
    }

    enum CodingKeys: String, CodingKey {
        case threshold
        case embargoedCountries = "embargoed_countries"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        threshold = try container.decodeIfPresent(String.self, forKey: .threshold) ?? "0.85"
        embargoedCountries = try container.decodeIfPresent([String].self, forKey: .embargoedCountries) ?? []
    }

    /// The screener's options; a threshold that is not a number in (0, 1] or an unknown country is refused.
    public func screeningOptions() throws(ValidationFailure) -> SanctionsScreener.Options {
        // A similarity score, not money: the screener compares it with its own Double scores.
        guard let value = Double(threshold.trimmingCharacters(in: .whitespaces)) else {
            throw ValidationFailure([
                FieldError(path: "sanctions.threshold", code: "invalid_threshold", message: "threshold must be a decimal such as 0.85")
            ])
        }
        do throws(ValidationFailure) {
            return try SanctionsScreener.Options(threshold: value, embargoedCountryCodes: Set(embargoedCountries))
        } catch {
            throw ValidationFailure(error.errors.map { $0.nested(under: "sanctions") })
        }
    }
}

extension ApprovalService {
    /// Stores the next version of the controls' settings (YAML or JSON); problems come back with their paths.
    public func saveControls(_ text: String, format: DocumentFormat? = nil, context: CallContext) async throws
        -> (PolicyDocumentVersion, ControlSettings)
    {
        try hub.require(.policiesWrite, context)
        let format = format ?? .detect(text)
        let settings: ControlSettings
        do {
            switch format {
            case .json: settings = try JSONDecoder().decode(ControlSettings.self, from: Data(text.utf8))
            case .yaml: settings = try YAMLDecoder().decode(ControlSettings.self, from: text)
            }
        } catch {
            throw ValidationFailure([FieldError(decoding: error)])
        }
        let saved = try await store.savePolicyDocument(
            kind: .controls, documentJSON: CanonicalJSON.string(settings), sourceText: text,
            sourceFormat: format.rawValue, context: context.audit(at: clock.now()))
        return (saved, settings)
    }

    /// The settings in force; the standard ones (duplicates held from a strong match, no limits) before
    /// any are stored.
    public func controlsInForce() async throws -> ControlSettings {
        guard let stored = try await store.policyDocument(.controls, version: nil) else { return .standard }
        return try JSONDecoder().decode(ControlSettings.self, from: Data(stored.documentJSON.utf8))
    }

    /// Limits per entity, vendor and day: the payment's amount in the entity's base currency against each
    /// limit that covers it, counting what was submitted today (UTC) and is still live.
    func limitFindings(for payment: Payment, facts: PaymentFacts, limits: PaymentLimits, at now: Date) async throws
        -> [ControlFinding]
    {
        guard !limits.limits.isEmpty else { return [] }
        let limited = LimitedPayment(
            entityID: payment.entityID, vendorID: payment.vendorID, paymentCurrency: payment.amount.currency,
            baseAmount: facts.amountInBaseCurrency)
        let scopes = limits.dailyScopes(applyingTo: limited)
        var committed: [PaymentLimitScope: Money] = [:]
        if !scopes.isEmpty {
            let dayStart = Date(timeIntervalSince1970: TimeInterval(Self.day(of: now).daysSinceEpoch) * 86_400)
            let today = try await store.submittedPayments(of: payment.entityID, in: dayStart..<dayStart.addingTimeInterval(86_400))
            for scope in scopes {
                var total = Money.zero(facts.amountInBaseCurrency.currency)
                for submitted in today where submitted.paymentID != payment.id {
                    let judged = try JSONDecoder().decode(PaymentFacts.self, from: Data(submitted.factsJSON.utf8))
                    let counted = LimitedPayment(
                        entityID: payment.entityID, vendorID: submitted.vendorID, paymentCurrency: judged.amount.currency,
                        baseAmount: judged.amountInBaseCurrency)
                    if scope.covers(counted), judged.amountInBaseCurrency.currency == total.currency {
                        total = try total.adding(judged.amountInBaseCurrency)
                    }
                }
                committed[scope] = total
            }
        }
        return try limits.exceeded(by: limited, committedToday: committed).map { excess in
            ControlFinding(
                id: clock.newID(), paymentID: payment.id, entityID: payment.entityID, kind: .limit,
                summary: "\(excess.kind == .singlePayment ? "single payment" : "daily total") limit \(excess.limit) for \(excess.scope) exceeded by \(excess.excess)",
                detailsJSON: CanonicalJSON.string(excess), createdAt: now)
        }
    }
}

extension SanctionsService {
    /// This service screening with the threshold and embargoed countries of `settings`.
    public func configured(by settings: ControlSettings) throws -> SanctionsService {
        var configured = self
        configured.options = try settings.sanctions.screeningOptions()
        return configured
    }

    /// A service screening with the controls' settings in force, as list loads and submissions do.
    public static func inForce(hub: PaymentHub) async throws -> SanctionsService {
        try SanctionsService(hub: hub).configured(by: try await ApprovalService(hub: hub).controlsInForce())
    }
}
