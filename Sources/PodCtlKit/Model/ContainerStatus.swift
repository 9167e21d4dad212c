import Primitives

/// One container of a pod instance status (docs/reference/marathon-pods-api.md §12.5).
public struct ContainerStatus: Sendable, Equatable {
    /// A container's health from its `healthy` condition.
    public enum Health: String, Sendable, Equatable {
        /// Mesos reported the check passing.
        case healthy
        /// Mesos reported the check failing.
        case unhealthy
        /// The container has a check but Mesos has not reported it yet.
        case unreported
    }

    /// The document as the server sent it.
    public let json: JSONValue
    /// The container name.
    public let name: String
    /// The Mesos task state (`TASK_RUNNING`, …).
    public let status: String

    /// Reads a container status; it needs a string `name`.
    public init(json: JSONValue) throws(DocumentError) {
        self.json = json
        self.name = try json.requiredString("name", in: "container status")
        self.status = json["status"]?.stringValue ?? "UNKNOWN"
    }

    /// The Mesos task id, once launched.
    public var containerID: String? { json["containerId"]?.stringValue }

    /// When the state last changed (the server's timestamp text).
    public var statusSince: String? { json["statusSince"]?.stringValue }

    /// The health from the `healthy` condition; nil without a health check.
    public var health: Health? {
        guard let condition = json["conditions"]?.arrayValue?.first(where: { $0["name"]?.stringValue == "healthy" })
        else { return nil }
        if condition["value"]?.stringValue == "true" { return .healthy }
        if condition["reason"]?.stringValue == "health-unreported-by-mesos" { return .unreported }
        return .unhealthy
    }

    /// Restarts in place (`lifecycle.restart`); 0 when the server shows none.
    public var restartCount: Int { json["restartCount"]?.intValue ?? 0 }

    /// How the container last ended before a restart in place: `exit 1` or `signal 9`,
    /// `(OOM)`, and when; nil when it never restarted.
    public var lastTermination: String? {
        guard let last = json["lastTermination"], last.objectValue != nil else { return nil }
        var text = last["exitCode"]?.intValue.map { "exit \($0)" } ?? last["signal"]?.intValue.map { "signal \($0)" } ?? "ended"
        if last["oomKilled"]?.boolValue == true { text += " (OOM)" }
        if let at = last["finishedAt"]?.stringValue { text += " at \(Timestamp.display(at))" }
        return text
    }

    /// The endpoints, `name:allocatedHostPort` or `name`.
    public var endpoints: [String] {
        json["endpoints"]?.arrayValue?.compactMap { endpoint in
            guard let name = endpoint["name"]?.stringValue else { return nil }
            return endpoint["allocatedHostPort"]?.intValue.map { "\(name):\($0)" } ?? name
        } ?? []
    }
}
