import Foundation
import PayHubDomain

/// A bank instruction (one file) as stored when planned: its key, totals, and each payment with the ids
/// that will leave PayHub in the file.
public struct StoredInstruction: Identified, Sendable, Hashable {
    public static let idPrefix = "ins"

    public enum State: String, Sendable, Hashable, Codable {
        case planned, sent, acknowledged, rejected
    }

    public struct Member: Sendable, Hashable {
        public var paymentID: ID<Payment>
        public var paymentInformationID: String
        public var uetr: String

        public init(paymentID: ID<Payment>, paymentInformationID: String, uetr: String) {
            self.paymentID = paymentID
            self.paymentInformationID = paymentInformationID
            self.uetr = uetr
        }
    }

    public var id: ID<StoredInstruction>
    public var messageID: String
    public var entityID: ID<LegalEntity>
    public var debtorAccountID: ID<BankAccount>
    public var method: PaymentMethod
    public var executionDate: LocalDate
    public var controlSum: Money
    public var state: State
    /// In file order.
    public var members: [Member]
    public var createdAt: Date
    /// Set when the file is handed to the bank: its name, SHA-256 and transport (`folder`, `sftp`, `api`).
    public var fileName: String? = nil
    public var fileSHA256: String? = nil
    public var transport: String? = nil
    public var sentAt: Date? = nil

    public init(
        id: ID<StoredInstruction>, messageID: String, entityID: ID<LegalEntity>, debtorAccountID: ID<BankAccount>,
        method: PaymentMethod, executionDate: LocalDate, controlSum: Money, state: State = .planned,
        members: [Member], createdAt: Date
    ) {
        self.id = id
        self.messageID = messageID
        self.entityID = entityID
        self.debtorAccountID = debtorAccountID
        self.method = method
        self.executionDate = executionDate
        self.controlSum = controlSum
        self.state = state
        self.members = members
        self.createdAt = createdAt
    }
}

