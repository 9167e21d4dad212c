import Primitives

/// Rendering helpers shared by the pod and its containers.
enum Render {
    static func stringMap(_ map: [String: String]) -> JSONValue {
        var object = JSONObject()
        for (key, value) in map.sorted(by: { $0.key < $1.key }) { object[key] = .string(value) }
        return .object(object)
    }

    static func environment(_ environment: [String: EnvVarValue]) -> JSONValue {
        var object = JSONObject()
        for (key, value) in environment.sorted(by: { $0.key < $1.key }) {
            switch value {
            case .value(let text): object[key] = .string(text)
            case .secret(let name): object[key] = ["secret": .string(name)]
            }
        }
        return .object(object)
    }

    static func volume(_ volume: PodVolume) -> JSONValue {
        switch volume {
        case .ephemeral(let name):
            return ["name": .string(name)]
        case .host(let name, let hostPath):
            return ["name": .string(name), "host": .string(hostPath)]
        case .secret(let name, let secret):
            return ["name": .string(name), "secret": .string(secret)]
        case .persistent(let name, let info):
            var persistent = JSONObject()
            persistent["type"] = .string(info.type.rawValue)
            persistent["size"] = .number(JSONNumber(info.size))
            if let maxSize = info.maxSize { persistent["maxSize"] = .number(JSONNumber(maxSize)) }
            if let profileName = info.profileName { persistent["profileName"] = .string(profileName) }
            persistent["constraints"] = .array(info.constraints.map { .array($0.map(JSONValue.string)) })
            return ["name": .string(name), "persistent": .object(persistent)]
        }
    }

    static func network(_ network: Network) -> JSONValue {
        var object = JSONObject()
        if let name = network.name { object["name"] = .string(name) }
        object["mode"] = .string(network.mode.rawValue)
        if !network.labels.isEmpty { object["labels"] = stringMap(network.labels) }
        return .object(object)
    }

    static func scheduling(_ scheduling: PodSchedulingPolicy) -> JSONValue {
        var placement = JSONObject()
        if !scheduling.placement.constraints.isEmpty {
            placement["constraints"] = .array(scheduling.placement.constraints.map(constraint))
        }
        if !scheduling.placement.acceptedResourceRoles.isEmpty {
            placement["acceptedResourceRoles"] = .array(scheduling.placement.acceptedResourceRoles.map(JSONValue.string))
        }
        let unreachable: JSONValue = switch scheduling.unreachableStrategy {
        case .disabled: "disabled"
        case .enabled(let inactive, let expunge):
            ["inactiveAfterSeconds": .number(JSONNumber(inactive)), "expungeAfterSeconds": .number(JSONNumber(expunge))]
        }
        return [
            "backoff": [
                "backoff": .double(scheduling.backoff.backoff),
                "backoffFactor": .double(scheduling.backoff.backoffFactor),
                "maxLaunchDelay": .double(scheduling.backoff.maxLaunchDelay),
            ],
            "upgrade": [
                "minimumHealthCapacity": .double(scheduling.upgrade.minimumHealthCapacity),
                "maximumOverCapacity": .double(scheduling.upgrade.maximumOverCapacity),
            ],
            "placement": .object(placement),
            "killSelection": .string(scheduling.killSelection.rawValue),
            "unreachableStrategy": unreachable,
        ]
    }

    static func constraint(_ constraint: PlacementConstraint) -> JSONValue {
        var object = JSONObject()
        object["fieldName"] = .string(constraint.fieldName)
        object["operator"] = .string(constraint.operator.rawValue)
        if let value = constraint.value { object["value"] = .string(value) }
        return .object(object)
    }

    static func linuxInfo(_ linuxInfo: LinuxInfo) -> JSONValue {
        var object = JSONObject()
        if let seccomp = linuxInfo.seccomp {
            var rendered = JSONObject()
            if let profile = seccomp.profileName { rendered["profileName"] = .string(profile) }
            rendered["unconfined"] = .bool(seccomp.unconfined)
            object["seccomp"] = .object(rendered)
        }
        if let ipc = linuxInfo.ipcInfo {
            var rendered = JSONObject()
            rendered["mode"] = .string(ipc.mode.rawValue)
            if let shmSize = ipc.shmSize { rendered["shmSize"] = .int(shmSize) }
            object["ipcInfo"] = .object(rendered)
        }
        return .object(object)
    }

    static func command(_ command: MesosCommand) -> JSONValue {
        switch command {
        case .shell(let shell): ["shell": .string(shell)]
        case .argv(let argv): ["argv": .array(argv.map(JSONValue.string))]
        }
    }
}
