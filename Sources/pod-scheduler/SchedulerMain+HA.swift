import Foundation
import Logging
import MesosHTTP
import PodSchedulerAPI
import PodSchedulerCore
import PodSchedulerHA
import ZooKeeper

extension SchedulerMain {
    /// `--zk`: this instance takes part in the election; while it leads, a scheduler over
    /// the ZooKeeper store runs (a new one each term), and while it follows, the REST API is
    /// proxied to the leader.
    static func runHighlyAvailable(_ ha: SchedulerConfiguration.HighAvailability, config: Scheduler.Configuration, settings: SchedulerConfiguration,
                                   masters: [MesosEndpoint], client: SchedulerMasterClient, locator: (any MasterLocator)?,
                                   logger: Logger) async throws {
        let own = settings.ownAddress
        let duties = SchedulerLeadership.Duties(
            load: { store, gate, events, takenOver in
                var term = config
                term.gate = gate
                term.onFrameworkTakenOver = takenOver
                return try await Scheduler(configuration: term, store: store, logger: logger, events: events)
            },
            start: { scheduler in await scheduler.start(masters: masters, client: client, locator: locator) })
        let leadership = SchedulerLeadership(
            configuration: .init(url: ha.url, sessionTimeout: ha.sessionTimeout, connectTimeout: ha.connectTimeout, ownAddress: own),
            duties: duties, frameworkName: settings.frameworkName, logger: logger)
        logger.info("high availability: joining the election", metadata: [
            "zk.url": "\(ha.url)", "zk.session.timeout": "\(ha.sessionTimeout)", "ha.address": "\(own.url)",
        ])
        let election = Task { await leadership.run() }

        var apiConfig = APIConfiguration(specOptions: config.specOptions, baseURL: own.url, authentication: settings.authentication)
        apiConfig.listeners = .init(httpPort: settings.listeners.httpPort, httpsPort: settings.listeners.httpsPort)
        apiConfig.leadership = leadership
        apiConfig.permissions = settings.permissions
        Self.warnIfOpen(settings, logger: logger)
        Self.warnIfSecretsUnreachable(settings, logger: logger)
        var proxySettings = LeaderProxy.Configuration(tls: ha.proxyTLS)
        proxySettings.leaderWait = .seconds(3)
        proxySettings.unreachableLeaderWait = ha.sessionTimeout + .seconds(3)
        let milliseconds: @Sendable (Duration) -> Int = { Int($0.components.seconds * 1000 + $0.components.attoseconds / 1_000_000_000_000_000) }
        apiConfig.highAvailability = APIConfiguration.HighAvailability(
            zooKeeperURL: ha.url.description, sessionTimeoutMilliseconds: milliseconds(ha.sessionTimeout),
            connectionTimeoutMilliseconds: milliseconds(ha.connectTimeout), maxNodeSize: zooKeeperMaximumDataSize,
            proxyConnectionTimeoutMilliseconds: milliseconds(proxySettings.connectTimeout),
            proxyReadTimeoutMilliseconds: milliseconds(proxySettings.readTimeout))
        let proxy = LeaderProxy(leadership: leadership, settings: proxySettings, logger: logger)
        let api = PodsAPI(service: leadership.service, configuration: apiConfig, logger: logger, leaderProxy: proxy)
        do {
            try await serveAPI(api, settings: settings, logger: logger)
        } catch {
            logger.error("HTTP server failed", metadata: ["error": "\(error)"])
        }
        logger.info("shutting down: leaving the election")
        await leadership.stop()
        await election.value
        await proxy.shutdown()
    }
}
