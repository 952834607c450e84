import BankConnectivity
import BankSimulator
import Foundation
import Logging
import PayHubDomain
import PayHubServices
import PayHubStorage
import ServiceLifecycle

extension BankSimulatorConfiguration {
    /// A simulator that keeps the paying accounts of PayHub's entities (full numbers, a large opening
    /// balance), so it accepts what PayHub sends from them: for `payhub bank-sim config` and the demo bank.
    public static func knowing(
        accountsIn store: any PayHubStore, seed: UInt64, startDate: LocalDate, openingBalance: String = "100000000.00"
    ) async throws -> BankSimulatorConfiguration {
        var accounts: [Account] = []
        for entity in try await store.entities(PageRequest(limit: PageRequest.limitMax), scope: .all).items {
            let owned = try await store.bankAccounts(
                BankAccountFilter(entityID: entity.id, entityAccountsOnly: true), PageRequest(limit: PageRequest.limitMax),
                scope: .all)
            for account in owned.items {
                accounts.append(
                    Account(
                        account: account.accountNumber.value, currency: account.currency.code, openingBalance: openingBalance,
                        nachaCompanyID: account.currency == .usd ? InstructionRenderer.nachaCompanyID(for: entity.id) : nil,
                        name: account.holderName))
            }
        }
        return BankSimulatorConfiguration(
            seed: seed, bank: .init(bic: "SIMBDEFFXXX", name: "PayHub Simulated Bank"), startDate: startDate,
            accounts: accounts)
    }
}

/// `serve --demo` without bank connections: a simulated bank in the same process, reached through a
/// host-to-host folder beside the database, so the demo's approved payments leave as files, come back
/// answered and booked, and a simulated day passes every 30 seconds (returns arrive two days later).
struct DemoBank: Service {
    let store: any PayHubStore
    let folder: URL
    let logger: Logger

    var toBank: URL { folder.appendingPathComponent("to-bank", isDirectory: true) }
    var fromBank: URL { folder.appendingPathComponent("from-bank", isDirectory: true) }

    /// The folder connection PayHub's execution worker uses to reach it.
    var connection: BankConnection {
        BankConnection(name: "demo-bank", connector: FolderConnector(outbox: toBank, inbox: fromBank))
    }

    func run() async throws {
        await SchemaReadiness.wait(for: store)
        // The demo company is seeded as the server starts; the bank opens its accounts once it exists.
        while !Task.isCancelled, (try? await store.entities(PageRequest(limit: 1), scope: .all).items.isEmpty) != false {
            try? await Task.sleep(for: .milliseconds(200))
        }
        let today = try LocalDate(daysSinceEpoch: Int(Date().timeIntervalSince1970 / 86_400))
        var configuration = try await BankSimulatorConfiguration.knowing(accountsIn: store, seed: 2026, startDate: today)
        configuration.rejectionRatePerMille = 50
        configuration.returnRatePerMille = 50
        configuration.feePerTransaction = ["EUR": "0.25", "CNY": "2.00", "USD": "0.30"]
        for directory in [toBank, fromBank] {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        }
        let simulator = try BankSimulator(
            configuration: configuration, stateDirectory: folder.appendingPathComponent("state", isDirectory: true),
            outgoingDirectory: fromBank)
        logger.info("demo bank open", metadata: ["folder": "\(folder.path)", "accounts": "\(configuration.accounts.count)"])
        try await SimulatorDrivers(
            simulator: simulator, drivers: [SimulatorFolderDriver(simulator: simulator, incomingDirectory: toBank)],
            pollInterval: .milliseconds(500), dayLength: .seconds(30), logger: logger
        ).run()
    }
}
