import Foundation
import PayHubDomain

// Approvals and the controls before them, as stored: versioned policy documents, FX rates, each payment's
// approval rounds with their actions, control findings, delegations and approver groups. Written once
// against `SQLSession`; every change is one transaction with one audit event.

/// Which policy document: the approval rules, or the settings of the controls (duplicates, limits,
/// sanctions threshold).
public enum PolicyKind: String, Sendable, Hashable, Codable, CaseIterable {
    case approval, controls
}

/// One version of a policy document. Versions are never changed; the highest is in force.
public struct PolicyDocumentVersion: Sendable, Hashable {
    public var kind: PolicyKind
    public var version: Int64
    /// The document as PayHub read it, in canonical JSON.
    public var documentJSON: String
    /// The text as it was submitted (YAML or JSON), for whoever reviews the change.
    public var sourceText: String
    public var sourceFormat: String
    public var createdBy: String
    public var createdAt: Date

    public init(
        kind: PolicyKind, version: Int64, documentJSON: String, sourceText: String, sourceFormat: String,
        createdBy: String, createdAt: Date
    ) {
        self.kind = kind
        self.version = version
        self.documentJSON = documentJSON
        self.sourceText = sourceText
        self.sourceFormat = sourceFormat
        self.createdBy = createdBy
        self.createdAt = createdAt
    }
}

/// A day's exchange rate as stored: one unit of `base` buys `rate` units of `quote`.
public struct StoredFXRate: Sendable, Hashable {
    public var base: String
    public var quote: String
    public var date: LocalDate
    public var rate: String
    public var source: String

    public init(base: String, quote: String, date: LocalDate, rate: String, source: String) {
        self.base = base
        self.quote = quote
        self.date = date
        self.rate = rate
        self.source = source
    }
}

/// One judgement of a payment: the policy version and the facts it was judged on, what came out, and
/// where its approval chain stands. A payment released from a hold is judged again in a new round.
public struct ApprovalRound: Sendable, Hashable {
    public enum Status: String, Sendable, Hashable, Codable {
        case awaiting, approved, rejected, held, blocked
        /// A later round replaced this one (the payment was held and released, and judged again).
        case superseded
    }

    public var paymentID: ID<Payment>
    public var round: Int
    public var entityID: ID<LegalEntity>
    public var policyVersion: Int64
    public var ruleID: String?
    /// `auto_approve`, `hold`, `block` or `chain`.
    public var outcome: String
    public var factsJSON: String
    /// The decision with its reasons, as `policy simulate` shows it.
    public var decisionJSON: String
    /// Who created or imported the payment: none of them may approve it.
    public var initiators: [String]
    public var status: Status
    public var currentStage: Int?
    /// Since when the current stage has waited (escalation counts from here).
    public var waitingSince: Date?
    /// The stage an escalation was raised for, so it is raised once.
    public var escalatedStage: Int?
    public var startedAt: Date
    public var updatedAt: Date

    public init(
        paymentID: ID<Payment>, round: Int, entityID: ID<LegalEntity>, policyVersion: Int64, ruleID: String?,
        outcome: String, factsJSON: String, decisionJSON: String, initiators: [String], status: Status,
        currentStage: Int?, waitingSince: Date?, escalatedStage: Int? = nil, startedAt: Date, updatedAt: Date
    ) {
        self.paymentID = paymentID
        self.round = round
        self.entityID = entityID
        self.policyVersion = policyVersion
        self.ruleID = ruleID
        self.outcome = outcome
        self.factsJSON = factsJSON
        self.decisionJSON = decisionJSON
        self.initiators = initiators
        self.status = status
        self.currentStage = currentStage
        self.waitingSince = waitingSince
        self.escalatedStage = escalatedStage
        self.startedAt = startedAt
        self.updatedAt = updatedAt
    }
}

/// An approve, release or reject recorded in a round, in order; the chain's progress is rebuilt from them.
public struct RecordedApprovalAction: Sendable, Hashable {
    public var position: Int
    public var actionJSON: String
    public var actorID: String
    public var createdAt: Date

    public init(position: Int, actionJSON: String, actorID: String, createdAt: Date) {
        self.position = position
        self.actionJSON = actionJSON
        self.actorID = actorID
        self.createdAt = createdAt
    }
}

