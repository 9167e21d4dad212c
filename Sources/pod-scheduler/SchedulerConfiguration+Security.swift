import Foundation
import LocalMesos
import MesosHTTP
import NIOSSL
import PodSchedulerAPI

extension SchedulerConfiguration {
    /// The REST API's listeners: plain HTTP unless `--disable-http`, HTTPS with a
    /// certificate and key.
    struct Listeners: Sendable {
        static let defaultHTTPPort = 8080
        static let defaultHTTPSPort = 8443

        var httpPort: Int?
        var httpsPort: Int?
        /// The HTTPS listener's certificate and key (reloaded on SIGHUP).
        var tls: ServerTLSIdentity?

        /// The URL the API is reached at: HTTP when it is on (as Marathon), else HTTPS.
        func baseURL(host: String) -> String {
            if let httpPort { return "http://\(host):\(httpPort)" }
            return "https://\(host):\(httpsPort ?? Self.defaultHTTPSPort)"
        }

        /// The port of ``baseURL(host:)`` (Marathon's `hostPort`).
        var primaryPort: Int { httpPort ?? httpsPort ?? Self.defaultHTTPPort }
    }

    /// The framework's side of master authentication and TLS.
    struct MesosSecurity: Sendable {
        /// `FrameworkInfo.principal`.
        var principal: String?
        /// Sent as HTTP basic credentials on every scheduler call.
        var credential: FrameworkCredential?
        /// For `https://` masters; nil: the system trust store.
        var tlsConfiguration: TLSConfiguration?
        /// How masters detected through `--master zk://…` are reached: `https` when
        /// `--mesos-ca-file` is given (libmesos with SSL enabled reaches every master over
        /// TLS), else `http`.
        var detectedMasterScheme = "http"
        /// The embedded master's credentials file (`--local-credentials`).
        var localCredentials: MesosCredentials?
    }

    static func listeners(_ c: PodSchedulerCommand, problems: inout [String]) -> Listeners {
        let httpPort = c.httpPort ?? Listeners.defaultHTTPPort
        let httpsPort = c.httpsPort ?? Listeners.defaultHTTPSPort
        if !(1...65535).contains(httpPort) { problems.append("--http-port: \(httpPort) is not a port") }
        if !(1...65535).contains(httpsPort) { problems.append("--https-port: \(httpsPort) is not a port") }
        var identity: ServerTLSIdentity?
        switch (c.tlsCertFile, c.tlsKeyFile) {
        case let (cert?, key?):
            do {
                identity = try ServerTLSIdentity(certificateFile: cert, keyFile: key)
            } catch {
                problems.append("--tls-cert-file/--tls-key-file: \(error)")
            }
        case (.some, nil): problems.append("--tls-cert-file needs --tls-key-file")
        case (nil, .some): problems.append("--tls-key-file needs --tls-cert-file")
        case (nil, nil): break
        }
        let tlsGiven = c.tlsCertFile != nil || c.tlsKeyFile != nil
        if !tlsGiven {
            if c.httpsPort != nil { problems.append("--https-port needs --tls-cert-file and --tls-key-file") }
            if c.disableHTTP {
                problems.append("--disable-http needs --tls-cert-file and --tls-key-file: nothing would serve the API")
            }
        }
        if c.disableHTTP && c.httpPort != nil { problems.append("--http-port and --disable-http contradict each other") }
        if tlsGiven && !c.disableHTTP && httpPort == httpsPort {
            problems.append("--http-port and --https-port are both \(httpPort)")
        }
        return Listeners(httpPort: c.disableHTTP ? nil : httpPort, httpsPort: tlsGiven ? httpsPort : nil, tls: identity)
    }

