import BankFormats
import Foundation
import PayHubDomain
import PayHubStorage

/// Ids for the files PayHub sends, from the system's randomness: message and payment-information ids
/// unique across processes (time, then random base32), UETRs as random version 4 UUIDs.
public struct SystemBatchIDSource: BatchIDSource {
    var random = SystemRandomNumberGenerator()

    public init() {}

    public mutating func messageID() -> String { "PH-" + token() }
    public mutating func paymentInformationID() -> String { "PI-" + token() }

    public mutating func uetr() -> String {
        BatchIDFormat.uetr(high: random.next(), low: random.next())
    }

    /// 26 base32 characters: 48 bits of time and 80 random bits, as PayHub's ids are made.
    private mutating func token() -> String {
        let id: ID<StoredInstruction> = ID.generate(
            millisecondsSinceEpoch: UInt64(max(Date().timeIntervalSince1970, 0) * 1000), using: &random)
        return String(id.rawValue.dropFirst(StoredInstruction.idPrefix.count + 1)).uppercased()
    }
}

/// Plans approved payments into bank instructions and stores them with their ids, before anything is
/// sent: the payments move to `scheduled`, and a re-send later reuses the stored ids.
public struct ExecutionPlanner: Sendable {
    public let hub: PaymentHub
    public let calendars: BusinessCalendars
    public var limits: BatchLimits
    /// A bank's limits for one payment method, where they differ from ``limits``.
    public var limitsByMethod: [PaymentMethod: BatchLimits] = [:]
    /// The cut-off of each currency's rail, in its own time zone; a day past it rolls to the next business day.
    public var cutOffs: [String: CutOffTime]
    /// A fair guess of one transaction's size in a pain.001 file, for the byte limit.
    public var estimatedTransactionBytes = 1_200

    public init(hub: PaymentHub, calendars: BusinessCalendars, limits: BatchLimits, cutOffs: [String: CutOffTime]) {
        self.hub = hub
        self.calendars = calendars
        self.limits = limits
        self.cutOffs = cutOffs
    }

    /// The limits a file of `method` is planned within: the bank's, capped by what the file format holds
    /// (the China batch file takes at most 1,500 transfers).
    func limits(for method: PaymentMethod) throws(ValidationFailure) -> BatchLimits {
        let bank = limitsByMethod[method] ?? limits
        guard method == .cnDomestic, bank.transactionsPerFileMax > ChinaBatchPaymentLayout.recordCountMax else { return bank }
        return try BatchLimits(
            transactionsPerFileMax: ChinaBatchPaymentLayout.recordCountMax, bytesPerFileMax: bank.bytesPerFileMax,
            transactionsPerBlockMax: bank.transactionsPerBlockMax, fileOverheadBytes: bank.fileOverheadBytes,
            blockOverheadBytes: bank.blockOverheadBytes)
    }

    /// What one planning pass did: the instructions stored, and the approved payments it could not date
    /// (no cut-off for the currency, a date past the rail's calendar), each with why; those stay
    /// approved for the next pass, and the others are not held up by them.
    public struct Outcome: Sendable {
        public var instructions: [StoredInstruction]
        public var unplanned: [(paymentID: ID<Payment>, reason: String)]
    }

    /// Plans every approved payment of the caller's entities; returns the instructions stored.
    public func planApprovedPayments(context: CallContext) async throws -> [StoredInstruction] {
        try await plan(context: context).instructions
    }

    /// Plans every approved payment of the caller's entities that it can date.
    public func plan(context: CallContext) async throws -> Outcome {
        try hub.require(.paymentsRelease, context)
        let now = hub.clock.now()
        var approved: [Payment] = []
        var page = PageRequest(limit: PageRequest.limitMax, afterID: nil)
        while true {
            let found = try await hub.store.payments(PaymentFilter(state: .approved), page, scope: context.principal.scope)
            approved += found.items
            guard let next = found.nextAfterID else { break }
            page = PageRequest(limit: PageRequest.limitMax, afterID: next)
        }
        var planned: [PlannedPayment] = []
        var unplanned: [(paymentID: ID<Payment>, reason: String)] = []
        var entities: [ID<BankAccount>: ID<LegalEntity>] = [:]
        for payment in approved {
            guard let creditor = try await hub.store.bankAccount(payment.creditorAccountID, scope: .all) else { continue }
            let method = PaymentMethod.inferred(currency: payment.amount.currency, creditor: creditor)
            guard let cutOff = cutOffs[payment.amount.currency.code] else {
                unplanned.append((payment.id, "no cut-off time is configured for \(payment.amount.currency.code)"))
                continue
            }
            let date: LocalDate
            do {
                date = try calendars.executionDate(
                    method: method, currency: payment.amount.currency, requested: payment.requestedExecutionDate, now: now,
                    cutOff: cutOff)
            } catch {
                unplanned.append((payment.id, "\(error)"))
                continue
            }
            planned.append(
                PlannedPayment(
                    paymentID: payment.id, debtorAccountID: payment.debtorAccountID, method: method, amount: payment.amount,
                    executionDate: date, endToEndID: payment.endToEndID, encodedSizeBytes: estimatedTransactionBytes))
            entities[payment.debtorAccountID] = payment.entityID
        }
        guard !planned.isEmpty else { return Outcome(instructions: [], unplanned: unplanned) }
        var ids = SystemBatchIDSource()
        var instructions: [PlannedInstruction] = []
        for (method, payments) in Dictionary(grouping: planned, by: \.method).sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            instructions += try BatchPlanner.plan(payments, limits: try limits(for: method), ids: &ids).instructions
        }
        let stored = instructions.map { instruction in
            StoredInstruction(
                id: hub.clock.newID(), messageID: instruction.messageID,
                entityID: entities[instruction.key.debtorAccountID]!, debtorAccountID: instruction.key.debtorAccountID,
                method: instruction.key.method, executionDate: instruction.key.executionDate,
                controlSum: instruction.controlSum,
                members: instruction.blocks.flatMap { block in
                    block.transactions.map {
                        StoredInstruction.Member(
                            paymentID: $0.paymentID, paymentInformationID: block.paymentInformationID, uetr: $0.uetr)
                    }
                }, createdAt: now)
        }
        try await hub.store.saveInstructions(stored, context: context.audit(at: now))
        return Outcome(instructions: stored, unplanned: unplanned)
    }
}
