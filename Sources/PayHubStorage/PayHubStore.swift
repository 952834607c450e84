import Foundation
import PayHubDomain

/// Everything PayHub keeps, behind one interface with two adapters (SQLite and PostgreSQL).
///
/// Every mutating method takes an ``AuditContext`` and writes exactly one audit event in the same
/// transaction as its change, so the trail and the data can never disagree. Reads take the caller's
/// ``EntityScope``: an object of an entity outside it is reported as absent.
public protocol PayHubStore: Sendable {
    /// Brings the schema to the latest version; safe to run on every start.
    func migrate() async throws
    /// The schema versions applied, oldest first.
    func appliedMigrations() async throws -> [String]

    func createEntity(_ entity: LegalEntity, context: AuditContext) async throws
    func entity(_ id: ID<LegalEntity>, scope: EntityScope) async throws -> LegalEntity?
    func entities(_ page: PageRequest, scope: EntityScope) async throws -> Page<LegalEntity>
    func updateEntity(_ entity: LegalEntity, context: AuditContext) async throws

    func createVendor(_ vendor: Vendor, context: AuditContext) async throws
    func vendor(_ id: ID<Vendor>, scope: EntityScope) async throws -> Vendor?
    func vendors(_ filter: VendorFilter, _ page: PageRequest, scope: EntityScope) async throws -> Page<Vendor>
    func updateVendor(_ vendor: Vendor, context: AuditContext) async throws

    func createBankAccount(_ account: BankAccount, context: AuditContext) async throws
    func bankAccount(_ id: ID<BankAccount>, scope: EntityScope) async throws -> BankAccount?
    func bankAccounts(_ filter: BankAccountFilter, _ page: PageRequest, scope: EntityScope) async throws
        -> Page<BankAccount>

    func createPayable(_ payable: Payable, context: AuditContext) async throws
    func payable(_ id: ID<Payable>, scope: EntityScope) async throws -> Payable?
    func payables(_ filter: PayableFilter, _ page: PageRequest, scope: EntityScope) async throws -> Page<Payable>
    /// Replaces an open payable's details; a payable taken by a payment can no longer change.
    func updatePayable(_ payable: Payable, context: AuditContext) async throws

    /// Stores a new payment and moves each of its payables from open to in_payment, all or nothing.
    func createPayment(_ payment: Payment, context: AuditContext) async throws
    func payment(_ id: ID<Payment>, scope: EntityScope) async throws -> Payment?
    func payments(_ filter: PaymentFilter, _ page: PageRequest, scope: EntityScope) async throws -> Page<Payment>
    /// Moves a payment from `expected` to `target` with a guarded update; if another writer moved it
    /// first, nothing changes and ``StorageError/Code/stateChanged`` is thrown. Payables follow: they are
    /// reopened when the payment is cancelled, rejected, failed or returned, and paid when it settles.
    func transitionPayment(
        _ id: ID<Payment>, from expected: PaymentState, to target: PaymentState, reason: String?,
        context: AuditContext
    ) async throws -> Payment
    /// How many payments are in each state, for metrics and the dashboard.
    func paymentCountsByState() async throws -> [PaymentState: Int]

    func createUser(_ user: User, passwordHash: String, context: AuditContext) async throws
    func user(username: String) async throws -> StoredUser?
    func user(_ id: ID<User>) async throws -> User?

    /// Stores an API key by the SHA-256 of its secret; the secret itself is never stored.
    func createAPIKey(_ key: APIKey, secretHash: String, context: AuditContext) async throws
    func apiKey(secretHash: String) async throws -> APIKey?

    /// Records an administrative action that changes nothing else (a key shown, a login refused…).
    func recordAudit(_ entry: AuditEntry, context: AuditContext) async throws
    /// Audit events in chain order, starting after `sequence`, of the entities in `scope` (events that
    /// belong to no entity, such as users and keys, only for an unrestricted scope).
    func auditEvents(after sequence: Int64, limit: Int, scope: EntityScope) async throws -> [AuditEvent]

    // The features below are written once against ``SQLSession`` (see ``SQLTransactionRunner``); both
    // adapters get them from its extensions.

