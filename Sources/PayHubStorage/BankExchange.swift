import Foundation
import PayHubDomain

/// The file an instruction leaves PayHub as, recorded before the bank can see it.
public struct InstructionFile: Sendable, Hashable {
    public var name: String
    /// Lowercase hex SHA-256 of the bytes sent; it goes into the audit trail.
    public var sha256: String
    /// `folder`, `sftp` or `api`.
    public var transport: String

    public init(name: String, sha256: String, transport: String) {
        self.name = name
        self.sha256 = sha256
        self.transport = transport
    }
}

/// A move the bank's answer asks of one payment.
public struct BankPaymentMove: Sendable, Hashable {
    public var paymentID: ID<Payment>
    public var to: PaymentState
    /// The bank's reason (`AC04 closed account`), for rejections and returns.
    public var reason: String?
    /// What the bank said besides (status code, value date, bank reference), for the audit trail.
    public var details: [String: String]

    public init(paymentID: ID<Payment>, to: PaymentState, reason: String? = nil, details: [String: String] = [:]) {
        self.paymentID = paymentID
        self.to = to
        self.reason = reason
        self.details = details
    }
}

/// A file the bank sent back (a pain.002, a camt.054, a camt.053), as recorded once it is applied.
public struct ReceivedBankFile: Sendable, Hashable {
    public var sha256: String
    public var name: String
    /// `pain.002`, `camt.054`, `camt.053`…
    public var kind: String
    /// The bank connection it came through.
    public var connection: String

    public init(sha256: String, name: String, kind: String, connection: String) {
        self.sha256 = sha256
        self.name = name
        self.kind = kind
        self.connection = connection
    }
}

/// What applying a bank file changed.
public struct BankFileOutcome: Sendable, Hashable, Codable {
    /// Payments moved.
    public var moved: Int = 0
    /// Payments already where the file puts them (a camt.053 repeating a camt.054).
    public var unchanged: Int = 0
    /// Moves the lifecycle refused (a late acceptance of a payment already settled), by payment id.
    public var refused: [String] = []

    public init() {}
}

extension SQLTransactionRunner {
    /// The first half of handing an instruction to the bank, run after its file is staged where the bank
    /// cannot see it yet: its scheduled payments become `unknown` (from here until the bank answers,
    /// PayHub cannot be sure whether the bank has them), and the file's name, hash and transport are
    /// recorded.
    ///
    /// `file` must have been rendered from exactly `members`. If payments left `scheduled` since planning
    /// (held or cancelled) and nothing of the instruction was handed over yet, they leave it instead, it
    /// is re-totalled (or withdrawn when none is left), and the caller renders it again. `claim` is the job
    /// lease the caller holds; if another worker took it over, nothing changes and
    /// ``StorageError/Code/stateChanged`` is thrown.
    public func beginHandover(
        _ instructionID: ID<StoredInstruction>, file described: InstructionFile, members rendered: [ID<Payment>],
        claim: JobClaim, context: AuditContext
    ) async throws -> HandoverStart {
        let records = self.records
        return try await writeTransaction { session in
            try Self.holdLease(claim, in: session, now: context.occurredAt)
            guard
                let row = try session.rows(
                    SQLQuery("SELECT * FROM bank_instructions WHERE id = ?" + session.forUpdate, [.text(instructionID.rawValue)])
                ).first
            else { return .withdrawn }
            var instruction = try Self.instruction(from: row, in: session)
            guard instruction.state == .planned else { return .alreadyStarted }
            var payments: [Payment] = []
            for member in instruction.members {
                guard let payment = try Self.payment(member.paymentID, in: session, records: records) else {
                    throw StorageError(.notFound, target: "payment")
                }
                payments.append(payment)
            }
            if payments.contains(where: { $0.state == .unknown }) { return .alreadyStarted }
            var entries: [AuditEntry] = []
            let departed = Set(payments.filter { $0.state != .scheduled }.map(\.id))
            if !departed.isEmpty {
                instruction.members.removeAll { departed.contains($0.paymentID) }
                payments.removeAll { departed.contains($0.id) }
                for id in departed {
                    try session.run(SQLQuery("DELETE FROM instruction_payments WHERE payment_id = ?", [.text(id.rawValue)]))
                }
                let now = StoredTime.milliseconds(context.occurredAt)
                if payments.isEmpty {
                    try session.run(SQLQuery("DELETE FROM bank_instructions WHERE id = ?", [.text(instructionID.rawValue)]))
                } else {
                    instruction.controlSum = try Money.sum(payments.map(\.amount), currency: instruction.controlSum.currency)
                    try session.run(
                        SQLQuery(
                            "UPDATE bank_instructions SET transaction_count = ?, control_sum_minor = ?, updated_at = ? WHERE id = ?",
                            [
                                .integer(Int64(payments.count)), .integer(instruction.controlSum.minorUnits),
                                .integer(now), .text(instructionID.rawValue),
                            ]))
                }
                entries.append(
                    AuditEntry(
                        action: payments.isEmpty ? "instruction.withdrawn" : "instruction.replanned",
                        objectType: "bank_instruction", objectID: instructionID.rawValue,
                        entityID: instruction.entityID.rawValue,
                        after: CanonicalJSON.object([
                            "removed_payments": departed.map(\.rawValue).sorted().joined(separator: ","),
                            "transactions": String(payments.count),
                        ])))
                var chain = try ChainAppender(locking: session)
                try chain.append(entries, context: context, records: records, in: session)
                return payments.isEmpty ? .withdrawn : .replanned
            }
            // The staged file was rendered from another list (replanned meanwhile by another worker).
            guard instruction.members.map(\.paymentID) == rendered else { return .replanned }
            try session.run(
                SQLQuery(
                    "UPDATE bank_instructions SET file_name = ?, file_sha256 = ?, transport = ?, updated_at = ? WHERE id = ?",
                    [
                        .text(described.name), .text(described.sha256), .text(described.transport),
                        .integer(StoredTime.milliseconds(context.occurredAt)), .text(instructionID.rawValue),
                    ]))
            instruction.fileName = described.name
            instruction.fileSHA256 = described.sha256
            instruction.transport = described.transport
            for payment in payments where payment.state == .scheduled {
                entries.append(
                    try Self.move(
                        payment, to: .unknown, reason: "handed to the bank, no answer yet",
                        details: ["message_id": instruction.messageID, "file_sha256": described.sha256],
                        in: session, records: records, at: context.occurredAt))
            }
            entries.append(
                AuditEntry(
                    action: "instruction.handover_started", objectType: "bank_instruction",
                    objectID: instructionID.rawValue, entityID: instruction.entityID.rawValue,
                    after: CanonicalJSON.object([
                        "message_id": instruction.messageID, "file_name": described.name,
                        "file_sha256": described.sha256, "transport": described.transport,
                        "transactions": String(payments.count),
                    ])))
            var chain = try ChainAppender(locking: session)
            try chain.append(entries, context: context, records: records, in: session)
            return .started
        }
    }

