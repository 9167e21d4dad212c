/// A named port of a container (`containers[].endpoints[]`).
public struct Endpoint: Sendable, Hashable, Codable {
    /// Unique across all containers of the pod.
    public var name: String
    /// The port the process listens on inside the pod's network namespace.
    public var containerPort: Int?
    /// The host port: `0` asks for a dynamically allocated one; absent with container
    /// networks means no host port.
    public var hostPort: Int?
    /// Protocols advertised for discovery and port mappings (no server default).
    public var `protocol`: [String]
    /// Endpoint labels.
    public var labels: [String: String]
    /// The container networks this endpoint belongs to (empty: all).
    public var networkNames: [String]

    /// An endpoint.
    public init(name: String, containerPort: Int? = nil, hostPort: Int? = nil, protocol: [String] = [],
                labels: [String: String] = [:], networkNames: [String] = []) {
        self.name = name
        self.containerPort = containerPort
        self.hostPort = hostPort
        self.protocol = `protocol`
        self.labels = labels
        self.networkNames = networkNames
    }
}