/// Something a control found that stops a payment until a person looks at it.
public struct ControlFinding: Identified, Sendable, Hashable {
    public static let idPrefix = "cfd"

    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        case duplicate, sanctions, limit
        case policyHold = "policy_hold"
        case manualHold = "manual_hold"
    }

    public enum State: String, Sendable, Hashable, Codable {
        case open, released, cancelled
    }

    public var id: ID<ControlFinding>
    public var paymentID: ID<Payment>
    public var entityID: ID<LegalEntity>
    public var kind: Kind
    public var state: State
    /// One line a person reads in the queue ("same invoice as pyb_… (exact)").
    public var summary: String
    /// The match, hits or excess in full, as JSON.
    public var detailsJSON: String
    public var createdAt: Date
    public var resolvedBy: String?
    public var resolvedAt: Date?
    public var resolutionReason: String?

    public init(
        id: ID<ControlFinding>, paymentID: ID<Payment>, entityID: ID<LegalEntity>, kind: Kind, summary: String,
        detailsJSON: String, createdAt: Date
    ) {
        self.id = id
        self.paymentID = paymentID
        self.entityID = entityID
        self.kind = kind
        self.state = .open
        self.summary = summary
        self.detailsJSON = detailsJSON
        self.createdAt = createdAt
    }
}

/// A stored delegation of approval authority.
public struct StoredDelegation: Identified, Sendable, Hashable {
    public static let idPrefix = "dlg"

    public var id: ID<StoredDelegation>
    public var from: ID<User>
    public var to: ID<User>
    public var entityID: ID<LegalEntity>?
    public var validFrom: Date
    public var validUntil: Date
    public var createdBy: String
    public var createdAt: Date
    public var revokedAt: Date?

    public init(
        id: ID<StoredDelegation>, from: ID<User>, to: ID<User>, entityID: ID<LegalEntity>?, validFrom: Date,
        validUntil: Date, createdBy: String, createdAt: Date, revokedAt: Date? = nil
    ) {
        self.id = id
        self.from = from
        self.to = to
        self.entityID = entityID
        self.validFrom = validFrom
        self.validUntil = validUntil
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }
}

/// Everything one approval step changes, written in one transaction with one audit event: the payment's
/// move (guarded by the state it was seen in), a new round or the current round's progress, the action
/// taken (at the position after the last, so two people acting at once cannot both succeed), and findings
/// raised or resolved.
public struct ApprovalWrite: Sendable {
    public var paymentID: ID<Payment>
    /// The payment's moves in order, each guarded by the state before it (submission may go
    /// draft → pending approval → approved in one step).
    public var moves: [(from: PaymentState, to: PaymentState, reason: String?)]
    public var newRound: ApprovalRound?
    public var roundProgress: ApprovalRound?
    public var action: RecordedApprovalAction?
    public var newFindings: [ControlFinding]
    /// Findings closed by this step: (id, new state, reason); each must still be open.
    public var resolvedFindings: [(id: ID<ControlFinding>, state: ControlFinding.State, reason: String)]
    /// Sanctions screenings made by the controls of this step (a vendor screened at submission), stored
    /// with it rather than in a transaction and audit event of their own.
    public var screenings: [VendorScreening]
    public var audit: AuditEntry

    public init(
        paymentID: ID<Payment>, moves: [(from: PaymentState, to: PaymentState, reason: String?)] = [],
        newRound: ApprovalRound? = nil, roundProgress: ApprovalRound? = nil, action: RecordedApprovalAction? = nil,
        newFindings: [ControlFinding] = [],
        resolvedFindings: [(id: ID<ControlFinding>, state: ControlFinding.State, reason: String)] = [],
        screenings: [VendorScreening] = [], audit: AuditEntry
    ) {
        self.paymentID = paymentID
        self.moves = moves
        self.newRound = newRound
        self.roundProgress = roundProgress
        self.action = action
        self.newFindings = newFindings
        self.resolvedFindings = resolvedFindings
        self.screenings = screenings
        self.audit = audit
    }
}

extension SQLTransactionRunner {
    // MARK: Policy documents

