import ArgumentParser
import Foundation
import Logging
import PayHubDomain
import PayHubServer
import PayHubServices
import PayHubStorage

@main
struct PayHubCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "payhub",
        abstract: "PayHub: a self-hosted payment hub between your ERP systems and your banks.",
        subcommands: [
            Serve.self, Migrate.self, Demo.self, UserCommand.self, APIKeyCommand.self, AuditCommand.self,
            FormatCommand.self, ImportCommand.self, WebhookCommand.self, EventsCommand.self, BankAccountCommand.self,
            PolicyCommand.self, FXCommand.self, ApprovalsCommand.self, PaymentCommand.self, DelegationCommand.self,
            SanctionsCommand.self, InstructionCommand.self, BankSimCommand.self, StatementCommand.self,
        ])
}

/// Options every command that touches the database shares. Flags win over `PAYHUB_…` variables,
/// which win over the defaults.
struct DatabaseOptions: ParsableArguments {
    @Option(help: "SQLite file path or postgres://user@host:port/db URL (env PAYHUB_DATABASE; default ./payhub.sqlite).")
    var database: String?

    @Option(help: "File holding the base64 master key for bank details (env PAYHUB_KEY_FILE; default beside the database). PAYHUB_MASTER_KEY takes precedence.")
    var keyFile: String?

    var location: DatabaseLocation {
        DatabaseLocation(database ?? environment["PAYHUB_DATABASE"] ?? DatabaseLocation.defaultSQLitePath)
    }

    var resolvedKeyFile: String { keyFile ?? environment["PAYHUB_KEY_FILE"] ?? location.defaultKeyFile }

    var environment: [String: String] { ProcessInfo.processInfo.environment }

    /// Opens the store, runs the migrations, and runs `body` with it.
    func withStore<T: Sendable>(_ body: @Sendable @escaping (any PayHubStore) async throws -> T) async throws -> T {
        // Standard error, so standard output carries only what a script may capture (a key, a report).
        let logger = Logger(label: "payhub", factory: { label in StreamLogHandler.standardError(label: label) })
        let cipher = try MasterKey.load(keyFile: resolvedKeyFile, logger: logger)
        let opened = try OpenedStore.open(location, cipher: cipher, logger: logger)
        return try await opened.run { store in
            try await store.migrate()
            return try await body(store)
        }
    }
}

enum LogFormat: String, ExpressibleByArgument, CaseIterable {
    case json, text
}

func bootstrapLogging(_ format: LogFormat, level: Logger.Level) {
    LoggingSystem.bootstrap { label in
        var handler: any LogHandler =
            switch format {
            case .json: JSONLogHandler(label: label)
            case .text: StreamLogHandler.standardError(label: label)
            }
        handler.logLevel = level
        return handler
    }
}

