import Foundation
import HTTPTypes
import Hummingbird
import PayHubDomain
import PayHubServices
import HummingbirdOTP
import PayHubStorage

// Approval routes: the payment verbs go through the approval service (controls, policy, segregation of
// duties), never straight to the lifecycle; policies, FX rates, the approval queue, delegations, groups.

/// `POST /payments/{id}/approve` and the other verbs: a reason, and for an approval the delegation used.
struct ApprovalRequest: Codable, Sendable {
    var reason: String?
    var onBehalfOf: String?
    var totpCode: String?

    enum CodingKeys: String, CodingKey {
        case reason
        case onBehalfOf = "on_behalf_of"
        case totpCode = "totp_code"
    }
}

struct SimulationRequest: Codable, Sendable {
    var paymentID: String
    var version: Int64?

    enum CodingKeys: String, CodingKey {
        case paymentID = "payment_id"
        case version
    }
}

struct DelegationRequest: Codable, Sendable {
    var from: String
    var to: String
    var validFrom: String
    var validUntil: String
    var entityID: String?

    enum CodingKeys: String, CodingKey {
        case from, to
        case validFrom = "valid_from"
        case validUntil = "valid_until"
        case entityID = "entity_id"
    }
}

struct GroupsRequest: Codable, Sendable {
    var groups: [String]
}

struct RiskRatingRequest: Codable, Sendable {
    var riskRating: String

    enum CodingKeys: String, CodingKey { case riskRating = "risk_rating" }
}

struct PolicyVersionResource: Encodable, Sendable {
    let kind: String
    let version: Int64
    let createdBy: String?
    let createdAt: String?
    let sourceFormat: String?
    let document: EmbeddedJSON
    let source: String?

    enum CodingKeys: String, CodingKey {
        case kind, version, document, source
        case createdBy = "created_by"
        case createdAt = "created_at"
        case sourceFormat = "source_format"
    }

    init(_ stored: PolicyDocumentVersion?, policy: ApprovalPolicy, includeSource: Bool = true) throws {
        kind = PolicyKind.approval.rawValue
        version = stored?.version ?? 0
        createdBy = stored?.createdBy
        createdAt = stored.map { Timestamp.iso8601($0.createdAt) }
        sourceFormat = stored?.sourceFormat
        document = try EmbeddedJSON(encoding: policy)
        source = includeSource ? stored?.sourceText : nil
    }
}

struct ApprovalReviewResource: Encodable, Sendable {
    struct Finding: Encodable, Sendable {
        let id: String
        let kind: String
        let state: String
        let summary: String
        let details: EmbeddedJSON
        let createdAt: String
        let resolvedBy: String?
        let resolutionReason: String?

        enum CodingKeys: String, CodingKey {
            case id, kind, state, summary, details
            case createdAt = "created_at"
            case resolvedBy = "resolved_by"
            case resolutionReason = "resolution_reason"
        }
    }

    struct Action: Encodable, Sendable {
        let position: Int
        let actorID: String
        let createdAt: String
        let action: EmbeddedJSON

        enum CodingKeys: String, CodingKey {
            case position, action
            case actorID = "actor_id"
            case createdAt = "created_at"
        }
    }

    let paymentID: String
    let round: Int?
    let status: String?
    let policyVersion: Int64?
    let rule: String?
    let outcome: String?
    let currentStage: Int?
    let decision: EmbeddedJSON?
    let actions: [Action]
    let findings: [Finding]

    enum CodingKeys: String, CodingKey {
        case round, status, rule, outcome, decision, actions, findings
        case paymentID = "payment_id"
        case policyVersion = "policy_version"
        case currentStage = "current_stage"
    }
}

struct ApprovalQueueResource: Encodable, Sendable {
    struct Item: Encodable, Sendable {
        let payment: PaymentResource
        /// `awaiting` an approval step or `held` until released.
        let status: String
        let rule: String?
        let policyVersion: Int64
        let waitingFor: String
        let waitingSince: String?
        let approvalsGiven: Int
        let approvalsNeeded: Int
        let release: Bool
        let requiresTOTP: Bool

        enum CodingKeys: String, CodingKey {
            case payment, status, rule, release
            case policyVersion = "policy_version"
            case waitingFor = "waiting_for"
            case waitingSince = "waiting_since"
            case approvalsGiven = "approvals_given"
            case approvalsNeeded = "approvals_needed"
            case requiresTOTP = "requires_totp"
        }
    }

    let data: [Item]
}

