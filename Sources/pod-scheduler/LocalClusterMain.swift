import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

/// Runs `pod-scheduler local-cluster`: the embedded master and agent, until SIGTERM or
/// SIGINT, then stops them as `--master local` does when pod-scheduler stops.
enum LocalClusterMain {
    static func run(_ configuration: LocalCluster.Configuration, logger: Logger) async throws {
        // Trapped before the masters serve, so that nobody can send it too early.
        let failovers = configuration.zooKeeper == nil ? nil : await UnixSignalsSequence(trapping: .sigusr1)
        let cluster = try await LocalCluster.start(configuration, logger: logger)
        let url = cluster.masterEndpoint.description
        // One line on stdout, for scripts that start schedulers against it.
        FileHandle.standardOutput.write(Data((url + "\n").utf8))
        let agentEndpoint = await cluster.agent.endpoint
        logger.info("local cluster ready", metadata: ["mesos.master": "\(url)", "mesos.agent": "\(agentEndpoint)",
                                                      "work_dir": "\(configuration.workDirectory)"])
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: UntilShutdown())]
        if let failovers {
            services.append(.init(service: FailoverSignal(signals: failovers, cluster: cluster, logger: logger),
                                  successTerminationBehavior: .ignore))
        }
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint],
                                                      logger: logger))
        do {
            try await group.run()
        } catch {
            logger.error("local cluster failed", metadata: ["error": "\(error)"])
        }
        logger.info("shutting down")
        await cluster.stop()
    }

    /// Waits for the shutdown signal: the master and the agent serve on their own tasks.
    private struct UntilShutdown: Service {
        func run() async throws {
            try await gracefulShutdown()
        }
    }

    /// SIGUSR1 (`--zk` only): the leading master crashes, and another takes over.
    private struct FailoverSignal: Service {
        let signals: UnixSignalsSequence
        let cluster: LocalCluster
        let logger: Logger

        func run() async throws {
            for await _ in signals.cancelOnGracefulShutdown() {
                logger.warning("SIGUSR1: crashing the leading master")
                await cluster.crashLeadingMaster()
            }
        }
    }
}
