import Foundation
import PayHubDomain

/// What the generator (`bench-data`) and the benchmarks share: sizes, file locations and the
/// deterministic source of "random" but realistic values.
public enum BenchConfig {
    /// `PAYHUB_BENCH_SCALE` (default 1.0) scales every workload: 0.1 gives 100,000 camt/MT940 entries and
    /// 10,000 pain.001 transactions. `PAYHUB_BENCH_SCALE_CAMT`, `…_MT940` and `…_PAIN` override it for one.
    public static var scale: Double { scale(environment: "PAYHUB_BENCH_SCALE") ?? 1.0 }

    /// The scale for one kind (`CAMT`, `MT940`, `PAIN`).
    public static func scale(for kind: String) -> Double {
        scale(environment: "PAYHUB_BENCH_SCALE_\(kind.uppercased())") ?? scale
    }

    private static func scale(environment name: String) -> Double? {
        guard let text = ProcessInfo.processInfo.environment[name], let value = Double(text), value > 0 else { return nil }
        return value
    }

    public static func scaled(_ full: Int, scale: Double) -> Int {
        max(1, Int((Double(full) * scale).rounded()))
    }

    public static var camtEntries: Int { scaled(1_000_000, scale: scale(for: "CAMT")) }
    public static var mt940Entries: Int { scaled(1_000_000, scale: scale(for: "MT940")) }
    public static var painTransactions: Int { scaled(100_000, scale: scale(for: "PAIN")) }
    /// Entries per statement (camt `Stmt`, MT940 message).
    public static let entriesPerStatement = 10_000

    /// `PAYHUB_BENCH_DATA`, else `Benchmarks/.data` next to this package.
    public static var dataDirectory: URL {
        if let path = ProcessInfo.processInfo.environment["PAYHUB_BENCH_DATA"], !path.isEmpty {
            return URL(fileURLWithPath: path, isDirectory: true)
        }
        // …/Benchmarks/Sources/BenchSupport/BenchSupport.swift → …/Benchmarks/.data
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".data", isDirectory: true)
    }

    public static func camtFile(entries: Int) -> URL { dataDirectory.appendingPathComponent("camt053-\(entries).xml") }
    public static func mt940File(entries: Int) -> URL { dataDirectory.appendingPathComponent("mt940-\(entries).sta") }
    /// The pain.001 input as tab-separated values, so PayHub and sepaxml write the very same transfers.
    public static func painInputFile(transactions: Int) -> URL {
        dataDirectory.appendingPathComponent("pain001-input-\(transactions).tsv")
    }
    public static func painOutputFile(transactions: Int) -> URL {
        dataDirectory.appendingPathComponent("pain001-payhub-\(transactions).xml")
    }
}

/// The domain's SplitMix64: the same sequence on every machine, so the files are the same everywhere.
public struct BenchRandom {
    private var generator: SplitMix64
    public init(seed: UInt64) { generator = SplitMix64(seed: seed) }
    public mutating func next() -> UInt64 { generator.next() }
    public mutating func next(below bound: Int) -> Int { Int(next() % UInt64(bound)) }
    public mutating func digits(_ count: Int) -> String {
        var text = ""
        text.reserveCapacity(count)
        for _ in 0..<count { text.append(Character(Unicode.Scalar(UInt8(48 + next(below: 10))))) }
        return text
    }
}

/// Realistic counterparties: valid DE, FR and NL IBANs (mod-97 check digits), names and BICs.
public enum BenchParties {
    public struct Party: Sendable {
        public let name: String
        public let iban: String
        public let bic: String
    }

    static let firstNames = ["Anna", "Lukas", "Marie", "Jan", "Sophie", "Pieter", "Camille", "Hugo", "Emma", "Noah",
                             "Lea", "Thomas", "Julie", "Daan", "Clara", "Felix"]
    static let lastNames = ["Mueller", "Schmidt", "de Vries", "Jansen", "Martin", "Bernard", "Weber", "Bakker",
                            "Dubois", "Fischer", "Visser", "Laurent", "Becker", "Smit", "Moreau", "Wagner"]
    static let companies = ["Stadtwerke Nord GmbH", "Bakkerij Zon BV", "Societe Generale des Eaux SA",
                            "Elektro Weber KG", "Van Dijk Logistiek BV", "Librairie du Port SARL",
                            "Autohaus Sued GmbH", "Groothandel Visser BV", "Boulangerie Martin", "Telekom Service AG"]
    static let banks: [(country: String, bic: String, code: String)] = [
        ("DE", "COBADEFFXXX", "37040044"), ("DE", "DEUTDEFFXXX", "50070010"), ("DE", "GENODEF1S04", "10090000"),
        ("FR", "BNPAFRPPXXX", "30004"), ("FR", "SOGEFRPPXXX", "30003"),
        ("NL", "INGBNL2AXXX", "INGB"), ("NL", "RABONL2UXXX", "RABO"), ("NL", "ABNANL2AXXX", "ABNA"),
    ]

    /// A valid IBAN for `country` from a bank code and random account digits.
    public static func iban(country: String, bankCode: String, random: inout BenchRandom) -> String {
        let bban: String
        switch country {
        case "DE": bban = bankCode + random.digits(10)
        case "FR": bban = bankCode + random.digits(5) + random.digits(11) + random.digits(2)
        default: bban = bankCode + random.digits(10)  // NL
        }
        let iban = country + IBAN.checkDigits(countryCode: country, bban: bban) + bban
        precondition((try? IBAN(iban)) != nil, "generated an invalid IBAN \(iban)")
        return iban
    }

    /// `count` distinct counterparties, the same for the same seed.
    public static func make(count: Int, seed: UInt64) -> [Party] {
        var random = BenchRandom(seed: seed)
        return (0..<count).map { index in
            let bank = banks[random.next(below: banks.count)]
            let name = index % 5 == 0
                ? companies[random.next(below: companies.count)]
                : "\(firstNames[random.next(below: firstNames.count)]) \(lastNames[random.next(below: lastNames.count)])"
            return Party(name: name, iban: iban(country: bank.country, bankCode: bank.code, random: &random), bic: bank.bic)
        }
    }

    /// The statement owner / pain.001 debtors: a few accounts of one company.
    public static let owners: [Party] = [
        Party(name: "PayHub Demo GmbH", iban: "DE89370400440532013000", bic: "COBADEFFXXX"),
        Party(name: "PayHub Demo GmbH", iban: "DE02500105170137075030", bic: "INGDDEFFXXX"),
        Party(name: "PayHub Demo GmbH", iban: "NL91ABNA0417164300", bic: "ABNANL2AXXX"),
    ]
}

/// Formats cents as `1234.56` (XML) or `1234,56` (MT940).
public func formatCents(_ cents: Int64, separator: Character = ".") -> String {
    let whole = cents / 100
    let fraction = Int(cents % 100)
    return "\(whole)\(separator)\(fraction < 10 ? "0" : "")\(fraction)"
}

/// A buffered, append-only file writer: the generator never holds a whole file in memory.
public final class StreamingFile {
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private static let flushAt = 1 << 20

    public init(_ url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: url.path, contents: nil)
        handle = try FileHandle(forWritingTo: url)
        buffer.reserveCapacity(Self.flushAt + 65_536)
    }

    public func write(_ text: String) throws {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= Self.flushAt { try flush() }
    }

    public func flush() throws {
        guard !buffer.isEmpty else { return }
        try handle.write(contentsOf: buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    public func close() throws {
        try flush()
        try handle.close()
    }
}