extension PayHubAPI {
    func addApprovalRoutes(to table: inout RouteTable) {
        let hub = self.hub
        let approvals = ApprovalService(hub: hub, stepUp: StepUpService(hub: hub, passwords: HummingbirdOneTimePasswords()))

        // MARK: Payment verbs
        table.add(.post, "/api/v1/payments/:id/submit", .requires(.paymentsCreate), "Submit a payment: controls, then the approval policy") {
            _, context in
            try JSONBody.response(PaymentResource(try await approvals.submit(try context.id(), context: try context.caller())))
        }
        table.add(.post, "/api/v1/payments/:id/approve", .requires(.paymentsApprove), "Approve (or release) the step a payment waits for") {
            request, context in
            let body = try await Self.optionalBody(ApprovalRequest.self, request, context)
            return try JSONBody.response(
                PaymentResource(
                    try await approvals.approve(
                        try context.id(), totpCode: body?.totpCode, onBehalfOf: body?.onBehalfOf,
                        context: try context.caller())))
        }
        table.add(.post, "/api/v1/payments/:id/reject", .requires(.paymentsApprove), "Reject a payment, with a reason") {
            request, context in
            let body = try await Self.optionalBody(ApprovalRequest.self, request, context)
            return try JSONBody.response(
                PaymentResource(
                    try await approvals.reject(
                        try context.id(), reason: try Self.reason(body?.reason), onBehalfOf: body?.onBehalfOf,
                        context: try context.caller())))
        }
        table.add(.post, "/api/v1/payments/:id/hold", .requires(.paymentsHold), "Hold a payment, with a reason") {
            request, context in
            let body = try await Self.optionalBody(ApprovalRequest.self, request, context)
            return try JSONBody.response(
                PaymentResource(
                    try await approvals.hold(try context.id(), reason: try Self.reason(body?.reason), context: try context.caller())))
        }
        table.add(
            .post, "/api/v1/payments/:id/release", .requires(.paymentsHold),
            "Release a held payment: findings closed, judged again by the policy"
        ) { request, context in
            let body = try await Self.optionalBody(ApprovalRequest.self, request, context)
            return try JSONBody.response(
                PaymentResource(
                    try await approvals.release(
                        try context.id(), reason: try Self.reason(body?.reason), context: try context.caller())))
        }
        table.add(.post, "/api/v1/payments/:id/cancel", .requires(.paymentsCancel), "Cancel a payment, with a reason") {
            request, context in
            let body = try await Self.optionalBody(TransitionRequest.self, request, context)
            return try JSONBody.response(
                PaymentResource(
                    try await hub.perform(.cancel, on: try context.id(), reason: body?.reason, context: try context.caller())))
        }
        table.add(.get, "/api/v1/payments/:id/approval", .requires(.paymentsRead), "A payment's approval round, actions and control findings") {
            _, context in
            let id = try context.id()
            let review = try await approvals.review(id, context: try context.caller())
            return try JSONBody.response(
                ApprovalReviewResource(
                    paymentID: id, round: review.round?.round, status: review.round?.status.rawValue,
                    policyVersion: review.round?.policyVersion, rule: review.round?.ruleID, outcome: review.round?.outcome,
                    currentStage: review.round?.currentStage,
                    decision: try review.round.map { try EmbeddedJSON(parsing: $0.decisionJSON) },
                    actions: try review.actions.map {
                        .init(
                            position: $0.position, actorID: $0.actorID, createdAt: Timestamp.iso8601($0.createdAt),
                            action: try EmbeddedJSON(parsing: $0.actionJSON))
                    },
                    findings: try review.findings.map {
                        .init(
                            id: $0.id.rawValue, kind: $0.kind.rawValue, state: $0.state.rawValue, summary: $0.summary,
                            details: try EmbeddedJSON(parsing: $0.detailsJSON), createdAt: Timestamp.iso8601($0.createdAt),
                            resolvedBy: $0.resolvedBy, resolutionReason: $0.resolutionReason)
                    }))
        }
        table.add(.get, "/api/v1/approvals", .requires(.paymentsRead), "Payments waiting for a person (approval or release), longest wait first") {
            request, context in
            let query = ListQuery(request)
            let mine = try query.string("mine").map { text -> Bool in
                guard text == "true" || text == "false" else {
                    throw Problem.badRequest([FieldError(path: "mine", code: "invalid_value", message: "mine is true or false")])
                }
                return text == "true"
            } ?? false
            let items = try await approvals.queue(mine: mine, limit: try query.page().limit, context: try context.caller())
            return try JSONBody.response(
                ApprovalQueueResource(
                    data: items.map {
                        .init(
                            payment: PaymentResource($0.payment), status: $0.round.status.rawValue, rule: $0.round.ruleID,
                            policyVersion: $0.round.policyVersion,
                            waitingFor: $0.waitingFor, waitingSince: $0.round.waitingSince.map(Timestamp.iso8601),
                            approvalsGiven: $0.approvalsGiven, approvalsNeeded: $0.approvalsNeeded, release: $0.isRelease,
                            requiresTOTP: $0.requiresTOTP)
                    }))
        }

        // MARK: Policies
        table.add(.get, "/api/v1/policies/approval", .requires(.policiesRead), "The approval policy in force") {
            request, context in
            let version = try ListQuery(request).integer("version")
            let (stored, policy) = try await approvals.policy(version: version, context: try context.caller())
            return try JSONBody.response(try PolicyVersionResource(stored, policy: policy))
        }
        table.add(.get, "/api/v1/policies/approval/versions", .requires(.policiesRead), "Every version of the approval policy") {
            _, context in
            let versions = try await approvals.policyVersions(context: try context.caller())
            return try JSONBody.response(
                ListResource(
                    data: try versions.map {
                        try PolicyVersionResource($0, policy: try ApprovalPolicy.read(json: Data($0.documentJSON.utf8)), includeSource: false)
                    }, nextCursor: nil))
        }
        table.add(
            .post, "/api/v1/policies/approval", .requires(.policiesWrite),
            "Store a new version of the approval policy (YAML or JSON body)"
        ) { request, context in
            let text = try await Self.textBody(request, context)
            let format: ApprovalService.DocumentFormat? =
                request.headers[.contentType].map { $0.contains("yaml") ? .yaml : ($0.contains("json") ? .json : nil) } ?? nil
            let (stored, policy) = try await approvals.savePolicy(text, format: format, context: try context.caller())
            return try JSONBody.response(try PolicyVersionResource(stored, policy: policy), status: .created)
        }
        table.add(.get, "/api/v1/policies/controls", .requires(.policiesRead), "The settings of the controls in force: duplicates, limits") {
            _, context in
            let stored = try await hub.store.policyDocument(.controls, version: nil)
            let settings = try await approvals.controlsInForce()
            return try JSONBody.response(ControlSettingsResource(stored, settings: settings))
        }
        table.add(
            .post, "/api/v1/policies/controls", .requires(.policiesWrite),
            "Store a new version of the controls' settings (YAML or JSON body)"
        ) { request, context in
            let text = try await Self.textBody(request, context)
            let format: ApprovalService.DocumentFormat? =
                request.headers[.contentType].map { $0.contains("yaml") ? .yaml : ($0.contains("json") ? .json : nil) } ?? nil
            let (stored, settings) = try await approvals.saveControls(text, format: format, context: try context.caller())
            return try JSONBody.response(ControlSettingsResource(stored, settings: settings), status: .created)
        }
        table.add(.post, "/api/v1/policies/simulate", .requires(.policiesRead), "Which rule and chain a payment would get, and why") {
            request, context in
            let body = try await JSONBody.decode(SimulationRequest.self, from: request, context: context)
            let decision = try await approvals.simulate(
                paymentID: body.paymentID, version: body.version, context: try context.caller())
            return try JSONBody.response(try EmbeddedJSON(encoding: decision))
        }
        table.add(
            .post, "/api/v1/policies/test", .requires(.policiesRead),
            "Run a file of example payments against the policy in force (or ?version=)"
        ) { request, context in
            let text = try await Self.textBody(request, context)
            let version = try ListQuery(request).integer("version")
            let report = try await approvals.runPolicyTests(text, version: version, context: try context.caller())
            return try JSONBody.response(PolicyTestReportResource(report))
        }

        // MARK: FX rates, delegations, groups, risk
        table.add(.post, "/api/v1/fx_rates", .requires(.fxRatesWrite), "Import daily FX rates (CSV: date,base,quote,rate)") {
            request, context in
            let text = try await Self.textBody(request, context)
            let source = try ListQuery(request).string("source") ?? "api"
            let count = try await approvals.importRates(csv: text, source: source, context: try context.caller())
            return try JSONBody.response(["imported": count])
        }
        table.add(.post, "/api/v1/delegations", .requires(.usersManage), "Let one user approve in another's place for a time") {
            request, context in
            let body = try await JSONBody.decode(DelegationRequest.self, from: request, context: context)
            let delegation = try await approvals.delegate(
                from: body.from, to: body.to, from: body.validFrom, until: body.validUntil, entityID: body.entityID,
                context: try context.caller())
            return try JSONBody.response(
                [
                    "id": delegation.id.rawValue, "from": delegation.from.rawValue, "to": delegation.to.rawValue,
                    "valid_from": Timestamp.iso8601(delegation.validFrom),
                    "valid_until": Timestamp.iso8601(delegation.validUntil),
                ], status: .created)
        }
        table.add(.put, "/api/v1/users/:id/groups", .requires(.usersManage), "Set a user's approver groups") {
            request, context in
            let body = try await JSONBody.decode(GroupsRequest.self, from: request, context: context)
            let groups = try await approvals.setGroups(Set(body.groups), of: try context.id(), context: try context.caller())
            return try JSONBody.response(["groups": groups.sorted()])
        }
        table.add(.put, "/api/v1/vendors/:id/risk_rating", .requires(.sanctionsManage), "Set a vendor's risk rating") {
            request, context in
            let body = try await JSONBody.decode(RiskRatingRequest.self, from: request, context: context)
            try await approvals.setRiskRating(body.riskRating, of: try context.id(), context: try context.caller())
            return try JSONBody.response(["risk_rating": body.riskRating])
        }
    }

