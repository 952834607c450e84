import BankConnectivity
import Foundation
import Hummingbird
import Logging
import PayHubDomain
import PayHubServices
import PayHubStorage
import PayHubWeb
import ServiceLifecycle

/// What `payhub serve` needs to know, gathered from flags, environment and defaults by the CLI.
public struct ServerConfiguration: Sendable {
    public var hostname: String
    public var port: Int
    public var database: DatabaseLocation
    public var keyFile: String?
    /// Seed the demo company when the database holds no entity yet.
    public var seedDemo: Bool
    /// A folder of the company's own mapping profiles, beside the shipped ones.
    public var profilesFolder: String?
    /// The watched folder ERPs drop files into (`<inbox>/<profile>/<entity id>/`); none when nil.
    public var inbox: String?
    /// Where result files for ERPs are written (`<outbox>/<source>/`); none when nil.
    public var outbox: String?
    /// A folder of the company's own result-file layouts.
    public var layoutsFolder: String?
    /// The execution settings file (bank connections, cut-offs); without it nothing is sent to a bank.
    public var executionSettingsFile: String?

    public init(
        hostname: String = "127.0.0.1", port: Int = 8080, database: DatabaseLocation = .sqlite(path: DatabaseLocation.defaultSQLitePath),
        keyFile: String? = nil, seedDemo: Bool = false, profilesFolder: String? = nil, inbox: String? = nil,
        outbox: String? = nil, layoutsFolder: String? = nil, executionSettingsFile: String? = nil
    ) {
        self.executionSettingsFile = executionSettingsFile
        self.hostname = hostname
        self.port = port
        self.database = database
        self.keyFile = keyFile
        self.seedDemo = seedDemo
        self.profilesFolder = profilesFolder
        self.inbox = inbox
        self.outbox = outbox
        self.layoutsFolder = layoutsFolder
    }
}

/// Wiring only: configuration in, a runnable application out. The database, its pool, the HTTP server
/// and the workers (webhook delivery, housekeeping, and the inbox and result files when configured) all
/// run in the application's ServiceGroup and stop together on SIGTERM.
public enum PayHubServer {
    public static func buildApplication(
        _ configuration: ServerConfiguration, logger: Logger,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws -> some ApplicationProtocol {
        let cipher = try MasterKey.load(keyFile: configuration.keyFile ?? configuration.database.defaultKeyFile, logger: logger)
        let opened = try OpenedStore.open(configuration.database, cipher: cipher, logger: logger)
        let store = opened.store
        let hub = PaymentHub(store: store)
        let profiles = try MappingProfileCatalog.load(folder: configuration.profilesFolder.map { URL(fileURLWithPath: $0) })
        let api = PayHubAPI(hub: hub, access: AccessService(store: store), profiles: profiles)
        var workers: [any Service] = [
            WebhookDispatcher(store: store, logger: logger), Housekeeping(store: store, logger: logger),
            ApprovalEscalator(hub: hub, logger: logger),
        ]
        if let inbox = configuration.inbox {
            workers.append(InboxWatcher(hub: hub, profiles: profiles, inbox: URL(fileURLWithPath: inbox), logger: logger))
        }
        if let outbox = configuration.outbox {
            let layouts = try ResultFileLayout.catalog(folder: configuration.layoutsFolder.map { URL(fileURLWithPath: $0) })
            workers.append(
                ResultFileWriter(store: store, outbox: URL(fileURLWithPath: outbox), layouts: layouts, logger: logger))
        }
        if let path = configuration.executionSettingsFile {
            workers.append(try executionWorker(settingsFile: path, hub: hub, logger: logger))
        } else if configuration.seedDemo, case .sqlite(let path) = configuration.database {
            // The demo sends its payments to a simulated bank beside the database.
            let bank = DemoBank(
                store: store,
                folder: URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent("payhub-demo-bank"),
                logger: logger)
            let planner = ExecutionPlanner(
                hub: hub, calendars: try BusinessCalendars.load(),
                limits: try BatchLimits(transactionsPerFileMax: 500, bytesPerFileMax: 64 * 1024 * 1024),
                cutOffs: ExecutionSettingsFile.defaultCutOffs())
            workers += [
                bank,
                ExecutionWorker(hub: hub, planner: planner, connections: BankConnections([bank.connection]), logger: logger),
            ]
        }
        var app = Application(
            router: api.router(),
            configuration: .init(address: .hostname(configuration.hostname, port: configuration.port), serverName: "PayHub"),
            services: opened.services + workers,
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
            logger: logger)
        let seedDemo = configuration.seedDemo
        app.beforeServerStarts {
            try await store.migrate()
            logger.info("database ready", metadata: ["database": "\(configuration.database)"])
            if seedDemo {
                let baseURL = "http://\(configuration.hostname):\(configuration.port)"
                try await seedDemoIfEmpty(store, baseURL: baseURL, logger: logger)
            }
        }
        return app
    }

    /// The worker that plans, sends and collects, configured by the execution settings file.
    public static func executionWorker(settingsFile path: String, hub: PaymentHub, logger: Logger) throws -> ExecutionWorker {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ValidationFailure([
                FieldError(path: "bank_connections", code: "unreadable", message: "the execution settings file cannot be read")
            ])
        }
        let file = try ExecutionSettingsFile.read(data)
        let connections = try file.makeConnections(logger: logger)
        let planner = ExecutionPlanner(
            hub: hub, calendars: try BusinessCalendars.load(),
            limits: try BatchLimits(transactionsPerFileMax: file.transactionsPerFileMax, bytesPerFileMax: 256 * 1024 * 1024),
            cutOffs: file.cutOffs)
        var settings = ExecutionWorker.Settings()
        settings.interval = file.interval
        settings.lease = TimeInterval(file.leaseSeconds)
        logger.info(
            "execution configured",
            metadata: ["connections": "\(connections.all.map { "\($0.name) (\($0.connector.transport))" }.joined(separator: ", "))"])
        return ExecutionWorker(hub: hub, planner: planner, connections: connections, settings: settings, logger: logger)
    }

    /// Runs the server until SIGTERM or SIGINT, then shuts every service down gracefully.
    public static func run(_ configuration: ServerConfiguration, logger: Logger) async throws {
        try await buildApplication(configuration, logger: logger).runService()
    }

    /// Seeds the demo company into an empty database and prints a demo API key once.
    static func seedDemoIfEmpty(_ store: any PayHubStore, baseURL: String, logger: Logger) async throws {
        let demo = DemoCompany(store: store)
        guard try await demo.isEmpty() else {
            logger.info("demo: database already has data, nothing seeded")
            return
        }
        let summary = try await demo.seed()
        let access = AccessService(store: store)
        let system = CallContext(principal: .system, origin: "demo")
        let (_, secret) = try await access.createAPIKey(name: "demo", roles: [.auditor, .apClerk], scope: .all, context: system)
        logger.info(
            "demo company seeded",
            metadata: ["entities": "\(summary.entities.count)", "vendors": "\(summary.vendors)", "payables": "\(summary.payables)"])
        // Written to standard output, not logged: a secret must not end up in a log pipeline. Unbuffered,
        // so it is there at once even when standard output is a file.
        FileHandle.standardOutput.write(
            Data(
                """
                Demo API key (shown once): \(secret)
                Try: curl -H 'Authorization: Bearer \(secret)' \(baseURL)/api/v1/payables

                """.utf8))
    }
}
