import Primitives

/// An instance as the kill endpoints answer it (Marathon 1.8+ `Instance`, docs/reference/marathon-pods-api.md §13).
public struct KilledInstance: Sendable, Equatable {
    /// The document as the server sent it.
    public let json: JSONValue
    /// The instance id (`<safeId>.instance-<uuid>`).
    public let instanceID: String

    /// Reads an instance document; it must have a string `instanceId`.
    public init(json: JSONValue) throws(DocumentError) {
        self.json = json
        self.instanceID = try json.requiredString("instanceId", in: "instance document")
    }

    /// The agent's host name, once placed.
    public var agentHost: String? { json["agentInfo"]?["host"]?.stringValue }

    /// The instance condition (`Running`, `Killing`, …).
    public var condition: String? { json["state"]?["condition"]?.stringValue }

    /// The goal (`Running`, `Stopped`, `Decommissioned`).
    public var goal: String? { json["state"]?["goal"]?.stringValue }
}
