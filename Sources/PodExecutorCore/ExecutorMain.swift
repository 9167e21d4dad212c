import AsyncHTTPClient
import Foundation
import Logging
import MesosHTTP
import MesosProtocol
import NIOPosix
import ImageStore
import PodRuntime
import PodSystem
import Primitives

/// Builds the executor's components from its configuration and runs it.
public enum ExecutorMain {
    public static func run(configuration: ExecutorConfiguration, logger: Logger) async -> Int32 {
        // One event-loop thread is plenty for an executor (HTTP checks, image pulls, a TLS
        // agent), and it is started only when one of those first needs it: building the
        // group and channel pipelines costs every executor ~1.5 ms of start-up, mostly the
        // Swift runtime's first-time conformance lookups. A plain-HTTP agent is reached
        // over blocking sockets on threads of their own.
        let eventLoops = OnFirstUse<MultiThreadedEventLoopGroup> { MultiThreadedEventLoopGroup(numberOfThreads: 1) }
        let transport = ExecutorAgentClient.transport(for: configuration.agentEndpoint, makeEventLoopGroup: { eventLoops.value })
        let client = ExecutorAgentClient(endpoint: configuration.agentEndpoint, encoding: configuration.encoding,
                                         frameworkID: Mesos_V1_FrameworkID(configuration.frameworkID),
                                         executorID: Mesos_V1_ExecutorID(configuration.executorID),
                                         authenticationToken: configuration.authenticationToken, transport: transport)
        var cgroupParent: Cgroup?
        if configuration.cgroupsEnabled {
            do {
                let own = try Cgroup.ofCurrentProcess()
                let prepared = try own.prepareForChildren()
                cgroupParent = prepared.parent
                if !prepared.missing.isEmpty {
                    logger.warning("cgroup controllers not delegated to the executor; their limits are not enforced",
                                   metadata: ["cgroup.missing": "\(prepared.missing.joined(separator: ","))"])
                }
            } catch {
                logger.warning("per-container cgroups disabled: cannot use this process's cgroup", metadata: ["error": "\(error)"])
            }
        }
        let podConfiguration0 = PodConfiguration(
            executorID: configuration.executorID, sandbox: configuration.directory,
            runtimeDirectory: configuration.runtimeDirectory,
            networkNamespaceDirectory: configuration.networkNamespaceDirectory,
            hostname: ProcessInfo.processInfo.hostName,
            seccompProfileDirectory: configuration.seccompProfileDirectory, cgroupParent: cgroupParent)
        var podConfiguration = podConfiguration0
        podConfiguration.cniConfigDirectory = configuration.cniConfigDirectory
        podConfiguration.cniPluginDirectories = configuration.cniPluginDirectories
        podConfiguration.logRotation = configuration.logRotation
        var hooks = PodHooks()
        let imageRoot = configuration.imageStoreDirectory ?? Self.defaultImageStore(sandbox: configuration.directory)
        // Made on the first pull: a pod without images never builds an HTTP client.
        let imageClient = RegistryHTTPClient(makingOnFirstUse: {
            var imageClientConfig = HTTPClient.Configuration()
            imageClientConfig.redirectConfiguration = .disallow
            imageClientConfig.timeout = .init(connect: .seconds(10), read: .seconds(60))
            return HTTPClient(eventLoopGroupProvider: .shared(eventLoops.value), configuration: imageClientConfig)
        })
        do {
            var storeConfiguration = ImageStoreConfiguration(rootDirectory: imageRoot)
            storeConfiguration.registryMirrors = configuration.registryMirrors
            storeConfiguration.insecureRegistries = configuration.insecureRegistries
            hooks.imageStore = try ImageStore(configuration: storeConfiguration, http: imageClient,
                                              logger: logger)
        } catch {
            logger.warning("image store unavailable; containers with images will fail", metadata: ["path": "\(imageRoot)", "error": "\(error)"])
        }
        // This executor's pod is alive for as long as it holds this lock (so other
        // executors' collectors skip it without reading its state); then pods of executors
        // that died without tearing down are cleaned up.
        if !PodGarbageCollector.holdLivenessLock(runtimeDirectory: configuration.runtimeDirectory, executorID: configuration.executorID) {
            logger.warning("cannot hold the pod's liveness lock; collectors will check the executor pid instead")
        }
        let collector = PodGarbageCollector(runtimeDirectory: configuration.runtimeDirectory,
                                            cniConfigDirectory: configuration.cniConfigDirectory,
                                            cniPluginDirectories: configuration.cniPluginDirectories,
                                            imageStore: hooks.imageStore, logger: logger)
        let collected = await collector.collect(keep: configuration.executorID)
        if !collected.isEmpty {
            logger.info("cleaned up pods of dead executors", metadata: ["count": "\(collected.count)"])
        }
        let pod = Pod(configuration: podConfiguration, logger: logger, hooks: hooks)
        let secretsClient = configuration.secretsEndpoint.map {
            InstanceSecretsClient(endpoint: $0, caFile: configuration.secretsCAFile, executorID: configuration.executorID,
                                  makeEventLoopGroup: { eventLoops.value })
        }
        let executor = Executor(configuration: configuration, client: client, pod: pod,
                                healthProber: HealthProber(makingEventLoopGroup: { eventLoops.value }),
                                secretsClient: secretsClient, logger: logger)
        let code = await executor.run()
        await client.shutdown()
        await imageClient.shutdownIfMade()
        try? await eventLoops.ifMade?.shutdownGracefully()
        return code
    }

    /// The image store lives under the agent's work directory (shared by every executor
    /// on the agent): `<work_dir>/pod-images`, found from the sandbox path
    /// `<work_dir>/slaves/<agent>/frameworks/…`.
    static func defaultImageStore(sandbox: String) -> String {
        // A byte search: Foundation's `range(of:)` would bring NSString and CFString code
        // into every executor's start for this one lookup.
        let path = Array(sandbox.utf8), marker = Array("/slaves/".utf8)
        if path.count >= marker.count {
            for start in 0...(path.count - marker.count) where path[start..<start + marker.count].elementsEqual(marker) {
                return String(decoding: path[..<start], as: UTF8.self) + "/pod-images"
            }
        }
        return "/var/lib/mesos-pods/images"
    }
}

extension ExecutorMain {
    /// `pod-executor --cleanup`: collects the pods of dead executors and exits.
    public static func cleanup(runtimeDirectory: String, cniConfigDirectory: String, cniPluginDirectories: [String],
                               imageStoreDirectory: String?, logger: Logger) async -> Int32 {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let client = RegistryHTTPClient(makingOnFirstUse: { HTTPClient(eventLoopGroupProvider: .shared(group)) })
        var store: ImageStore?
        if let imageStoreDirectory {
            store = try? ImageStore(configuration: ImageStoreConfiguration(rootDirectory: imageStoreDirectory), http: client, logger: logger)
        }
        let collected = await PodGarbageCollector(runtimeDirectory: runtimeDirectory, cniConfigDirectory: cniConfigDirectory,
                                                  cniPluginDirectories: cniPluginDirectories, imageStore: store, logger: logger).collect()
        logger.info("cleanup finished", metadata: ["collected": "\(collected.joined(separator: ","))"])
        await client.shutdownIfMade()
        try? await group.shutdownGracefully()
        return 0
    }
}
