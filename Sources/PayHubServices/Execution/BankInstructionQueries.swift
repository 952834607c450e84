import PayHubDomain
import PayHubStorage

/// The bank instructions PayHub planned and handed over, as treasury, auditors and the dashboard read
/// them: what each file carries, and whether, when and how it reached the bank.
///
/// Reading them needs `payments.read`, as reading the payments they carry does; an instruction of an
/// entity outside the caller's scope is not found, exactly as if it did not exist.
public struct BankInstructionQueries: Sendable {
    public let hub: PaymentHub

    public init(hub: PaymentHub) {
        self.hub = hub
    }

    /// A page of the caller's instructions in id order (oldest first), only those in `state` when given.
    public func instructions(
        state: StoredInstruction.State? = nil, _ page: PageRequest, context: CallContext
    ) async throws -> Page<StoredInstruction> {
        try hub.require(.paymentsRead, context)
        return try await hub.store.bankInstructions(state: state, page, scope: context.principal.scope)
    }

    /// One instruction by its id (`ins_…`); unknown, malformed or another entity's: ``StorageError/Code/notFound``.
    public func instruction(_ id: String, context: CallContext) async throws -> StoredInstruction {
        try hub.require(.paymentsRead, context)
        guard let id = try? ID<StoredInstruction>(id),
            let instruction = try await hub.store.bankInstruction(id, scope: context.principal.scope)
        else { throw StorageError(.notFound, target: "bank_instruction") }
        return instruction
    }
}
