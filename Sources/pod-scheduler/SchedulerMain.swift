import AsyncHTTPClient
import Foundation
import Hummingbird
import LocalMesos
import Logging
import MesosHTTP
import MesosProtocol
import PodSchedulerAPI
import PodSchedulerCore
import PodSpec
import ServiceLifecycle

/// Wires the scheduler: the embedded Mesos (with `--master local`), the framework, and
/// the REST API, then serves until SIGTERM/SIGINT.
enum SchedulerMain {
    static func run(_ settings: Settings, logger: Logger) async throws {
        var masters: [MesosEndpoint]
        var localAgent: LocalAgent?
        var localMaster: LocalMaster?
        switch settings.master {
        case .remote(let list):
            masters = list
        case .local:
            var agentConfig = AgentConfiguration(workDirectory: settings.workDirectory + "/agent", cpus: settings.localCPUs,
                                                 memoryMB: settings.localMemory, diskMB: settings.localDisk)
            agentConfig.port = settings.localAgentPort
            agentConfig.hostname = "127.0.0.1"
            agentConfig.ports = settings.localPorts
            agentConfig.agentID = nil
            agentConfig.executorEnvironment = [
                "POD_EXECUTOR_IMAGE_STORE": settings.workDirectory + "/images",
                "POD_EXECUTOR_CNI_CONFIG_DIR": settings.cniConfigDirectory,
            ]
            if let registry = settings.dockerRegistry {
                agentConfig.executorEnvironment["POD_EXECUTOR_REGISTRY_MIRRORS"] = "docker.io=\(registry)"
            }
            if !settings.executorCommand.value.hasPrefix("./") {
                agentConfig.executorCleanupCommand = [settings.executorCommand.value, "--cleanup"]
            }
            let agent = LocalAgent(configuration: agentConfig, logger: logger)
            var masterConfig = LocalMaster.Configuration()
            masterConfig.port = settings.localMasterPort
            masterConfig.frameworkCredentials = settings.mesosSecurity.localCredentials
            let master = LocalMaster(agent: agent, configuration: masterConfig, logger: logger)
            await agent.setMasterLink(master)
            try await agent.start()
            let port = try await master.start()
            masters = [MesosEndpoint(host: "127.0.0.1", port: port)]
            localAgent = agent
            localMaster = master
            let agentEndpoint = await agent.endpoint
            logger.info("embedded Mesos running", metadata: ["mesos.master": "http://127.0.0.1:\(port)",
                                                             "mesos.agent": "\(agentEndpoint)"])
        }

        var config = Scheduler.Configuration(executorCommand: settings.executorCommand)
        config.frameworkName = settings.frameworkName
        config.user = settings.user
        config.role = settings.role
        config.secretsDirectory = settings.secretsDirectory
        config.specOptions = PodSpecOptions(defaultNetworkName: settings.defaultNetworkName, mesosRole: settings.role)
        config.masterURL = masters.map(\.description).joined(separator: ",")
        let base = settings.listeners.baseURL(host: settings.httpAddress)
        config.httpPort = settings.listeners.primaryPort
        config.hostname = settings.httpAddress
        config.webuiURL = base
        config.principal = settings.mesosSecurity.principal
        let scheduler = try Scheduler(configuration: config, databasePath: settings.workDirectory + "/state.db", logger: logger)
        let httpClient = SchedulerMasterClient.makeHTTPClient(tlsConfiguration: settings.mesosSecurity.tlsConfiguration)
        await scheduler.start(masters: masters, client: SchedulerMasterClient(masters: masters, httpClient: httpClient,
                                                                              credential: settings.mesosSecurity.credential))

        var apiConfig = APIConfiguration(specOptions: config.specOptions, baseURL: base, leaderURL: base,
                                         authentication: settings.authentication)
        apiConfig.listeners = .init(httpPort: settings.listeners.httpPort, httpsPort: settings.listeners.httpsPort)
        let api = PodsAPI(service: scheduler, configuration: apiConfig, logger: logger)
        do {
            try await serveAPI(api, settings: settings, logger: logger)
        } catch {
            logger.error("HTTP server failed", metadata: ["error": "\(error)"])
        }
        logger.info("shutting down")
        await scheduler.stop()
        await localMaster?.stop()
        await localAgent?.stop()
        try? await httpClient.shutdown()
    }
}
