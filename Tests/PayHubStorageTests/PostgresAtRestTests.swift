import Foundation
import PayHubDomain
import PayHubStorage
import PayHubTesting
import Testing

@Suite("PostgreSQL: bank details at rest")
struct PostgresAtRestTests {
    /// `pg_dump` from the server's own installation (Debian keeps it beside initdb) or the PATH.
    static var pgDump: String? {
        let installed = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql"))?.sorted().last
            .map { "/usr/lib/postgresql/\($0)/bin/pg_dump" }
        return [installed, "/usr/bin/pg_dump"].compactMap { $0 }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    @Test("a full pg_dump of the database holds no account number in clear")
    func dumpHasNoClearAccountNumbers() async throws {
        let pgDump = try #require(Self.pgDump, "pg_dump is installed with PostgreSQL")
        try await TestPostgres.withFreshStore { store, databaseURL in
            var fixtures = Fixtures()
            var accounts: [BankAccount] = []
            for _ in 0..<5 {
                let world = try await World.make(store, &fixtures)
                accounts += [world.debtor, world.creditor]
            }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: pgDump)
            process.arguments = ["--no-owner", databaseURL]
            let output = Pipe()
            process.standardOutput = output
            try process.run()
            let dump = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
            let text = String(decoding: dump, as: UTF8.self)
            #expect(text.contains(accounts[0].holderName), "the dump holds the data")
            #expect(text.contains("bank_accounts"))
            for account in accounts {
                #expect(!text.contains(account.accountNumber.value), "clear account number in pg_dump")
                #expect(!text.contains(String(account.accountNumber.value.suffix(12))))
            }
        }
    }
}
