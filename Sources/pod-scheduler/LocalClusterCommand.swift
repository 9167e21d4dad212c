import ArgumentParser
import Foundation
import LocalMesos
import Logging

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

    @Option(name: .customLong("log-level"), help: "trace, debug, info, warning, error.")
    var logLevel: String = "info"

    func run() async throws {
        let configuration: LocalCluster.Configuration
        let level: Logger.Level
        do {
            // Reached through the root's parser only when something precedes `local-cluster`:
            // the root would have taken options meant for us (see PodSchedulerCommand.main).
            guard CommandLine.arguments.dropFirst().first == Self.configuration.commandName else {
                throw Settings.Problems(list: ["local-cluster must be the first argument: pod-scheduler local-cluster [options]"])
            }
            (configuration, level) = try settings()
        } catch let problems as Settings.Problems {
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
        } else if let found = Settings.executorNextToUs() {
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
        let level = Logger.Level(rawValue: logLevel.lowercased())
        if level == nil { problems.append("--log-level: '\(logLevel)' is not one of trace, debug, info, warning, error") }
        guard problems.isEmpty, let level else { throw Settings.Problems(list: problems) }
        return (configuration, level)
    }
}
