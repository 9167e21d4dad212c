import Primitives

/// One instance of a pod status (docs/reference/marathon-pods-api.md §12.2).
public struct PodInstanceStatus: Sendable, Equatable {
    /// The document as the server sent it.
    public let json: JSONValue
    /// The instance id.
    public let id: String
    /// `PENDING`, `STAGING`, `STABLE`, `DEGRADED` or `TERMINAL`.
    public let status: String
    /// The containers (one per Mesos task).
    public let containers: [ContainerStatus]

    /// Reads an instance status; it needs a string `id`.
    public init(json: JSONValue) throws(DocumentError) {
        self.json = json
        self.id = try json.requiredString("id", in: "instance status")
        self.status = json["status"]?.stringValue ?? "UNKNOWN"
        var containers: [ContainerStatus] = []
        for element in json["containers"]?.arrayValue ?? [] {
            containers.append(try ContainerStatus(json: element))
        }
        self.containers = containers
    }

    /// When the status last changed (the server's timestamp text).
    public var statusSince: String? { json["statusSince"]?.stringValue }

    /// Why the instance is DEGRADED, when the server says.
    public var message: String? { json["message"]?.stringValue }

    /// The agent's host name, once placed.
    public var agentHostname: String? { json["agentHostname"]?.stringValue }

    /// The agent id, once placed.
    public var agentID: String? { json["agentId"]?.stringValue }

    /// The instance's addresses, `network:address` for named networks and the bare
    /// address for the host network.
    public var addresses: [String] {
        var result: [String] = []
        for network in json["networks"]?.arrayValue ?? [] {
            let name = network["name"]?.stringValue
            for address in network.strings("addresses") {
                result.append(name.map { "\($0):\(address)" } ?? address)
            }
        }
        return result
    }

    /// Whether the instance runs: it has containers and each one is `TASK_RUNNING`
    /// (healthy or not; health is shown separately).
    public var isRunning: Bool {
        !containers.isEmpty && containers.allSatisfy { $0.status == "TASK_RUNNING" }
    }

    /// The instance's health: unhealthy if any container is, healthy if every
    /// health-checked container is healthy, nil when no container has a check.
    public var health: ContainerStatus.Health? {
        let healths = containers.compactMap(\.health)
        if healths.isEmpty { return nil }
        if healths.contains(.unhealthy) { return .unhealthy }
        if healths.contains(.unreported) { return .unreported }
        return .healthy
    }
}
