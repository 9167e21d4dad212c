import Logging
import PodSystem
import Primitives
#if canImport(Glibc)
import Glibc
#endif

/// Joins network namespaces to CNI networks and takes them off again, the way Mesos'
/// `network/cni` isolator does: configurations by name from a directory, plugins from a
/// search path, ADD through a configuration list in order (each plugin gets the previous
/// plugin's result), DEL in reverse order with the cached result, CHECK with it.
///
/// Every attachment is recorded under ``Configuration/stateDirectory`` *before* ADD runs,
/// so ``cleanup(containerID:)`` can DEL it after a crash at any point — even when the
/// namespace is already gone, which CNI allows (`CNI_NETNS` is then empty).
///
/// The value is immutable and all state is on disk; operations on different containers
/// may run concurrently. Operations on the same container are the caller's to serialise.
public struct CNI: Sendable {
    /// Where configurations, plugins and state live.
    public struct Configuration: Sendable {
        /// The operator's configuration directory (`--network_cni_config_dir`).
        public var configDirectory: String
        /// Plugin directories searched in order (`--network_cni_plugins_dir`), e.g. `/usr/lib/cni`.
        public var pluginDirectories: [String]
        /// Attachment records and generated configurations (see ``CNIAttachmentStore``).
        public var stateDirectory: String
        /// The network generated when no configuration is named `mesos-bridge`.
        public var defaultBridge: MesosBridgeNetwork
        /// A plugin still running after this is killed.
        public var pluginTimeout: Duration
        /// `PATH` for plugins (they run `iptables`) and for the masquerade sweep.
        public var hostPath: String

        /// A configuration with defaults for the bridge network, timeout and `PATH`.
        public init(configDirectory: String, pluginDirectories: [String], stateDirectory: String,
                    defaultBridge: MesosBridgeNetwork = MesosBridgeNetwork(), pluginTimeout: Duration = .seconds(60),
                    hostPath: String = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin") {
            self.configDirectory = configDirectory
            self.pluginDirectories = pluginDirectories
            self.stateDirectory = stateDirectory
            self.defaultBridge = defaultBridge
            self.pluginTimeout = pluginTimeout
            self.hostPath = hostPath
        }
    }

    /// The configuration.
    public let configuration: Configuration
    let logger: Logger
    let store: CNIAttachmentStore
    let runner: CNIPluginRunner

    /// Creates the CNI front end.
    public init(configuration: Configuration, logger: Logger = Logger(label: "pod.cni")) {
        self.configuration = configuration
        self.logger = logger
        store = CNIAttachmentStore(stateDirectory: configuration.stateDirectory)
        runner = CNIPluginRunner(searchPath: configuration.pluginDirectories, hostPath: configuration.hostPath,
                                 timeout: configuration.pluginTimeout)
    }

    /// The configuration of network `name`: from the configuration directory, else the
    /// generated default bridge network when `name` is its name.
    public func networkConfig(named name: String) throws(PodNetworkingError) -> CNINetworkConfig {
        let directory = CNIConfigDirectory(path: configuration.configDirectory)
        if let config = try directory.lookup(name) { return config }
        if name == configuration.defaultBridge.name {
            return try configuration.defaultBridge.install(stateDirectory: configuration.stateDirectory)
        }
        throw directory.notFound(name)
    }

