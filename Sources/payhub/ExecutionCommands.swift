import ArgumentParser
import Foundation
import Logging
import PayHubDomain
import PayHubServer
import PayHubServices
import PayHubStorage

/// `payhub instruction`: the bank instructions PayHub planned and handed over, from the database.
struct InstructionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "instruction", abstract: "List bank instructions (the files PayHub sends) and run execution once.",
        subcommands: [List.self, Run.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List instructions in a state, oldest first.")
        @OptionGroup var database: DatabaseOptions
        @Option(help: "planned, sent, acknowledged or rejected.") var state: String = "planned"
        @Option(help: "At most this many.") var limit = 1_000
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            guard let state = StoredInstruction.State(rawValue: state) else {
                throw ValidationError("--state is planned, sent, acknowledged or rejected")
            }
            let instructions = try await database.withStore { [limit] store in
                try await store.instructions(in: state, limit: max(limit, 1))
            }
            if json {
                try printJSON(
                    instructions.map { instruction -> [String: Any] in
                        [
                            "id": instruction.id.rawValue, "message_id": instruction.messageID,
                            "method": instruction.method.rawValue, "state": instruction.state.rawValue,
                            "execution_date": instruction.executionDate.iso8601,
                            "transaction_count": instruction.members.count,
                            "control_sum": instruction.controlSum.decimalString,
                            "currency": instruction.controlSum.currency.code,
                            "file_name": instruction.fileName ?? NSNull(), "file_sha256": instruction.fileSHA256 ?? NSNull(),
                            "transport": instruction.transport ?? NSNull(),
                        ]
                    })
            } else if instructions.isEmpty {
                print("No instruction is \(state.rawValue).")
            } else {
                print(
                    table(
                        ["INSTRUCTION", "MESSAGE ID", "METHOD", "DATE", "PAYMENTS", "TOTAL", "FILE SHA-256"],
                        instructions.map {
                            [
                                $0.id.rawValue, $0.messageID, $0.method.rawValue, $0.executionDate.iso8601,
                                String($0.members.count), $0.controlSum.description, String(($0.fileSHA256 ?? "-").prefix(16)),
                            ]
                        }))
            }
        }
    }

    /// One pass of what `payhub serve` does in the background, for a cron job or a demo.
    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Plan approved payments, hand due instructions to their banks and collect the answers, once.")
        @OptionGroup var database: DatabaseOptions
        @Option(help: "Execution settings: bank connections and cut-offs, JSON (env PAYHUB_BANK_CONNECTIONS).")
        var bankConnections: String?

        func run() async throws {
            guard let path = bankConnections ?? database.environment["PAYHUB_BANK_CONNECTIONS"] else {
                throw ValidationError("give --bank-connections FILE (docs/execution.md)")
            }
            let logger = Logger(label: "payhub", factory: { StreamLogHandler.standardError(label: $0) })
            try await database.withStore { store in
                let worker = try PayHubServer.executionWorker(settingsFile: path, hub: PaymentHub(store: store), logger: logger)
                await worker.runOnce()
            }
        }
    }
}