    static func reason(_ text: String?) throws -> String {
        let reason = (text ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty else {
            throw Problem.validation([FieldError(path: "reason", code: "reason_required", message: "a reason is required")])
        }
        return reason
    }

    /// A document sent as the body (YAML, JSON, CSV), as UTF-8 text.
    static func textBody(_ request: Request, _ context: PayHubRequestContext) async throws -> String {
        let buffer = try await request.body.collect(upTo: context.maxUploadSize)
        guard buffer.readableBytes > 0, let text = String(validating: Data(buffer.readableBytesView), as: UTF8.self) else {
            throw Problem.badRequest([FieldError(path: "", code: "empty_body", message: "send the document as UTF-8 text in the body")])
        }
        return text
    }
}

struct PolicyTestReportResource: Encodable, Sendable {
    struct Case: Encodable, Sendable {
        let index: Int
        let name: String
        let passed: Bool
        let rule: String
        let differences: [String]
        let explanation: String
    }

    let policyID: String
    let policyVersion: Int?
    let passed: Int
    let failed: Int
    let cases: [Case]
    let notes: [String]

    enum CodingKeys: String, CodingKey {
        case passed, failed, cases, notes
        case policyID = "policy_id"
        case policyVersion = "policy_version"
    }

    init(_ report: PolicyTestReport) {
        policyID = report.policyID
        policyVersion = report.policyVersion
        cases = report.results.map {
            .init(
                index: $0.index, name: $0.name, passed: $0.passed, rule: $0.decision.ruleID, differences: $0.differences,
                explanation: $0.decision.explanation)
        }
        passed = cases.filter(\.passed).count
        failed = cases.count - passed
        notes = report.notes
    }
}

/// JSON the store already holds (a policy decision, an action, a finding's details) embedded as it is in
/// a response, rather than as a string of JSON inside JSON.
enum EmbeddedJSON: Codable, Sendable, Hashable {
    case null
    case bool(Bool)
    case integer(Int64)
    /// Other numbers stay exact; PayHub writes amounts as strings anyway.
    case number(Decimal)
    case string(String)
    case array([EmbeddedJSON])
    case object([String: EmbeddedJSON])

