import BankConnectivity
import Foundation
import Logging
import PayHubDomain

/// The execution settings file (`payhub serve --bank-connections FILE`, `PAYHUB_BANK_CONNECTIONS`): the
/// bank connections and how files are planned for them.
///
/// ```json
/// {
///   "connections": [
///     {"name": "commerzbank-h2h", "debtor_accounts": ["bac_…"],
///      "settings": {"transport": "folder", "folder": {"outbox": "/srv/h2h/out", "inbox": "/srv/h2h/in"}}},
///     {"name": "bank-api", "settings": {"transport": "api", "api": {"base_url": "https://…", "bearer_token_file": "…"}}}
///   ],
///   "cut_offs": {"EUR": "15:00 Europe/Berlin", "USD": "14:00 America/New_York", "CNY": "16:00 Asia/Shanghai"},
///   "transactions_per_file_max": 5000,
///   "interval_seconds": 2,
///   "lease_seconds": 60
/// }
/// ```
/// A connection without `debtor_accounts` serves every account no other connection names.
public struct ExecutionSettingsFile: Sendable {
    public struct Connection: Sendable {
        public var name: String
        public var debtorAccounts: [ID<BankAccount>]?
        public var settings: BankConnectionSettings
    }

    public var connections: [Connection]
    public var cutOffs: [String: CutOffTime]
    public var transactionsPerFileMax: Int
    public var interval: Duration
    public var leaseSeconds: Int

    /// The cut-offs when the file names none: the usual same-day deadlines of each rail.
    public static func defaultCutOffs() -> [String: CutOffTime] {
        var cutOffs: [String: CutOffTime] = [:]
        for (currency, hour, zone) in [
            ("EUR", 15, "Europe/Berlin"), ("USD", 14, "America/New_York"), ("CNY", 16, "Asia/Shanghai"),
        ] {
            cutOffs[currency] = try? CutOffTime(hour: hour, minute: 0, timeZoneIdentifier: zone)
        }
        return cutOffs
    }

    /// Reads the file; every problem is named by its path (`connections[1].settings.sftp.port`).
    public static func read(_ data: Data) throws(ValidationFailure) -> ExecutionSettingsFile {
        let raw: Raw
        do {
            raw = try JSONDecoder().decode(Raw.self, from: data)
        } catch {
            throw ValidationFailure(BankConnectionSettings.fieldErrors(from: error))
        }
        var problems = FieldErrorCollector()
        var connections: [Connection] = []
        var names: Set<String> = []
        var catchAll = 0
        for (index, connection) in raw.connections.enumerated() {
            let path = "connections[\(index)]"
            if connection.name.isEmpty || !names.insert(connection.name).inserted {
                problems.add(path + ".name", code: "invalid_name", "each connection needs a name of its own")
            }
            var accounts: [ID<BankAccount>]?
            if let texts = connection.debtorAccounts {
                accounts = []
                for (position, text) in texts.enumerated() {
                    if let id = try? ID<BankAccount>(text) {
                        accounts?.append(id)
                    } else {
                        problems.add(
                            path + ".debtor_accounts[\(position)]", code: "invalid_id", "a bank account id looks like bac_…")
                    }
                }
            } else {
                catchAll += 1
            }
            connections.append(Connection(name: connection.name, debtorAccounts: accounts, settings: connection.settings))
        }
        if raw.connections.isEmpty { problems.add("connections", code: "missing", "name at least one bank connection") }
        if catchAll > 1 {
            problems.add("connections", code: "ambiguous", "only one connection may leave out debtor_accounts")
        }
        var cutOffs = defaultCutOffs()
        for (currency, text) in (raw.cutOffs ?? [:]).sorted(by: { $0.key < $1.key }) {
            let parts = text.split(separator: " ")
            let clock = parts.first?.split(separator: ":").compactMap { Int($0) } ?? []
            guard parts.count == 2, clock.count == 2,
                let cutOff = try? CutOffTime(hour: clock[0], minute: clock[1], timeZoneIdentifier: String(parts[1]))
            else {
                problems.add("cut_offs.\(currency)", code: "invalid_cut_off", "a cut-off looks like 15:00 Europe/Berlin")
                continue
            }
            cutOffs[currency] = cutOff
        }
        let perFile = raw.transactionsPerFileMax ?? 5_000
        if perFile <= 0 { problems.add("transactions_per_file_max", code: "not_positive", "must be positive") }
        let interval = raw.intervalSeconds ?? 2
        if !(interval > 0 && interval <= 3_600) {
            problems.add("interval_seconds", code: "out_of_range", "must be more than 0 and at most 3600")
        }
        let lease = raw.leaseSeconds ?? 60
        if !(1...3_600).contains(lease) { problems.add("lease_seconds", code: "out_of_range", "must be 1 to 3600") }
        try problems.throwIfAny()
        return ExecutionSettingsFile(
            connections: connections, cutOffs: cutOffs, transactionsPerFileMax: perFile,
            interval: .milliseconds(Int64(interval * 1000)), leaseSeconds: lease)
    }

    /// The connectors these settings describe, opened (token and CA files read now).
    public func makeConnections(logger: Logger = Logger(label: "payhub.bank-connectivity")) throws -> BankConnections {
        BankConnections(
            try connections.map { connection in
                BankConnection(
                    name: connection.name, connector: try connection.settings.makeConnector(logger: logger),
                    debtorAccounts: connection.debtorAccounts.map(Set.init))
            })
    }

    private struct Raw: Decodable {
        struct RawConnection: Decodable {
            var name: String
            var debtorAccounts: [String]?
            var settings: BankConnectionSettings

            enum CodingKeys: String, CodingKey {
                case name, settings
                case debtorAccounts = "debtor_accounts"
            }
        }

        var connections: [RawConnection]
        var cutOffs: [String: String]?
        var transactionsPerFileMax: Int?
        var intervalSeconds: Double?
        var leaseSeconds: Int?

        enum CodingKeys: String, CodingKey {
            case connections
            case cutOffs = "cut_offs"
            case transactionsPerFileMax = "transactions_per_file_max"
            case intervalSeconds = "interval_seconds"
            case leaseSeconds = "lease_seconds"
        }
    }
}
