import Foundation
import PayHubSQLite
import PayHubStorage

/// Real SQLite files in a fresh temporary folder per test, removed afterwards.
public enum TestSQLite {
    public static func withFreshStore<T>(
        cipher: BankDetailCipher = Fixtures.testCipher, _ body: (SQLiteStore) async throws -> T
    ) async throws -> T {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try SQLiteStore(path: folder.appendingPathComponent("payhub.sqlite").path, cipher: cipher)
        try await store.migrate()
        return try await body(store)
    }

    public static func temporaryFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("payhub-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }
}
