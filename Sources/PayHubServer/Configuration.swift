import Foundation
import Logging
import PayHubPostgres
import PayHubSQLite
import PayHubServices
import PayHubStorage
import ServiceLifecycle

/// Which database PayHub runs on: a SQLite file (the default, `./payhub.sqlite`) or a PostgreSQL server.
public enum DatabaseLocation: Sendable, Hashable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(url: String)

    public static let defaultSQLitePath = "./payhub.sqlite"

    /// `postgres://…` or `postgresql://…` is PostgreSQL; `sqlite://PATH` or a plain path is SQLite.
    public init(_ text: String) {
        if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") {
            self = .postgres(url: text)
        } else if text.hasPrefix("sqlite://") {
            self = .sqlite(path: String(text.dropFirst("sqlite://".count)))
        } else {
            self = .sqlite(path: text)
        }
    }

    /// For logs: the SQLite path, or the PostgreSQL host and database without credentials.
    public var description: String {
        switch self {
        case .sqlite(let path): "sqlite:\(path)"
        case .postgres(let url):
            if let components = URLComponents(string: url) {
                "postgres://\(components.host ?? "?"):\(components.port ?? 5432)\(components.path)"
            } else {
                "postgres"
            }
        }
    }

    /// Where the generated master key is kept when none is configured: beside a SQLite file, or in the
    /// working directory for PostgreSQL (where every instance must share one key through the environment).
    public var defaultKeyFile: String {
        switch self {
        case .sqlite(let path):
            URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent("payhub.key").path
        case .postgres: "./payhub.key"
        }
    }
}

/// A store, opened, with the services that must run while it is used (PostgreSQL's connection pool).
public struct OpenedStore: Sendable {
    public let store: any PayHubStore
    public let services: [any Service]

    /// Opens the store the location names, with bank details sealed under `cipher`.
    public static func open(_ location: DatabaseLocation, cipher: BankDetailCipher, logger: Logger) throws -> OpenedStore {
        switch location {
        case .sqlite(let path):
            return OpenedStore(store: try SQLiteStore(path: path, cipher: cipher), services: [])
        case .postgres(let url):
            let store = try PostgresStore(url: url, cipher: cipher, logger: logger)
            return OpenedStore(store: store, services: [store])
        }
    }

    /// Runs `body` with the store's services running, for commands that are not a long-lived server.
    public func run<T: Sendable>(_ body: @Sendable @escaping (any PayHubStore) async throws -> T) async throws -> T {
        guard !services.isEmpty else { return try await body(store) }
        return try await withThrowingTaskGroup(of: T?.self) { group in
            for service in services { group.addTask { try await service.run(); return nil } }
            group.addTask { try await body(self.store) }
            defer { group.cancelAll() }
            while let result = try await group.next() {
                if let value = result { return value }
            }
            throw CancellationError()
        }
    }
}
