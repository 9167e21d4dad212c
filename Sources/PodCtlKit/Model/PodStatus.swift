import Primitives

/// A pod's status document from `GET /v2/pods/{id}::status` or `GET /v2/pods/::status`
/// (docs/reference/marathon-pods-api.md §12.1).
public struct PodStatus: Sendable, Equatable {
    /// The document as the server sent it.
    public let json: JSONValue
    /// The pod id.
    public let id: String
    /// `STABLE`, `DEGRADED` or `TERMINAL`.
    public let status: String
    /// When the status last changed (the server's timestamp text).
    public let statusSince: String?
    /// The listed instances.
    public let instances: [PodInstanceStatus]

    /// Reads a status document; it needs a string `id` and `status`, and each listed
    /// instance needs an `id`.
    public init(json: JSONValue) throws(DocumentError) {
        self.json = json
        self.id = try json.requiredString("id", in: "pod status")
        self.status = try json.requiredString("status", in: "pod status")
        self.statusSince = json["statusSince"]?.stringValue
        var instances: [PodInstanceStatus] = []
        for element in json["instances"]?.arrayValue ?? [] {
            instances.append(try PodInstanceStatus(json: element))
        }
        self.instances = instances
    }

    /// The wanted instance count: `spec.scaling.instances` (Marathon's default is 1).
    public var desiredInstances: Int {
        json["spec"]?["scaling"]?["instances"]?.intValue ?? 1
    }

    /// How many listed instances are running (see ``PodInstanceStatus/isRunning``).
    public var runningInstances: Int {
        instances.filter(\.isRunning).count
    }

    /// `terminationHistory`'s entry, as one line: `instance at time: message`.
    public var lastTermination: String? {
        guard let entry = json["terminationHistory"]?.arrayValue?.first else { return nil }
        let instance = entry["instanceID"]?.stringValue ?? "?"
        let time = entry["terminatedAt"]?.stringValue.map(Timestamp.display) ?? "?"
        let message = entry["message"]?.stringValue ?? ""
        return message.isEmpty ? "\(instance) at \(time)" : "\(instance) at \(time): \(message)"
    }
}
