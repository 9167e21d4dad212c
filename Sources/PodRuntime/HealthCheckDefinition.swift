/// A container's health check as recorded in the runtime state, so that `podctl agent
/// health` can run it without the executor: the probe and its schedule. Command checks
/// keep only variables that are not secrets (the executor drops secret ones too).
public struct HealthCheckDefinition: Codable, Sendable, Equatable {
    /// `http`, `tcp` or `command`.
    public var type: String
    public var scheme: String?
    public var port: Int?
    public var path: String?
    public var ipv6: Bool?
    public var shell: Bool?
    public var value: String?
    public var arguments: [String]?
    /// `NAME=value`.
    public var environment: [String]?
    public var delaySeconds: Double
    public var intervalSeconds: Double
    public var timeoutSeconds: Double
    public var gracePeriodSeconds: Double
    public var consecutiveFailures: UInt32

    /// The record of `kind` with its schedule.
    public init(kind: ProbeKind, delaySeconds: Double, intervalSeconds: Double, timeoutSeconds: Double,
                gracePeriodSeconds: Double, consecutiveFailures: UInt32) {
        self.delaySeconds = delaySeconds
        self.intervalSeconds = intervalSeconds
        self.timeoutSeconds = timeoutSeconds
        self.gracePeriodSeconds = gracePeriodSeconds
        self.consecutiveFailures = consecutiveFailures
        switch kind {
        case let .http(scheme, port, path, ipv6):
            type = "http"
            self.scheme = scheme
            self.port = port
            self.path = path
            self.ipv6 = ipv6
        case let .tcp(port, ipv6):
            type = "tcp"
            self.port = port
            self.ipv6 = ipv6
        case let .command(shell, value, arguments, environment):
            type = "command"
            self.shell = shell
            self.value = value
            self.arguments = arguments
            self.environment = environment.map { "\($0.0)=\($0.1)" }
        }
    }

    /// The probe, or nil for a record this version does not understand.
    public var kind: ProbeKind? {
        switch type {
        case "http":
            guard let port else { return nil }
            return .http(scheme: scheme ?? "http", port: port, path: path ?? "", ipv6: ipv6 ?? false)
        case "tcp":
            guard let port else { return nil }
            return .tcp(port: port, ipv6: ipv6 ?? false)
        case "command":
            let env = (environment ?? []).map { entry -> (String, String) in
                let name = String(entry.prefix { $0 != "=" })
                return (name, String(entry.dropFirst(min(entry.count, name.count + 1))))
            }
            return .command(shell: shell ?? false, value: value ?? "", arguments: arguments ?? [], environment: env)
        default:
            return nil
        }
    }

    /// One line for people: `HTTP GET http://127.0.0.1:8080/health`, `TCP 127.0.0.1:6379`,
    /// `command: test -f /ready`.
    public var summary: String {
        let host = (ipv6 ?? false) ? "[::1]" : "127.0.0.1"
        switch type {
        case "http":
            let p = (path ?? "").isEmpty ? "/" : (path ?? "/")
            return "HTTP GET \(scheme ?? "http")://\(host):\(port ?? 0)\(p)"
        case "tcp":
            return "TCP \(host):\(port ?? 0)"
        case "command":
            if shell ?? false { return "command: \(value ?? "")" }
            let argv = (arguments ?? []).isEmpty ? [value ?? ""] : (arguments ?? [])
            return "command: " + argv.joined(separator: " ")
        default:
            return type
        }
    }
}
