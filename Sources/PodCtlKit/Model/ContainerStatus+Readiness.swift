import Primitives

extension ContainerStatus {
    /// The `ready` condition of a container with a readiness check (ours); nil without one.
    public var ready: Bool? { Self.readyCondition(json) }

    static func readyCondition(_ json: JSONValue) -> Bool? {
        guard let condition = json["conditions"]?.arrayValue?.first(where: { $0["name"]?.stringValue == "ready" }) else {
            return nil
        }
        return condition["value"]?.stringValue == "true"
    }
}

extension PodInstanceStatus {
    /// The instance's `ready` condition: nil when no container has a readiness check.
    public var ready: Bool? { ContainerStatus.readyCondition(json) }
}