/// The principal of someone at the server's console: the operator is trusted like the system itself.
let consoleContext = CallContext(principal: .system, origin: "cli")

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the HTTP server (API, health and metrics).")

    @OptionGroup var database: DatabaseOptions
    @Option(help: "Address to listen on (env PAYHUB_HOSTNAME; default 127.0.0.1).") var hostname: String?
    @Option(help: "Port to listen on (env PAYHUB_PORT; default 8080).") var port: Int?
    @Flag(help: "Seed the demo company if the database is empty.") var demo = false
    @Option(help: "Folder of your own mapping profiles (env PAYHUB_PROFILES).") var profiles: String?
    @Option(help: "Watched folder for ERP files, <inbox>/<profile>/<entity id>/ (env PAYHUB_INBOX).") var inbox: String?
    @Option(help: "Folder for result files to ERPs, <outbox>/<source>/ (env PAYHUB_OUTBOX).") var outbox: String?
    @Option(help: "Folder of your own result-file layouts (env PAYHUB_RESULT_LAYOUTS).") var resultLayouts: String?
    @Option(
        help: "Execution settings: bank connections and cut-offs, JSON (env PAYHUB_BANK_CONNECTIONS; docs/execution.md).")
    var bankConnections: String?
    @Option(help: "Log format: json or text.") var logFormat: LogFormat = .json
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.") var logLevel = "info"

    func run() async throws {
        bootstrapLogging(logFormat, level: Logger.Level(rawValue: logLevel) ?? .info)
        let logger = Logger(label: "payhub")
        let environment = database.environment
        guard let port = port ?? Int(environment["PAYHUB_PORT"] ?? "8080"), (0...65_535).contains(port) else {
            throw ValidationError("PAYHUB_PORT must be a port number")
        }
        let configuration = ServerConfiguration(
            hostname: hostname ?? environment["PAYHUB_HOSTNAME"] ?? "127.0.0.1", port: port,
            database: database.location, keyFile: database.resolvedKeyFile, seedDemo: demo,
            profilesFolder: profiles ?? environment["PAYHUB_PROFILES"], inbox: inbox ?? environment["PAYHUB_INBOX"],
            outbox: outbox ?? environment["PAYHUB_OUTBOX"], layoutsFolder: resultLayouts ?? environment["PAYHUB_RESULT_LAYOUTS"],
            executionSettingsFile: bankConnections ?? environment["PAYHUB_BANK_CONNECTIONS"])
        try await PayHubServer.run(configuration, logger: logger)
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Bring the database schema to the latest version.")

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let applied = try await database.withStore { store in try await store.appliedMigrations() }
        print(
            "Database \(database.location) is at schema \(applied.last ?? "none") (applied: \(applied.joined(separator: ", ")))."
        )
    }
}

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: """
            Seed a demo company: a German and a Chinese entity, 20 vendors, 200 payables, approvers, an approval \
            policy, FX rates, a few payments.
            """)

    @OptionGroup var database: DatabaseOptions
    @Option(
        help: """
            Also add this many approved EUR payments (recorded as approved, not through the policy), for load             tests of execution; works on a database already seeded.
            """)
    var approvedPayments: Int?

    func run() async throws {
        if let approvedPayments {
            guard approvedPayments > 0 else { throw ValidationError("--approved-payments must be positive") }
            let added = try await database.withStore { store -> Int in
                let demo = DemoCompany(store: store)
                if try await demo.isEmpty() { _ = try await demo.seed() }
                let bar = ProgressBar(title: "Approved payments")
                let added = try await demo.addApprovedPayments(approvedPayments) { done, total in bar.update(done, of: total) }
                bar.finish()
                return added
            }
            print("\(added) approved payments added.")
            return
        }
        let summary = try await database.withStore { store -> DemoCompany.Summary? in
            let demo = DemoCompany(store: store)
            guard try await demo.isEmpty() else { return nil }
            let bar = ProgressBar(title: "Seeding payables")
            let summary = try await demo.seed { done, total in bar.update(done, of: total) }
            bar.finish()
            return summary
        }
        guard let summary else {
            print("The database already holds data; the demo is only seeded into an empty one.")
            throw ExitCode(1)
        }
        for entity in summary.entities {
            print("Entity \(entity.id)  \(entity.name) (\(entity.countryCode), \(entity.baseCurrency.code))")
        }
        print("\(summary.vendors) vendors, \(summary.payables) payables, \(summary.payments) payments.")
        print("Users (no password; the console acts as them with --as):")
        for (user, groups) in summary.users {
            let roles = user.roles.map(\.rawValue).sorted().joined(separator: ", ")
            let memberOf = groups.isEmpty ? "" : "; groups \(groups.joined(separator: ", "))"
            let name = user.username.padding(toLength: 14, withPad: " ", startingAt: 0)
            print("  \(name) \(user.displayName) (\(roles)\(memberOf))")
        }
        print("Approval policy version \(summary.policyVersion) is in force; \(summary.fxRates) FX rates imported.")
        print("Next: payhub approvals, payhub policy show, payhub payment approve <payment id> --as lukas.braun")
        print("      payhub apikey create --name erp --role ap_clerk --entity <entity id>")
    }
}
