import Foundation
import PodSchedulerCore
import PodSpec
import Primitives

/// The `Instance` document of Marathon 1.8+ that the kill endpoints answer with
/// (docs/reference/marathon-pods-api.md §13).
enum InstanceDocument {
    static func render(_ instance: InstanceSnapshot) -> JSONValue {
        var object = JSONObject()
        object["instanceId"] = .string(instance.instanceID)
        if let host = instance.agentHostname {
            var agent = JSONObject()
            agent["host"] = .string(host)
            if let agentID = instance.agentID { agent["agentId"] = .string(agentID) }
            if let region = instance.agentRegion { agent["region"] = .string(region) }
            if let zone = instance.agentZone { agent["zone"] = .string(zone) }
            agent["attributes"] = []
            object["agentInfo"] = .object(agent)
        }
        object["runSpecVersion"] = .string(instance.specVersion.description)
        var state = JSONObject()
        state["condition"] = .string(instance.condition.rawValue)
        state["since"] = .string(MarathonTimestamp.version(instance.since))
        if let activeSince = instance.activeSince { state["activeSince"] = .string(MarathonTimestamp.version(activeSince)) }
        if let healthy = instance.healthy { state["healthy"] = .bool(healthy) }
        state["goal"] = .string(instance.goal.rawValue)
        object["state"] = .object(state)
        object["unreachableStrategy"] = unreachableStrategy(instance.unreachableStrategy)
        return .object(object)
    }

    static func unreachableStrategy(_ strategy: UnreachableStrategy) -> JSONValue {
        switch strategy {
        case .disabled:
            "disabled"
        case .enabled(let inactive, let expunge):
            ["inactiveAfterSeconds": .number(JSONNumber(inactive)), "expungeAfterSeconds": .number(JSONNumber(expunge))]
        }
    }
}
