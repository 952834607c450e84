// camt.053: parse a 1,000,000-entry camt.053.001.08 file (100 statements of 10,000 entries).
// Target (issue): streaming, under 10 s with peak memory under 128 MiB. Scale with PAYHUB_BENCH_SCALE.
import BankFormats
import BenchSupport
import Benchmark
import Foundation

/// Reads the file at `url` and returns how many entries it held and how many statements' balances did
/// not add up. The one function to change to benchmark another camt reader.
///
/// LEAD: switched to the streaming reader (`CamtReader.stream(contentsOf:)`, which checks the balances
/// itself); `readCamtInMemory` below is the former `CamtReader.read(Data)` variant, for comparison.
func readCamt(_ url: URL) throws -> (entries: Int, balanceMismatches: Int) {
    var entries = 0
    let document = try CamtReader.stream(contentsOf: url) { event in
        if case .entry(_, let entry) = event {
            entries += 1
            blackHole(entry)
        }
    }
    return (entries, document.warnings.filter { $0.code == .balanceMismatch }.count)
}

/// The whole file in memory: `Data(contentsOf:)`, `CamtReader.read(_:)`, `checkBalances()`.
func readCamtInMemory(_ url: URL) throws -> (entries: Int, balanceMismatches: Int) {
    let data = try Data(contentsOf: url)
    var document = try CamtReader.read(data)
    document.checkBalances()
    return (
        document.statements.reduce(0) { $0 + $1.entries.count },
        document.warnings.filter { $0.code == .balanceMismatch }.count
    )
}

let benchmarks: @Sendable () -> Void = {
    let entries = BenchConfig.camtEntries
    let file = BenchConfig.camtFile(entries: entries)

    Benchmark(
        "camt.053 read \(entries) entries",
        configuration: .init(
            metrics: [.wallClock, .peakMemoryResident, .peakMemoryResidentDelta, .mallocCountTotal],
            timeUnits: .milliseconds,
            warmupIterations: 0,
            maxDuration: .seconds(900),
            maxIterations: 3
        )
    ) { benchmark in
        for _ in benchmark.scaledIterations {
            let result = try readCamt(file)
            guard result.entries == entries, result.balanceMismatches == 0 else {
                benchmark.error("read \(result.entries) of \(entries) entries, \(result.balanceMismatches) balance mismatches")
                return
            }
            blackHole(result)
        }
    } setup: {
        guard FileManager.default.fileExists(atPath: file.path) else {
            fatalError("\(file.path) is missing: run `swift run --package-path Benchmarks -c release bench-data` first")
        }
    }
}