    /// Stores `documentJSON` as the next version of `kind`; the change and the version it replaces are
    /// one audit event.
    public func savePolicyDocument(
        kind: PolicyKind, documentJSON: String, sourceText: String, sourceFormat: String, context: AuditContext
    ) async throws -> PolicyDocumentVersion {
        let records = self.records
        return try await writeTransaction { session in
            // The chain lock also serialises version numbers: two saves cannot both take version n.
            try session.lockChain()
            let previous = try session.rows(Records.policyDocument(kind, version: nil)).first.map(Records.policyDocument(from:))
            let saved = PolicyDocumentVersion(
                kind: kind, version: (previous?.version ?? 0) + 1, documentJSON: documentJSON, sourceText: sourceText,
                sourceFormat: sourceFormat, createdBy: context.actorID, createdAt: context.occurredAt)
            try session.run(
                SQLQuery(
                    """
                    INSERT INTO policy_documents (kind, version, document_json, source_text, source_format, created_by,
                        created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                    [
                        .text(kind.rawValue), .integer(saved.version), .text(documentJSON), .text(sourceText),
                        .text(sourceFormat), .text(saved.createdBy), .integer(StoredTime.milliseconds(saved.createdAt)),
                    ]))
            let entry = AuditEntry(
                action: "policy.changed", objectType: "policy", objectID: "\(kind.rawValue)/v\(saved.version)",
                before: previous.map { CanonicalJSON.object(["kind": kind.rawValue, "version": String($0.version), "document": $0.documentJSON]) },
                after: CanonicalJSON.object(["kind": kind.rawValue, "version": String(saved.version), "document": documentJSON]))
            var chain = try ChainAppender(locking: session)
            try chain.append(entry, context: context, records: records, in: session)
            return saved
        }
    }

    /// A version of `kind`, or the one in force when `version` is nil.
    public func policyDocument(_ kind: PolicyKind, version: Int64? = nil) async throws -> PolicyDocumentVersion? {
        try await readTransaction { session in
            try session.rows(Records.policyDocument(kind, version: version)).first.map(Records.policyDocument(from:))
        }
    }

    /// Every version of `kind`, newest first.
    public func policyDocumentVersions(_ kind: PolicyKind) async throws -> [PolicyDocumentVersion] {
        try await readTransaction { session in
            try session.rows(
                SQLQuery("SELECT * FROM policy_documents WHERE kind = ? ORDER BY version DESC", [.text(kind.rawValue)])
            ).map(Records.policyDocument(from:))
        }
    }

    // MARK: FX rates

    /// Adds or replaces rates (a rate republished for the same day replaces the old one); one audit event
    /// for the whole file.
    public func saveFXRates(_ rates: [StoredFXRate], source: String, context: AuditContext) async throws -> Int {
        let records = self.records
        return try await writeTransaction { session in
            let imported = StoredTime.milliseconds(context.occurredAt)
            for rate in rates {
                try session.run(
                    SQLQuery(
                        """
                        INSERT INTO fx_rates (base, quote, rate_date, rate, source, imported_at) VALUES (?, ?, ?, ?, ?, ?)
                        ON CONFLICT (base, quote, rate_date) DO UPDATE SET rate = excluded.rate, source = excluded.source,
                            imported_at = excluded.imported_at
                        """,
                        [
                            .text(rate.base), .text(rate.quote), .text(rate.date.iso8601), .text(rate.rate),
                            .text(rate.source), .integer(imported),
                        ]))
            }
            let days = Set(rates.map(\.date))
            let entry = AuditEntry(
                action: "fx_rates.imported", objectType: "fx_rates", objectID: source,
                after: CanonicalJSON.object([
                    "rates": String(rates.count), "source": source, "first_day": days.min()?.iso8601,
                    "last_day": days.max()?.iso8601,
                ]))
            var chain = try ChainAppender(locking: session)
            try chain.append(entry, context: context, records: records, in: session)
            return rates.count
        }
    }

    /// The latest rates on or before `date` between two currencies, in both directions.
    public func fxRates(between first: String, and second: String, onOrBefore date: LocalDate) async throws
        -> [StoredFXRate]
    {
        try await readTransaction { session in
            var found: [StoredFXRate] = []
            for (base, quote) in [(first, second), (second, first)] {
                found += try session.rows(
                    SQLQuery(
                        """
                        SELECT * FROM fx_rates WHERE base = ? AND quote = ? AND rate_date <= ?
                        ORDER BY rate_date DESC LIMIT 1
                        """, [.text(base), .text(quote), .text(date.iso8601)])
                ).map { row in
                    StoredFXRate(
                        base: try row.text("base"), quote: try row.text("quote"),
                        date: try LocalDate(iso8601: row.text("rate_date")), rate: try row.text("rate"),
                        source: try row.text("source"))
                }
            }
            return found
        }
    }

    // MARK: Approval rounds

    /// Applies one approval step (see ``ApprovalWrite``) and returns the payment as it is afterwards.
    public func writeApprovalStep(_ write: ApprovalWrite, context: AuditContext) async throws -> Payment {
        let records = self.records
        return try await writeTransaction { session in
            guard var payment = try Self.payment(write.paymentID, in: session, records: records) else {
                throw StorageError(.notFound, target: "payment")
            }
            var entry = write.audit
            for move in write.moves {
                _ = try move.from.transition(to: move.to)
                guard payment.state == move.from,
                    try session.run(records.transition(payment.id, from: move.from, to: move.to, at: context.occurredAt)) == 1
                else { throw StorageError(.stateChanged, target: "payment", currentState: payment.state.rawValue) }
                payment = try payment.transitioned(to: move.to)
                entry.events.append(.paymentMoved(payment, from: move.from, reason: move.reason))
                if let payables = Records.payableMove(from: move.from, to: move.to) {
                    try session.run(records.movePayables(payment.payableIDs, from: payables.from, to: payables.to, at: context.occurredAt))
                    entry.events += try session.rows(records.payables(payment.payableIDs)).map {
                        EventDraft.payableMoved(try records.payable(from: $0), from: payables.from)
                    }
                }
            }
            if let round = write.newRound {
                // The round before, if any, is over.
                try session.run(
                    SQLQuery(
                        "UPDATE approval_rounds SET status = 'superseded', updated_at = ? WHERE payment_id = ? AND round < ? AND status IN ('awaiting', 'held')",
                        [.integer(StoredTime.milliseconds(context.occurredAt)), .text(round.paymentID.rawValue), .integer(Int64(round.round))]))
                try session.run(Records.insert(round))
            }
            if let round = write.roundProgress {
                guard try session.run(Records.updateProgress(round)) == 1 else {
                    throw StorageError(.stateChanged, target: "approval_round")
                }
            }
            if let action = write.action, let round = write.newRound ?? write.roundProgress {
                // The primary key (payment, round, position) lets only one of two simultaneous actions in.
                try session.run(
                    SQLQuery(
                        "INSERT INTO approval_actions (payment_id, round, position, action_json, actor_id, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                        [
                            .text(round.paymentID.rawValue), .integer(Int64(round.round)), .integer(Int64(action.position)),
                            .text(action.actionJSON), .text(action.actorID), .integer(StoredTime.milliseconds(action.createdAt)),
                        ]))
            }
            if !write.screenings.isEmpty { try Self.upsert(write.screenings, in: session) }
            for finding in write.newFindings { try session.run(Records.insert(finding)) }
            for resolved in write.resolvedFindings {
                guard
                    try session.run(
                        SQLQuery(
                            "UPDATE control_findings SET state = ?, resolved_by = ?, resolved_at = ?, resolution_reason = ? WHERE id = ? AND state = 'open'",
                            [
                                .text(resolved.state.rawValue), .text(context.actorID),
                                .integer(StoredTime.milliseconds(context.occurredAt)), .text(resolved.reason),
                                .text(resolved.id.rawValue),
                            ])) == 1
                else { throw StorageError(.stateChanged, target: "control_finding") }
            }
            var chain = try ChainAppender(locking: session)
            try chain.append(entry, context: context, records: records, in: session)
            return payment
        }
    }

    /// The latest round of a payment and its actions in order.
    public func approvalRound(of paymentID: ID<Payment>) async throws -> (ApprovalRound, [RecordedApprovalAction])? {
        try await readTransaction { session in
            guard
                let round = try session.rows(
                    SQLQuery(
                        "SELECT * FROM approval_rounds WHERE payment_id = ? ORDER BY round DESC LIMIT 1",
                        [.text(paymentID.rawValue)])
                ).first.map(Records.approvalRound(from:))
            else { return nil }
            return (round, try Self.approvalActions(of: paymentID, round: round.round, in: session))
        }
    }

    /// The actions recorded in one round, in order.
    public func approvalActions(of paymentID: ID<Payment>, round: Int) async throws -> [RecordedApprovalAction] {
        try await readTransaction { session in try Self.approvalActions(of: paymentID, round: round, in: session) }
    }

    static func approvalActions(of paymentID: ID<Payment>, round: Int, in session: any SQLSession) throws
        -> [RecordedApprovalAction]
    {
        try session.rows(
            SQLQuery(
                "SELECT * FROM approval_actions WHERE payment_id = ? AND round = ? ORDER BY position",
                [.text(paymentID.rawValue), .integer(Int64(round))])
        ).map { row in
            RecordedApprovalAction(
                position: Int(try row.integer("position")), actionJSON: try row.text("action_json"),
                actorID: try row.text("actor_id"), createdAt: StoredTime.date(try row.integer("created_at")))
        }
    }

    /// Rounds waiting for a person in the caller's entities (`statuses`: awaiting approval, held), oldest first.
    public func awaitingRounds(scope: EntityScope, statuses: Set<ApprovalRound.Status>, limit: Int) async throws
        -> [ApprovalRound]
    {
        try await readTransaction { session in
            var builder = ListQueries.Builder(table: "approval_rounds", entityColumn: "entity_id", scope: scope)
            let listed = statuses.map(\.rawValue).sorted()
            builder.conditions.append("status IN (\(Array(repeating: "?", count: listed.count).joined(separator: ", ")))")
            builder.binds += listed.map(SQLValue.text)
            return try session.rows(builder.query(orderBy: "COALESCE(waiting_since, updated_at), payment_id", limit: limit))
                .map(Records.approvalRound(from:))
        }
    }

    // MARK: Findings

    public func controlFindings(of paymentID: ID<Payment>) async throws -> [ControlFinding] {
        try await readTransaction { session in
            try session.rows(
                SQLQuery("SELECT * FROM control_findings WHERE payment_id = ? ORDER BY created_at, id", [.text(paymentID.rawValue)])
            ).map(Records.controlFinding(from:))
        }
    }

    public func openControlFindings(scope: EntityScope, limit: Int) async throws -> [ControlFinding] {
        try await readTransaction { session in
            var builder = ListQueries.Builder(table: "control_findings", entityColumn: "entity_id", scope: scope)
            builder.add("state = ?", .text(ControlFinding.State.open.rawValue))
            return try session.rows(builder.query(orderBy: "created_at, id", limit: limit)).map(Records.controlFinding(from:))
        }
    }

    // MARK: People

    /// Who created the payment and who created or last changed its payables (an import, a clerk):
    /// read from the audit trail, which is where PayHub keeps who did what.
    public func initiators(of payment: Payment) async throws -> Set<String> {
        try await readTransaction { session in
            var people: Set<String> = []
            let placeholders = Array(repeating: "?", count: payment.payableIDs.count).joined(separator: ", ")
            let rows = try session.rows(
                SQLQuery(
                    """
                    SELECT actor_id FROM audit_events
                    WHERE (object_type = 'payment' AND object_id = ? AND action = 'payment.created')
                       OR (object_type = 'payable' AND object_id IN (\(placeholders))
                           AND action IN ('payable.created', 'payable.updated'))
                    """, [.text(payment.id.rawValue)] + payment.payableIDs.map { .text($0.rawValue) }))
            for row in rows { people.insert(try row.text("actor_id")) }
            return people
        }
    }

    public func saveDelegation(_ delegation: StoredDelegation, context: AuditContext) async throws {
        let records = self.records
        try await writeTransaction { session in
            try session.run(
                SQLQuery(
                    """
                    INSERT INTO delegations (id, from_user, to_user, entity_id, valid_from, valid_until, created_by, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                    [
                        .text(delegation.id.rawValue), .text(delegation.from.rawValue), .text(delegation.to.rawValue),
                        SQLValue(delegation.entityID?.rawValue), .integer(StoredTime.milliseconds(delegation.validFrom)),
                        .integer(StoredTime.milliseconds(delegation.validUntil)), .text(delegation.createdBy),
                        .integer(StoredTime.milliseconds(delegation.createdAt)),
                    ]))
            let entry = AuditEntry(
                action: "delegation.created", objectType: "delegation", objectID: delegation.id.rawValue,
                entityID: delegation.entityID?.rawValue,
                after: CanonicalJSON.object([
                    "from": delegation.from.rawValue, "to": delegation.to.rawValue,
                    "entity_id": delegation.entityID?.rawValue,
                    "valid_from": Timestamp.iso8601(delegation.validFrom),
                    "valid_until": Timestamp.iso8601(delegation.validUntil),
                ]))
            var chain = try ChainAppender(locking: session)
            try chain.append(entry, context: context, records: records, in: session)
        }
    }

    /// Delegations given to `user` that have not been revoked and have not ended by `date`.
    public func delegations(to user: ID<User>, notEndedBy date: Date) async throws -> [StoredDelegation] {
        try await readTransaction { session in
            try session.rows(
                SQLQuery(
                    "SELECT * FROM delegations WHERE to_user = ? AND valid_until > ? AND revoked_at IS NULL ORDER BY valid_from",
                    [.text(user.rawValue), .integer(StoredTime.milliseconds(date))])
            ).map(Records.delegation(from:))
        }
    }

    /// Replaces a user's approver groups.
    public func setGroups(_ groups: Set<String>, of user: ID<User>, context: AuditContext) async throws {
        let records = self.records
        try await writeTransaction { session in
            let before = Set(
                try session.rows(SQLQuery("SELECT group_name FROM user_groups WHERE user_id = ?", [.text(user.rawValue)]))
                    .map { try $0.text("group_name") })
            try session.run(SQLQuery("DELETE FROM user_groups WHERE user_id = ?", [.text(user.rawValue)]))
            for group in groups.sorted() {
                try session.run(
                    SQLQuery("INSERT INTO user_groups (user_id, group_name) VALUES (?, ?)", [.text(user.rawValue), .text(group)]))
            }
            let entry = AuditEntry(
                action: "user.groups_changed", objectType: "user", objectID: user.rawValue,
                before: CanonicalJSON.object(["groups": before.sorted().joined(separator: ",")]),
                after: CanonicalJSON.object(["groups": groups.sorted().joined(separator: ",")]))
            var chain = try ChainAppender(locking: session)
            try chain.append(entry, context: context, records: records, in: session)
        }
    }

    public func groups(of user: ID<User>) async throws -> Set<String> {
        try await readTransaction { session in
            Set(
                try session.rows(SQLQuery("SELECT group_name FROM user_groups WHERE user_id = ?", [.text(user.rawValue)]))
                    .map { try $0.text("group_name") })
        }
    }

    // MARK: Facts for controls and policies

    /// What the policy asks about a payment's vendor and account: the vendor's risk rating, how many of
    /// its payments were approved or went further, and how many to this very account.
    public func approvalHistory(vendorID: ID<Vendor>, creditorAccountID: ID<BankAccount>, excluding paymentID: ID<Payment>)
        async throws -> (riskRating: String, paymentsToVendor: Int, paymentsToAccount: Int)
    {
        try await readTransaction { session in
            let risk =
                try session.rows(SQLQuery("SELECT risk_rating FROM vendors WHERE id = ?", [.text(vendorID.rawValue)]))
                .first?.text("risk_rating") ?? "low"
            let counted = "'approved', 'scheduled', 'sent', 'accepted', 'settled', 'unknown'"
            func count(_ column: String, _ id: String) throws -> Int {
                Int(
                    try session.rows(
                        SQLQuery(
                            "SELECT COUNT(*) AS count FROM payments WHERE \(column) = ? AND id <> ? AND state IN (\(counted))",
                            [.text(id), .text(paymentID.rawValue)])
                    ).first?.integer("count") ?? 0)
            }
            return (risk, try count("vendor_id", vendorID.rawValue), try count("creditor_account_id", creditorAccountID.rawValue))
        }
    }

    /// Sets a vendor's risk rating (`low`, `medium`, `high`), audited.
    public func setRiskRating(_ rating: String, of vendorID: ID<Vendor>, context: AuditContext) async throws {
        let records = self.records
        try await writeTransaction { session in
            guard
                let before = try session.rows(
                    SQLQuery("SELECT entity_id, risk_rating FROM vendors WHERE id = ?", [.text(vendorID.rawValue)])
                ).first
            else { throw StorageError(.notFound, target: "vendor") }
            try session.run(
                SQLQuery("UPDATE vendors SET risk_rating = ? WHERE id = ?", [.text(rating), .text(vendorID.rawValue)]))
            let entry = AuditEntry(
                action: "vendor.risk_rated", objectType: "vendor", objectID: vendorID.rawValue,
                entityID: try before.text("entity_id"),
                before: CanonicalJSON.object(["risk_rating": try before.text("risk_rating")]),
                after: CanonicalJSON.object(["risk_rating": rating]))
            var chain = try ChainAppender(locking: session)
            try chain.append(entry, context: context, records: records, in: session)
        }
    }

    /// Everything a duplicate check compares a payment's payables with: the payables, in every entity, of
    /// vendors that are the same company (same vendor, same tax id or same account number), with invoice
    /// dates within `window` days, each with the payment that took it (if any), and those vendors with
    /// their accounts.
    public func duplicateCandidates(for payment: Payment, invoiceDates: ClosedRange<LocalDate>) async throws
        -> (payables: [(Payable, paymentState: PaymentState?, paymentID: ID<Payment>?)], vendors: [Vendor], accounts: [BankAccount])
    {
        let records = self.records
        return try await readTransaction { session in
            let vendorIDs = Set(
                try session.rows(
                    SQLQuery(
                        """
                        SELECT id FROM vendors WHERE id = ?
                           OR (tax_id IS NOT NULL AND tax_id <> '' AND tax_id = (SELECT tax_id FROM vendors WHERE id = ?))
                        UNION
                        SELECT vendor_id AS id FROM bank_accounts WHERE vendor_id IS NOT NULL AND account_number_hash IN
                            (SELECT account_number_hash FROM bank_accounts WHERE vendor_id = ?)
                        """, Array(repeating: .text(payment.vendorID.rawValue), count: 3))
                ).map { try $0.text("id") })
            let list = vendorIDs.sorted()
            let marks = Array(repeating: "?", count: list.count).joined(separator: ", ")
            let vendors = try session.rows(SQLQuery("SELECT * FROM vendors WHERE id IN (\(marks))", list.map { .text($0) }))
                .map { try records.vendor(from: $0) }
            let accounts = try session.rows(
                SQLQuery("SELECT * FROM bank_accounts WHERE vendor_id IN (\(marks))", list.map { .text($0) })
            ).map { try records.bankAccount(from: $0) }
            let rows = try session.rows(
                SQLQuery(
                    """
                    SELECT p.*, pay.id AS payment_id, pay.state AS payment_state
                    FROM payables p
                    LEFT JOIN payment_payables link ON link.payable_id = p.id
                    LEFT JOIN payments pay ON pay.id = link.payment_id
                    WHERE p.vendor_id IN (\(marks)) AND p.invoice_date >= ? AND p.invoice_date <= ?
                    ORDER BY p.id
                    """,
                    list.map { .text($0) } + [.text(invoiceDates.lowerBound.iso8601), .text(invoiceDates.upperBound.iso8601)]))
            let payables = try rows.map { row in
                (
                    try records.payable(from: row),
                    paymentState: try row.optionalText("payment_state").flatMap(PaymentState.init(rawValue:)),
                    paymentID: try row.optionalText("payment_id").map { try ID<Payment>($0) }
                )
            }
            return (payables, vendors, accounts)
        }
    }

    /// Payments of `entity` submitted in `window` (their latest round started then) that are still live,
    /// with the facts they were judged on: what the daily limits count.
    public func submittedPayments(of entity: ID<LegalEntity>, in window: Range<Date>) async throws
        -> [(paymentID: ID<Payment>, vendorID: ID<Vendor>, currency: String, factsJSON: String)]
    {
        try await readTransaction { session in
            try session.rows(
                SQLQuery(
                    """
                    SELECT p.id, p.vendor_id, p.currency, r.facts_json FROM payments p
                    JOIN approval_rounds r ON r.payment_id = p.id
                        AND r.round = (SELECT MAX(round) FROM approval_rounds WHERE payment_id = p.id)
                    WHERE p.entity_id = ? AND r.started_at >= ? AND r.started_at < ?
                        AND p.state NOT IN ('draft', 'rejected', 'cancelled', 'failed', 'returned')
                    ORDER BY p.id
                    """,
                    [
                        .text(entity.rawValue), .integer(StoredTime.milliseconds(window.lowerBound)),
                        .integer(StoredTime.milliseconds(window.upperBound)),
                    ])
            ).map { row in
                (
                    try ID<Payment>(row.text("id")), try ID<Vendor>(row.text("vendor_id")), try row.text("currency"),
                    try row.text("facts_json")
                )
            }
        }
    }

    // MARK: Reading a payment inside a transaction

    static func payment(_ id: ID<Payment>, in session: any SQLSession, records: Records) throws -> Payment? {
        guard let row = try session.rows(SQLQuery("SELECT * FROM payments WHERE id = ?" + session.forUpdate, [.text(id.rawValue)])).first
        else { return nil }
        let payables = try session.rows(records.payablesOfPayment(id)).map { try $0.text("payable_id") }
        return try records.payment(from: row, payableIDs: payables)
    }
}

extension Records {
    static func policyDocument(_ kind: PolicyKind, version: Int64?) -> SQLQuery {
        if let version {
            return SQLQuery(
                "SELECT * FROM policy_documents WHERE kind = ? AND version = ?", [.text(kind.rawValue), .integer(version)])
        }
        return SQLQuery(
            "SELECT * FROM policy_documents WHERE kind = ? ORDER BY version DESC LIMIT 1", [.text(kind.rawValue)])
    }

