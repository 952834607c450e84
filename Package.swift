// swift-tools-version:6.2
import PackageDescription

/// Compiler strictness is a gate, not a suggestion: every target builds in Swift 6 language mode with
/// complete concurrency checking, and existentials must be spelled `any`.
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "payhub",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "payhub", targets: ["payhub"]),
        .library(name: "PayHubDomain", targets: ["PayHubDomain"]),
        // For the fuzzers (Fuzz/) and benchmarks (Benchmarks/), separate packages so CI builds neither.
        .library(name: "BankFormats", targets: ["BankFormats"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
    ],
    targets: [
        // The rules of money: no I/O, nothing heavier than Foundation.
        .target(name: "PayHubDomain", swiftSettings: strictSettings),

        // Bytes ⇄ values for every bank format; pure code, no database or network. libxml2 only checks
        // messages against the official XSDs (`payhub format validate`); reading is PayHub's own.
        .systemLibrary(name: "CLibXML2", pkgConfig: "libxml-2.0", providers: [.apt(["libxml2-dev"])]),
        .target(
            name: "BankFormats",
            dependencies: ["PayHubDomain", "CLibXML2"],
            resources: [.copy("Resources/xsd")],
            swiftSettings: strictSettings
        ),

        // How files reach banks and their answers come back: folder, SFTP (the system's OpenSSH client) and
        // a bank's HTTPS API, behind one connector interface.
        .target(
            name: "BankConnectivity",
            dependencies: [
                "BankFormats", "PayHubDomain",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        // A bank that answers pain.001, NACHA and Chinese batch files with pain.002 and books camt.054/053:
        // deterministic for a seed, for tests, demos and customers' own testing.
        .target(name: "BankSimulator", dependencies: ["BankFormats", "PayHubDomain"], swiftSettings: strictSettings),

        // Ports the services use, plus what both adapters share (audit chain, bank-detail sealing).
        .target(
            name: "PayHubStorage",
            dependencies: [
                "PayHubDomain",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "PayHubSQLite",
            dependencies: [
                "PayHubDomain", "PayHubStorage",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "PayHubPostgres",
            dependencies: [
                "PayHubDomain", "PayHubStorage",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "PayHubServices",
            dependencies: [
                "BankConnectivity", "BankFormats", "PayHubDomain", "PayHubStorage",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
            ],
            resources: [.copy("Resources/profiles"), .copy("Resources/result-layouts"), .copy("Resources/calendars")],
            swiftSettings: strictSettings
        ),
        .target(
            name: "PayHubWeb",
            dependencies: [
                "BankFormats", "PayHubDomain", "PayHubStorage", "PayHubServices",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                // TOTP step-up for approvers; the services see it only through `OneTimePasswords`.
                .product(name: "HummingbirdOTP", package: "hummingbird-auth"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("Resources/openapi.json")],
            swiftSettings: strictSettings
        ),
        .target(
            name: "PayHubServer",
            dependencies: [
                "BankConnectivity", "BankSimulator", "PayHubDomain", "PayHubStorage", "PayHubSQLite", "PayHubPostgres",
                "PayHubServices", "PayHubWeb",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Hummingbird", package: "hummingbird"),
                // The bank simulator's HTTPS front, so the bank-API connector is tested over real TLS.
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "payhub",
            dependencies: [
                "BankConnectivity", "BankFormats", "BankSimulator", "PayHubDomain", "PayHubStorage", "PayHubServices", "PayHubServer", "PayHubWeb",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "PayHubTesting",
            dependencies: [
                "PayHubDomain", "PayHubStorage", "PayHubSQLite", "PayHubPostgres",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: strictSettings
        ),

        .testTarget(name: "PayHubDomainTests", dependencies: ["PayHubDomain"], swiftSettings: strictSettings),
        .testTarget(name: "BankFormatsTests", dependencies: ["BankFormats", "PayHubDomain"], swiftSettings: strictSettings),
        .testTarget(
            name: "BankConnectivityTests",
            // PayHubTesting for its OpenSSH server on loopback (TestSSHServer).
            dependencies: ["BankConnectivity", "BankFormats", "PayHubDomain", "PayHubTesting"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "BankSimulatorTests", dependencies: ["BankSimulator", "BankFormats", "PayHubDomain"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "PayHubStorageTests",
            dependencies: ["PayHubDomain", "PayHubStorage", "PayHubSQLite", "PayHubPostgres", "PayHubTesting"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "PayHubServicesTests",
            dependencies: [
                "BankFormats", "PayHubDomain", "PayHubStorage", "PayHubServices", "PayHubSQLite", "PayHubTesting",
                // Only to tamper with a database file behind PayHub's back, as an attacker would.
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "PayHubWebTests",
            dependencies: [
                "PayHubDomain", "PayHubStorage", "PayHubServices", "PayHubWeb", "PayHubServer", "PayHubSQLite",
                "PayHubTesting",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdOTP", package: "hummingbird-auth"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "EndToEndTests",
            // Depends on the executable so `swift test` always builds the binary these tests run; on
            // PayHubTesting for the OpenSSH server on loopback the SFTP transport is tested against.
            dependencies: ["payhub", "PayHubTesting"],
            swiftSettings: strictSettings
        ),
    ]
)