    /// The second half: the bank can see the file. The instruction becomes `sent` and its payments that
    /// are still `unknown` become `sent`; the file's SHA-256 goes into the audit trail with it. For an
    /// instruction a status report has answered already, only the payments it left `unknown` move.
    public func completeHandover(
        _ instructionID: ID<StoredInstruction>, claim: JobClaim, context: AuditContext
    ) async throws {
        let records = self.records
        try await writeTransaction { session in
            try Self.holdLease(claim, in: session, now: context.occurredAt)
            guard
                let row = try session.rows(
                    SQLQuery("SELECT * FROM bank_instructions WHERE id = ?" + session.forUpdate, [.text(instructionID.rawValue)])
                ).first
            else { throw StorageError(.notFound, target: "bank_instruction") }
            let instruction = try Self.instruction(from: row, in: session)
            guard instruction.fileSHA256 != nil else { throw StorageError(.stateChanged, target: "bank_instruction") }
            var entries: [AuditEntry] = []
            for member in instruction.members {
                guard let payment = try Self.payment(member.paymentID, in: session, records: records) else { continue }
                // A status report may have come first (a bank that answers faster than the rename returns)
                // and settled some; those it did not name are still `unknown`.
                guard payment.state == .unknown else { continue }
                entries.append(
                    try Self.move(
                        payment, to: .sent, reason: nil, details: ["message_id": instruction.messageID],
                        in: session, records: records, at: context.occurredAt))
            }
            // Acknowledged or rejected by a status report already: only payments it left unknown move.
            guard instruction.state == .planned else {
                guard !entries.isEmpty else { return }
                var chain = try ChainAppender(locking: session)
                try chain.append(entries, context: context, records: records, in: session)
                return
            }
            let now = StoredTime.milliseconds(context.occurredAt)
            try session.run(
                SQLQuery(
                    "UPDATE bank_instructions SET state = 'sent', sent_at = ?, updated_at = ? WHERE id = ? AND state = 'planned'",
                    [.integer(now), .integer(now), .text(instructionID.rawValue)]))
            entries.append(
                AuditEntry(
                    action: "instruction.sent", objectType: "bank_instruction", objectID: instructionID.rawValue,
                    entityID: instruction.entityID.rawValue,
                    after: CanonicalJSON.object([
                        "message_id": instruction.messageID, "file_name": instruction.fileName ?? "",
                        "file_sha256": instruction.fileSHA256 ?? "", "transport": instruction.transport ?? "",
                        "transactions": String(instruction.members.count),
                        "control_sum": instruction.controlSum.decimalString,
                        "currency": instruction.controlSum.currency.code,
                    ])))
            var chain = try ChainAppender(locking: session)
            try chain.append(entries, context: context, records: records, in: session)
        }
    }

