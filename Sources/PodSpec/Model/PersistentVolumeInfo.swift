/// The `persistent` part of a persistent pod volume.
public struct PersistentVolumeInfo: Sendable, Hashable, Codable {
    /// The Mesos disk kind.
    public enum DiskType: String, Sendable, Hashable, Codable, CaseIterable {
        /// The agent's root disk.
        case root
        /// A `PATH` disk.
        case path
        /// A `MOUNT` disk.
        case mount
    }

    /// The disk kind: `root` by default, `mount` when a profile is named.
    public var type: DiskType
    /// Size in MiB.
    public var size: Int64
    /// Largest `MOUNT` disk to accept.
    public var maxSize: Int64?
    /// The storage profile.
    public var profileName: String?
    /// Constraints on the disk, e.g. `[["path", "LIKE", "/mnt/.*"]]`.
    public var constraints: [[String]]

    /// Persistent volume information.
    public init(type: DiskType? = nil, size: Int64, maxSize: Int64? = nil, profileName: String? = nil,
                constraints: [[String]] = []) {
        self.type = type ?? (profileName == nil ? .root : .mount)
        self.size = size
        self.maxSize = maxSize
        self.profileName = profileName
        self.constraints = constraints
    }
}
