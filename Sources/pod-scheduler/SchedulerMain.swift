import AsyncHTTPClient
import Foundation
import Hummingbird
import LocalMesos
import Logging
import MasterDetection
import MesosHTTP
import MesosProtocol
import PodSchedulerAPI
import PodSchedulerCore
import PodSpec
import ServiceLifecycle
import ZooKeeper

/// Wires the scheduler: the embedded Mesos (with `--master local`), the framework, and
/// the REST API, then serves until SIGTERM/SIGINT.
enum SchedulerMain {
    static func run(_ settings: SchedulerConfiguration, logger: Logger) async throws {
        var masters: [MesosEndpoint] = []
        var localCluster: LocalCluster?
        var detector: MasterDetector?
        switch settings.master {
        case .remote(let list):
            masters = list
        case .local:
            let cluster = try await LocalCluster.start(settings.localCluster, logger: logger)
            masters = [cluster.masterEndpoint]
            localCluster = cluster
        case .zooKeeper(let url):
            detector = await startDetector(url, settings: settings, logger: logger)
        }

        let config = schedulerConfiguration(settings, localCluster: localCluster)
        let httpClient = SchedulerMasterClient.makeHTTPClient(tlsConfiguration: settings.mesosSecurity.tlsConfiguration)
        let client = SchedulerMasterClient(masters: masters, httpClient: httpClient, credential: settings.mesosSecurity.credential)
        do {
            if let ha = settings.highAvailability {
                try await runHighlyAvailable(ha, config: config, settings: settings, masters: masters, client: client,
                                             locator: detector, logger: logger)
            } else {
                try await runSingle(config: config, settings: settings, masters: masters, client: client, locator: detector,
                                    logger: logger)
            }
        } catch {
            await detector?.stop()
            await localCluster?.stop()
            try? await httpClient.shutdown()
            throw error
        }
        await detector?.stop()
        await localCluster?.stop()
        try? await httpClient.shutdown()
    }

    /// The scheduler's configuration from the settings.
    private static func schedulerConfiguration(_ settings: SchedulerConfiguration, localCluster: LocalCluster?) -> Scheduler.Configuration {
        var config = Scheduler.Configuration(executorCommand: settings.executorCommand)
        config.frameworkName = settings.frameworkName
        config.user = settings.user
        config.role = settings.role
        config.secretsDirectory = settings.secretsDirectory
        config.secretsURL = settings.secretsURL
        config.secretsCAFile = settings.secretsCAFile
        config.specOptions = PodSpecConfiguration(defaultNetworkName: settings.defaultNetworkName, mesosRole: settings.role)
        config.builderOptions.logRotation = settings.logRotation
        config.masterURL = localCluster?.masterEndpoint.description ?? settings.masterDescription
        config.httpPort = settings.listeners.primaryPort
        config.hostname = settings.hostname
        config.webuiURL = settings.listeners.baseURL(host: settings.hostname)
        config.principal = settings.mesosSecurity.principal
        return config
    }

    /// One instance (no `--zk`): the state in SQLite in `--work-dir`, always the leader.
    private static func runSingle(config: Scheduler.Configuration, settings: SchedulerConfiguration, masters: [MesosEndpoint],
                                  client: SchedulerMasterClient, locator: (any MasterLocator)?, logger: Logger) async throws {
        let scheduler = try await Scheduler(configuration: config, databasePath: settings.workDirectory + "/state.db", logger: logger)
        await scheduler.start(masters: masters, client: client, locator: locator)
        let base = settings.listeners.baseURL(host: settings.httpAddress)
        var apiConfig = APIConfiguration(specOptions: config.specOptions, baseURL: base, leaderURL: base,
                                         authentication: settings.authentication)
        apiConfig.listeners = .init(httpPort: settings.listeners.httpPort, httpsPort: settings.listeners.httpsPort)
        apiConfig.permissions = settings.permissions
        Self.warnIfOpen(settings, logger: logger)
        Self.warnIfSecretsUnreachable(settings, logger: logger)
        let api = PodsAPI(service: scheduler, configuration: apiConfig, logger: logger)
        do {
            try await serveAPI(api, settings: settings, logger: logger)
        } catch {
            logger.error("HTTP server failed", metadata: ["error": "\(error)"])
        }
        logger.info("shutting down")
        await scheduler.stop()
    }

    /// `--master zk://…` (or a `file://` naming one): the leading master detected in
    /// ZooKeeper, reached over `https` with `--mesos-ca-file`.
    private static func startDetector(_ url: ZooKeeperURL, settings: SchedulerConfiguration, logger: Logger) async -> MasterDetector {
        let scheme = settings.mesosSecurity.detectedMasterScheme
        if settings.masterFromFile {
            logger.warning("--master file:// is deprecated (as in Mesos); give the zk:// URL itself")
        }
        logger.info("detecting the leading Mesos master in ZooKeeper", metadata: ["zk.url": "\(url)", "mesos.scheme": "\(scheme)"])
        let detector = MasterDetector(configuration: .init(url: url, scheme: scheme, logger: logger))
        await detector.start()
        return detector
    }
}
