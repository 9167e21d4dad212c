// swift-tools-version: 6.2
import PackageDescription

/// One set of Swift settings for every target: Swift 6 language mode (the tools
/// version's default), strict concurrency, and warnings as errors.
let swiftSettings: [SwiftSetting] = [
    .treatAllWarnings(as: .error),
    .enableUpcomingFeature("ExistentialAny"),
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
        .systemLibrary(name: "CSeccomp", path: "Sources/CSeccomp", pkgConfig: "libseccomp",
                       providers: [.apt(["libseccomp-dev"])]),
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
                               .product(name: "Logging", package: "swift-log")],
                swiftSettings: swiftSettings),

        // MARK: - Pods
        .target(name: "PodSpec", dependencies: ["MesosProtocol"], swiftSettings: swiftSettings),
        .target(name: "ImageStore",
                dependencies: ["PodSystem",
                               .product(name: "Crypto", package: "swift-crypto"),
                               .product(name: "AsyncHTTPClient", package: "async-http-client"),
                               .product(name: "NIOCore", package: "swift-nio"),
                               .product(name: "Logging", package: "swift-log")],
                swiftSettings: swiftSettings),
        .target(name: "PodRuntime",
                dependencies: ["PodSystem", "ImageStore",
                               .product(name: "NIOCore", package: "swift-nio"),
                               .product(name: "NIOPosix", package: "swift-nio"),
                               .product(name: "NIOHTTP1", package: "swift-nio"),
                               .product(name: "NIOSSL", package: "swift-nio-ssl"),
                               .product(name: "AsyncHTTPClient", package: "async-http-client"),
                               .product(name: "Logging", package: "swift-log")],
                swiftSettings: swiftSettings),
        .target(name: "PodExecutorCore",
                dependencies: ["MesosProtocol", "MesosHTTP", "PodRuntime",
                               .product(name: "Logging", package: "swift-log")],
                swiftSettings: swiftSettings),

        // MARK: - Scheduler and the embedded Mesos
        .target(name: "LocalMesos",
                dependencies: ["MesosProtocol", "PodSystem",
                               .product(name: "Hummingbird", package: "hummingbird"),
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
                               .product(name: "Prometheus", package: "swift-prometheus"),
                               .product(name: "Logging", package: "swift-log")],
                swiftSettings: swiftSettings),

        // MARK: - Executables (thin: configuration, wiring, run)
        .executableTarget(name: "pod-executor",
                          dependencies: ["PodExecutorCore", "PodSystem",
                                         .product(name: "Logging", package: "swift-log")],
                          swiftSettings: swiftSettings),
        .executableTarget(name: "pod-scheduler",
                          dependencies: ["PodSchedulerAPI", "PodSchedulerCore", "LocalMesos",
                                         .product(name: "ArgumentParser", package: "swift-argument-parser"),
                                         .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                                         .product(name: "Logging", package: "swift-log")],
                          swiftSettings: swiftSettings),
        .executableTarget(name: "podctl",
                          dependencies: ["PodSpec", "PodRuntime", "ImageStore",
                                         .product(name: "ArgumentParser", package: "swift-argument-parser"),
                                         .product(name: "AsyncHTTPClient", package: "async-http-client"),
                                         .product(name: "Logging", package: "swift-log")],
                          swiftSettings: swiftSettings),

        // MARK: - Tests
        .testTarget(name: "MesosProtocolTests",
                    dependencies: ["MesosProtocol", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
                    resources: [.copy("Golden")], swiftSettings: swiftSettings),
        .testTarget(name: "PodSpecTests", dependencies: ["PodSpec", "MesosProtocol"], swiftSettings: swiftSettings),
        .testTarget(name: "PodSystemTests", dependencies: ["PodSystem"], swiftSettings: swiftSettings),
        .testTarget(name: "PodExecutorTests",
                    dependencies: ["PodExecutorCore", "LocalMesos", "MesosProtocol", "PodRuntime", "PodSystem", "pod-executor",
                                   .product(name: "Logging", package: "swift-log")],
                    swiftSettings: swiftSettings),
    ]
)
