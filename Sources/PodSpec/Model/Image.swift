/// A container's filesystem image (`containers[].image`).
public struct Image: Sendable, Hashable, Codable {
    /// The image kind; Marathon 1.10 knows only Docker images.
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        /// A Docker image, provisioned by the Mesos containerizer.
        case docker = "DOCKER"
    }

    /// The kind.
    public var kind: Kind
    /// The image reference, e.g. `nginx:1.25` or `registry/ns/img@sha256:…`.
    public var id: String
    /// Name of a pod secret holding a Docker `config.json` for the pull.
    public var pullConfigSecret: String?
    /// `true`: always pull; `false`: use the cache; absent: Mesos' default.
    public var forcePull: Bool?
    /// Image labels.
    public var labels: [String: String]

    /// An image.
    public init(kind: Kind = .docker, id: String, pullConfigSecret: String? = nil, forcePull: Bool? = nil,
                labels: [String: String] = [:]) {
        self.kind = kind
        self.id = id
        self.pullConfigSecret = pullConfigSecret
        self.forcePull = forcePull
        self.labels = labels
    }
}