    init(parsing text: String) throws {
        self = try JSONDecoder().decode(EmbeddedJSON.self, from: Data(text.utf8))
    }

    init(encoding value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        self = try JSONDecoder().decode(EmbeddedJSON.self, from: try encoder.encode(value))
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Decimal.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([EmbeddedJSON].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: EmbeddedJSON].self))
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .integer(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}

/// hummingbird-auth's TOTP (RFC 6238: 6 digits, 30 s, HMAC-SHA1) behind the services' ``OneTimePasswords``.
public struct HummingbirdOneTimePasswords: OneTimePasswords {
    public init() {}

    public func code(secret: String, at date: Date) -> Int { TOTP(secret: secret).compute(date: date) }

    public func enrolmentURI(secret: String, account: String, issuer: String) -> String {
        TOTP(secret: secret).createAuthenticatorURL(label: "\(issuer):\(account)", issuer: issuer)
    }
}

struct ControlSettingsResource: Encodable, Sendable {
    let kind = "controls"
    let version: Int64
    let createdBy: String?
    let createdAt: String?
    let document: EmbeddedJSON

    enum CodingKeys: String, CodingKey {
        case kind, version, document
        case createdBy = "created_by"
        case createdAt = "created_at"
    }

    init(_ stored: PolicyDocumentVersion?, settings: ControlSettings) throws {
        version = stored?.version ?? 0
        createdBy = stored?.createdBy
        createdAt = stored.map { Timestamp.iso8601($0.createdAt) }
        document = try EmbeddedJSON(encoding: settings)
    }
}
