import Foundation
import Logging
import PayHubPostgres
import PayHubStorage
import PostgresNIO

/// A fresh PostgreSQL database per test on the throwaway server `scripts/test` starts, dropped afterwards.
///
/// The server is named by `PAYHUB_TEST_POSTGRES_URL`, an admin URL such as
/// `postgres://payhub@127.0.0.1:5433/postgres` (what `scripts/postgres-throwaway start DIR` prints).
/// Without it the tests fail rather than skip: a PostgreSQL adapter that is never tested is not tested.
public enum TestPostgres {
    public static let urlVariable = "PAYHUB_TEST_POSTGRES_URL"

    public static func withFreshStore<T>(
        cipher: BankDetailCipher = Fixtures.testCipher, _ body: (PostgresStore) async throws -> T
    ) async throws -> T {
        try await withFreshStore(cipher: cipher) { store, _ in try await body(store) }
    }

    /// The same, also handing over the fresh database's URL, for tests that look at it from outside
    /// (`pg_dump`, `psql`) as an operator or an attacker would.
    public static func withFreshStore<T>(
        cipher: BankDetailCipher = Fixtures.testCipher, _ body: (PostgresStore, _ databaseURL: String) async throws -> T
    ) async throws -> T {
        guard let adminURL = ProcessInfo.processInfo.environment[urlVariable], !adminURL.isEmpty else {
            throw TestPostgresError.notConfigured
        }
        let admin = try PostgresURL(adminURL).configuration
        // Lowercase letters and digits only, so the name needs no quoting rules beyond the double quotes.
        let database = "payhub_test_" + String(UInt64.random(in: .min ... .max), radix: 16)
        let logger = {
            var logger = Logger(label: "payhub.test.postgres")
            // The pool warns when a query waits for a run() task that is only just starting, as it
            // does here on every fresh store; real failures are still reported at error level.
            logger.logLevel = .error
            return logger
        }()

        try await withAdminClient(admin, logger: logger) { client in
            try await client.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \"\(database)\""), logger: logger)
        }
        do {
            var configuration = admin
            configuration.database = database
            let store = PostgresStore(configuration: configuration, cipher: cipher, logger: logger)
            let result = try await withThrowingTaskGroup(of: Void.self, returning: T.self) { group in
                group.addTask { try await store.run() }
                // On a throw the group cancels the run task itself; on success it is cancelled here.
                try await store.migrate()
                var url = URLComponents(string: adminURL)
                url?.path = "/" + database
                let result = try await body(store, url?.string ?? adminURL)
                group.cancelAll()
                return result
            }
            try await drop(database, admin: admin, logger: logger)
            return result
        } catch {
            // The test's own failure matters more than a failed clean-up.
            try? await drop(database, admin: admin, logger: logger)
            throw error
        }
    }

    private static func drop(_ database: String, admin: PostgresClient.Configuration, logger: Logger) async throws {
        try await withAdminClient(admin, logger: logger) { client in
            // FORCE ends connections the store's pool may still be closing.
            try await client.query(
                PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \"\(database)\" WITH (FORCE)"), logger: logger)
        }
    }

    /// Runs `body` with a short-lived client on the admin database; the client runs in a child task, as
    /// postgres-nio requires, and is shut down when `body` returns.
    private static func withAdminClient(
        _ configuration: PostgresClient.Configuration, logger: Logger,
        _ body: @escaping @Sendable (PostgresClient) async throws -> Void
    ) async throws {
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            try await body(client)
            group.cancelAll()
        }
    }
}

public enum TestPostgresError: Error, CustomStringConvertible {
    case notConfigured

    public var description: String {
        switch self {
        case .notConfigured:
            """
            PostgreSQL tests need a server: run scripts/test (it starts a throwaway PostgreSQL), or start one \
            with `scripts/postgres-throwaway start /tmp/payhub-pg` and set \(TestPostgres.urlVariable) to the URL \
            it prints
            """
        }
    }
}
