import BankConnectivity
import Foundation
import PayHubDomain
import PayHubServices
import Testing

/// The execution settings file: connections, cut-offs and limits, with every mistake named by its path.
@Suite("Execution settings file")
struct ExecutionSettingsTests {
    @Test("a file with a folder and an API connection routes accounts and keeps its cut-offs")
    func reads() throws {
        let account = "bac_01m8m0000000000000000000aa"
        let file = try ExecutionSettingsFile.read(
            Data(
                """
                {"connections": [
                   {"name": "h2h", "debtor_accounts": ["\(account)"],
                    "settings": {"transport": "folder", "folder": {"outbox": "/tmp/out", "inbox": "/tmp/in"}}},
                   {"name": "api", "settings": {"transport": "api", "api": {"base_url": "https://bank.example", "bearer_token": "t"}}}],
                 "cut_offs": {"EUR": "14:30 Europe/Paris"}, "transactions_per_file_max": 250, "interval_seconds": 0.5}
                """.utf8))
        #expect(file.connections.map(\.name) == ["h2h", "api"])
        #expect(file.cutOffs["EUR"]?.description == "14:30 Europe/Paris")
        #expect(file.cutOffs["CNY"]?.description == "16:00 Asia/Shanghai", "defaults stay for the others")
        #expect(file.transactionsPerFileMax == 250 && file.interval == .milliseconds(500) && file.leaseSeconds == 60)
        let connections = try file.makeConnections()
        #expect(connections.connection(for: try ID(account))?.name == "h2h")
        #expect(connections.connection(for: try ID("bac_01m8m0000000000000000000bb"))?.name == "api", "the catch-all")
    }

    @Test("every mistake is named by its path, all at once")
    func refuses() throws {
        let bad = """
            {"connections": [
               {"name": "a", "settings": {"transport": "folder", "folder": {"outbox": "/o", "inbox": "/i"}}},
               {"name": "a", "debtor_accounts": ["nope"], "settings": {"transport": "folder", "folder": {"outbox": "/o", "inbox": "/i"}}},
               {"name": "c", "settings": {"transport": "folder", "folder": {"outbox": "/o", "inbox": "/i"}}}],
             "cut_offs": {"USD": "25:00 America/New_York", "EUR": "15:00 Mars/Olympus"},
             "transactions_per_file_max": 0, "interval_seconds": 0, "lease_seconds": 0}
            """
        let failure = #expect(throws: ValidationFailure.self) { try ExecutionSettingsFile.read(Data(bad.utf8)) }
        #expect(
            Set(failure?.errors.map(\.path) ?? []) == [
                "connections[1].name", "connections[1].debtor_accounts[0]", "connections", "cut_offs.EUR",
                "cut_offs.USD", "transactions_per_file_max", "interval_seconds", "lease_seconds",
            ])
        let sftp = #expect(throws: ValidationFailure.self) {
            try ExecutionSettingsFile.read(
                Data(#"{"connections": [{"name": "x", "settings": {"transport": "sftp", "sftp": {"host": "h"}}}]}"#.utf8))
        }
        let paths = sftp?.errors.map(\.path) ?? []
        #expect(!paths.isEmpty && paths.allSatisfy { $0.hasPrefix("connections[0].settings.sftp") }, "\(paths)")
    }
}
