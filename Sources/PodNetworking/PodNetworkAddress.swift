/// An address a pod got on one of its networks — what the executor reports in
/// `ContainerStatus.network_infos[].ip_addresses` and as `MESOS_CONTAINER_IP`.
public struct PodNetworkAddress: Sendable, Equatable {
    /// The network name (`NetworkInfo.name`).
    public var network: String?
    /// The address without prefix length.
    public var ip: String
    /// The prefix length, if known.
    public var prefixLength: Int?
    /// The gateway, if any.
    public var gateway: String?
    /// The interface inside the pod (`eth0`, `eth1`, …).
    public var interfaceName: String
    /// Whether the address is IPv6 (`NetworkInfo.Protocol`).
    public var isIPv6: Bool

    /// Creates an address.
    public init(network: String?, ip: String, prefixLength: Int? = nil, gateway: String? = nil,
                interfaceName: String, isIPv6: Bool = false) {
        self.network = network
        self.ip = ip
        self.prefixLength = prefixLength
        self.gateway = gateway
        self.interfaceName = interfaceName
        self.isIPv6 = isIPv6
    }
}