    static func policyDocument(from row: any SQLRow) throws -> PolicyDocumentVersion {
        guard let kind = PolicyKind(rawValue: try row.text("kind")) else {
            throw StorageError(.corruptRow, target: "policy_documents.kind")
        }
        return PolicyDocumentVersion(
            kind: kind, version: try row.integer("version"), documentJSON: try row.text("document_json"),
            sourceText: try row.text("source_text"), sourceFormat: try row.text("source_format"),
            createdBy: try row.text("created_by"), createdAt: StoredTime.date(try row.integer("created_at")))
    }

    static func insert(_ round: ApprovalRound) -> SQLQuery {
        SQLQuery(
            """
            INSERT INTO approval_rounds (payment_id, round, entity_id, policy_version, rule_id, outcome, facts_json,
                decision_json, initiators, status, current_stage, waiting_since, escalated_stage, started_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                .text(round.paymentID.rawValue), .integer(Int64(round.round)), .text(round.entityID.rawValue),
                .integer(round.policyVersion), SQLValue(round.ruleID), .text(round.outcome), .text(round.factsJSON),
                .text(round.decisionJSON), .text(round.initiators.sorted().joined(separator: ",")),
                .text(round.status.rawValue), SQLValue(round.currentStage.map(Int64.init)),
                SQLValue(round.waitingSince.map(StoredTime.milliseconds)), SQLValue(round.escalatedStage.map(Int64.init)),
                .integer(StoredTime.milliseconds(round.startedAt)), .integer(StoredTime.milliseconds(round.updatedAt)),
            ])
    }

    /// Progress of a round that is still open (awaiting or held), or an approved round superseded when
    /// its payment is held before it leaves; a rejected, blocked or superseded round never changes.
    static func updateProgress(_ round: ApprovalRound) -> SQLQuery {
        SQLQuery(
            """
            UPDATE approval_rounds SET status = ?, current_stage = ?, waiting_since = ?, escalated_stage = ?, updated_at = ?
            WHERE payment_id = ? AND round = ? AND status IN ('awaiting', 'held', 'approved')
            """,
            [
                .text(round.status.rawValue), SQLValue(round.currentStage.map(Int64.init)),
                SQLValue(round.waitingSince.map(StoredTime.milliseconds)), SQLValue(round.escalatedStage.map(Int64.init)),
                .integer(StoredTime.milliseconds(round.updatedAt)), .text(round.paymentID.rawValue),
                .integer(Int64(round.round)),
            ])
    }

    static func approvalRound(from row: any SQLRow) throws -> ApprovalRound {
        guard let status = ApprovalRound.Status(rawValue: try row.text("status")) else {
            throw StorageError(.corruptRow, target: "approval_rounds.status")
        }
        let initiators = try row.text("initiators")
        return ApprovalRound(
            paymentID: try ID(row.text("payment_id")), round: Int(try row.integer("round")),
            entityID: try ID(row.text("entity_id")), policyVersion: try row.integer("policy_version"),
            ruleID: try row.optionalText("rule_id"), outcome: try row.text("outcome"),
            factsJSON: try row.text("facts_json"), decisionJSON: try row.text("decision_json"),
            initiators: initiators.isEmpty ? [] : initiators.split(separator: ",").map(String.init), status: status,
            currentStage: try row.optionalInteger("current_stage").map(Int.init),
            waitingSince: try row.optionalInteger("waiting_since").map(StoredTime.date),
            escalatedStage: try row.optionalInteger("escalated_stage").map(Int.init),
            startedAt: StoredTime.date(try row.integer("started_at")),
            updatedAt: StoredTime.date(try row.integer("updated_at")))
    }

    static func insert(_ finding: ControlFinding) -> SQLQuery {
        SQLQuery(
            """
            INSERT INTO control_findings (id, payment_id, entity_id, kind, state, summary, details_json, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                .text(finding.id.rawValue), .text(finding.paymentID.rawValue), .text(finding.entityID.rawValue),
                .text(finding.kind.rawValue), .text(finding.state.rawValue), .text(finding.summary),
                .text(finding.detailsJSON), .integer(StoredTime.milliseconds(finding.createdAt)),
            ])
    }

