import ArgumentParser
import Foundation

/// The benchmarks of BENCHMARKS.md, each side by side with the tool an operator would
/// otherwise use. Run them all with `Benchmarks/run.sh` (it builds, starts the fixtures
/// and records the figures); each subcommand runs one, as root.
@main
struct PodBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pod-bench", abstract: "mesos-pods benchmarks (run as root; see Benchmarks/run.sh).",
        subcommands: [Launch.self, Image.self, Health.self, Store.self, SeedStore.self])

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

    struct Health: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "HTTP/TCP/COMMAND health check cost; vs a fork per check.")
        @Option(help: "HTTP and TCP checks per side.") var checks = 1000
        @Option(help: "COMMAND checks per side.") var commandChecks = 200
        @Option(help: "The compiled TCP connect helper (fixtures/tcp-connect.c).") var tcpConnect: String
        func run() async throws { try await HealthBench.run(checks: checks, commandChecks: commandChecks, tcpConnect: tcpConnect) }
    }

    struct Store: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The state store: one instance update in ZooKeeper vs SQLite, load time.")
        @Option(help: "A ZooKeeper server, host:port (Benchmarks/run.sh starts one on loopback).") var zk: String
        @Option(parsing: .upToNextOption, help: "Instances stored, one row each.") var instances = [1000, 10000]
        @Option(help: "Instance updates measured per way of writing.") var updates = 500
        @Option(help: "Instance updates per write in the batched figure.") var batch = 50
        func run() async throws { try await StoreBench.run(zooKeeper: zk, sizes: instances, updates: updates, batch: batch) }
    }

    struct SeedStore: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "seed-store",
                                                        abstract: "Writes running instances into a --zk scheduler state (for failover.sh).")
        @Option(help: "The schedulers' --zk URL.") var zk: String
        @Option(help: "Instances to write (pods of 10).") var instances = 1000
        func run() async throws { try await StoreSeed.run(url: zk, instances: instances) }
    }
}
