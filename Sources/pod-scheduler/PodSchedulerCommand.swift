import ArgumentParser
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

@main
struct PodSchedulerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pod-scheduler",
        abstract: "Marathon's /v2/pods API as a Mesos framework. Without --master it runs an embedded single-node Mesos.",
        subcommands: [LocalClusterCommand.self, HashCredentialCommand.self, MigrateStoreCommand.self])

    @Option(help: "The Mesos master: 'local' (the embedded master and agent); master URLs, comma-separated (http://host:5050; a 307 leads to the leader); zk://[user:password@]host:2181[,host:2181…]/mesos (the leading master registered in ZooKeeper, followed when it changes; the credentials are ZooKeeper digest credentials, never shown); or file:///path holding one of these.")
    var master: String = "local"

    @Option(name: .customLong("http-address"), help: "Address the REST API listens on.")
    var httpAddress: String = "127.0.0.1"

    @Option(name: .customLong("http-port"), help: "Port of the REST API over plain HTTP (default: 8080).")
    var httpPort: Int?

    @Option(name: .customLong("https-port"),
            help: "Port of the REST API over HTTPS; needs --tls-cert-file and --tls-key-file (default: 8443).")
    var httpsPort: Int?

    @Option(name: .customLong("tls-cert-file"),
            help: "PEM certificate of the HTTPS listener (a chain: the server's certificate first). Re-read on SIGHUP.")
    var tlsCertFile: String?

    @Option(name: .customLong("tls-key-file"), help: "PEM private key of --tls-cert-file (not encrypted). Re-read on SIGHUP.")
    var tlsKeyFile: String?

    @Flag(name: .customLong("disable-http"),
          help: "Serve the REST API over HTTPS only (Marathon's --disable_http); needs --tls-cert-file and --tls-key-file.")
    var disableHTTP = false

    @Option(name: .customLong("work-dir"), help: "State directory (the store, and the embedded agent's work dir).")
    var workDir: String = "/var/lib/pod-scheduler"

    @Option(help: "pod-executor on the agents: an absolute path, or a URI the Mesos fetcher downloads (.tar.gz with pod-executor at its top).")
    var executor: String?

    @Option(name: .customLong("framework-name"), help: "FrameworkInfo.name.")
    var frameworkName: String = "pod-scheduler"

    @Option(name: .customLong("mesos-role"), help: "The framework role and the default pod role.")
    var mesosRole: String = "*"

    @Option(name: .customLong("mesos-user"), help: "FrameworkInfo.user: the user tasks run as when the pod names none.")
    var mesosUser: String = "root"

    @Option(name: .customLong("secrets-dir"),
            help: "Secret store: one file per secret source, e.g. /db/password is <dir>/db/password (default <work-dir>/secrets).")
    var secretsDir: String?

    @Option(name: .customLong("executor-secrets-url"),
            help: "http(s)://host:port at which executors on the agents reach this scheduler's REST API to fetch their pods' secrets (default: the API's HTTPS listener if any, else its HTTP one). With several schedulers, an address that reaches any of them.")
    var executorSecretsURL: String?

    @Option(name: .customLong("executor-ca-file"),
            help: "Path, on the agents, of a PEM file with the CA(s) that sign this scheduler's HTTPS certificate; executors verify the scheduler with it when they fetch secrets (default: the system trust store).")
    var executorCAFile: String?

    @Option(name: .customLong("permissions-file"),
            help: "JSON file of principals (password or bearer-token hashes, made with `pod-scheduler hash-credential`) and what each may do to pods below which paths; every request then needs credentials. See docs/operations.md.")
    var permissionsFile: String?

    @Option(name: .customLong("default-network-name"), help: "Network given to container networks without a name.")
    var defaultNetworkName: String?

    @Option(name: .customLong("mesos-authentication-principal"),
            help: "FrameworkInfo.principal. With --mesos-authentication-secret-file, the framework also authenticates as this principal (HTTP basic) to masters run with --authenticate_http_frameworks. Keep it the same for the framework's whole life.")
    var mesosAuthenticationPrincipal: String?

    @Option(name: .customLong("mesos-authentication-secret-file"),
            help: "File holding the secret of --mesos-authentication-principal (line breaks at its end are ignored; ':' is not allowed). Never logged.")
    var mesosAuthenticationSecretFile: String?

    @Option(name: .customLong("mesos-ca-file"),
            help: "PEM CA certificate(s) that the certificates of https:// masters must be signed by (default: the system trust store). Host names are always verified. With --master zk://…, masters are reached over https when this is given (as libmesos with SSL enabled), at the host name of their MasterInfo.")
    var mesosCAFile: String?

    @Option(help: "High availability: zk://[user:password@]host:2181[,host:2181…]/pod-scheduler. Instances given the same URL elect one leader in ZooKeeper and keep the state there; followers proxy the REST API to it. Without --zk: one instance, state in SQLite in --work-dir. The credentials are ZooKeeper digest credentials, never shown.")
    var zk: String?

    @Option(name: .customLong("zk-session-timeout"),
            help: "With --zk: the ZooKeeper session timeout in milliseconds (Marathon's --zk_session_timeout). A leader cut off for this long stops acting; another takes over.")
    var zkSessionTimeout: Int = 10000

    @Option(name: .customLong("zk-timeout"), help: "With --zk: how long to wait for a ZooKeeper connection, in milliseconds.")
    var zkTimeout: Int = 10000

    @Option(help: "With --zk: the host other instances and clients reach this one's REST API at (default: --http-address, or this machine's host name when that is 0.0.0.0 or ::).")
    var hostname: String?

    @Option(name: .customLong("ca-file"),
            help: "With --zk: PEM CA certificate(s) that the HTTPS certificate of the leader must be signed by when a follower proxies to it (default: the system trust store).")
    var caFile: String?

    @Option(name: .customLong("auth-basic-file"), help: "Require HTTP basic auth; the file holds 'user:password'.")
    var authBasicFile: String?

    @Option(name: .customLong("auth-token-file"), help: "Require a bearer token; the file holds the token.")
    var authTokenFile: String?

    @Option(name: .customLong("local-cpus"), help: "Embedded agent: CPUs to offer (default: this machine's).")
    var localCPUs: Double?

    @Option(name: .customLong("local-mem"), help: "Embedded agent: memory to offer in MiB (default: this machine's minus 1 GiB).")
    var localMemory: Double?

    @Option(name: .customLong("local-disk"), help: "Embedded agent: disk to offer in MiB.")
    var localDisk: Double = 20000

    @Option(name: .customLong("local-ports"), help: "Embedded agent: port range to offer.")
    var localPorts: String = "31000-32000"

    @Option(name: .customLong("local-master-port"), help: "Embedded master port (0: any free port).")
    var localMasterPort: Int = 5050

    @Option(name: .customLong("local-agent-port"), help: "Embedded agent port (0: any free port).")
    var localAgentPort: Int = 5051

    @Option(name: .customLong("local-credentials"),
            help: #"Embedded master: require framework authentication with this Mesos credentials file, {"credentials":[{"principal":"…","secret":"…"}]} (a master's --authenticate_http_frameworks --http_framework_authenticators=basic --credentials)."#)
    var localCredentials: String?

    @Option(name: .customLong("cni-config-dir"), help: "CNI network configurations for pods on container networks.")
    var cniConfigDir: String = "/etc/mesos-pods/cni"

    @Option(name: .customLong("docker-registry"),
            help: "Embedded agent: pull Docker Hub images (those naming no registry) from this registry host[:port] instead, as Mesos' --docker_registry.")
    var dockerRegistry: String?

    @Option(name: .customLong("log-rotation-max-size-mb"),
            help: "Bounded container logs: the size in MiB (1-102400) of each stdout/stderr file the executor keeps per container, for pods whose logRotation gives none; 0 (with --log-rotation-max-files 0) turns rotation off for such pods: their files grow as with the Mesos default executor. See docs/pod-lifecycle.md.")
    var logRotationMaxSizeMB: Int = PodLogRotation.defaultMaxSizeMB

    @Option(name: .customLong("log-rotation-max-files"),
            help: "Bounded container logs: how many files (1-100, the current stdout/stderr included) are kept per stream, for pods whose logRotation gives none; 0 turns rotation off as --log-rotation-max-size-mb 0 does.")
    var logRotationMaxFiles: Int = PodLogRotation.defaultMaxFiles

    @Option(name: .customLong("log-level"), help: "trace, debug, info, warning, error.")
    var logLevel: String = "info"

    func run() async throws {
        ProcessStartup.bootstrapLogging(level: Logger.Level(rawValue: logLevel.lowercased()) ?? .info)
        let logger = Logger(label: "pod-scheduler")
        let settings: SchedulerConfiguration
        do {
            settings = try SchedulerConfiguration(command: self)
        } catch let problems as SchedulerConfiguration.Problems {
            throw ProcessStartup.refuse(problems, command: "pod-scheduler")
        }
        try await SchedulerMain.run(settings, logger: logger)
    }
}