    static func controlFinding(from row: any SQLRow) throws -> ControlFinding {
        guard let kind = ControlFinding.Kind(rawValue: try row.text("kind")),
            let state = ControlFinding.State(rawValue: try row.text("state"))
        else { throw StorageError(.corruptRow, target: "control_findings") }
        var finding = ControlFinding(
            id: try ID(row.text("id")), paymentID: try ID(row.text("payment_id")), entityID: try ID(row.text("entity_id")),
            kind: kind, summary: try row.text("summary"), detailsJSON: try row.text("details_json"),
            createdAt: StoredTime.date(try row.integer("created_at")))
        finding.state = state
        finding.resolvedBy = try row.optionalText("resolved_by")
        finding.resolvedAt = try row.optionalInteger("resolved_at").map(StoredTime.date)
        finding.resolutionReason = try row.optionalText("resolution_reason")
        return finding
    }

    static func delegation(from row: any SQLRow) throws -> StoredDelegation {
        StoredDelegation(
            id: try ID(row.text("id")), from: try ID(row.text("from_user")), to: try ID(row.text("to_user")),
            entityID: try row.optionalText("entity_id").map { try ID($0) },
            validFrom: StoredTime.date(try row.integer("valid_from")),
            validUntil: StoredTime.date(try row.integer("valid_until")), createdBy: try row.text("created_by"),
            createdAt: StoredTime.date(try row.integer("created_at")),
            revokedAt: try row.optionalInteger("revoked_at").map(StoredTime.date))
    }
}
