import Foundation
import PayHubDomain
import PayHubPostgres
import PayHubSQLite
import PayHubStorage
import PayHubTesting
import Testing

/// The storage engines the contract runs against. Both are real: a SQLite file and a PostgreSQL server.
enum Engine: String, CaseIterable, CustomTestStringConvertible {
    case sqlite
    case postgres

    var testDescription: String { rawValue }

    func withFreshStore(_ body: (any PayHubStore) async throws -> Void) async throws {
        switch self {
        case .sqlite: try await TestSQLite.withFreshStore(cipher: Fixtures.testCipher) { try await body($0) }
        case .postgres: try await TestPostgres.withFreshStore(cipher: Fixtures.testCipher) { try await body($0) }
        }
    }
}

@Suite("Storage contract")
struct StorageContractTests {
    @Test("contract", arguments: Engine.allCases, StorageContract.all)
    func contract(engine: Engine, check: StorageContract) async throws {
        try await engine.withFreshStore { store in
            try await check.run(store)
        }
    }
}
