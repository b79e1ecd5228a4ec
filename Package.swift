// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "pkfrontd",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "PluralKit", targets: ["PluralKit"]),
        .library(name: "PluralKitFake", targets: ["PluralKitFake"]),
        .library(name: "FrontEvents", targets: ["FrontEvents"]),
        .executable(name: "pkfrontd", targets: ["pkfrontd"]),
    ],
    dependencies: [
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/pointfreeco/swift-clocks", from: "1.1.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/pointfreeco/swift-concurrency-extras", from: "1.4.3"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
    ],
    targets: [
        .target(
            name: "PluralKit",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .systemLibrary(
            name: "CSystemd",
            pkgConfig: "libsystemd",
            providers: [.apt(["libsystemd-dev"])]
        ),
        .target(
            name: "Systemd",
            dependencies: [
                "CSystemd",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "FrontEvents",
            dependencies: ["PluralKit"]
        ),
        .target(
            name: "FrontTracking",
            dependencies: [
                "Actions",
                "PluralKit",
                "FrontEvents",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "Rules",
            dependencies: [
                "PluralKit",
                "FrontEvents",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Mustache", package: "swift-mustache"),
            ]
        ),
        .target(
            name: "PluralKitFake",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "PluralKitTesting",
            dependencies: [
                "PluralKit", "PluralKitFake",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "InMemoryLogging", package: "swift-log"),
            ]
        ),
        .target(name: "CSpawn"),
        .target(
            name: "Actions",
            dependencies: [
                "CSpawn", "PluralKit", "FrontEvents", "Rules",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "engine-bench",
            dependencies: ["Rules", "FrontEvents", "PluralKit"],
            path: "Benchmarks/EngineBench"
        ),
        .executableTarget(
            name: "pkfrontd",
            dependencies: [
                "Actions",
                "PluralKit",
                "PluralKitFake",
                "Systemd",
                "FrontEvents",
                "FrontTracking",
                "Rules",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "PluralKitFakeTests",
            dependencies: [
                "PluralKit",
                "PluralKitFake",
                "PluralKitTesting",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Clocks", package: "swift-clocks"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "FrontEventsTests",
            dependencies: ["FrontEvents", "PluralKit"]
        ),
        .testTarget(
            name: "FrontTrackingTests",
            dependencies: [
                "FrontTracking", "FrontEvents", "PluralKit", "PluralKitFake", "PluralKitTesting",
                .product(name: "Clocks", package: "swift-clocks"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .testTarget(
            name: "ActionsTests",
            dependencies: [
                "Actions", "Rules", "PluralKit", "PluralKitFake", "PluralKitTesting", "FrontEvents", "FrontTracking",
            ]
        ),
        .testTarget(
            name: "RulesTests",
            dependencies: ["Rules", "PluralKit", "PluralKitFake", "PluralKitTesting", "FrontEvents", "FrontTracking"],
            // The simulations are read from the source tree (#filePath), not from a bundle.
            exclude: ["Simulations", "ExampleSimulations"],
            resources: [.copy("Corpus")]
        ),
        .testTarget(
            name: "SystemdTests",
            dependencies: [
                "Systemd",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "pkfrontdTests",
            dependencies: [
                "Actions", "pkfrontd", "Systemd", "Rules", "FrontEvents", "FrontTracking", "PluralKit", "PluralKitFake",
                "PluralKitTesting",
                .product(name: "Clocks", package: "swift-clocks"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "InMemoryLogging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            // The example stories' expected writes are read from the source tree (#filePath).
            exclude: ["ExampleWrites"]
        ),
        .testTarget(
            name: "PluralKitTests",
            dependencies: [
                "PluralKit",
                "PluralKitTesting",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Clocks", package: "swift-clocks"),
                .product(name: "ConcurrencyExtras", package: "swift-concurrency-extras"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("Fixtures")]
        ),
    ]
)

for target in package.targets where target.type != .system && target.name != "CSpawn" {
    var settings = target.swiftSettings ?? []
    settings.append(contentsOf: [
        .enableUpcomingFeature("ExistentialAny"),
        .enableUpcomingFeature("MemberImportVisibility"),
        .enableUpcomingFeature("InternalImportsByDefault"),
    ])
    target.swiftSettings = settings
}