    // MARK: Event feed
    func events(after cursor: Int64, limit: Int, filter: EventFilter, scope: EntityScope) async throws -> [FeedEvent]
    func feedHead() async throws -> Int64
    func feedCursor(_ consumer: String) async throws -> Int64
    func advanceFeedCursor(_ consumer: String, from expected: Int64, to cursor: Int64, at date: Date) async throws

    // MARK: ERP sync and dual control
    func sync(_ batch: SyncBatch, context: AuditContext) async throws -> SyncResult
    func verifyBankAccount(_ id: ID<BankAccount>, scope: EntityScope, context: AuditContext) async throws -> BankAccount

    // MARK: Idempotency keys
    func claimIdempotencyKey(_ request: IdempotentRequest) async throws -> IdempotencyClaim
    func completeIdempotencyKey(actorID: String, key: String, response: StoredResponse) async throws
    func releaseIdempotencyKey(actorID: String, key: String) async throws
    func purgeIdempotencyKeys(expiredBy now: Date) async throws -> Int

    // MARK: Imports and their quarantine
    func startImport(_ run: ImportRun, context: AuditContext) async throws
    func importBatch(
        _ batch: SyncBatch, rejections: [QuarantinedRow], into run: ImportRun, allOrNothing: Bool, context: AuditContext
    ) async throws -> (ImportRun, SyncResult)
    func finishImport(_ run: ImportRun, rejections: [QuarantinedRow], context: AuditContext) async throws
    func importRun(_ id: ID<ImportRun>, scope: EntityScope) async throws -> ImportRun?
    func importRuns(_ page: PageRequest, scope: EntityScope) async throws -> Page<ImportRun>
    func quarantinedRows(of importID: ID<ImportRun>, state: QuarantinedRow.State?, _ page: PageRequest) async throws
        -> Page<QuarantinedRow>
    func quarantinedRow(_ id: ID<QuarantinedRow>) async throws -> QuarantinedRow?
    func resolveQuarantinedRow(
        _ row: QuarantinedRow, entityID: ID<LegalEntity>, resubmitting batch: SyncBatch?, reason: String?,
        context: AuditContext
    ) async throws -> (QuarantinedRow, SyncResult?)

    // MARK: Webhooks
    func createWebhook(_ webhook: WebhookSubscription, context: AuditContext) async throws
    func webhook(_ id: ID<WebhookSubscription>) async throws -> WebhookSubscription?
    func webhooks(_ page: PageRequest) async throws -> Page<WebhookSubscription>
    func setWebhookActive(_ id: ID<WebhookSubscription>, _ active: Bool, context: AuditContext) async throws
        -> WebhookSubscription
    func fanOutWebhookDeliveries(now: Date, limit: Int) async throws -> Int
    func claimDueDeliveries(now: Date, limit: Int, lease: TimeInterval) async throws -> [DeliveryJob]
    func recordDeliveryAttempt(_ attempt: DeliveryAttempt, of delivery: WebhookDelivery, nextAttemptAt: Date?)
        async throws -> WebhookDelivery
    func deliveries(of subscriptionID: ID<WebhookSubscription>, state: WebhookDelivery.State?, _ page: PageRequest)
        async throws -> Page<WebhookDelivery>
    func delivery(_ id: ID<WebhookDelivery>) async throws -> WebhookDelivery?
    func deliveryAttempts(_ id: ID<WebhookDelivery>) async throws -> [DeliveryAttempt]
    func replayDelivery(_ id: ID<WebhookDelivery>, now: Date, context: AuditContext) async throws -> WebhookDelivery

