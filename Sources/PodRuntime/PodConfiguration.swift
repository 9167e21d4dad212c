import PodSystem

/// Everything the runtime of one pod (one executor) needs, decided at the edge.
public struct PodConfiguration: Sendable {
    /// The executor id (names the pod's network namespace and runtime state).
    public var executorID: String
    /// The executor sandbox on the host (`MESOS_DIRECTORY`).
    public var sandbox: String
    /// Where the executor publishes its runtime state for `podctl agent`
    /// (`<runtimeDirectory>/pods/<executorID>/`).
    public var runtimeDirectory: String
    /// Where pod network namespaces are bind-mounted (`/var/run/netns` lets operators use
    /// `ip netns exec`).
    public var networkNamespaceDirectory: String
    public var network: PodNetworkMode
    /// The pod's hostname for container networking; host networking keeps the agent's.
    public var hostname: String
    /// Directory of named seccomp profiles (`LinuxInfo.seccomp.profile_name`).
    public var seccompProfileDirectory: String?
    /// The cgroup under which container cgroups are created (normally the executor's own).
    public var cgroupParent: Cgroup?
    /// The user tasks run as when their command names none (`FrameworkInfo.user`).
    public var defaultUser: String?
    /// Mount point of the sandbox inside image containers (`--sandbox_directory`).
    public var containerSandboxPath: String = "/mnt/mesos/sandbox"
    /// CNI network configurations (`.conf`/`.conflist`) by name.
    public var cniConfigDirectory: String = "/etc/mesos-pods/cni"
    /// Where CNI plugin binaries are looked up.
    public var cniPluginDirectories: [String] = ["/usr/lib/cni", "/opt/cni/bin"]
    /// The name Marathon gives `container/bridge` networks (`--mesos_bridge_name`).
    public var bridgeNetworkName: String = "mesos-bridge"

    /// Bounds of each container's `stdout`/`stderr` (nil: plain files that grow, as the
    /// Mesos default executor's).
    public var logRotation: LogRotation?

    /// CNI attachment records (so DEL works after a crash): `<runtime dir>/cni`.
    public var cniStateDirectory: String { runtimeDirectory + "/cni" }

    public init(executorID: String, sandbox: String, runtimeDirectory: String = "/run/mesos-pods",
                networkNamespaceDirectory: String = "/var/run/netns", network: PodNetworkMode = .host,
                hostname: String, seccompProfileDirectory: String? = nil, cgroupParent: Cgroup? = nil,
                defaultUser: String? = nil) {
        self.executorID = executorID
        self.sandbox = sandbox
        self.runtimeDirectory = runtimeDirectory
        self.networkNamespaceDirectory = networkNamespaceDirectory
        self.network = network
        self.hostname = hostname
        self.seccompProfileDirectory = seccompProfileDirectory
        self.cgroupParent = cgroupParent
        self.defaultUser = defaultUser
    }

    /// The pod's runtime-state directory.
    public var stateDirectory: String { runtimeDirectory + "/pods/" + PodConfiguration.safeName(executorID) }

    /// A file-name-safe form of an id.
    public static func safeName(_ id: String) -> String {
        String(id.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." ? $0 : "_" })
    }
}
