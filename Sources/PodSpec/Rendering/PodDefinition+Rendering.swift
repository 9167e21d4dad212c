import Foundation
import Primitives

extension PodDefinition {
    /// The pod as `/v2/pods` renders it (Marathon 1.10, Jackson): empty collections omitted,
    /// every defaulted field present, `placement` as `{}` when both lists are empty, `role`
    /// and `version` always, doubles as `32.0`. Map keys are sorted.
    public func renderJSONValue() -> JSONValue {
        var object = JSONObject()
        object["id"] = .string(id.absolute)
        if !labels.isEmpty { object["labels"] = Render.stringMap(labels) }
        object["version"] = .string(version.description)
        if let user { object["user"] = .string(user) }
        if !environment.isEmpty { object["environment"] = Render.environment(environment) }
        object["containers"] = .array(containers.map { $0.renderJSONValue() })
        if !secrets.isEmpty {
            var rendered = JSONObject()
            for (name, secret) in secrets.sorted(by: { $0.key < $1.key }) {
                rendered[name] = ["source": .string(secret.source)]
            }
            object["secrets"] = .object(rendered)
        }
        if !volumes.isEmpty { object["volumes"] = .array(volumes.map(Render.volume)) }
        if !networks.isEmpty { object["networks"] = .array(networks.map(Render.network)) }
        object["scaling"] = ["instances": .int(instances), "kind": "fixed"]
        object["scheduling"] = Render.scheduling(scheduling)
        object["executorResources"] = [
            "cpus": .double(executorResources.cpus), "mem": .double(executorResources.mem),
            "disk": .double(executorResources.disk),
        ]
        object["role"] = .string(role)
        if let linuxInfo { object["linuxInfo"] = Render.linuxInfo(linuxInfo) }
        if legacySharedCgroups { object["legacySharedCgroups"] = true }
        if let logRotation {
            var rendered = JSONObject()
            if let size = logRotation.maxSizeMB { rendered["maxSizeMB"] = .int(size) }
            if let files = logRotation.maxFiles { rendered["maxFiles"] = .int(files) }
            object["logRotation"] = .object(rendered)
        }
        return .object(object)
    }

    /// ``renderJSONValue()`` as compact UTF-8 JSON.
    public func renderJSON() -> Data {
        renderJSONValue().jsonData
    }
}