    // Approvals and controls (shared SQL in Approvals.swift)
    func savePolicyDocument(
        kind: PolicyKind, documentJSON: String, sourceText: String, sourceFormat: String, context: AuditContext
    ) async throws -> PolicyDocumentVersion
    func policyDocument(_ kind: PolicyKind, version: Int64?) async throws -> PolicyDocumentVersion?
    func policyDocumentVersions(_ kind: PolicyKind) async throws -> [PolicyDocumentVersion]
    func saveFXRates(_ rates: [StoredFXRate], source: String, context: AuditContext) async throws -> Int
    func fxRates(between first: String, and second: String, onOrBefore date: LocalDate) async throws -> [StoredFXRate]
    func writeApprovalStep(_ write: ApprovalWrite, context: AuditContext) async throws -> Payment
    func approvalRound(of paymentID: ID<Payment>) async throws -> (ApprovalRound, [RecordedApprovalAction])?
    func approvalActions(of paymentID: ID<Payment>, round: Int) async throws -> [RecordedApprovalAction]
    func awaitingRounds(scope: EntityScope, statuses: Set<ApprovalRound.Status>, limit: Int) async throws
        -> [ApprovalRound]
    func controlFindings(of paymentID: ID<Payment>) async throws -> [ControlFinding]
    func openControlFindings(scope: EntityScope, limit: Int) async throws -> [ControlFinding]
    func initiators(of payment: Payment) async throws -> Set<String>
    func saveDelegation(_ delegation: StoredDelegation, context: AuditContext) async throws
    func delegations(to user: ID<User>, notEndedBy date: Date) async throws -> [StoredDelegation]
    func setGroups(_ groups: Set<String>, of user: ID<User>, context: AuditContext) async throws
    func groups(of user: ID<User>) async throws -> Set<String>
    func approvalHistory(vendorID: ID<Vendor>, creditorAccountID: ID<BankAccount>, excluding paymentID: ID<Payment>)
        async throws -> (riskRating: String, paymentsToVendor: Int, paymentsToAccount: Int)
    func setRiskRating(_ rating: String, of vendorID: ID<Vendor>, context: AuditContext) async throws
    func submittedPayments(of entity: ID<LegalEntity>, in window: Range<Date>) async throws
        -> [(paymentID: ID<Payment>, vendorID: ID<Vendor>, currency: String, factsJSON: String)]
    // Bank instructions (Instructions.swift)
    func saveInstructions(_ instructions: [StoredInstruction], context: AuditContext) async throws
    func instructions(in state: StoredInstruction.State, limit: Int) async throws -> [StoredInstruction]
    func instructionIDs(in state: StoredInstruction.State, limit: Int) async throws -> [ID<StoredInstruction>]
    func instruction(_ id: ID<StoredInstruction>) async throws -> StoredInstruction?
    func instruction(messageID: String) async throws -> StoredInstruction?
    /// Instructions of the entities in `scope` (only those in `state` when given), a page at a time in id order.
    func bankInstructions(state: StoredInstruction.State?, _ page: PageRequest, scope: EntityScope) async throws
        -> Page<StoredInstruction>
    /// One instruction within `scope`; one of another entity is absent.
    func bankInstruction(_ id: ID<StoredInstruction>, scope: EntityScope) async throws -> StoredInstruction?
    // Handing files to the bank and applying its answers (BankExchange.swift)
    func beginHandover(
        _ instructionID: ID<StoredInstruction>, file: InstructionFile, members: [ID<Payment>], claim: JobClaim,
        context: AuditContext
    ) async throws -> HandoverStart
    func completeHandover(_ instructionID: ID<StoredInstruction>, claim: JobClaim, context: AuditContext) async throws
    func payments(endToEndIDs: [String]) async throws -> [String: Payment]
    func createApprovedPayments(_ pairs: [(Payable, Payment)], reason: String, context: AuditContext) async throws
    func bankFileReceived(sha256: String) async throws -> Bool
    func applyBankFile(
        _ file: ReceivedBankFile, moves: [BankPaymentMove],
        instructionStates: [ID<StoredInstruction>: StoredInstruction.State], context: AuditContext
    ) async throws -> BankFileOutcome?
    // Bank statements (Statements.swift)
    func importStatement(_ input: StatementImport, context: AuditContext) async throws -> StatementImportOutcome
    func statements(_ page: PageRequest, scope: EntityScope) async throws -> Page<StoredStatement>
    func statement(_ id: ID<StoredStatement>, scope: EntityScope) async throws -> StoredStatement?
    func statementLines(of id: ID<StoredStatement>, _ page: PageRequest, scope: EntityScope) async throws
        -> Page<StoredStatementLine>?
    func reconciliationExceptions(of statementID: ID<StoredStatement>?, scope: EntityScope, limit: Int) async throws
        -> [StoredReconciliationException]
    // Background jobs with leases (Jobs.swift)
    @discardableResult
    func enqueueJob(kind: String, subjectID: String, runAfter: Date, now: Date) async throws -> Bool
    func claimJobs(kinds: [String], owner: String, now: Date, lease: TimeInterval, limit: Int) async throws -> [Job]
    @discardableResult
    func finishJob(_ id: ID<Job>, owner: String, now: Date, error: String?, retryAt: Date?) async throws -> Bool
    func job(kind: String, subjectID: String) async throws -> Job?
    @discardableResult
    func requeueJob(_ id: ID<Job>, owner: String, runAfter: Date, now: Date, error: String?) async throws -> Bool
    func saveTOTPEnrolment(_ enrolment: TOTPEnrolment, context: AuditContext) async throws
    func totpEnrolment(of user: ID<User>) async throws -> TOTPEnrolment?
    func useTOTPStep(_ timeStep: Int64, of user: ID<User>, confirming: Bool, context: AuditContext) async throws -> Bool
    func duplicateCandidates(for payment: Payment, invoiceDates: ClosedRange<LocalDate>) async throws
        -> (payables: [(Payable, paymentState: PaymentState?, paymentID: ID<Payment>?)], vendors: [Vendor], accounts: [BankAccount])