    static func mesosSecurity(_ c: PodSchedulerCommand, master: Master, problems: inout [String]) -> MesosSecurity {
        var security = MesosSecurity()
        if let principal = c.mesosAuthenticationPrincipal {
            if principal.isEmpty { problems.append("--mesos-authentication-principal is empty") } else { security.principal = principal }
        }
        if let file = c.mesosAuthenticationSecretFile {
            if let principal = security.principal {
                if let data = FileManager.default.contents(atPath: file) {
                    do {
                        security.credential = try FrameworkCredential(principal: principal,
                                                                      secret: FrameworkCredential.secret(fromFileContents: data))
                    } catch {
                        problems.append("--mesos-authentication-principal/--mesos-authentication-secret-file (\(file)): \(error)")
                    }
                } else {
                    problems.append("--mesos-authentication-secret-file: cannot read \(file)")
                }
            } else if c.mesosAuthenticationPrincipal == nil {
                problems.append("--mesos-authentication-secret-file needs --mesos-authentication-principal")
            }
        }
        if let caFile = c.mesosCAFile {
            switch master {
            case .local:
                problems.append("--mesos-ca-file: the embedded master (--master local) is reached over plain HTTP")
            case .remote(let endpoints) where !endpoints.contains(where: { $0.scheme == "https" }):
                problems.append("--mesos-ca-file: no https:// master in --master, so the CA file would not be used")
            case .remote, .zooKeeper:
                do {
                    security.tlsConfiguration = try MesosTLS.clientConfiguration(caFile: caFile)
                    security.detectedMasterScheme = "https"
                } catch {
                    problems.append("--mesos-ca-file: \(error)")
                }
            }
        }
        if let file = c.localCredentials {
            if case .local = master {
                do {
                    security.localCredentials = try MesosCredentials(contentsOf: file)
                } catch {
                    problems.append("--local-credentials: \(error)")
                }
            } else {
                problems.append("--local-credentials configures the embedded master; it needs --master local")
            }
        }
        return security
    }

    /// `--permissions-file`, read and checked now: every problem of the file is reported.
    static func permissions(_ c: PodSchedulerCommand, problems: inout [String]) -> Permissions? {
        guard let file = c.permissionsFile else { return nil }
        do {
            return try Permissions(contentsOf: file)
        } catch {
            problems += error.problems.map { "--permissions-file \(file): \($0)" }
            return nil
        }
    }

    /// The URL executors fetch secrets at: `--executor-secrets-url`, else this API's HTTPS
    /// listener (its HTTP one without TLS). A wildcard listen address is not something an
    /// agent can dial: the embedded agent uses loopback, remote ones this host's name.
    static func executorSecrets(_ c: PodSchedulerCommand, master: Master, listeners: Listeners,
                                problems: inout [String]) -> (String, String?) {
        var url: String
        if let given = c.executorSecretsURL {
            url = given
            while url.hasSuffix("/") { url.removeLast() }
            let endpoint = MesosEndpoint(parsing: url, defaultPort: 0)
            if endpoint == nil || !(url.hasPrefix("http://") || url.hasPrefix("https://")) || url.dropFirst(8).contains("/") {
                problems.append("--executor-secrets-url: '\(given)' is not http(s)://host:port")
            }
        } else {
            var host = c.httpAddress
            if ["0.0.0.0", "::", "[::]"].contains(host) {
                if case .local = master { host = "127.0.0.1" } else { host = ProcessInfo.processInfo.hostName }
            }
            if host.contains(":") && !host.hasPrefix("[") { host = "[\(host)]" }
            if listeners.tls != nil, let port = listeners.httpsPort {
                url = "https://\(host):\(port)"
            } else {
                url = "http://\(host):\(listeners.httpPort ?? Listeners.defaultHTTPPort)"
            }
        }
        if let caFile = c.executorCAFile {
            if case .local = master, !FileManager.default.isReadableFile(atPath: caFile) {
                problems.append("--executor-ca-file: cannot read \(caFile) (the embedded agent's executors run on this machine)")
            }
            if !url.hasPrefix("https://") {
                problems.append("--executor-ca-file: executors fetch secrets over plain HTTP (\(url)), so the CA file would not be used")
            }
        }
        return (url, c.executorCAFile)
    }
}
