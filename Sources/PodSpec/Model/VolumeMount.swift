/// A container's mount of a pod volume (`containers[].volumeMounts[]`).
public struct VolumeMount: Sendable, Hashable, Codable {
    /// The pod volume's name.
    public var name: String
    /// Where it appears in the container (absolute, or relative to the sandbox).
    public var mountPath: String
    /// Read-only (default false).
    public var readOnly: Bool

    /// A volume mount.
    public init(name: String, mountPath: String, readOnly: Bool = false) {
        self.name = name
        self.mountPath = mountPath
        self.readOnly = readOnly
    }
}
