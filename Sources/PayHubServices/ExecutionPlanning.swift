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

    /// Plans every approved payment of the caller's entities; returns the instructions stored.
    public func planApprovedPayments(context: CallContext) async throws -> [StoredInstruction] {
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
        var entities: [ID<BankAccount>: ID<LegalEntity>] = [:]
        for payment in approved {
            guard let creditor = try await hub.store.bankAccount(payment.creditorAccountID, scope: .all) else { continue }
            let method = PaymentMethod.inferred(currency: payment.amount.currency, creditor: creditor)
            guard let cutOff = cutOffs[payment.amount.currency.code] else {
                throw ValidationFailure([
                    FieldError(
                        path: "cut_offs.\(payment.amount.currency.code)", code: "cut_off_missing",
                        message: "no cut-off time is configured for \(payment.amount.currency.code)")
                ])
            }
            let date = try calendars.executionDate(
                method: method, currency: payment.amount.currency, requested: payment.requestedExecutionDate, now: now,
                cutOff: cutOff)
            planned.append(
                PlannedPayment(
                    paymentID: payment.id, debtorAccountID: payment.debtorAccountID, method: method, amount: payment.amount,
                    executionDate: date, endToEndID: payment.endToEndID, encodedSizeBytes: estimatedTransactionBytes))
            entities[payment.debtorAccountID] = payment.entityID
        }
        guard !planned.isEmpty else { return [] }
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
        return stored
    }
}
