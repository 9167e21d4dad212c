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
        var localCluster: LocalCluster?
        switch settings.master {
        case .remote(let list):
            masters = list
        case .local:
            let cluster = try await LocalCluster.start(settings.localCluster, logger: logger)
            masters = [cluster.masterEndpoint]
            localCluster = cluster
        }

        var config = Scheduler.Configuration(executorCommand: settings.executorCommand)
        config.frameworkName = settings.frameworkName
        config.user = settings.user
        config.role = settings.role
        config.secretsDirectory = settings.secretsDirectory
        config.specOptions = PodSpecOptions(defaultNetworkName: settings.defaultNetworkName, mesosRole: settings.role)
        config.masterURL = masters.map(\.description).joined(separator: ",")
        config.httpPort = settings.httpPort
        config.hostname = settings.httpAddress
        let scheduler = try Scheduler(configuration: config, databasePath: settings.workDirectory + "/state.db", logger: logger)
        let httpClient = SchedulerMasterClient.makeHTTPClient()
        await scheduler.start(masters: masters, client: SchedulerMasterClient(masters: masters, httpClient: httpClient))

        let base = "http://\(settings.httpAddress):\(settings.httpPort)"
        let apiConfig = APIConfiguration(specOptions: config.specOptions, baseURL: base, leaderURL: base,
                                         authentication: settings.authentication)
        let api = PodsAPI(service: scheduler, configuration: apiConfig, logger: logger)
        let app = Application(router: api.buildRouter(),
                              configuration: .init(address: .hostname(settings.httpAddress, port: settings.httpPort),
                                                   serverName: nil),
                              onServerRunning: { _ in
                                  logger.info("pod-scheduler ready", metadata: ["http.address": "\(base)",
                                                                                "executor": "\(settings.executorDescription)"])
                              },
                              logger: logger)
        do {
            try await app.runService()
        } catch {
            logger.error("HTTP server failed", metadata: ["error": "\(error)"])
        }
        logger.info("shutting down")
        await scheduler.stop()
        await localCluster?.stop()
        try? await httpClient.shutdown()
    }
}
