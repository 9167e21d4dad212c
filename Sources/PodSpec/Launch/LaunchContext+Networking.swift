import MesosProtocol

extension LaunchContext {
    /// All allocated host ports as one `ports` resource for the executor (Marathon charges
    /// ports to the executor, not the tasks), merged into ascending ranges.
    func portsResource() -> Mesos_V1_Resource? {
        let ports = Set(allocatedPorts.values).sorted()
        guard let first = ports.first else { return nil }
        var ranges: [Mesos_V1_Value.Range] = []
        var begin = first
        var end = first
        for port in ports.dropFirst() {
            if port == end + 1 {
                end = port
                continue
            }
            ranges.append(LaunchContext.range(begin, end))
            begin = port
            end = port
        }
        ranges.append(LaunchContext.range(begin, end))
        var resource = Mesos_V1_Resource()
        resource.name = "ports"
        resource.type = .ranges
        resource.ranges.range = ranges
        label(&resource)
        return resource
    }

    private static func range(_ begin: Int, _ end: Int) -> Mesos_V1_Value.Range {
        var range = Mesos_V1_Value.Range()
        range.begin = UInt64(clamping: begin)
        range.end = UInt64(clamping: end)
        return range
    }

    /// The executor's networks: one `NetworkInfo` per container network (with the port
    /// mappings of its endpoints) or the bridge; none for host networking.
    func networkInfos() -> [Mesos_V1_NetworkInfo] {
        let mappings: [(networkNames: [String], mapping: Mesos_V1_NetworkInfo.PortMapping)] =
            pod.allEndpoints.flatMap { endpoint -> [([String], Mesos_V1_NetworkInfo.PortMapping)] in
                guard let hostPort = allocatedPorts[endpoint.name] else { return [] }
                var mapping = Mesos_V1_NetworkInfo.PortMapping()
                mapping.hostPort = UInt32(clamping: hostPort)
                // containerPort 0 or absent maps to the same port as on the host.
                let containerPort = endpoint.containerPort.flatMap { $0 == 0 ? nil : $0 } ?? hostPort
                mapping.containerPort = UInt32(clamping: containerPort)
                if endpoint.protocol.isEmpty { return [(endpoint.networkNames, mapping)] }
                return endpoint.protocol.map { name in
                    var withProtocol = mapping
                    withProtocol.protocol = name
                    return (endpoint.networkNames, withProtocol)
                }
            }
        return pod.networks.compactMap { network -> Mesos_V1_NetworkInfo? in
            switch network.mode {
            case .host:
                return nil
            case .container:
                guard let name = network.name else { return nil }
                var info = Mesos_V1_NetworkInfo()
                info.name = name
                info.labels = LaunchContext.labels(network.labels)
                info.portMappings = mappings.filter { $0.networkNames.isEmpty || $0.networkNames.contains(name) }
                    .map(\.mapping)
                return info
            case .containerBridge:
                var info = Mesos_V1_NetworkInfo()
                info.name = options.mesosBridgeName
                info.labels = LaunchContext.labels(network.labels)
                info.portMappings = mappings.map(\.mapping)
                return info
            }
        }
    }

    /// The task's discovery info: its endpoints as `Port`s, one per protocol (and, for
    /// container-scoped ports, per network).
    func discovery(of container: PodContainer) -> Mesos_V1_DiscoveryInfo {
        var discovery = Mesos_V1_DiscoveryInfo()
        discovery.visibility = .framework
        discovery.name = pod.id.hostname
        let containerNetworks = pod.networks.filter { $0.mode == .container }.compactMap(\.name)
        var ports: [Mesos_V1_Port] = []
        for endpoint in container.endpoints {
            let hostPort = allocatedPorts[endpoint.name]
            if pod.usesHostNetworking {
                guard let hostPort else { continue }
                for name in endpoint.protocol {
                    ports.append(LaunchContext.port(endpoint, number: hostPort, protocol: name, extraLabels: [:]))
                }
            } else if let hostPort {
                for name in endpoint.protocol {
                    ports.append(LaunchContext.port(endpoint, number: hostPort, protocol: name,
                                                    extraLabels: ["network-scope": "host"]))
                }
            } else if let containerPort = endpoint.containerPort {
                let networks = endpoint.networkNames.isEmpty ? containerNetworks : endpoint.networkNames
                for name in endpoint.protocol {
                    for network in networks {
                        ports.append(LaunchContext.port(endpoint, number: containerPort, protocol: name,
                                                        extraLabels: ["network-scope": "container",
                                                                      "network-name": network]))
                    }
                }
            }
        }
        discovery.ports.ports = ports
        return discovery
    }

    private static func port(_ endpoint: Endpoint, number: Int, protocol name: String,
                             extraLabels: [String: String]) -> Mesos_V1_Port {
        var port = Mesos_V1_Port()
        port.number = UInt32(clamping: number)
        port.name = endpoint.name
        port.protocol = name
        var labels = labels(endpoint.labels).labels
        for key in ["network-scope", "network-name"] {
            guard let value = extraLabels[key] else { continue }
            labels.removeAll { $0.key == key }
            var label = Mesos_V1_Label()
            label.key = key
            label.value = value
            labels.append(label)
        }
        port.labels.labels = labels
        return port
    }
}
