// MT940: read a file of 1,000,000 `:61:` lines (each with its `:86:`, 100 statements of 10,000) from
// disk and parse it with MT940Reader.stream. Target (issue): under 5 s. Scale with PAYHUB_BENCH_SCALE.
import BankFormats
import BenchSupport
import Benchmark
import Foundation

let benchmarks: @Sendable () -> Void = {
    let entries = BenchConfig.mt940Entries
    let file = BenchConfig.mt940File(entries: entries)

    Benchmark(
        "MT940 read \(entries) entries",
        configuration: .init(
            metrics: [.wallClock, .peakMemoryResident, .peakMemoryResidentDelta, .mallocCountTotal],
            timeUnits: .milliseconds,
            warmupIterations: 0,
            maxDuration: .seconds(600),
            maxIterations: 3
        )
    ) { benchmark in
        for _ in benchmark.scaledIterations {
            // Measured: reading the file from disk, parsing every entry (handed over, not kept: a statement
            // import books them as they come), and the balance check, which the streaming reader makes.
            let data = try Data(contentsOf: file)
            var count = 0
            let document = try MT940Reader.stream(data) { event in
                if case .entry(_, let entry) = event {
                    count += 1
                    blackHole(entry)
                }
            }
            guard count == entries, !document.warnings.contains(where: { $0.code == .balanceMismatch }) else {
                benchmark.error("read \(count) of \(entries) entries, warnings: \(document.warnings.prefix(3))")
                return
            }
            blackHole(document)
        }
    } setup: {
        guard FileManager.default.fileExists(atPath: file.path) else {
            fatalError("\(file.path) is missing: run `swift run --package-path Benchmarks -c release bench-data` first")
        }
    }
}