    // Sanctions screening (shared SQL in Sanctions.swift)
    func saveSanctionsList(
        _ list: StoredSanctionsList, files: SanctionsListFiles, screenings: [VendorScreening], context: AuditContext
    ) async throws -> SanctionsListLoad
    func sanctionsLists() async throws -> [StoredSanctionsList]
    func currentSanctionsLists() async throws -> [StoredSanctionsList]
    func sanctionsListFiles(_ id: ID<StoredSanctionsList>) async throws -> SanctionsListFiles?
    func saveVendorScreenings(_ screenings: [VendorScreening], context: AuditContext) async throws
    func vendorScreenings(of vendorID: ID<Vendor>) async throws -> [VendorScreeningRecord]
    func sanctionsMatches(scope: EntityScope, limit: Int) async throws -> [SanctionsMatch]
}

extension PayHubStore {
    /// The whole trail, as `payhub audit verify` reads it.
    public func auditEvents(after sequence: Int64, limit: Int) async throws -> [AuditEvent] {
        try await auditEvents(after: sequence, limit: limit, scope: .all)
    }
}

/// A user as stored, with the bcrypt hash needed to check a password.
public struct StoredUser: Sendable, Hashable {
    public let user: User
    public let passwordHash: String

    public init(user: User, passwordHash: String) {
        self.user = user
        self.passwordHash = passwordHash
    }
}

/// Who did something, from where, as part of which request; stamped on the audit event.
public struct AuditContext: Sendable, Hashable {
    public var actorKind: Principal.Kind
    public var actorID: String
    /// Where the change came from: `api`, `cli`, `demo`, `worker:…`, plus the client address when known.
    public var origin: String
    public var requestID: String?
    public var occurredAt: Date

    public init(actorKind: Principal.Kind, actorID: String, origin: String, requestID: String? = nil, occurredAt: Date) {
        self.actorKind = actorKind
        self.actorID = actorID
        self.origin = origin
        self.requestID = requestID
        self.occurredAt = occurredAt
    }

    public init(principal: Principal, origin: String, requestID: String? = nil, occurredAt: Date) {
        self.init(
            actorKind: principal.kind, actorID: principal.actorID, origin: origin, requestID: requestID,
            occurredAt: occurredAt)
    }
}

/// What an audit event says happened, before it is stamped and chained.
public struct AuditEntry: Sendable, Hashable {
    public var action: String
    public var objectType: String
    public var objectID: String
    public var entityID: String?
    /// JSON snapshots of the object; never a clear account number (see ``AuditSnapshot``).
    public var before: String?
    public var after: String?
    /// What the ERP is told about this change (the event feed and webhooks); not part of the audit hash.
    public var events: [EventDraft]

    public init(
        action: String, objectType: String, objectID: String, entityID: String? = nil, before: String? = nil,
        after: String? = nil, events: [EventDraft] = []
    ) {
        self.action = action
        self.objectType = objectType
        self.objectID = objectID
        self.entityID = entityID
        self.before = before
        self.after = after
        self.events = events
    }
}

public struct PageRequest: Sendable, Hashable {
    public static let limitDefault = 50
    public static let limitMax = 1000

