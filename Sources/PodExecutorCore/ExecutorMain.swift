import AsyncHTTPClient
import Foundation
import Logging
import MesosHTTP
import MesosProtocol
import NIOPosix
import PodRuntime
import PodSystem

/// Builds the executor's components from its configuration and runs it.
public enum ExecutorMain {
    public static func run(configuration: ExecutorConfiguration, logger: Logger) async -> Int32 {
        // One event-loop thread is plenty for an executor: an agent connection and
        // health probes. It keeps the executor's footprint small.
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let httpClient = ExecutorAgentClient.makeHTTPClient(eventLoopGroup: group)
        let client = ExecutorAgentClient(endpoint: configuration.agentEndpoint, encoding: configuration.encoding,
                                         frameworkID: Mesos_V1_FrameworkID(configuration.frameworkID),
                                         executorID: Mesos_V1_ExecutorID(configuration.executorID),
                                         authenticationToken: configuration.authenticationToken, httpClient: httpClient)
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
        let podConfiguration = PodConfiguration(
            executorID: configuration.executorID, sandbox: configuration.directory,
            runtimeDirectory: configuration.runtimeDirectory,
            networkNamespaceDirectory: configuration.networkNamespaceDirectory,
            hostname: ProcessInfo.processInfo.hostName,
            seccompProfileDirectory: configuration.seccompProfileDirectory, cgroupParent: cgroupParent)
        let pod = Pod(configuration: podConfiguration, logger: logger, hooks: PodHooks())
        let executor = Executor(configuration: configuration, client: client, pod: pod,
                                healthProber: HealthProber(eventLoopGroup: group), logger: logger)
        let code = await executor.run()
        try? await httpClient.shutdown()
        try? await group.shutdownGracefully()
        return code
    }
}
