import Primitives

/// What a CNI ADD returned: interfaces, IP configurations, routes and DNS. Results of
/// CNI 0.3.0 and later (`ips`, `interfaces`) and of 0.1.0/0.2.0 (`ip4`, `ip6`) are read.
/// ``raw`` is kept verbatim: it is the `prevResult` of DEL and CHECK.
public struct CNIResult: Sendable, Equatable {
    /// An interface created or configured by the plugins.
    public struct Interface: Sendable, Equatable {
        /// The interface name (host side or container side).
        public var name: String
        /// Its MAC address, if reported.
        public var mac: String?
        /// The network namespace path for a container interface; nil on the host side.
        public var sandbox: String?
    }

    /// An address assigned to the container.
    public struct IPConfig: Sendable, Equatable {
        /// The address with its prefix length (`10.1.0.5/24`).
        public var address: String
        /// The gateway, if any.
        public var gateway: String?
        /// Index into ``CNIResult/interfaces`` of the interface it is on.
        public var interface: Int?

        /// The address without the prefix length.
        public var ip: String { String(address.split(separator: "/", maxSplits: 1).first ?? "") }
        /// The prefix length, if given.
        public var prefixLength: Int? {
            let parts = address.split(separator: "/", maxSplits: 1)
            return parts.count == 2 ? Int(parts[1]) : nil
        }
        /// Whether this is an IPv6 address.
        public var isIPv6: Bool { ip.contains(":") }
    }

    /// A route in the container.
    public struct Route: Sendable, Equatable {
        /// The destination network.
        public var destination: String
        /// The next hop, if any.
        public var gateway: String?
    }

    /// DNS settings the network suggests.
    public struct DNS: Sendable, Equatable {
        /// Name servers in priority order.
        public var nameservers: [String] = []
        /// The local domain.
        public var domain: String?
        /// Search domains.
        public var search: [String] = []
        /// Resolver options (`ndots:2`, …).
        public var options: [String] = []

        /// Whether nothing is set.
        public var isEmpty: Bool { nameservers.isEmpty && domain == nil && search.isEmpty && options.isEmpty }
    }

    /// The result's `cniVersion`.
    public var cniVersion: String
    /// The interfaces.
    public var interfaces: [Interface]
    /// The addresses.
    public var ips: [IPConfig]
    /// The routes.
    public var routes: [Route]
    /// The DNS settings.
    public var dns: DNS
    /// The result as the plugin printed it.
    public var raw: JSONValue

    /// The first IPv4 address (else the first address) without prefix length.
    public var primaryIP: String? {
        (ips.first { !$0.isIPv6 } ?? ips.first)?.ip
    }

    /// Reads a result object.
    public init(json: JSONValue) throws(PodNetworkingError) {
        func bad(_ reason: String) -> PodNetworkingError {
            PodNetworkingError(.invalidPluginOutput, "CNI result is not understood: \(reason)")
        }
        guard json.objectValue != nil else { throw bad("it is a JSON \(json.typeName), not an object") }
        raw = json
        cniVersion = json["cniVersion"]?.stringValue ?? "0.1.0"
        interfaces = []
        ips = []
        routes = []
        dns = DNS()
        for (index, value) in (json["interfaces"]?.arrayValue ?? []).enumerated() {
            guard let name = value["name"]?.stringValue else { throw bad("interface #\(index) has no name") }
            let sandbox = value["sandbox"]?.stringValue
            interfaces.append(Interface(name: name, mac: value["mac"]?.stringValue,
                                        sandbox: (sandbox?.isEmpty ?? true) ? nil : sandbox))
        }
        for (index, value) in (json["ips"]?.arrayValue ?? []).enumerated() {
            guard let address = value["address"]?.stringValue, address.contains("/") else {
                throw bad("ips[\(index)] has no address in CIDR form")
            }
            let interface = value["interface"]?.intValue
            ips.append(IPConfig(address: address, gateway: value["gateway"]?.stringValue, interface: interface))
        }
        routes = Self.routes(json["routes"])
        // CNI 0.1.0 / 0.2.0.
        for key in ["ip4", "ip6"] {
            guard let legacy = json[key] else { continue }
            guard let address = legacy["ip"]?.stringValue, address.contains("/") else {
                throw bad("\(key) has no ip in CIDR form")
            }
            ips.append(IPConfig(address: address, gateway: legacy["gateway"]?.stringValue, interface: nil))
            routes += Self.routes(legacy["routes"])
        }
        if let value = json["dns"] {
            dns.nameservers = value["nameservers"]?.arrayValue?.compactMap(\.stringValue) ?? []
            dns.domain = value["domain"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
            dns.search = value["search"]?.arrayValue?.compactMap(\.stringValue) ?? []
            dns.options = value["options"]?.arrayValue?.compactMap(\.stringValue) ?? []
        }
    }

    /// The container-side interface an address is on, if known.
    public func interface(of ip: IPConfig) -> Interface? {
        guard let index = ip.interface, interfaces.indices.contains(index) else { return nil }
        return interfaces[index]
    }

    private static func routes(_ value: JSONValue?) -> [Route] {
        (value?.arrayValue ?? []).compactMap { route in
            route["dst"]?.stringValue.map { Route(destination: $0, gateway: route["gw"]?.stringValue) }
        }
    }
}
