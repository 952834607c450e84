// swift-tools-version:5.4
// Deliberately 5.4, not 6.2 like the root package: from tools version 5.5 on, SwiftPM links Linux executables
// with `--defsym main=<Target>_main` (testable executables), a symbol that `-parse-as-library` never emits,
// so libFuzzer's own `main` could not be used and every link fails. The root package stays 6.2.
import PackageDescription

/// libFuzzer targets for the bank-file readers of `BankFormats`. A package of its own so the main
/// package's CI never builds it; build and run with `scripts/fuzz` (it adds `-sanitize=fuzzer,address`).
let targets = [
    "FuzzCamt", "FuzzMT940", "FuzzBAI2", "FuzzPain001", "FuzzPain002", "FuzzChineseCSV", "FuzzCSVMapping",
    "FuzzDetect",
]

let package = Package(
    name: "payhub-fuzz",
    dependencies: [.package(name: "payhub", path: "..")],
    targets: [
        .target(
            name: "FuzzSupport", dependencies: [.product(name: "BankFormats", package: "payhub")],
            path: "Sources/FuzzSupport")
    ]
        + targets.map { name in
            .executableTarget(
                name: name,
                dependencies: ["FuzzSupport", .product(name: "BankFormats", package: "payhub")],
                path: "Sources/\(name)"
            )
        }
)