    /// Payments by end-to-end id, for matching what a bank file names.
    public func payments(endToEndIDs: [String]) async throws -> [String: Payment] {
        guard !endToEndIDs.isEmpty else { return [:] }
        let records = self.records
        return try await readTransaction { session in
            var found: [String: Payment] = [:]
            for chunk in stride(from: 0, to: endToEndIDs.count, by: 500).map({ Array(endToEndIDs[$0..<min($0 + 500, endToEndIDs.count)]) }) {
                let marks = Array(repeating: "?", count: chunk.count).joined(separator: ", ")
                for row in try session.rows(
                    SQLQuery("SELECT * FROM payments WHERE end_to_end_id IN (\(marks))", chunk.map { .text($0) }))
                {
                    let id = try ID<Payment>(row.text("id"))
                    let payables = try session.rows(records.payablesOfPayment(id)).map { try $0.text("payable_id") }
                    let payment = try records.payment(from: row, payableIDs: payables)
                    found[payment.endToEndID] = payment
                }
            }
            return found
        }
    }

    /// Whether a bank file with this SHA-256 was applied already.
    public func bankFileReceived(sha256: String) async throws -> Bool {
        try await readTransaction { session in
            try !session.rows(SQLQuery("SELECT sha256 FROM bank_files_received WHERE sha256 = ?", [.text(sha256)])).isEmpty
        }
    }

    /// Applies what a bank file says, once: the file is recorded by its SHA-256 in the same transaction,
    /// so a file read twice (a retry after a crash, a statement repeating a notification) changes nothing
    /// the second time and this returns `nil`. Each move is guarded against the payment's state as it is
    /// now: a payment already where the file puts it is left alone, and a move the lifecycle refuses is
    /// counted, not forced. Instructions named in `instructionStates` take those states.
    public func applyBankFile(
        _ file: ReceivedBankFile, moves: [BankPaymentMove],
        instructionStates: [ID<StoredInstruction>: StoredInstruction.State], context: AuditContext
    ) async throws -> BankFileOutcome? {
        let records = self.records
        return try await writeTransaction { session in
            let inserted = try session.run(
                SQLQuery(
                    """
                    INSERT INTO bank_files_received (sha256, name, kind, connection, outcome_json, received_at)
                    VALUES (?, ?, ?, ?, '{}', ?) ON CONFLICT (sha256) DO NOTHING
                    """,
                    [
                        .text(file.sha256), .text(file.name), .text(file.kind), .text(file.connection),
                        .integer(StoredTime.milliseconds(context.occurredAt)),
                    ]))
            guard inserted == 1 else { return nil }
            var outcome = BankFileOutcome()
            var entries: [AuditEntry] = []
            for move in moves {
                guard let payment = try Self.payment(move.paymentID, in: session, records: records) else { continue }
                if payment.state == move.to {
                    outcome.unchanged += 1
                    continue
                }
                guard payment.state.successors.contains(move.to) else {
                    outcome.refused.append(payment.id.rawValue)
                    continue
                }
                entries.append(
                    try Self.move(
                        payment, to: move.to, reason: move.reason, details: move.details, in: session, records: records,
                        at: context.occurredAt))
                outcome.moved += 1
            }
            for (id, state) in instructionStates.sorted(by: { $0.key < $1.key }) {
                try session.run(
                    SQLQuery(
                        "UPDATE bank_instructions SET state = ?, updated_at = ? WHERE id = ? AND state IN ('sent', 'planned', 'acknowledged')",
                        [.text(state.rawValue), .integer(StoredTime.milliseconds(context.occurredAt)), .text(id.rawValue)]))
            }
            try session.run(
                SQLQuery(
                    "UPDATE bank_files_received SET outcome_json = ? WHERE sha256 = ?",
                    [.text(CanonicalJSON.string(outcome)), .text(file.sha256)]))
            entries.append(
                AuditEntry(
                    action: "bank_file.applied", objectType: "bank_file", objectID: file.sha256,
                    after: CanonicalJSON.object([
                        "name": file.name, "kind": file.kind, "connection": file.connection,
                        "moved": String(outcome.moved), "unchanged": String(outcome.unchanged),
                        "refused": String(outcome.refused.count),
                    ])))
            var chain = try ChainAppender(locking: session)
            try chain.append(entries, context: context, records: records, in: session)
            return outcome
        }
    }

