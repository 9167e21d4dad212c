import MesosHTTP
import MesosProtocol
import PodRuntime

/// The executor's configuration, parsed once from the environment the agent gives it
/// (docs/reference/mesos-executor-protocol.md §2.1) plus our own `POD_EXECUTOR_*` settings. Nothing below `main` reads
/// the environment.
public struct ExecutorConfiguration: Sendable {
    public var frameworkID: String
    public var executorID: String
    public var agentID: String?
    /// `MESOS_DIRECTORY`: the sandbox on the host.
    public var directory: String
    /// `MESOS_SANDBOX`: the sandbox as the executor sees it (equal for us).
    public var sandbox: String
    public var agentEndpoint: MesosEndpoint
    public var checkpoint: Bool
    public var recoveryTimeout: Duration
    public var subscriptionBackoffMax: Duration
    public var shutdownGracePeriod: Duration
    /// Never logged.
    public var authenticationToken: String?
    /// The encoding of our calls and of the event stream (protobuf by default, as the
    /// Mesos default executor).
    public var encoding: MesosEncoding
    public var runtimeDirectory: String
    public var networkNamespaceDirectory: String
    public var seccompProfileDirectory: String?
    public var imageStoreDirectory: String?
    /// `POD_EXECUTOR_REGISTRY_MIRRORS=docker.io=mirror:5000,quay.io=…`: registries whose
    /// images come from another registry (see `ImageStoreConfiguration.registryMirrors`).
    public var registryMirrors: [String: String] = [:]
    /// `POD_EXECUTOR_INSECURE_REGISTRIES=host:port,…`: reached over plain HTTP.
    public var insecureRegistries: Set<String> = []
    public var cniConfigDirectory: String
    public var cniPluginDirectories: [String]
    public var logLevel: String
    /// Whether to create per-container cgroups (disable only where cgroups are unusable).
    public var cgroupsEnabled: Bool
    /// Where the pod's secrets are fetched (`POD_EXECUTOR_SECRETS_URL`, set by pod-scheduler
    /// in the ExecutorInfo of pods that use secrets), and the CA file an `https` one is
    /// verified with (`POD_EXECUTOR_SECRETS_CA_FILE`; else the system trust store).
    public var secretsEndpoint: MesosEndpoint?
    public var secretsCAFile: String?
    /// Bounds of the containers' `stdout`/`stderr` (``PodLogRotationContract``; nil: plain files).
    public var logRotation: LogRotation?

    /// A problem with the environment. All problems are reported together.
    public struct Problem: Error, CustomStringConvertible, Sendable {
        public var problems: [String]
        public var description: String {
            "the executor environment is incomplete or invalid:\n  - " + problems.joined(separator: "\n  - ")
        }
    }

