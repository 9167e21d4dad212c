import ArgumentParser
import Foundation
import LocalMesos
import Logging
import ZooKeeper

/// `pod-scheduler local-cluster`: the embedded single-node Mesos of `--master local` as a
/// process of its own, like `mesos-local`. Several schedulers can share it, and be killed
/// and restarted while it and its executors keep running.
struct LocalClusterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "local-cluster",
        _superCommandName: "pod-scheduler",
        abstract: "Run the embedded single-node Mesos (one master, one agent) on its own, for schedulers started with --master.",
        discussion: """
            Prints the master URL on stdout once it serves (http://127.0.0.1:5050); point schedulers at it \
            with `pod-scheduler --master <url> --work-dir <their own state dir>`. SIGTERM or SIGINT stops the master \
            and the agent as SIGTERM stops mesos-master and mesos-agent: executors and their pods keep running, and \
            re-subscribe when the cluster is started again on the same --work-dir within 15 minutes. Started again \
            after a crash (kill -9), it recovers the executors it had checkpointed.

            With --zk the masters register in ZooKeeper as Mesos masters do (an ephemeral sequential json.info_ node \
            each, holding its MasterInfo JSON), and schedulers find the leader with --master zk://…. With --masters N \
            (N > 1) the first master listens on --master-port and the others on free ports (all listed in the log); the \
            one the group elects leads and the others answer schedulers as Mesos standbys do (307 to the leader, or 503 \
            No leader elected). SIGUSR1 crashes the leading master: it stops serving, its connections close and its \
            node goes; another master takes over, the agent re-registers with it (frameworks, executors, tasks), and \
            schedulers re-subscribe. A new master instance takes the crashed one's port as a standby. A leading master \
            that loses its ZooKeeper session aborts the same way. Executors and pods keep running throughout.
            """)

    @Option(name: .customLong("work-dir"), help: "The agent's state: checkpoints and sandboxes under <work-dir>/agent, images under <work-dir>/images.")
    var workDir: String = "/var/lib/pod-scheduler/local-cluster"

    @Option(help: "IPv4 address the master and the agent listen on, and the agent's hostname in offers.")
    var address: String = "127.0.0.1"

    @Option(name: .customLong("master-port"), help: "Port of the master's scheduler API (0: any free port).")
    var masterPort: Int = 5050

    @Option(name: .customLong("agent-port"), help: "Port of the agent's executor API (fixed: executors re-subscribe to it after a restart).")
    var agentPort: Int = 5051

    @Option(help: "CPUs to offer (default: this machine's).")
    var cpus: Double?

    @Option(name: .customLong("mem"), help: "Memory to offer in MiB (default: this machine's minus 1 GiB).")
    var memory: Double?

    @Option(help: "Disk to offer in MiB.")
    var disk: Double = 20000

    @Option(help: "Port ranges to offer.")
    var ports: String = "31000-32000"

    @Option(help: "pod-executor on this machine, run with --cleanup after an executor ended abnormally (default: the one installed with pod-scheduler). Schedulers name the executor their tasks run with their own --executor.")
    var executor: String?

    @Option(name: .customLong("image-store"), help: "The executors' image store (default <work-dir>/images).")
    var imageStore: String?

    @Option(name: .customLong("cni-config-dir"), help: "CNI network configurations for pods on container networks.")
    var cniConfigDir: String = "/etc/mesos-pods/cni"

    @Option(name: .customLong("docker-registry"),
            help: "Pull Docker Hub images (those naming no registry) from this registry host[:port] instead, as Mesos' --docker_registry.")
    var dockerRegistry: String?

    @Option(help: "Require HTTP framework authentication: a Mesos credentials file ({\"credentials\": [{\"principal\", \"secret\"}]}), as the master's --credentials with --authenticate_http_frameworks.")
    var credentials: String?

    @Option(help: "Register the masters in ZooKeeper as Mesos masters do: zk://[user:password@]host:2181[,host:2181…]/mesos (or file:///path holding it). The credentials (ZooKeeper digest; the nodes get Mesos' ACLs: world-readable, writable by their creator) are never shown.")
    var zk: String?

    @Option(help: "How many masters to run over the agent (more than one needs --zk); the one ZooKeeper elects leads.")
    var masters: Int = 1

    @Option(name: .customLong("zk-session-timeout"),
            help: "The masters' ZooKeeper session timeout in seconds (Mesos' --zk_session_timeout). A leading master that loses its session aborts.")
    var zkSessionTimeout: Double = 10

    @Option(name: .customLong("log-level"), help: "trace, debug, info, warning, error.")
    var logLevel: String = "info"

    func run() async throws {
        let configuration: LocalCluster.Configuration
        let level: Logger.Level
        do {
            // Reached through the root's parser only when something precedes `local-cluster`:
            // the root would have taken options meant for us (see PodSchedulerCommand.main).
            guard CommandLine.arguments.dropFirst().first == Self.configuration.commandName else {
                throw SchedulerConfiguration.Problems(list: ["local-cluster must be the first argument: pod-scheduler local-cluster [options]"])
            }
            (configuration, level) = try settings()
        } catch let problems as SchedulerConfiguration.Problems {
            throw ProcessStartup.refuse(problems, command: "pod-scheduler local-cluster")
        }
        ProcessStartup.bootstrapLogging(level: level)
        try await LocalClusterMain.run(configuration, logger: Logger(label: "pod-scheduler"))
    }

    /// Every problem with the command line, found before anything starts.
    func settings() throws -> (LocalCluster.Configuration, Logger.Level) {
        var problems: [String] = []
        ProcessStartup.prepareWorkDirectory(workDir, problems: &problems)
        let flags = LocalCluster.Configuration.Flags(
            prefix: "--", address: address, cpus: cpus, memory: memory, disk: disk, ports: ports, masterPort: masterPort,
            agentPort: agentPort, cniConfigDirectory: cniConfigDir, dockerRegistry: dockerRegistry, imageStore: imageStore)
        var configuration = LocalCluster.Configuration(workDirectory: workDir, flags: flags, problems: &problems)
        if agentPort == 0 { problems.append("--agent-port: 0 is not allowed: executors re-subscribe to the same port after a restart") }
        if let executor {
            if !executor.hasPrefix("/") || !FileManager.default.isExecutableFile(atPath: executor) {
                problems.append("--executor: \(executor) is not an executable file given by its absolute path")
            }
            configuration.cleanupExecutor = executor
        } else if let found = SchedulerConfiguration.executorNextToUs() {
            configuration.cleanupExecutor = found
        } else {
            problems.append("--executor: not given and no pod-executor next to pod-scheduler")
        }
        if let credentials {
            do {
                configuration.master.frameworkCredentials = try MesosCredentials(contentsOf: credentials)
            } catch {
                problems.append("--credentials: \(error)")
            }
        }
        zooKeeperSettings(&configuration, problems: &problems)
        let level = Logger.Level(rawValue: logLevel.lowercased())
        if level == nil { problems.append("--log-level: '\(logLevel)' is not one of trace, debug, info, warning, error") }
        guard problems.isEmpty, let level else { throw SchedulerConfiguration.Problems(list: problems) }
        return (configuration, level)
    }

    /// `--zk`, `--masters`, `--zk-session-timeout`.
    private func zooKeeperSettings(_ configuration: inout LocalCluster.Configuration, problems: inout [String]) {
        if let zk {
            do {
                configuration.zooKeeper = try ZooKeeperURL.resolve(zk)
            } catch {
                problems.append("--zk: \(error)")
            }
        }
        if !(1...9).contains(masters) {
            problems.append("--masters: \(masters) is not between 1 and 9")
        } else if masters > 1 && zk == nil {
            problems.append("--masters: more than one master needs --zk (the masters elect their leader in ZooKeeper)")
        }
        configuration.masterCount = masters
        if !(zkSessionTimeout >= 0.1 && zkSessionTimeout <= 600) {
            problems.append("--zk-session-timeout: \(zkSessionTimeout) is not a number of seconds between 0.1 and 600")
        } else {
            configuration.zooKeeperSessionTimeout = .milliseconds(Int64(zkSessionTimeout * 1000))
        }
    }
}