    /// One guarded, audited move of a payment inside a transaction, with its payables following and the
    /// events the ERP is told.
    static func move(
        _ payment: Payment, to target: PaymentState, reason: String?, details: [String: String],
        in session: any SQLSession, records: Records, at date: Date
    ) throws -> AuditEntry {
        let from = payment.state
        let moved = try payment.transitioned(to: target)
        guard try session.run(records.transition(payment.id, from: from, to: target, at: date)) == 1 else {
            throw StorageError(.stateChanged, target: "payment", currentState: from.rawValue)
        }
        var entry = AuditEntry.moved(payment, from: from, to: target, reason: reason)
        if !details.isEmpty {
            var after = details
            after["state"] = target.rawValue
            if let reason { after["reason"] = reason }
            entry.after = CanonicalJSON.object(after)
        }
        entry.events = [.paymentMoved(moved, from: from, reason: reason)]
        if let payables = Records.payableMove(from: from, to: target) {
            try session.run(records.movePayables(payment.payableIDs, from: payables.from, to: payables.to, at: date))
            entry.events += try session.rows(records.payables(payment.payableIDs)).map {
                EventDraft.payableMoved(try records.payable(from: $0), from: payables.from)
            }
        }
        return entry
    }

    /// Refuses to go on when the caller's job lease was taken over by another worker (it ran out), and
    /// extends it otherwise: the fence that keeps two processes from handing the same file over.
    static func holdLease(_ claim: JobClaim, in session: any SQLSession, now: Date) throws {
        let held = try session.run(
            SQLQuery(
                """
                UPDATE jobs SET lease_until = ?, updated_at = ?
                WHERE id = ? AND state = 'running' AND lease_owner = ? AND lease_until >= ?
                """,
                [
                    .integer(StoredTime.milliseconds(now.addingTimeInterval(claim.lease))),
                    .integer(StoredTime.milliseconds(now)), .text(claim.jobID.rawValue), .text(claim.owner),
                    .integer(StoredTime.milliseconds(now)),
                ]))
        guard held == 1 else { throw StorageError(.stateChanged, target: "job", currentState: "lease lost") }
    }
}

/// How ``SQLTransactionRunner/beginHandover(_:file:members:claim:context:)`` ended.
public enum HandoverStart: Sendable, Hashable {
    /// The payments are `unknown` now: deliver the staged file.
    case started
    /// A handover was started before (a crash, or another worker): ask the connector where the file is.
    case alreadyStarted
    /// Payments left the instruction: render and stage it again.
    case replanned
    /// No payment is left (or the instruction is gone): nothing to send.
    case withdrawn
}

/// A job lease held by one worker: which job, whose, and for how long each renewal extends it.
public struct JobClaim: Sendable, Hashable {
    public var jobID: ID<Job>
    public var owner: String
    public var lease: TimeInterval

    public init(jobID: ID<Job>, owner: String, lease: TimeInterval) {
        self.jobID = jobID
        self.owner = owner
        self.lease = lease
    }
}

extension SQLTransactionRunner {
    /// Stores payables with one payment each and records the payments approved (`draft →
    /// pending_approval → approved`, each move audited with `reason`), all in one transaction: the load
    /// generator's fast path, so a load test of execution does not spend its time in four transactions
    /// per payment first.
    public func createApprovedPayments(_ pairs: [(Payable, Payment)], reason: String, context: AuditContext) async throws {
        guard !pairs.isEmpty else { return }
        let records = self.records
        try await writeTransaction { session in
            var entries: [AuditEntry] = []
            entries.reserveCapacity(pairs.count * 4)
            for (payable, payment) in pairs {
                try session.run(records.insert(payable, updatedAt: context.occurredAt))
                entries.append(AuditEntry.created(payable))
                for query in records.insert(payment) { try session.run(query) }
                guard
                    try session.run(records.movePayables(payment.payableIDs, from: .open, to: .inPayment, at: context.occurredAt))
                        == payment.payableIDs.count
                else { throw StorageError(.payableNotOpen, target: "payable") }
                var created = AuditEntry.created(payment)
                created.events += try session.rows(records.payables(payment.payableIDs)).map {
                    EventDraft.payableMoved(try records.payable(from: $0), from: .open)
                }
                entries.append(created)
                var current = payment
                for target in [PaymentState.pendingApproval, .approved] {
                    entries.append(
                        try Self.move(current, to: target, reason: reason, details: [:], in: session, records: records, at: context.occurredAt))
                    current = try current.transitioned(to: target)
                }
            }
            var chain = try ChainAppender(locking: session)
            try chain.append(entries, context: context, records: records, in: session)
        }
    }
}