    /// Parses the environment. Reports every missing or invalid variable at once.
    public init(environment env: [String: String]) throws(Problem) {
        var problems: [String] = []
        func required(_ name: String) -> String {
            guard let value = env[name], !value.isEmpty else {
                problems.append("\(name) is not set")
                return ""
            }
            return value
        }
        func duration(_ name: String, default fallback: Duration?) -> Duration {
            guard let text = env[name], !text.isEmpty else {
                if let fallback { return fallback }
                problems.append("\(name) is not set")
                return .zero
            }
            guard let d = MesosDuration.parse(text) else {
                problems.append("\(name)='\(text)' is not a Mesos duration (e.g. 5secs, 15mins)")
                return fallback ?? .zero
            }
            return d
        }
        frameworkID = required("MESOS_FRAMEWORK_ID")
        executorID = required("MESOS_EXECUTOR_ID")
        directory = required("MESOS_DIRECTORY")
        sandbox = env["MESOS_SANDBOX"].flatMap { $0.isEmpty ? nil : $0 } ?? directory
        agentID = env["MESOS_SLAVE_ID"] ?? env["MESOS_AGENT_ID"]

        agentEndpoint = Self.agentEndpoint(env, problems: &problems)

        switch env["MESOS_CHECKPOINT"] {
        case "1": checkpoint = true
        case "0": checkpoint = false
        case nil: problems.append("MESOS_CHECKPOINT is not set"); checkpoint = false
        case let other?: problems.append("MESOS_CHECKPOINT='\(other)' must be 1 or 0"); checkpoint = false
        }
        if checkpoint {
            recoveryTimeout = duration("MESOS_RECOVERY_TIMEOUT", default: nil)
            subscriptionBackoffMax = duration("MESOS_SUBSCRIPTION_BACKOFF_MAX", default: nil)
        } else {
            recoveryTimeout = .zero
            subscriptionBackoffMax = .seconds(2)
        }
        shutdownGracePeriod = duration("MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD", default: .seconds(5))
        authenticationToken = env["MESOS_EXECUTOR_AUTHENTICATION_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }

        switch env["POD_EXECUTOR_ENCODING"]?.lowercased() {
        case nil, "", "protobuf": encoding = .protobuf
        case "json": encoding = .json
        case let other?: problems.append("POD_EXECUTOR_ENCODING='\(other)' must be protobuf or json"); encoding = .protobuf
        }
        runtimeDirectory = env["POD_EXECUTOR_RUNTIME_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/run/mesos-pods"
        networkNamespaceDirectory = env["POD_EXECUTOR_NETNS_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/var/run/netns"
        seccompProfileDirectory = env["POD_EXECUTOR_SECCOMP_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/etc/mesos-pods/seccomp"
        imageStoreDirectory = env["POD_EXECUTOR_IMAGE_STORE"].flatMap { $0.isEmpty ? nil : $0 }
        registryMirrors = Self.registryMirrors(env["POD_EXECUTOR_REGISTRY_MIRRORS"] ?? "", problems: &problems)
        insecureRegistries = Set((env["POD_EXECUTOR_INSECURE_REGISTRIES"] ?? "").split(separator: ",")
            .map { String($0.filter { $0 != " " }) }.filter { !$0.isEmpty })
        cniConfigDirectory = env["POD_EXECUTOR_CNI_CONFIG_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/etc/mesos-pods/cni"
        cniPluginDirectories = (env["POD_EXECUTOR_CNI_PLUGIN_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/usr/lib/cni:/opt/cni/bin")
            .split(separator: ":").map(String.init)
        logLevel = env["POD_EXECUTOR_LOG_LEVEL"] ?? "info"
        cgroupsEnabled = env["POD_EXECUTOR_CGROUPS"] != "0"
        if let text = env[PodSecretsContract.urlVariable], !text.isEmpty {
            secretsEndpoint = MesosEndpoint(parsing: text, defaultPort: text.hasPrefix("https://") ? 443 : 80)
            if secretsEndpoint == nil { problems.append("\(PodSecretsContract.urlVariable)='\(text)' is not http(s)://host:port") }
        }
        secretsCAFile = env[PodSecretsContract.caFileVariable].flatMap { $0.isEmpty ? nil : $0 }
        logRotation = Self.logRotation(env, problems: &problems)

        if !problems.isEmpty { throw Problem(problems: problems) }
    }

    /// `POD_EXECUTOR_LOG_MAX_SIZE_MB` and `POD_EXECUTOR_LOG_MAX_FILES`, both or neither.
    private static func logRotation(_ env: [String: String], problems: inout [String]) -> LogRotation? {
        let size = env[PodLogRotationContract.maxSizeVariable].flatMap { $0.isEmpty ? nil : $0 }
        let files = env[PodLogRotationContract.maxFilesVariable].flatMap { $0.isEmpty ? nil : $0 }
        guard size != nil || files != nil else { return nil }
        var valid = true
        func check(_ name: String, _ text: String?, _ range: ClosedRange<Int>) -> Int {
            guard let text, let value = Int(text), range.contains(value) else {
                problems.append("\(name)='\(text ?? "")' must be a whole number in \(range.lowerBound)...\(range.upperBound) (set both or neither)")
                valid = false
                return 0
            }
            return value
        }
        let megabytes = check(PodLogRotationContract.maxSizeVariable, size, PodLogRotationContract.maxSizeRange)
        let count = check(PodLogRotationContract.maxFilesVariable, files, PodLogRotationContract.maxFilesRange)
        return valid ? LogRotation(maxSizeBytes: Int64(megabytes) << 20, maxFiles: count) : nil
    }

    /// The agent's executor API: `MESOS_DOMAIN_SOCKET`, else `MESOS_AGENT_ENDPOINT`, else the
    /// address of `MESOS_SLAVE_PID`; https when libprocess runs with SSL.
    private static func agentEndpoint(_ env: [String: String], problems: inout [String]) -> MesosEndpoint {
        let secure = ["LIBPROCESS_SSL_ENABLED", "SSL_ENABLED"].contains { ["1", "true"].contains(env[$0]?.lowercased() ?? "") }
        let scheme = secure ? "https" : "http"
        if let socket = env["MESOS_DOMAIN_SOCKET"], !socket.isEmpty {
            return MesosEndpoint(unixSocket: socket)
        }
        if let text = env["MESOS_AGENT_ENDPOINT"], !text.isEmpty {
            if let e = MesosEndpoint(parsing: "\(scheme)://\(text)", defaultPort: 5051) { return e }
            problems.append("MESOS_AGENT_ENDPOINT='\(text)' is not host:port")
            return MesosEndpoint(host: "127.0.0.1", port: 5051)
        }
        if let pid = env["MESOS_SLAVE_PID"], let at = pid.firstIndex(of: "@"),
           let e = MesosEndpoint(parsing: "\(scheme)://\(pid[pid.index(after: at)...])", defaultPort: 5051) {
            return e
        }
        problems.append("neither MESOS_AGENT_ENDPOINT nor a valid MESOS_SLAVE_PID is set")
        return MesosEndpoint(host: "127.0.0.1", port: 5051)
    }

    /// `registry=mirror-host[:port],…` (registry names lowercased).
    private static func registryMirrors(_ text: String, problems: inout [String]) -> [String: String] {
        var mirrors: [String: String] = [:]
        for item in text.split(separator: ",") {
            let parts = item.split(separator: "=", maxSplits: 1).map { String($0.filter { $0 != " " }) }
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty, !parts[1].contains("/") else {
                problems.append("POD_EXECUTOR_REGISTRY_MIRRORS: '\(item)' is not registry=mirror-host[:port]")
                continue
            }
            mirrors[parts[0].lowercased()] = parts[1]
        }
        return mirrors
    }
}