    public var limit: Int
    /// The id of the last item already seen; the page starts after it.
    public var afterID: String?

    public init(limit: Int = PageRequest.limitDefault, afterID: String? = nil) {
        precondition((1...PageRequest.limitMax).contains(limit), "page limit out of range")
        self.limit = limit
        self.afterID = afterID
    }
}

/// One page of a list, ordered by id (ids sort by creation time), with the cursor of the next page.
public struct Page<Item: Sendable>: Sendable {
    public var items: [Item]
    /// The id to continue after, or nil on the last page.
    public var nextAfterID: String?

    public init(items: [Item], nextAfterID: String?) {
        self.items = items
        self.nextAfterID = nextAfterID
    }

    /// Builds a page from `limit + 1` fetched rows: the extra row only says whether another page exists.
    public init(fetched: [Item], limit: Int, id: (Item) -> String) {
        if fetched.count > limit {
            items = Array(fetched.prefix(limit))
            nextAfterID = items.last.map(id)
        } else {
            items = fetched
            nextAfterID = nil
        }
    }
}

public struct VendorFilter: Sendable, Hashable {
    public var entityID: ID<LegalEntity>?
    public init(entityID: ID<LegalEntity>? = nil) { self.entityID = entityID }
}

public struct BankAccountFilter: Sendable, Hashable {
    public var entityID: ID<LegalEntity>?
    public var vendorID: ID<Vendor>?
    /// Only the accounts an entity pays from (no vendor accounts).
    public var entityAccountsOnly: Bool
    public init(entityID: ID<LegalEntity>? = nil, vendorID: ID<Vendor>? = nil, entityAccountsOnly: Bool = false) {
        self.entityID = entityID
        self.vendorID = vendorID
        self.entityAccountsOnly = entityAccountsOnly
    }
}

public struct PayableFilter: Sendable, Hashable {
    public var entityID: ID<LegalEntity>?
    public var vendorID: ID<Vendor>?
    public var state: PayableState?
    public var dueDateFrom: LocalDate?
    public var dueDateTo: LocalDate?
    public init(
        entityID: ID<LegalEntity>? = nil, vendorID: ID<Vendor>? = nil, state: PayableState? = nil,
        dueDateFrom: LocalDate? = nil, dueDateTo: LocalDate? = nil
    ) {
        self.entityID = entityID
        self.vendorID = vendorID
        self.state = state
        self.dueDateFrom = dueDateFrom
        self.dueDateTo = dueDateTo
    }
}

public struct PaymentFilter: Sendable, Hashable {
    public var entityID: ID<LegalEntity>?
    public var vendorID: ID<Vendor>?
    public var state: PaymentState?
    public init(entityID: ID<LegalEntity>? = nil, vendorID: ID<Vendor>? = nil, state: PaymentState? = nil) {
        self.entityID = entityID
        self.vendorID = vendorID
        self.state = state
    }
}

/// A storage failure the caller can act on. The description never names an account or a person.
public struct StorageError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        case notFound = "not_found"
        /// A guarded update found the object in another state: someone else moved it first.
        case stateChanged = "state_changed"
        /// A unique key refused the write (same ERP id, same end-to-end id, same username).
        case duplicate = "duplicate"
        /// A payable of the payment was no longer open.
        case payableNotOpen = "payable_not_open"
        /// The object may no longer change in its current state.
        case notEditable = "not_editable"
        case referenceMissing = "reference_missing"
        case corruptRow = "corrupt_row"
    }

    public let code: Code
    /// Which object or field: `payment`, `payables.source`, `payments.end_to_end_id`.
    public let target: String
    public var currentState: String?

    public init(_ code: Code, target: String, currentState: String? = nil) {
        self.code = code
        self.target = target
        self.currentState = currentState
    }

    public var description: String {
        switch code {
        case .notFound: "\(target) not found"
        case .stateChanged: "\(target) was changed by someone else (now \(currentState ?? "unknown"))"
        case .duplicate: "\(target) already exists"
        case .payableNotOpen: "\(target) is no longer open"
        case .notEditable: "\(target) can no longer be changed (\(currentState ?? "unknown"))"
        case .referenceMissing: "\(target) refers to something that does not exist"
        case .corruptRow: "stored \(target) could not be read"
        }
    }
}
