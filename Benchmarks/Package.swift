// swift-tools-version:6.2
// PayHub's throughput benchmarks. A separate package so that the main package's CI builds none of it.
//
//   swift run --package-path Benchmarks -c release bench-data      # writes the test files to Benchmarks/.data
//   swift package --package-path Benchmarks -c release benchmark   # runs them
//
// `scripts/bench` does both, runs the Python peers on the same files and writes docs/benchmarks.md.
import PackageDescription

let benchmarkDependencies: [Target.Dependency] = [
    "BenchSupport",
    .product(name: "BankFormats", package: "payhub"),
    .product(name: "PayHubDomain", package: "payhub"),
    .product(name: "Benchmark", package: "package-benchmark"),
]

let package = Package(
    name: "payhub-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "payhub", path: ".."),
        .package(url: "https://github.com/ordo-one/package-benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        // Shared by the generator and the benchmarks: where the files are, how large, what goes in them.
        .target(
            name: "BenchSupport",
            dependencies: [.product(name: "PayHubDomain", package: "payhub")],
            path: "Sources/BenchSupport"
        ),
        // Writes the deterministic test files into Benchmarks/.data (streaming, never a whole file in memory).
        .executableTarget(
            name: "bench-data",
            dependencies: ["BenchSupport"],
            path: "Sources/bench-data"
        ),
        .executableTarget(
            name: "MT940Read",
            dependencies: benchmarkDependencies,
            path: "Benchmarks/MT940Read",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "package-benchmark")]
        ),
        .executableTarget(
            name: "Camt053Read",
            dependencies: benchmarkDependencies,
            path: "Benchmarks/Camt053Read",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "package-benchmark")]
        ),
        .executableTarget(
            name: "Pain001Write",
            dependencies: benchmarkDependencies,
            path: "Benchmarks/Pain001Write",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "package-benchmark")]
        ),
    ]
)
