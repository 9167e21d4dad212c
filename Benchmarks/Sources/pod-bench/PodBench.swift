import ArgumentParser
import Foundation

/// The benchmarks of BENCHMARKS.md, each side by side with the tool an operator would
/// otherwise use. Run them all with `Benchmarks/run.sh` (it builds, starts the fixtures
/// and records the figures); each subcommand runs one, as root.
@main
struct PodBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pod-bench", abstract: "mesos-pods benchmarks (run as root; see Benchmarks/run.sh).",
        subcommands: [Launch.self, Image.self, Health.self, Store.self])

    struct Launch: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "LAUNCH_GROUP → 3 × TASK_RUNNING, executor memory; vs crun.")
        @Option(help: "The pod-executor binary.") var executor: String
        @Option(help: "Measured runs.") var runs = 50
        func run() async throws { try await LaunchBench.run(executor: executor, runs: runs) }
    }

    struct Image: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Image pull, cached pull and container start; vs skopeo+umoci and crun.")
        @Option(help: "Registry host:port (anonymous pulls).") var registry: String
        @Option(help: "Repository:tag in that registry.") var image: String
        @Option(help: "Cold pulls per tool.") var runs = 5
        @Option(help: "Cached pulls.") var cachedRuns = 50
        @Option(help: "Container starts per tool.") var startRuns = 50
        func run() async throws {
            try await ImageBench.run(registry: registry, image: image, runs: runs, cachedRuns: cachedRuns, startRuns: startRuns)
        }
    }

    struct Store: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Scheduler state write cost per instance update: SQLite vs ZooKeeper (--zk).")
        @Option(help: "scripts/fixtures/zookeeper-server.sh (runs Debian's ZooKeeper on loopback).") var zookeeperScript: String
        @Option(help: "Instance updates per measurement.") var updates = 2000
        func run() async throws { try await StoreBench.run(zookeeperScript: zookeeperScript, updates: updates) }
    }

    struct Health: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "HTTP/TCP/COMMAND health check cost; vs a fork per check.")
        @Option(help: "HTTP and TCP checks per side.") var checks = 1000
        @Option(help: "COMMAND checks per side.") var commandChecks = 200
        @Option(help: "The compiled TCP connect helper (fixtures/tcp-connect.c).") var tcpConnect: String
        func run() async throws { try await HealthBench.run(checks: checks, commandChecks: commandChecks, tcpConnect: tcpConnect) }
    }
}