    /// Attaches the namespace at `netnsPath` to network `network` as `interfaceName` and
    /// returns the result (addresses, interfaces, DNS).
    ///
    /// - Parameters:
    ///   - portMappings: passed as the `portMappings` capability to plugins that declare it.
    ///   - args: `CNI_ARGS` pairs (`IgnoreUnknown=1` is the caller's choice).
    ///   - labels: the network's labels, passed like Mesos does as
    ///     `args["org.apache.mesos"].network_info` in each plugin's configuration.
    /// If a plugin fails, the plugins already run are undone (DEL) before the error is thrown.
    public func attach(network: String, containerID: String, netnsPath: String, interfaceName: String,
                       portMappings: [CNIPortMapping] = [], args: [String: String] = [:],
                       labels: [String: String] = [:]) async throws(PodNetworkingError) -> CNIResult {
        try Self.validate(containerID: containerID, interfaceName: interfaceName, args: args)
        for mapping in portMappings { try mapping.validate() }
        guard netnsPath.hasPrefix("/"), Self.isNetworkNamespace(netnsPath) else {
            throw PodNetworkingError(.invalidArgument,
                                     "cannot attach container \(containerID) to network '\(network)': \(netnsPath) is not a network namespace")
        }
        let config = try networkConfig(named: network)
        // Every plugin must exist before anything runs: a chain that stops at a missing
        // plugin would leave the earlier plugins' work to undo.
        for type in config.pluginTypes { _ = try runner.locate(type, network: network) }
        for existing in try store.all(containerID: containerID) {
            if existing.interfaceName == interfaceName || existing.network == network {
                throw PodNetworkingError(.invalidArgument,
                                         "container \(containerID) is already attached to network '\(existing.network)' as \(existing.interfaceName)")
            }
        }
        var attachment = CNIAttachment(containerID: containerID, network: network, interfaceName: interfaceName,
                                       netnsPath: netnsPath, config: config.document,
                                       cniArgs: args.sorted { $0.key < $1.key }.map { [$0.key, $0.value] },
                                       portMappings: portMappings,
                                       args: Self.mesosArgs(network: network, labels: labels, portMappings: portMappings),
                                       result: nil)
        try store.save(attachment)
        var metadata: Logger.Metadata = ["cni.network": "\(network)", "cni.container_id": "\(containerID)",
                                         "cni.ifname": "\(interfaceName)"]
        // Plugins whose ADD finished; the one that failed is expected to undo its own work.
        var completed = 0
        var previous: JSONValue?
        do throws(PodNetworkingError) {
            for (index, type) in config.pluginTypes.enumerated() {
                completed = index
                let input = config.pluginInput(index: index, prevResult: previous,
                                               runtimeConfig: Self.runtimeConfig(portMappings), args: attachment.args)
                let output = try await runner.run(.init(command: .add, network: network, pluginType: type,
                                                        containerID: containerID, netnsPath: netnsPath,
                                                        interfaceName: interfaceName, cniArgs: attachment.cniArgPairs,
                                                        input: input))
                guard let output else {
                    throw PodNetworkingError(.invalidPluginOutput,
                                             "CNI plugin '\(type)' (ADD) for container \(containerID), network '\(network)' printed no result")
                }
                previous = output
            }
            completed = config.pluginTypes.count
            guard let final = previous else {
                throw PodNetworkingError(.invalidConfiguration, "network '\(network)' has no plugins")
            }
            let result = try CNIResult(json: final)
            attachment.result = final
            try store.save(attachment)
            metadata["cni.ips"] = "\(result.ips.map(\.address).joined(separator: ","))"
            logger.info("cni attached", metadata: metadata)
            return result
        } catch {
            metadata["error"] = "\(error.message)"
            logger.warning("cni attach failed, undoing", metadata: metadata)
            // DEL gets the last result there was, so later plugins see what earlier ones made.
            attachment.result = previous
            do throws(PodNetworkingError) {
                try await delete(attachment, completedPlugins: completed)
            } catch let rollback {
                var failed = error
                failed.message += " (undoing the partial attachment also failed, it is kept for cleanup: \(rollback.message))"
                throw failed
            }
            store.removeContainerIfEmpty(containerID)
            throw error
        }
    }

    /// Detaches one interface using its cached record; nothing to do if there is none.
    public func detach(containerID: String, interfaceName: String) async throws(PodNetworkingError) {
        try Self.validate(containerID: containerID, interfaceName: interfaceName, args: [:])
        guard let attachment = try store.load(containerID: containerID, interfaceName: interfaceName) else { return }
        try await delete(attachment)
        store.removeContainerIfEmpty(containerID)
    }

    /// Runs CHECK for one interface with its cached result. Skipped (no error) when the
    /// configuration's version predates CHECK (0.4.0) or it sets `disableCheck`.
    public func check(containerID: String, interfaceName: String) async throws(PodNetworkingError) {
        try Self.validate(containerID: containerID, interfaceName: interfaceName, args: [:])
        guard let attachment = try store.load(containerID: containerID, interfaceName: interfaceName) else {
            throw PodNetworkingError(.invalidArgument, "container \(containerID) has no interface \(interfaceName) attached")
        }
        guard let result = attachment.result else {
            throw PodNetworkingError(.state, "the attachment of container \(containerID) as \(interfaceName) never completed")
        }
        let config = try CNINetworkConfig(document: attachment.config, source: "cached configuration of \(attachment.network)")
        guard config.supportsCheck, !config.disableCheck else { return }
        for (index, type) in config.pluginTypes.enumerated() {
            let input = config.pluginInput(index: index, prevResult: result,
                                           runtimeConfig: Self.runtimeConfig(attachment.portMappings), args: attachment.args)
            _ = try await runner.run(.init(command: .check, network: attachment.network, pluginType: type,
                                           containerID: containerID, netnsPath: attachment.netnsPath,
                                           interfaceName: interfaceName, cniArgs: attachment.cniArgPairs, input: input))
        }
    }

    /// The recorded attachments of a container, in interface order.
    public func attachments(containerID: String) throws(PodNetworkingError) -> [CNIAttachment] {
        try Self.validate(containerID: containerID, interfaceName: nil, args: [:])
        return try store.all(containerID: containerID)
    }

