import CPodShim
#if canImport(Glibc)
import Glibc
#endif

/// Linux namespaces a container gets or joins.
public struct NamespaceSet: OptionSet, Sendable, Hashable {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    public static let mount = NamespaceSet(rawValue: CPOD_CLONE_NEWNS)
    public static let pid = NamespaceSet(rawValue: CPOD_CLONE_NEWPID)
    public static let ipc = NamespaceSet(rawValue: CPOD_CLONE_NEWIPC)
    public static let uts = NamespaceSet(rawValue: CPOD_CLONE_NEWUTS)
    public static let cgroup = NamespaceSet(rawValue: CPOD_CLONE_NEWCGROUP)
    public static let network = NamespaceSet(rawValue: CPOD_CLONE_NEWNET)

    /// The `/proc/<pid>/ns/<name>` entry of each namespace, in the order a joining
    /// process must enter them (mount last: after it, host paths are gone).
    static let joinOrder: [(NamespaceSet, String)] = [
        (.cgroup, "cgroup"), (.ipc, "ipc"), (.uts, "uts"), (.network, "net"), (.pid, "pid"), (.mount, "mnt"),
    ]
}

/// One mount operation, applied by the container monitor in its own mount namespace,
/// so every container mount disappears with the container.
public struct MountOperation: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// A filesystem mount (`proc`, `tmpfs`, `overlay`, …).
        case filesystem(type: String, source: String, options: String?)
        /// A bind mount of a host path.
        case bind(source: String, recursive: Bool)
        /// Hide a path: /dev/null over a file, an empty read-only tmpfs over a directory.
        case mask
        /// Make an existing path read-only.
        case readOnly
        /// A symlink `target` → `destination`.
        case symlink(destination: String)
        /// A device node, bound from the host's node at `hostPath`.
        case device(hostPath: String)
    }

    /// Where the target path is interpreted.
    public enum Scope: Sendable, Equatable {
        /// An absolute host path.
        case host
        /// A path inside the container's rootfs, resolved safely (RESOLVE_IN_ROOT).
        case rootfs
        /// An absolute path in the container's view, after pivot_root.
        case container
    }

    public var kind: Kind
    public var target: String
    public var scope: Scope
    public var flags: UInt
    /// Directory to chdir to before mounting (overlay with short relative lowerdirs).
    public var workingDirectory: String?
    /// Create the mount point as a file.
    public var targetIsFile: Bool
    /// A missing source or target is skipped rather than failing the launch.
    public var optional: Bool

    public init(_ kind: Kind, target: String, scope: Scope, flags: UInt = 0, workingDirectory: String? = nil,
                targetIsFile: Bool = false, optional: Bool = false) {
        self.kind = kind
        self.target = target
        self.scope = scope
        self.flags = flags
        self.workingDirectory = workingDirectory
        self.targetIsFile = targetIsFile
        self.optional = optional
    }
}

/// Where a standard stream of a workload goes. File descriptors passed here are owned
/// by the spawn call and closed in the parent once the monitor is started.
public enum StandardStream: Sendable, Equatable {
    case null
    case fileDescriptor(Int32)
}

/// A classic BPF program for seccomp (array of `struct sock_filter`, 8 bytes each).
public struct SeccompProgram: Sendable, Equatable {
    public var instructions: [UInt64]
    public init(instructions: [UInt64]) { self.instructions = instructions }
}

/// Capability sets as masks of `CAP_*` numbers.
public struct CapabilitySets: Sendable, Equatable {
    public var bounding: UInt64
    public var effective: UInt64
    public var permitted: UInt64
    public var inheritable: UInt64
    public var ambient: UInt64

    public init(bounding: UInt64, effective: UInt64, permitted: UInt64, inheritable: UInt64 = 0, ambient: UInt64 = 0) {
        self.bounding = bounding
        self.effective = effective
        self.permitted = permitted
        self.inheritable = inheritable
        self.ambient = ambient
    }

    /// The same set for bounding, effective and permitted.
    public init(_ set: UInt64) {
        self.init(bounding: set, effective: set, permitted: set)
    }
}

/// A resource limit (`RLIMIT_*` number, soft and hard): what a container spec asks for,
/// what the monitor sets, and what a pod's state records.
public struct ResourceLimit: Codable, Sendable, Equatable {
    public var resource: Int32
    public var soft: UInt64
    public var hard: UInt64
    public init(resource: Int32, soft: UInt64, hard: UInt64) {
        self.resource = resource
        self.soft = soft
        self.hard = hard
    }
}

/// Everything the container monitor needs: the namespaces to create or join, the
/// mounts, the identity and confinement of the workload, and the program.
public struct MonitorSpec: Sendable {
    /// New namespaces (container mode).
    public var newNamespaces: NamespaceSet = []
    /// Join the namespaces of this process (join mode: exec and command checks).
    public var joinNamespacesOf: Int32?
    /// Which of that process's namespaces to join.
    public var joinNamespaces: NamespaceSet = [.cgroup, .ipc, .uts, .network, .pid, .mount]
    /// A network namespace file to enter (the pod's), e.g. `/var/run/netns/<name>`.
    public var networkNamespacePath: String?
    /// Cgroup files the monitor moves itself into before anything else, by writing "0"
    /// while it is still single-threaded (`Cgroup.joinFiles`).
    public var cgroupJoinFiles: [String] = []
    /// Root filesystem directory (host path) to pivot into, or nil for the host root.
    public var rootfs: String?
    public var mounts: [MountOperation] = []
    public var postMounts: [MountOperation] = []
    public var hostname: String?
    public var workingDirectory: String = "/"
    public var uid: UInt32 = 0
    public var gid: UInt32 = 0
    public var supplementaryGroups: [UInt32] = []
    public var capabilities: CapabilitySets = CapabilitySets(Capabilities.dockerDefault)
    /// Skip every capability change (used only for operator debug shells).
    public var keepAllCapabilities = false
    public var noNewPrivileges = true
    public var seccomp: SeccompProgram?
    public var resourceLimits: [ResourceLimit] = []
    public var oomScoreAdjust: Int32?
    /// The program: absolute path or a name looked up in the environment's PATH.
    public var executable: String
    /// A host file to run instead of `executable`: opened by the parent before the monitor
    /// joins or creates any namespace, and executed by descriptor (`execveat`), so a
    /// container whose image has no such program can still run it (`podctl agent debug`'s
    /// busybox). It must be a static binary.
    public var hostExecutable: String?
    /// argv, including argv[0].
    public var arguments: [String]
    public var environment: [String]
    public var standardInput: StandardStream = .null
    public var standardOutput: StandardStream = .null
    public var standardError: StandardStream = .null
    /// Standard input is a terminal that becomes the workload's controlling terminal.
    public var controllingTerminal = false
    /// Tie the container's life to this process (see `ProcessSupervisor`).
    public var lifeline = true

    public init(executable: String, arguments: [String], environment: [String]) {
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
    }
}
