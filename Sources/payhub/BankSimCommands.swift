import ArgumentParser
import BankSimulator
import Foundation
import Logging
import PayHubDomain
import PayHubServer
import PayHubServices
import PayHubStorage

/// `payhub bank-sim`: a bank of its own, for tests, demos and trying a set-up before the real bank does.
struct BankSimCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bank-sim",
        abstract: "Run a simulated bank that answers PayHub's files (docs/bank-simulator.md).",
        subcommands: [BankSimRun.self, BankSimConfig.self], defaultSubcommand: BankSimRun.self)
}

struct BankSimRun: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run the simulator: folder and SFTP drops, an HTTPS API, a day clock.")

    @Option(help: "The simulator's configuration, JSON (payhub bank-sim config writes one).") var config: String
    @Option(help: "Folder for its state, log and archive.") var state: String
    @Option(help: "Folder its reports (pain.002, camt.054, camt.053) are written to.") var reports: String
    @Option(help: "A folder it takes files from, as TRANSPORT:PATH (folder or sftp); repeatable.") var drop: [String] = []
    @Option(help: "Serve the bank API on this port (0: any free port, printed).") var httpPort: Int?
    @Option(help: "Address the API listens on.") var httpHostname = "127.0.0.1"
    @Option(help: "File holding the bearer token API clients must present.") var tokenFile: String?
    @Option(help: "PEM certificate chain for HTTPS.") var tlsCertificate: String?
    @Option(help: "PEM private key for HTTPS.") var tlsKey: String?
    @Option(help: "Milliseconds between looks at the drop folders.") var pollIntervalMs = 200
    @Option(help: "End a simulated day every this many seconds (default: only on request).") var dayLengthSeconds: Double?
    @Option(help: "Log format: json or text.") var logFormat: LogFormat = .text

    func run() async throws {
        bootstrapLogging(logFormat, level: .info)
        let logger = Logger(label: "payhub.bank-sim")
        let configuration: BankSimulatorConfiguration
        do {
            configuration = try BankSimulatorConfiguration.decode(json: try Data(contentsOf: URL(fileURLWithPath: config)))
        } catch {
            throw ValidationError("\(config): \(error)")
        }
        var drops: [(URL, SimulatorTransport)] = []
        for text in drop {
            let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
            guard parts.count == 2, let transport = SimulatorTransport(rawValue: parts[0]), transport != .http else {
                throw ValidationError("--drop takes folder:PATH or sftp:PATH, not \(text)")
            }
            drops.append((URL(fileURLWithPath: parts[1], isDirectory: true), transport))
        }
        var settings = BankSimulatorSettings(
            configuration: configuration, stateDirectory: URL(fileURLWithPath: state, isDirectory: true),
            reportsDirectory: URL(fileURLWithPath: reports, isDirectory: true), dropFolders: drops)
        settings.pollInterval = .milliseconds(max(pollIntervalMs, 10))
        settings.dayLength = dayLengthSeconds.map { .milliseconds(Int64($0 * 1000)) }
        if let httpPort {
            guard let tokenFile,
                let token = try? String(contentsOfFile: tokenFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines),
                !token.isEmpty
            else { throw ValidationError("the bank API needs --token-file with the bearer token") }
            guard (tlsCertificate == nil) == (tlsKey == nil) else {
                throw ValidationError("HTTPS needs both --tls-certificate and --tls-key")
            }
            settings.http = .init(
                hostname: httpHostname, port: httpPort, token: token, certificateFile: tlsCertificate, privateKeyFile: tlsKey)
        }
        guard !drops.isEmpty || settings.http != nil else {
            throw ValidationError("give at least one --drop folder or --http-port")
        }
        try await BankSimulatorServer.run(settings, logger: logger) { port in
            FileHandle.standardOutput.write(Data("bank-sim API listening on port \(port)\n".utf8))
        }
    }
}

/// Writes a simulator configuration that knows PayHub's own paying accounts, so a test or demo bank
/// accepts what PayHub sends from them.
struct BankSimConfig: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Print a simulator configuration holding the paying accounts of PayHub's entities (full numbers).")

    @OptionGroup var database: DatabaseOptions
    @Option(help: "The simulator's seed.") var seed: UInt64 = 2026
    @Option(help: "The first simulated day, YYYY-MM-DD (default: today).") var startDate: String?
    @Option(help: "Opening balance of each account.") var openingBalance = "100000000.00"
    @Option(help: "Transfers in a thousand rejected at random.") var rejectionRatePerMille = 0
    @Option(help: "Booked transfers in a thousand returned later.") var returnRatePerMille = 0

    func run() async throws {
        let start = try startDate.map { try LocalDate(iso8601: $0) }
            ?? LocalDate(daysSinceEpoch: Int(Date().timeIntervalSince1970 / 86_400))
        var configuration = try await database.withStore { [seed, openingBalance] store in
            try await BankSimulatorConfiguration.knowing(
                accountsIn: store, seed: seed, startDate: start, openingBalance: openingBalance)
        }
        configuration.rejectionRatePerMille = rejectionRatePerMille
        configuration.returnRatePerMille = returnRatePerMille
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        FileHandle.standardOutput.write(try encoder.encode(configuration))
        FileHandle.standardOutput.write(Data("\n".utf8))
    }
}
