import LocalMesos
import Logging
import MesosHTTP
import PodSystem
import ZooKeeper

/// The embedded single-node Mesos: one `LocalMaster` in front of one `LocalAgent` that
/// starts pod-executor as a Mesos agent does. `--master local` runs it inside
/// pod-scheduler; `pod-scheduler local-cluster` runs it as a process of its own that
/// several schedulers share. Both wire it here, from one `Configuration`. With `zooKeeper`
/// (`local-cluster --zk`) its masters register in ZooKeeper as Mesos masters do, and
/// several of them can fail over (`MasterEnsemble`).
struct LocalCluster {
    struct Configuration: Sendable {
        /// The agent's work directory is `<workDirectory>/agent` (sandboxes, checkpoints).
        var workDirectory: String
        /// Where the master and the agent listen, and the hostname offers carry.
        var address = "127.0.0.1"
        /// 0: any free port.
        var masterPort = 5050
        /// The agent's port stays the same across restarts: recovered executors re-subscribe to it.
        var agentPort = 5051
        var cpus: Double
        var memoryMB: Double
        var diskMB: Double = 20000
        var ports: [ClosedRange<UInt64>] = [31000...32000]
        /// The executors' image store (`POD_EXECUTOR_IMAGE_STORE`).
        var imageStore: String
        /// `POD_EXECUTOR_CNI_CONFIG_DIR`.
        var cniConfigDirectory = "/etc/mesos-pods/cni"
        /// Docker Hub images are pulled from this `host[:port]` (Mesos' `--docker_registry`).
        var dockerRegistry: String?
        /// pod-executor on this machine: `pod-executor --cleanup` runs after an executor
        /// ended abnormally, to release what its pod left behind.
        var cleanupExecutor: String?
        /// The master's own settings (heartbeats, allocation, and what it requires of
        /// frameworks); the ports and address above override its `host` and `port`.
        var master = LocalMaster.Configuration()
        /// `--zk`: the masters register in ZooKeeper and elect their leader there; nil: one
        /// master that leads from its start.
        var zooKeeper: ZooKeeperURL?
        /// `--masters`: how many masters (more than one needs `zooKeeper`).
        var masterCount = 1
        /// `--zk-session-timeout`: the masters' ZooKeeper sessions (Mesos' `--zk_session_timeout`).
        var zooKeeperSessionTimeout: Duration = .seconds(10)

        init(workDirectory: String, cpus: Double, memoryMB: Double) {
            self.workDirectory = workDirectory
            self.cpus = cpus
            self.memoryMB = memoryMB
            imageStore = workDirectory + "/images"
        }

        /// The agent's settings, named after `mesos-agent`'s flags.
        var agent: AgentConfiguration {
            var agent = AgentConfiguration(workDirectory: workDirectory + "/agent", cpus: cpus, memoryMB: memoryMB, diskMB: diskMB)
            agent.host = address
            agent.hostname = address
            agent.port = agentPort
            agent.ports = ports
            agent.agentID = nil
            agent.executorEnvironment = [
                "POD_EXECUTOR_IMAGE_STORE": imageStore,
                "POD_EXECUTOR_CNI_CONFIG_DIR": cniConfigDirectory,
            ]
            if let dockerRegistry {
                agent.executorEnvironment["POD_EXECUTOR_REGISTRY_MIRRORS"] = "docker.io=\(dockerRegistry)"
            }
            if let cleanupExecutor {
                agent.executorCleanupCommand = [cleanupExecutor, "--cleanup"]
            }
            return agent
        }
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let agent: LocalAgent
    /// The one master (nil with `zooKeeper`: the ensemble's).
    let master: LocalMaster?
    /// The masters registered in ZooKeeper (`zooKeeper`).
    let ensemble: MasterEnsemble?
    /// Where schedulers reach the (first) master.
    let masterEndpoint: MesosEndpoint
    /// Held while the cluster runs: two agents recovering the same checkpoints would both
    /// adopt (and one destroy) the same executors.
    private let lock: RootedDirectory.FileLock

    /// Starts the agent (recovering the executors its work directory has checkpoints of),
    /// then the master.
    static func start(_ configuration: Configuration, logger: Logger) async throws -> LocalCluster {
        try Directory.create(configuration.workDirectory, mode: 0o755)
        guard let lock = try RootedDirectory.open(path: configuration.workDirectory).lock("agent.lock", exclusive: true, wait: false) else {
            throw Failure(description: "another pod-scheduler runs an embedded Mesos on \(configuration.workDirectory) (it holds agent.lock)")
        }
        let agent = LocalAgent(configuration: configuration.agent, logger: logger)
        var masterConfiguration = configuration.master
        masterConfiguration.host = configuration.address
        masterConfiguration.port = configuration.masterPort
        if let url = configuration.zooKeeper {
            try await agent.start()
            let ensemble = MasterEnsemble(configuration: .init(url: url, count: configuration.masterCount, firstPort: configuration.masterPort,
                                                               master: masterConfiguration,
                                                               sessionTimeout: configuration.zooKeeperSessionTimeout),
                                          agent: agent, logger: logger)
            do {
                try await ensemble.start()
            } catch {
                await ensemble.stop()
                await agent.stop()
                throw error
            }
            let endpoints = await ensemble.endpoints
            let agentEndpoint = await agent.endpoint
            logger.info("embedded Mesos running", metadata: ["mesos.masters": "\(endpoints.map(\.description))", "zk.url": "\(url)",
                                                             "mesos.agent": "\(agentEndpoint)"])
            return LocalCluster(agent: agent, master: nil, ensemble: ensemble, masterEndpoint: endpoints[0], lock: lock)
        }
        let master = LocalMaster(agent: agent, configuration: masterConfiguration, logger: logger)
        await agent.setMasterLink(master)
        try await agent.start()
        let port: Int
        do {
            port = try await master.start()
        } catch {
            await agent.stop()
            throw error
        }
        let cluster = LocalCluster(agent: agent, master: master, ensemble: nil,
                                   masterEndpoint: MesosEndpoint(host: configuration.address, port: port), lock: lock)
        let agentEndpoint = await agent.endpoint
        logger.info("embedded Mesos running", metadata: ["mesos.master": "\(cluster.masterEndpoint)", "mesos.agent": "\(agentEndpoint)"])
        return cluster
    }

    /// Stops the master (scheduler streams end; frameworks stay known only to the agent's
    /// checkpoints) and the agent, as SIGTERM stops `mesos-master` and `mesos-agent`:
    /// executors and their pods keep running and re-subscribe when the agent is started
    /// again on the same work directory within their recovery timeout.
    func stop() async {
        await master?.stop()
        await ensemble?.stop()
        await agent.stop()
    }

    /// SIGUSR1 of `local-cluster --zk`: the leading master crashes and another takes over.
    func crashLeadingMaster() async {
        await ensemble?.crashLeader()
    }
}
