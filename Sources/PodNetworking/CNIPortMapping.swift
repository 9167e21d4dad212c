import Primitives

/// One host port forwarded to a container port, as the CNI `portMappings` capability
/// carries it to the `portmap` plugin (`runtimeConfig.portMappings`), built from Mesos'
/// `NetworkInfo.PortMapping` (Marathon endpoints with a `hostPort`).
public struct CNIPortMapping: Sendable, Equatable, Hashable, Codable {
    /// The port on the host.
    public var hostPort: Int
    /// The port inside the pod's network namespace.
    public var containerPort: Int
    /// `tcp`, `udp` or `sctp` (lower case, as CNI expects).
    public var `protocol`: String

    /// Creates a mapping. A missing protocol means TCP, as in Mesos.
    public init(hostPort: Int, containerPort: Int, protocol: String? = nil) {
        self.hostPort = hostPort
        self.containerPort = containerPort
        self.protocol = (`protocol` ?? "tcp").lowercased()
    }

    /// Checks the ports and the protocol.
    public func validate() throws(PodNetworkingError) {
        guard (1...65535).contains(hostPort), (1...65535).contains(containerPort) else {
            throw PodNetworkingError(.invalidArgument,
                                     "invalid port mapping \(hostPort) → \(containerPort): ports must be in 1…65535")
        }
        guard ["tcp", "udp", "sctp"].contains(self.protocol) else {
            throw PodNetworkingError(.invalidArgument,
                                     "invalid port mapping \(hostPort) → \(containerPort): unknown protocol '\(self.protocol)' (tcp, udp or sctp)")
        }
    }

    /// The JSON object the `portmap` plugin reads.
    var json: JSONValue {
        .object(["hostPort": .int(hostPort), "containerPort": .int(containerPort),
                 "protocol": .string(self.protocol)])
    }
}
