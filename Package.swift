// swift-tools-version:6.2
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny")
]

let package = Package(
    name: "haven",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "haven", targets: ["haven"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    ],
    targets: [
        // Domain: value types and pure functions, Foundation only.
        .target(name: "HavenCore", swiftSettings: swiftSettings),
        // Storage rules over any engine: workflows, their portable SQL, sealing, the engine seam.
        .target(
            name: "HavenStore",
            dependencies: [
                "HavenCore",
                .product(name: "Crypto", package: "swift-crypto"),
                // scrypt, for the key each member of staff's private key is sealed under.
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The embedded engine: one SQLite file through GRDB (connections, migrations, checkpoints).
        .target(
            name: "HavenSQLite",
            dependencies: [
                "HavenStore", "HavenCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The PostgreSQL engine behind the storage seam: postgres-nio's pool, statements run on a
        // thread pool of its own (synchronous transactions), its own migrations.
        .target(
            name: "HavenPostgres",
            dependencies: [
                "HavenStore", "HavenCore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                // Only for `ConnectionPoolError`, which the client throws when the pool gives up.
                .product(name: "_ConnectionPoolModule", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // libcurl, the system library (libcurl4-openssl-dev).
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        // Alert delivery: SMTP/HTTPS through libcurl, Maildir, outbox worker, SLA escalation.
        .target(
            name: "HavenAlerts",
            dependencies: [
                "HavenCore", "HavenStore", "CCurl",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // SMS providers: verify the signature, parse the message, shape the silent answer. Pure.
        .target(
            name: "SMSAdapters",
            dependencies: [
                "HavenCore",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "SMSAdapters",
            exclude: ["README.md", "gammu"],
            swiftSettings: swiftSettings
        ),
        // Renders StaticSite/ templates and locales into static files. Foundation only.
        .target(
            name: "HavenSite",
            dependencies: ["HavenCore", .product(name: "Mustache", package: "swift-mustache")],
            swiftSettings: swiftSettings
        ),
        // Every setting Haven reads (HAVEN_* from a file, the environment and flags), checked once.
        .target(name: "HavenSettings", dependencies: ["HavenCore"], swiftSettings: swiftSettings),
        // Application services between the routes (and the command line) and the stores: each use
        // case once, with its effects after a commit (health, the dispatcher woken, metrics, logs).
        .target(
            name: "HavenServices",
            dependencies: [
                "HavenCore", "HavenStore", "HavenAlerts", "SMSAdapters",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
                // bcrypt and TOTP for staff logins (no HTTP server in them).
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "HummingbirdOTP", package: "hummingbird-auth"),
            ],
            swiftSettings: swiftSettings
        ),
        // The Hummingbird application: intake, SMS routes, console, middleware.
        .target(
            name: "HavenHTTP",
            dependencies: [
                "HavenCore", "HavenSettings", "HavenStore", "HavenAlerts", "HavenServices", "SMSAdapters", "HavenSite",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "HummingbirdOTP", package: "hummingbird-auth"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "haven",
            dependencies: [
                "HavenHTTP", "HavenSettings", "HavenServices", "HavenStore", "HavenSQLite", "HavenPostgres", "HavenCore", "HavenAlerts",
                "HavenSite",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        // bench/scale's loader: fills a store through the real store layer (real sealing, no HTTP).
        .executableTarget(
            name: "haven-scale",
            dependencies: [
                "HavenCore", "HavenStore", "HavenSQLite", "HavenPostgres", .product(name: "Logging", package: "swift-log"),
            ],
            path: "bench/haven-scale",
            swiftSettings: swiftSettings
        ),
        // Real peers for tests: an SMTP server (aiosmtpd) started and stopped by the tests.
        .target(
            name: "HavenTestSupport", dependencies: ["HavenCore", "HavenStore", "HavenSQLite", "HavenPostgres"],
            path: "Tests/HavenTestSupport",
            exclude: ["smtp_sink.py"],
            swiftSettings: swiftSettings),
        .testTarget(name: "HavenCoreTests", dependencies: ["HavenCore"], swiftSettings: swiftSettings),
        .testTarget(
            name: "HavenStoreTests",
            dependencies: [
                "HavenStore", "HavenSQLite", "HavenCore", "HavenTestSupport", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "HavenAlertsTests",
            dependencies: ["HavenAlerts", "HavenStore", "HavenSQLite", "HavenCore", "HavenTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SMSAdaptersTests",
            dependencies: ["SMSAdapters", "HavenCore", "HavenTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "HavenPostgresTests",
            dependencies: [
                "HavenPostgres", "HavenStore", "HavenCore", "HavenTestSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "HavenSiteTests", dependencies: ["HavenSite", "HavenCore"], swiftSettings: swiftSettings),
        .testTarget(
            name: "HavenHTTPTests",
            dependencies: [
                "HavenHTTP", "HavenSettings", "HavenServices", "HavenStore", "HavenSQLite", "HavenCore", "HavenAlerts", "HavenTestSupport",
                "SMSAdapters", "HavenSite",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HummingbirdOTP", package: "hummingbird-auth"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