extension SQLTransactionRunner {
    /// Stores planned instructions and moves their payments from `approved` to `scheduled`, all in one
    /// transaction: one audit event per instruction and one per payment moved. A payment that is no longer
    /// approved (held or cancelled meanwhile) rolls the whole plan back.
    public func saveInstructions(_ instructions: [StoredInstruction], context: AuditContext) async throws {
        guard !instructions.isEmpty else { return }
        let records = self.records
        try await writeTransaction { session in
            var entries: [AuditEntry] = []
            let now = StoredTime.milliseconds(context.occurredAt)
            for instruction in instructions {
                try session.run(
                    SQLQuery(
                        """
                        INSERT INTO bank_instructions (id, message_id, entity_id, debtor_account_id, method, currency,
                            execution_date, transaction_count, control_sum_minor, state, created_at, updated_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                        [
                            .text(instruction.id.rawValue), .text(instruction.messageID),
                            .text(instruction.entityID.rawValue), .text(instruction.debtorAccountID.rawValue),
                            .text(instruction.method.rawValue), .text(instruction.controlSum.currency.code),
                            .text(instruction.executionDate.iso8601), .integer(Int64(instruction.members.count)),
                            .integer(instruction.controlSum.minorUnits), .text(instruction.state.rawValue),
                            .integer(now), .integer(now),
                        ]))
                for (position, member) in instruction.members.enumerated() {
                    try session.run(
                        SQLQuery(
                            """
                            INSERT INTO instruction_payments (payment_id, instruction_id, payment_information_id, uetr, position)
                            VALUES (?, ?, ?, ?, ?)
                            """,
                            [
                                .text(member.paymentID.rawValue), .text(instruction.id.rawValue),
                                .text(member.paymentInformationID), .text(member.uetr), .integer(Int64(position)),
                            ]))
                    guard let payment = try Self.payment(member.paymentID, in: session, records: records),
                        payment.state == .approved,
                        try session.run(records.transition(payment.id, from: .approved, to: .scheduled, at: context.occurredAt)) == 1
                    else {
                        throw StorageError(.stateChanged, target: "payment", currentState: "not approved")
                    }
                    let scheduled = try payment.transitioned(to: .scheduled)
                    var entry = AuditEntry.moved(payment, from: .approved, to: .scheduled, reason: nil)
                    entry.after = CanonicalJSON.object([
                        "state": PaymentState.scheduled.rawValue, "instruction_id": instruction.id.rawValue,
                        "message_id": instruction.messageID, "payment_information_id": member.paymentInformationID,
                        "uetr": member.uetr, "execution_date": instruction.executionDate.iso8601,
                    ])
                    entry.events = [.paymentMoved(scheduled, from: .approved, reason: nil)]
                    entries.append(entry)
                }
                entries.append(
                    AuditEntry(
                        action: "instruction.planned", objectType: "bank_instruction", objectID: instruction.id.rawValue,
                        entityID: instruction.entityID.rawValue,
                        after: CanonicalJSON.object([
                            "message_id": instruction.messageID, "debtor_account_id": instruction.debtorAccountID.rawValue,
                            "method": instruction.method.rawValue, "execution_date": instruction.executionDate.iso8601,
                            "transactions": String(instruction.members.count),
                            "control_sum": instruction.controlSum.decimalString,
                            "currency": instruction.controlSum.currency.code,
                        ])))
            }
            var chain = try ChainAppender(locking: session)
            try chain.append(entries, context: context, records: records, in: session)
        }
    }

    /// Instructions in `state`, oldest first, with their members in file order.
    public func instructions(in state: StoredInstruction.State, limit: Int) async throws -> [StoredInstruction] {
        try await readTransaction { session in
            try Self.instructions(
                from: session.rows(
                    SQLQuery(
                        "SELECT * FROM bank_instructions WHERE state = ? ORDER BY execution_date, id LIMIT ?",
                        [.text(state.rawValue), .integer(Int64(limit))])),
                in: session)
        }
    }

    /// The instructions of the entities in `scope`, only those in `state` when one is given, a page at a
    /// time in id order (ids sort by creation, so a page stays put while new instructions are planned).
    public func bankInstructions(
        state: StoredInstruction.State?, _ page: PageRequest, scope: EntityScope
    ) async throws -> Page<StoredInstruction> {
        try await readTransaction { session in
            let fetched = try Self.instructions(
                from: session.rows(ListQueries.bankInstructions(state: state, page, scope: scope)), in: session)
            return Page(fetched: fetched, limit: page.limit, id: \.id.rawValue)
        }
    }

    /// One instruction, within the caller's scope: an instruction of another entity does not exist for them.
    public func bankInstruction(_ id: ID<StoredInstruction>, scope: EntityScope) async throws -> StoredInstruction? {
        try await readTransaction { session in
            let query = ListQueries.byID(
                table: "bank_instructions", entityColumn: "entity_id", id: id.rawValue, scope: scope)
            return try Self.instructions(from: session.rows(query), in: session).first
        }
    }

    /// Only the ids of instructions in `state`, oldest first: what the worker needs to queue their jobs.
    public func instructionIDs(in state: StoredInstruction.State, limit: Int) async throws -> [ID<StoredInstruction>] {
        try await readTransaction { session in
            try session.rows(
                SQLQuery(
                    "SELECT id FROM bank_instructions WHERE state = ? ORDER BY execution_date, id LIMIT ?",
                    [.text(state.rawValue), .integer(Int64(limit))])
            ).map { try ID($0.text("id")) }
        }
    }

    public func instruction(_ id: ID<StoredInstruction>) async throws -> StoredInstruction? {
        try await readTransaction { session in
            try session.rows(SQLQuery("SELECT * FROM bank_instructions WHERE id = ?", [.text(id.rawValue)]))
                .first.map { try Self.instruction(from: $0, in: session) }
        }
    }

    public func instruction(messageID: String) async throws -> StoredInstruction? {
        try await readTransaction { session in
            try session.rows(SQLQuery("SELECT * FROM bank_instructions WHERE message_id = ?", [.text(messageID)]))
                .first.map { try Self.instruction(from: $0, in: session) }
        }
    }

    static func instruction(from row: any SQLRow, in session: any SQLSession) throws -> StoredInstruction {
        try instructions(from: [row], in: session)[0]
    }

    /// Decodes instruction rows with their members, read in one query per 500 instructions rather than one
    /// per instruction: a page of 1,000 would otherwise cost 1,000 round trips to PostgreSQL.
    static func instructions(from rows: [any SQLRow], in session: any SQLSession) throws -> [StoredInstruction] {
        guard !rows.isEmpty else { return [] }
        var members: [String: [StoredInstruction.Member]] = [:]
        for chunk in try rows.map({ try $0.text("id") }).chunks(of: 500) {
            let marks = Array(repeating: "?", count: chunk.count).joined(separator: ", ")
            let found = try session.rows(
                SQLQuery(
                    """
                    SELECT * FROM instruction_payments WHERE instruction_id IN (\(marks))
                    ORDER BY instruction_id, position
                    """, chunk.map(SQLValue.text)))
            for member in found {
                members[try member.text("instruction_id"), default: []].append(
                    StoredInstruction.Member(
                        paymentID: try ID(member.text("payment_id")),
                        paymentInformationID: try member.text("payment_information_id"), uetr: try member.text("uetr")))
            }
        }
        return try rows.map { try instruction(from: $0, members: members[try $0.text("id")] ?? []) }
    }

    /// One instruction row, its members (in file order) read already.
    private static func instruction(
        from row: any SQLRow, members: [StoredInstruction.Member]
    ) throws -> StoredInstruction {
        let id = try row.text("id")
        guard let method = PaymentMethod(rawValue: try row.text("method")),
            let state = StoredInstruction.State(rawValue: try row.text("state"))
        else { throw StorageError(.corruptRow, target: "bank_instructions") }
        var instruction = StoredInstruction(
            id: try ID(id), messageID: try row.text("message_id"), entityID: try ID(row.text("entity_id")),
            debtorAccountID: try ID(row.text("debtor_account_id")), method: method,
            executionDate: try LocalDate(iso8601: row.text("execution_date")),
            controlSum: Money(
                minorUnits: try row.integer("control_sum_minor"), currency: try Currency(code: row.text("currency"))),
            state: state, members: members, createdAt: StoredTime.date(try row.integer("created_at")))
        instruction.fileName = try row.optionalText("file_name")
        instruction.fileSHA256 = try row.optionalText("file_sha256")
        instruction.transport = try row.optionalText("transport")
        instruction.sentAt = try row.optionalInteger("sent_at").map(StoredTime.date)
        return instruction
    }
}
