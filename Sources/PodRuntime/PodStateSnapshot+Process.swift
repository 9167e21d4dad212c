import PodSystem

extension PodStateSnapshot {
    /// How a container's process was started, recorded so that `podctl agent exec`,
    /// `debug` and `health` can enter the container the way the executor would (the live
    /// `MonitorSpec` stays inside the executor). Never holds secret values.
    public struct Process: Codable, Sendable, Equatable {
        /// The program and argv (argv[0] included).
        public var executable: String
        public var arguments: [String]
        /// `NAME=value`, in order, without the variables listed in `redactedEnvironment`.
        public var environment: [String]
        /// Names of variables whose values came from secrets: their values are not written
        /// here (`podctl agent exec` takes them from the running workload).
        public var redactedEnvironment: [String]?
        /// The working directory in the container's view.
        public var workingDirectory: String
        public var uid: UInt32
        public var gid: UInt32
        public var supplementaryGroups: [UInt32]
        public var capabilities: CapabilityMasks
        public var noNewPrivileges: Bool
        /// The seccomp profile's name in `seccompProfileDirectory`, nil for the project's
        /// default profile; no profile at all when `seccompUnconfined`.
        public var seccompProfile: String?
        public var seccompProfileDirectory: String?
        public var seccompUnconfined: Bool
        public var resourceLimits: [Limit]
        /// The namespaces the container created (`mnt`, `pid`, `uts`, `ipc`); a pod
        /// network namespace is `PodStateSnapshot.networkNamespace`.
        public var namespaces: [String]
        /// The container has a TTY (`TTYInfo`).
        public var tty: Bool?

        public init(executable: String, arguments: [String], environment: [String], redactedEnvironment: [String]?,
                    workingDirectory: String, uid: UInt32, gid: UInt32, supplementaryGroups: [UInt32],
                    capabilities: CapabilityMasks, noNewPrivileges: Bool, seccompProfile: String?,
                    seccompProfileDirectory: String?, seccompUnconfined: Bool, resourceLimits: [Limit], namespaces: [String], tty: Bool?) {
            self.executable = executable
            self.arguments = arguments
            self.environment = environment
            self.redactedEnvironment = redactedEnvironment
            self.workingDirectory = workingDirectory
            self.uid = uid
            self.gid = gid
            self.supplementaryGroups = supplementaryGroups
            self.capabilities = capabilities
            self.noNewPrivileges = noNewPrivileges
            self.seccompProfile = seccompProfile
            self.seccompProfileDirectory = seccompProfileDirectory
            self.seccompUnconfined = seccompUnconfined
            self.resourceLimits = resourceLimits
            self.namespaces = namespaces
            self.tty = tty
        }
    }

    /// Capability sets as masks of `CAP_*` numbers.
    public struct CapabilityMasks: Codable, Sendable, Equatable {
        public var bounding: UInt64
        public var effective: UInt64
        public var permitted: UInt64
        public var inheritable: UInt64
        public var ambient: UInt64

        public init(_ sets: CapabilitySets) {
            bounding = sets.bounding
            effective = sets.effective
            permitted = sets.permitted
            inheritable = sets.inheritable
            ambient = sets.ambient
        }

        /// The sets for a `MonitorSpec`.
        public var sets: CapabilitySets {
            CapabilitySets(bounding: bounding, effective: effective, permitted: permitted, inheritable: inheritable, ambient: ambient)
        }
    }

    /// A resource limit (`RLIMIT_*` number, soft and hard): the monitor's own type, with the
    /// same JSON.
    public typealias Limit = ResourceLimit

    /// A volume or host path mounted into a container.
    public struct Mount: Codable, Sendable, Equatable {
        /// The host path.
        public var source: String
        /// The path in the container's view.
        public var target: String
        public var readOnly: Bool
        public init(source: String, target: String, readOnly: Bool) {
            self.source = source
            self.target = target
            self.readOnly = readOnly
        }
    }
}

extension PodStateSnapshot.Process {
    /// Names of `NamespaceSet` members, as `/proc/<pid>/ns` names them.
    static let namespaceNames: [(NamespaceSet, String)] = [
        (.mount, "mnt"), (.pid, "pid"), (.uts, "uts"), (.ipc, "ipc"), (.network, "net"), (.cgroup, "cgroup"),
    ]

    /// The record of `monitor`, with the values of `secretNames` left out.
    init(monitor: MonitorSpec, secretNames: Set<String>, linux: ContainerSpec.Linux, seccompProfileDirectory: String?, tty: Bool) {
        var kept: [String] = []
        var redacted: [String] = []
        for entry in monitor.environment {
            let name = String(entry.prefix { $0 != "=" })
            if secretNames.contains(name) { redacted.append(name) } else { kept.append(entry) }
        }
        self.init(executable: monitor.executable, arguments: monitor.arguments, environment: kept,
                  redactedEnvironment: redacted.isEmpty ? nil : redacted, workingDirectory: monitor.workingDirectory,
                  uid: monitor.uid, gid: monitor.gid, supplementaryGroups: monitor.supplementaryGroups,
                  capabilities: PodStateSnapshot.CapabilityMasks(monitor.capabilities), noNewPrivileges: monitor.noNewPrivileges,
                  seccompProfile: linux.seccompProfile, seccompProfileDirectory: seccompProfileDirectory,
                  seccompUnconfined: linux.seccompUnconfined,
                  resourceLimits: monitor.resourceLimits,
                  namespaces: Self.namespaceNames.filter { monitor.newNamespaces.contains($0.0) }.map(\.1), tty: tty ? true : nil)
    }

    /// The namespaces as a set.
    public var namespaceSet: NamespaceSet {
        var set: NamespaceSet = []
        for (member, name) in Self.namespaceNames where namespaces.contains(name) { set.insert(member) }
        return set
    }
}
