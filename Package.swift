// swift-tools-version: 6.2
import PackageDescription

/// One set of Swift settings for every target: Swift 6 language mode (the tools
/// version's default), strict concurrency, and warnings as errors.
let swiftSettings: [SwiftSetting] = [
    .treatAllWarnings(as: .error),
    .enableUpcomingFeature("ExistentialAny"),
]

let packageDirectory = String(#filePath.dropLast("/Package.swift".count))

/// Release links of the executables: lld with packed relative relocations (DT_RELR: 24 KB
/// instead of 2.9 MB of relocation records read at every start) and without exporting every
/// symbol of our own modules (the toolchain's static-stdlib link asks for -export-dynamic,
/// which put 44,000 symbols in the dynamic table that the loader and `dladdr` walk). An
/// executor then starts ~2 ms sooner and maps ~5 MB less of its binary. libstdc++, which only
/// the Swift runtime uses, is linked statically too (packaging/static-libstdc++).
let releaseLinkerSettings: [LinkerSetting] = [
    .unsafeFlags(["-use-ld=lld", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs",
                  "-Xlinker", "--no-export-dynamic",
                  "-L", "\(packageDirectory)/packaging/static-libstdc++"], .when(configuration: .release)),
]

/// pod-executor's release link lays its functions out in the order of
/// packaging/pod-executor.order (made by scripts/order-executor.sh): what an executor runs from
/// its start to an idle running pod comes first, together. The kernel maps a binary's pages
/// 64 KiB around each page fault, so scattered start-up code had an idle executor map 12 MB
/// of its code. Names the file does not know (the code changed since) are ignored.
let executorLinkerSettings: [LinkerSetting] = releaseLinkerSettings + [
    .unsafeFlags(["-Xlinker", "--symbol-ordering-file=\(packageDirectory)/packaging/pod-executor.order",
                  "-Xlinker", "--no-warn-symbol-ordering"], .when(configuration: .release)),
]

let package = Package(
    name: "mesos-pods",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "pod-executor", targets: ["pod-executor"]),
        .executable(name: "pod-scheduler", targets: ["pod-scheduler"]),
        .executable(name: "podctl", targets: ["podctl"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
    ],
    targets: [
        // MARK: - The only C code, and the kernel behind one door
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CSeccomp", path: "Sources/CSeccomp", pkgConfig: "libseccomp",
                       providers: [.apt(["libseccomp-dev"])]),
        .systemLibrary(name: "CZooKeeper", path: "Sources/CZooKeeper", providers: [.apt(["libzookeeper-mt-dev"])]),
        .target(name: "CPodShim", path: "Sources/CPodShim",
                cSettings: [.define("_GNU_SOURCE"), .unsafeFlags(["-Wall", "-Werror", "-O2"])]),
        .target(name: "PodSystem",
                dependencies: ["CPodShim", "CSeccomp", .product(name: "Logging", package: "swift-log")],
                swiftSettings: swiftSettings),

        // MARK: - Mesos protocol and HTTP
        .target(name: "MesosProtocol",
                dependencies: [.product(name: "SwiftProtobuf", package: "swift-protobuf")],
                exclude: ["Generated/README.md"],
                swiftSettings: swiftSettings),
        .target(name: "MesosHTTP",
                dependencies: ["MesosProtocol",
                               .product(name: "AsyncHTTPClient", package: "async-http-client"),
                               .product(name: "NIOCore", package: "swift-nio"),
                               .product(name: "NIOPosix", package: "swift-nio"),
                               .product(name: "NIOHTTP1", package: "swift-nio"),
                               .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                               .product(name: "NIOSSL", package: "swift-nio-ssl"),
                               .product(name: "Logging", package: "swift-log")],
                swiftSettings: swiftSettings),

        // MARK: - Pods
        .target(name: "PodSpec", dependencies: ["MesosProtocol"], swiftSettings: swiftSettings),
        .target(name: "ImageStore",
                dependencies: ["PodSystem", "CZlib",
                               .product(name: "Crypto", package: "swift-crypto"),
                               .product(name: "AsyncHTTPClient", package: "async-http-client"),
                               .product(name: "NIOCore", package: "swift-nio"),
                               .product(name: "NIOPosix", package: "swift-nio"),
                               .product(name: "Logging", package: "swift-log")],
                swiftSettings: swiftSettings),
        .target(name: "PodNetworking",
                dependencies: ["PodSystem", .product(name: "Logging", package: "swift-log")],
                swiftSettings: swiftSettings),
        .target(name: "PodRuntime",
                dependencies: ["PodSystem", "ImageStore", "PodNetworking",
                               .product(name: "NIOCore", package: "swift-nio"),
                               .product(name: "NIOPosix", package: "swift-nio"),
                               .product(name: "NIOHTTP1", package: "swift-nio"),
                               .product(name: "NIOSSL", package: "swift-nio-ssl"),
                               .product(name: "AsyncHTTPClient", package: "async-http-client"),
                               .product(name: "Logging", package: "swift-log")],
                swiftSettings: swiftSettings),
        .target(name: "PodExecutorCore",
                dependencies: ["MesosProtocol", "MesosHTTP", "PodRuntime", "ImageStore",
                               .product(name: "AsyncHTTPClient", package: "async-http-client"),
                               .product(name: "NIOPosix", package: "swift-nio"),
                               .product(name: "Logging", package: "swift-log")],
                swiftSettings: swiftSettings),

        // MARK: - ZooKeeper (master detection, leader election, shared state); never in the executor
        .target(name: "ZooKeeper",
                dependencies: ["CZooKeeper", .product(name: "Logging", package: "swift-log")],
                swiftSettings: swiftSettings),

        // MARK: - Scheduler and the embedded Mesos
        .target(name: "LocalMesos",
                dependencies: ["MesosProtocol", "PodSystem",
                               .product(name: "Hummingbird", package: "hummingbird"),
                               .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                               .product(name: "HTTPTypes", package: "swift-http-types"),
                               .product(name: "Logging", package: "swift-log")],
                swiftSettings: swiftSettings),
        .target(name: "PodSchedulerCore",
                dependencies: ["MesosProtocol", "MesosHTTP", "PodSpec",
                               .product(name: "GRDB", package: "GRDB.swift"),
                               .product(name: "Logging", package: "swift-log"),
                               .product(name: "Metrics", package: "swift-metrics")],
                swiftSettings: swiftSettings),
        .target(name: "PodSchedulerAPI",
                dependencies: ["PodSchedulerCore", "PodSpec",
                               .product(name: "Hummingbird", package: "hummingbird"),
                               .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                               .product(name: "HTTPTypes", package: "swift-http-types"),
                               .product(name: "Prometheus", package: "swift-prometheus"),
                               .product(name: "Logging", package: "swift-log")],
                swiftSettings: swiftSettings),

        // MARK: - Executables (thin: configuration, wiring, run)
        .executableTarget(name: "pod-executor",
                          dependencies: ["PodExecutorCore", "PodSystem",
                                         .product(name: "Logging", package: "swift-log")],
                          swiftSettings: swiftSettings, linkerSettings: executorLinkerSettings),
        .executableTarget(name: "pod-scheduler",
                          dependencies: ["PodSchedulerAPI", "PodSchedulerCore", "LocalMesos",
                                         .product(name: "ArgumentParser", package: "swift-argument-parser"),
                                         .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                                         .product(name: "Logging", package: "swift-log")],
                          swiftSettings: swiftSettings, linkerSettings: releaseLinkerSettings),
        .target(name: "PodCtlKit",
                dependencies: [.product(name: "ArgumentParser", package: "swift-argument-parser"),
                               .product(name: "AsyncHTTPClient", package: "async-http-client"),
                               .product(name: "NIOCore", package: "swift-nio"),
                               .product(name: "NIOHTTP1", package: "swift-nio")],
                swiftSettings: swiftSettings),
        .target(name: "PodCtlAgent",
                dependencies: ["PodCtlKit", "PodRuntime", "PodSystem", "ImageStore", "PodNetworking", "CPodShim",
                               .product(name: "ArgumentParser", package: "swift-argument-parser"),
                               .product(name: "AsyncHTTPClient", package: "async-http-client"),
                               .product(name: "NIOCore", package: "swift-nio"),
                               .product(name: "NIOPosix", package: "swift-nio"),
                               .product(name: "Logging", package: "swift-log")],
                swiftSettings: swiftSettings),
        .executableTarget(name: "podctl",
                          dependencies: ["PodCtlKit", "PodCtlAgent", "PodRuntime", "PodSystem", "ImageStore",
                                         .product(name: "ArgumentParser", package: "swift-argument-parser"),
                                         .product(name: "AsyncHTTPClient", package: "async-http-client"),
                                         .product(name: "Logging", package: "swift-log")],
                          swiftSettings: swiftSettings, linkerSettings: releaseLinkerSettings),

        // MARK: - Tests
        .testTarget(name: "MesosProtocolTests",
                    dependencies: ["MesosProtocol", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
                    resources: [.copy("Golden")], swiftSettings: swiftSettings),
        .testTarget(name: "PodSpecTests", dependencies: ["PodSpec", "MesosProtocol", "PodTestFixtures"], swiftSettings: swiftSettings),
        .testTarget(name: "ImageStoreTests",
                    dependencies: ["ImageStore", "PodSystem",
                                   .product(name: "AsyncHTTPClient", package: "async-http-client"),
                                   .product(name: "NIOCore", package: "swift-nio"),
                                   .product(name: "NIOPosix", package: "swift-nio"),
                                   .product(name: "Logging", package: "swift-log")],
                    swiftSettings: swiftSettings),
        .testTarget(name: "PodSchedulerTests",
                    dependencies: ["PodSchedulerCore", "PodSpec", "LocalMesos", "MesosHTTP", "MesosProtocol", "pod-executor",
                                   "pod-scheduler", "PodTestFixtures", "PodSystem",
                                   .product(name: "AsyncHTTPClient", package: "async-http-client"),
                                   .product(name: "Logging", package: "swift-log")],
                    swiftSettings: swiftSettings),
        .testTarget(name: "PodSchedulerAPITests",
                    dependencies: ["PodSchedulerAPI", "PodSchedulerCore", "PodSpec",
                                   .product(name: "Hummingbird", package: "hummingbird"),
                                   .product(name: "HummingbirdTesting", package: "hummingbird"),
                                   .product(name: "HTTPTypes", package: "swift-http-types"),
                                   .product(name: "Logging", package: "swift-log")],
                    swiftSettings: swiftSettings),
        .testTarget(name: "PodNetworkingTests",
                    dependencies: ["PodNetworking", "PodSystem", .product(name: "Logging", package: "swift-log")],
                    swiftSettings: swiftSettings),
        .testTarget(name: "PodCtlKitTests",
                    dependencies: ["PodCtlKit", "podctl",
                                   .product(name: "NIOCore", package: "swift-nio"),
                                   .product(name: "NIOPosix", package: "swift-nio"),
                                   .product(name: "NIOHTTP1", package: "swift-nio")],
                    swiftSettings: swiftSettings),
        .testTarget(name: "PodCtlAgentTests",
                    dependencies: ["PodCtlAgent", "PodCtlKit", "PodRuntime", "PodSystem", "ImageStore", "LocalMesos", "MesosProtocol",
                                   "pod-executor", "podctl", "PodTestFixtures",
                                   .product(name: "Logging", package: "swift-log")],
                    swiftSettings: swiftSettings),
        .testTarget(name: "PodSystemTests", dependencies: ["PodSystem"], swiftSettings: swiftSettings),
        .testTarget(name: "MesosHTTPTests",
                    dependencies: ["MesosHTTP", "MesosProtocol",
                                   .product(name: "NIOCore", package: "swift-nio"),
                                   .product(name: "NIOPosix", package: "swift-nio"),
                                   .product(name: "NIOHTTP1", package: "swift-nio"),
                                   .product(name: "NIOConcurrencyHelpers", package: "swift-nio")],
                    swiftSettings: swiftSettings),
        // Benchmarks (Benchmarks/run.sh): figures in BENCHMARKS.md.
        .executableTarget(name: "pod-bench",
                          dependencies: ["LocalMesos", "MesosProtocol", "PodRuntime", "PodSystem", "ImageStore",
                                         .product(name: "ArgumentParser", package: "swift-argument-parser"),
                                         .product(name: "AsyncHTTPClient", package: "async-http-client"),
                                         .product(name: "NIOPosix", package: "swift-nio"),
                                         .product(name: "Logging", package: "swift-log")],
                          path: "Benchmarks/Sources/pod-bench", swiftSettings: swiftSettings,
                          linkerSettings: releaseLinkerSettings),
        // pod-executor: built for the check that it does not link ZooKeeper.
        .testTarget(name: "ZooKeeperTests",
                    dependencies: ["ZooKeeper", "PodTestFixtures", "pod-executor", .product(name: "Logging", package: "swift-log")],
                    swiftSettings: swiftSettings),
        // Fixtures shared by test targets (the loopback registry with the test images, a ZooKeeper server).
        .target(name: "PodTestFixtures", dependencies: ["PodSystem", "LocalMesos", "MesosProtocol", "ZooKeeper", .product(name: "Logging", package: "swift-log")], path: "Tests/PodTestFixtures", swiftSettings: swiftSettings),
        .testTarget(name: "PodExecutorTests",
                    dependencies: ["PodExecutorCore", "LocalMesos", "MesosProtocol", "PodRuntime", "PodSystem", "pod-executor",
                                   "ImageStore", "PodTestFixtures",
                                   .product(name: "Logging", package: "swift-log")],
                    swiftSettings: swiftSettings),
    ]
)
