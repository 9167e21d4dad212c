/// Linux-specific settings (`linuxInfo`, container level and, with `ipcInfo` only, pod level).
public struct LinuxInfo: Sendable, Hashable, Codable {
    /// Seccomp settings.
    public struct Seccomp: Sendable, Hashable, Codable {
        /// The agent-side profile file.
        public var profileName: String?
        /// Run without seccomp (default false).
        public var unconfined: Bool

        /// Seccomp settings.
        public init(profileName: String? = nil, unconfined: Bool = false) {
            self.profileName = profileName
            self.unconfined = unconfined
        }
    }

    /// IPC namespace settings.
    public struct IPCInfo: Sendable, Hashable, Codable {
        /// The IPC mode.
        public enum Mode: String, Sendable, Hashable, Codable, CaseIterable {
            /// A private IPC namespace and /dev/shm.
            case `private` = "PRIVATE"
            /// Share the parent's.
            case shareParent = "SHARE_PARENT"
        }

        /// The mode.
        public var mode: Mode
        /// Size of /dev/shm in MiB (private mode only).
        public var shmSize: Int?

        /// IPC settings.
        public init(mode: Mode, shmSize: Int? = nil) {
            self.mode = mode
            self.shmSize = shmSize
        }
    }

    /// Seccomp (containers only).
    public var seccomp: Seccomp?
    /// IPC.
    public var ipcInfo: IPCInfo?

    /// Linux settings.
    public init(seccomp: Seccomp? = nil, ipcInfo: IPCInfo? = nil) {
        self.seccomp = seccomp
        self.ipcInfo = ipcInfo
    }
}