    /// Containers that still have attachment records (to sweep after a restart).
    public func containersWithAttachments() -> [String] {
        store.containerIDs()
    }

    /// DELs every recorded attachment of a container in reverse interface order, whether or
    /// not its namespace still exists, and removes the records. Idempotent. Every
    /// attachment is tried; the error lists all that failed (their records are kept).
    public func cleanup(containerID: String) async throws(PodNetworkingError) {
        try Self.validate(containerID: containerID, interfaceName: nil, args: [:])
        var failures: [PodNetworkingError] = []
        for attachment in try store.all(containerID: containerID).reversed() {
            do throws(PodNetworkingError) {
                try await delete(attachment)
            } catch {
                failures.append(error)
            }
        }
        store.removeContainerIfEmpty(containerID)
        if let first = failures.first {
            var error = first
            if failures.count > 1 {
                error.message = "cleanup of container \(containerID) failed for \(failures.count) networks: "
                    + failures.map(\.message).joined(separator: "; ")
            }
            throw error
        }
    }

    /// DEL through the chain in reverse order with the cached result. All plugins are run
    /// even if one fails, so one broken plugin does not leak what the others hold.
    ///
    /// When undoing a failed ADD, `completedPlugins` is how many plugins finished ADD: a
    /// DEL failure of the plugin that failed (or of one never run) is logged, not kept — a
    /// plugin cleans up after its own failed ADD, and a configuration a plugin rejects would
    /// otherwise keep a record that can never be deleted.
    func delete(_ attachment: CNIAttachment, completedPlugins: Int? = nil) async throws(PodNetworkingError) {
        let config = try CNINetworkConfig(document: attachment.config,
                                          source: "cached configuration of network '\(attachment.network)'")
        let namespacePresent = Self.isNetworkNamespace(attachment.netnsPath)
        var failures: [PodNetworkingError] = []
        for (index, type) in config.pluginTypes.enumerated().reversed() {
            let input = config.pluginInput(index: index, prevResult: attachment.result,
                                           runtimeConfig: Self.runtimeConfig(attachment.portMappings), args: attachment.args)
            do throws(PodNetworkingError) {
                _ = try await runner.run(.init(command: .del, network: attachment.network, pluginType: type,
                                               containerID: attachment.containerID,
                                               netnsPath: namespacePresent ? attachment.netnsPath : "",
                                               interfaceName: attachment.interfaceName, cniArgs: attachment.cniArgPairs,
                                               input: input))
            } catch {
                if let completedPlugins, index >= completedPlugins {
                    logger.warning("cni undo of a failed plugin failed",
                                   metadata: ["cni.container_id": "\(attachment.containerID)", "error": "\(error.message)"])
                } else {
                    failures.append(error)
                }
            }
        }
        if !namespacePresent {
            // Plugins that find the interface through the namespace (bridge, ptp) skip their
            // masquerade teardown when it is gone; remove those rules by their CNI comment.
            await MasqueradeRuleSweeper(hostPath: configuration.hostPath, logger: logger)
                .sweep(network: attachment.network, containerID: attachment.containerID)
        }
        let metadata: Logger.Metadata = ["cni.network": "\(attachment.network)",
                                         "cni.container_id": "\(attachment.containerID)",
                                         "cni.ifname": "\(attachment.interfaceName)",
                                         "cni.netns_present": "\(namespacePresent)"]
        if let first = failures.first {
            logger.warning("cni detach failed", metadata: metadata.merging(["error": "\(first.message)"]) { $1 })
            throw first
        }
        store.remove(containerID: attachment.containerID, interfaceName: attachment.interfaceName)
        logger.info("cni detached", metadata: metadata)
    }

    static func runtimeConfig(_ portMappings: [CNIPortMapping]) -> [String: JSONValue] {
        portMappings.isEmpty ? [:] : ["portMappings": .array(portMappings.map(\.json))]
    }

    /// Mesos passes the `NetworkInfo` to plugins as `args["org.apache.mesos"].network_info`
    /// (MESOS-5254), in protobuf JSON with field names as declared.
    static func mesosArgs(network: String, labels: [String: String], portMappings: [CNIPortMapping]) -> [String: JSONValue] {
        var info: JSONObject = ["name": .string(network)]
        if !labels.isEmpty {
            info["labels"] = .object(["labels": .array(labels.sorted { $0.key < $1.key }.map {
                .object(["key": .string($0.key), "value": .string($0.value)])
            })])
        }
        if !portMappings.isEmpty {
            info["port_mappings"] = .array(portMappings.map {
                .object(["host_port": .int($0.hostPort), "container_port": .int($0.containerPort),
                         "protocol": .string($0.protocol)])
            })
        }
        return ["org.apache.mesos": .object(["network_info": .object(info)])]
    }
}
