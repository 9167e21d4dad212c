/// The network a pod's containers share.
public enum PodNetworkMode: Sendable, Equatable {
    /// The agent's network namespace.
    case host
    /// A new network namespace per pod instance, joined to each named CNI network
    /// (none: loopback only).
    case container(networks: [NetworkAttachment])

    /// One CNI network the pod joins.
    public struct NetworkAttachment: Sendable, Equatable {
        public var name: String
        public var labels: [String: String]
        public var portMappings: [PortMapping]
        public init(name: String, labels: [String: String] = [:], portMappings: [PortMapping] = []) {
            self.name = name
            self.labels = labels
            self.portMappings = portMappings
        }
    }

    public struct PortMapping: Sendable, Equatable {
        public var hostPort: UInt32
        public var containerPort: UInt32
        public var `protocol`: String
        public init(hostPort: UInt32, containerPort: UInt32, protocol: String = "tcp") {
            self.hostPort = hostPort
            self.containerPort = containerPort
            self.protocol = `protocol`
        }
    }
}
