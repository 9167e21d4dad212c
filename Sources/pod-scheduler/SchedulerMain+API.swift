import Foundation
import Hummingbird
import Logging
import PodSchedulerAPI
import ServiceLifecycle
import Synchronization
import UnixSignals

extension SchedulerMain {
    /// Serves the REST API on its listeners (HTTP, HTTPS or both) until SIGTERM/SIGINT;
    /// SIGHUP re-reads the HTTPS certificate and key.
    static func serveAPI(_ api: PodsAPI, settings: SchedulerConfiguration, logger: Logger) async throws {
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        let listeners = settings.listeners
        let ready = ReadyCounter(expected: (listeners.httpPort == nil ? 0 : 1) + (listeners.tls == nil ? 0 : 1))
        let address = settings.httpAddress
        let onReady: @Sendable () -> Void = {
            guard ready.arrived() else { return }
            var metadata: Logger.Metadata = ["executor": "\(settings.executorDescription)"]
            if let port = listeners.httpPort { metadata["http.address"] = "http://\(address):\(port)" }
            if let port = listeners.httpsPort { metadata["https.address"] = "https://\(address):\(port)" }
            logger.info("pod-scheduler ready", metadata: metadata)
        }
        if let port = listeners.httpPort {
            let app = Application(router: api.buildRouter(),
                                  configuration: .init(address: .hostname(address, port: port), serverName: nil),
                                  onServerRunning: { _ in onReady() }, logger: logger)
            services.append(.init(service: app))
        }
        if let identity = listeners.tls, let port = listeners.httpsPort {
            let app = Application(router: api.buildRouter(), server: .http1(tls: identity),
                                  configuration: .init(address: .hostname(address, port: port), serverName: nil),
                                  onServerRunning: { _ in onReady() }, logger: logger)
            services.append(.init(service: app))
        }
        services.append(.init(service: CertificateReloader(identity: listeners.tls, logger: logger),
                              successTerminationBehavior: .ignore))
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint],
                                                      logger: logger))
        try await group.run()
    }
}

/// Counts listeners that are up, so "ready" is logged once all are.
private final class ReadyCounter: Sendable {
    private let state: Mutex<Int>
    init(expected: Int) { state = Mutex(expected) }
    /// True for the last listener to arrive.
    func arrived() -> Bool { state.withLock { $0 -= 1; return $0 == 0 } }
}

/// SIGHUP: the HTTPS listener's certificate and key are read again. A pair that does not
/// load is reported and the one in service stays; the scheduler never stops for it.
struct CertificateReloader: Service {
    let identity: ServerTLSIdentity?
    let logger: Logger

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        for await _ in signals.cancelOnGracefulShutdown() {
            guard let identity else {
                logger.info("SIGHUP: no TLS certificate to reload")
                continue
            }
            do {
                let loaded = try identity.reload()
                logger.info("TLS certificate reloaded", metadata: [
                    "tls.cert_file": "\(identity.certificateFile)", "tls.serial": "\(loaded.serial)",
                    "tls.not_valid_after": "\(loaded.notValidAfter)",
                ])
            } catch {
                logger.error("TLS certificate reload failed; the previous certificate stays in service", metadata: [
                    "tls.cert_file": "\(identity.certificateFile)", "tls.key_file": "\(identity.keyFile)",
                    "tls.serial": "\(identity.loaded.serial)", "error": "\(error)",
                ])
            }
        }
    }
}

extension SchedulerMain {
    /// The open default is meant for loopback: say so when it listens elsewhere.
    static func warnIfOpen(_ settings: SchedulerConfiguration, logger: Logger) {
        guard settings.authentication == .none, settings.permissions == nil else { return }
        let address = settings.httpAddress
        guard !(address == "localhost" || address == "::1" || address.hasPrefix("127.")) else { return }
        logger.warning("the REST API needs no credentials and listens beyond loopback; see --permissions-file",
                       metadata: ["http.address": "\(address)"])
    }

    /// With a remote master, executors run on other machines: a loopback secrets URL (the
    /// default with the default --http-address) is one they cannot reach, and every pod with
    /// a secret would wait for ever.
    static func warnIfSecretsUnreachable(_ settings: SchedulerConfiguration, logger: Logger) {
        if case .local = settings.master { return }
        guard let host = URLComponents(string: settings.secretsURL)?.host else { return }
        guard host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.") else { return }
        logger.warning("executors on other machines cannot reach the secrets URL; set --executor-secrets-url",
                       metadata: ["secrets.url": "\(settings.secretsURL)"])
    }
}
