/// A pod-level volume (`volumes[]`), mounted into containers by name.
public enum PodVolume: Sendable, Hashable, Codable {
    /// A directory in the executor sandbox shared by the containers that mount it.
    case ephemeral(name: String)
    /// A path on the agent (absolute) or relative to the executor sandbox.
    case host(name: String, hostPath: String)
    /// A file holding the value of a pod secret.
    case secret(name: String, secret: String)
    /// A local persistent volume (makes the pod resident).
    case persistent(name: String, PersistentVolumeInfo)

    /// The volume name.
    public var name: String {
        switch self {
        case .ephemeral(let name), .host(let name, _), .secret(let name, _), .persistent(let name, _): name
        }
    }

    /// Whether this is a persistent volume.
    public var isPersistent: Bool {
        if case .persistent = self { return true }
        return false
    }
}
