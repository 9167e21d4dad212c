import ArgumentParser
import AsyncHTTPClient
import ImageStore
import PodCtlKit
import PodRuntime
import PodSystem

/// `podctl agent gc`: cleans up after pod executors that died without tearing their pods
/// down, as `pod-executor --cleanup` does.
public struct AgentGCCommand: ContextualCommand {
    /// `gc`.
    public static let configuration = CommandConfiguration(
        commandName: "gc",
        abstract: "Clean up the pods of dead executors: processes, cgroups, CNI attachments, network namespaces, rootfs, image holds.",
        discussion: """
            The same collection every pod-executor runs at start-up and the embedded agent \
            runs with 'pod-executor --cleanup'. Pods whose executor still runs are left \
            alone; network attachments without any pod state are collected once two \
            minutes old.
            """)

    @OptionGroup var agent: AgentOptions
    @OptionGroup var store: ImageStoreOptions

    /// `--cni-config-dir`.
    @Option(name: .customLong("cni-config-dir"), help: ArgumentHelp("CNI network configurations (POD_EXECUTOR_CNI_CONFIG_DIR).", valueName: "dir"))
    var cniConfigDirectory = "/etc/mesos-pods/cni"

    /// `--cni-plugin-dir`.
    @Option(name: .customLong("cni-plugin-dir"), help: ArgumentHelp("CNI plugin directories, colon-separated (POD_EXECUTOR_CNI_PLUGIN_DIR).",
                                                                   valueName: "dirs"))
    var cniPluginDirectories = "/usr/lib/cni:/opt/cni/bin"

    /// The command (ArgumentParser creates it).
    public init() {}

    /// Collects.
    public func run(in context: CommandContext) async throws {
        guard Directory.exists(agent.runtimeDirectory) else {
            context.output.line("Nothing to collect: \(agent.runtimeDirectory) does not exist")
            return
        }
        let storeDirectory = store.directory(environment: context.environment)
        let logger = SinkLogHandler.logger(context.errors, label: "podctl.gc", level: .error)
        let client = ImageStoreOptions.makeClient()
        // Image holds of collected pods are released only when the store exists.
        let imageStore = Directory.isDirectory(storeDirectory)
            ? try? ImageStore(configuration: ImageStoreConfiguration(rootDirectory: storeDirectory), httpClient: client, logger: logger)
            : nil
        let collector = PodGarbageCollector(runtimeDirectory: agent.runtimeDirectory, cniConfigDirectory: cniConfigDirectory,
                                            cniPluginDirectories: cniPluginDirectories.split(separator: ":").map(String.init),
                                            imageStore: imageStore, logger: logger)
        let collected = await collector.collect()
        try? await client.shutdown()
        if collected.isEmpty {
            context.output.line("Nothing to collect")
        } else {
            for id in collected { context.output.line("Collected \(AgentPodInstance.instanceName(executorID: id))") }
        }
    }
}
