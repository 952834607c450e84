import BankConnectivity
import Foundation
import PayHubDomain
import PayHubStorage

/// One bank connection and the debtor accounts whose instructions travel through it.
public struct BankConnection: Sendable {
    /// The operator's name for it (`deutsche-bank-h2h`), recorded with every file it carries.
    public var name: String
    public var connector: any BankConnector
    /// The paying accounts it serves; `nil` serves every account no other connection names.
    public var debtorAccounts: Set<ID<BankAccount>>?

    public init(name: String, connector: any BankConnector, debtorAccounts: Set<ID<BankAccount>>? = nil) {
        self.name = name
        self.connector = connector
        self.debtorAccounts = debtorAccounts
    }
}

/// Every bank connection of this installation.
public struct BankConnections: Sendable {
    public var all: [BankConnection]

    public init(_ all: [BankConnection]) {
        self.all = all
    }

    /// The connection that serves `account`: one that names it, else the catch-all.
    public func connection(for account: ID<BankAccount>) -> BankConnection? {
        all.first { $0.debtorAccounts?.contains(account) == true } ?? all.first { $0.debtorAccounts == nil }
    }
}

/// No bank connection serves an instruction's debtor account.
public struct NoBankConnection: Error, Sendable, CustomStringConvertible {
    public var debtorAccountID: ID<BankAccount>
    public var description: String { "no bank connection serves the debtor account \(debtorAccountID)" }
}

/// A re-rendered file differs from the one recorded when its handover began: PayHub refuses to send
/// other bytes under the same message id.
public struct RenderedFileChanged: Error, Sendable, CustomStringConvertible {
    public var messageID: String
    public var description: String {
        "instruction \(messageID) renders differently from the file whose handover began; it is not sent again"
    }
}

/// Hands planned instructions to their banks, exactly once.
///
/// The protocol, and why each step is where it is:
/// 1. render the file (a pure function of what was stored at planning);
/// 2. stage it where the bank cannot see it;
/// 3. in one transaction, record the file's hash and move the payments to `unknown`;
/// 4. deliver: the bank can see the file from this instant;
/// 5. in one transaction, move the payments and the instruction to `sent`.
///
/// If the process dies anywhere, the next attempt reads the instruction: no file recorded means step 3
/// never committed, and staging again is harmless because the bank never saw anything. A recorded file
/// means the payments are `unknown`, and the connector is asked where the file is: still staged means
/// step 4 never happened, so it is delivered now; anything else means the bank has it, and only step 5
/// is done. A file is never delivered twice on a guess.
public struct PaymentSender: Sendable {
    public let hub: PaymentHub
    public let connections: BankConnections
    let renderer: InstructionRenderer

    public init(hub: PaymentHub, connections: BankConnections) {
        self.hub = hub
        self.connections = connections
        self.renderer = InstructionRenderer(store: hub.store)
    }

    public enum Outcome: String, Sendable, Hashable {
        /// Delivered now.
        case delivered
        /// Found delivered by an earlier attempt; recorded now.
        case foundDelivered = "found_delivered"
        /// Already sent before this attempt.
        case alreadySent = "already_sent"
        /// Every payment left the instruction before it was sent.
        case withdrawn
    }

    public func send(
        _ instructionID: ID<StoredInstruction>, claim: JobClaim, context: CallContext
    ) async throws -> Outcome {
        try hub.require(.paymentsRelease, context)
        let store = hub.store
        // A replan (payments left the instruction) renders again; it cannot happen more often than the
        // instruction has payments.
        while true {
            guard let instruction = try await store.instruction(instructionID) else { return .withdrawn }
            guard instruction.state == .planned else {
                // A status report answered the file before this attempt recorded it as sent; payments the
                // report did not name are still `unknown`, and the file was plainly delivered.
                if instruction.fileSHA256 != nil {
                    try await store.completeHandover(instructionID, claim: claim, context: context.audit(at: hub.clock.now()))
                }
                return .alreadySent
            }
            guard let connection = connections.connection(for: instruction.debtorAccountID) else {
                throw NoBankConnection(debtorAccountID: instruction.debtorAccountID)
            }
            let connector = connection.connector
            let rendered = try await renderer.render(instruction)
            if let recorded = instruction.fileSHA256 {
                return try await resume(instruction, rendered, recorded: recorded, connector, claim, store, context)
            }
            CrashPoint.sendBeforeStage.reached()
            try await connector.stage(rendered.file)
            CrashPoint.sendAfterStage.reached()
            let start = try await store.beginHandover(
                instructionID,
                file: InstructionFile(name: rendered.file.name, sha256: rendered.sha256, transport: connector.transport),
                members: rendered.members, claim: claim, context: context.audit(at: hub.clock.now()))
            switch start {
            case .started:
                CrashPoint.sendAfterBegin.reached()
                try await connector.deliver(rendered.file)
                CrashPoint.sendAfterDeliver.reached()
                try await store.completeHandover(instructionID, claim: claim, context: context.audit(at: hub.clock.now()))
                CrashPoint.sendAfterComplete.reached()
                return .delivered
            case .alreadyStarted, .replanned:
                continue
            case .withdrawn:
                return .withdrawn
            }
        }
    }

    /// A handover began before (this process died, or another worker's lease ran out): ask the bank.
    private func resume(
        _ instruction: StoredInstruction, _ rendered: InstructionRenderer.Rendered, recorded: String,
        _ connector: any BankConnector, _ claim: JobClaim, _ store: any PayHubStore, _ context: CallContext
    ) async throws -> Outcome {
        guard rendered.sha256 == recorded else { throw RenderedFileChanged(messageID: instruction.messageID) }
        switch try await connector.deliveryState(of: rendered.file) {
        case .delivered:
            try await store.completeHandover(instruction.id, claim: claim, context: context.audit(at: hub.clock.now()))
            CrashPoint.sendAfterComplete.reached()
            return .foundDelivered
        case .notDelivered:
            // Staging again restores a staged copy a transport may have lost; the bank still sees nothing.
            try await connector.stage(rendered.file)
            try await connector.deliver(rendered.file)
            CrashPoint.sendAfterDeliver.reached()
            try await store.completeHandover(instruction.id, claim: claim, context: context.audit(at: hub.clock.now()))
            CrashPoint.sendAfterComplete.reached()
            return .delivered
        }
    }
}
