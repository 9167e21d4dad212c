import MesosProtocol
import Primitives

extension PodContainer {
    /// The container as `/v2/pods` renders it (see ``PodDefinition/renderJSONValue()``).
    public func renderJSONValue() -> JSONValue {
        var object = JSONObject()
        object["name"] = .string(name)
        if let exec {
            var rendered = JSONObject()
            rendered["command"] = Render.command(exec.command)
            if let override = exec.overrideEntrypoint { rendered["overrideEntrypoint"] = .bool(override) }
            object["exec"] = .object(rendered)
        }
        object["resources"] = [
            "cpus": .double(resources.cpus), "mem": .double(resources.mem), "disk": .double(resources.disk),
            "gpus": .int(resources.gpus),
        ]
        if let resourceLimits {
            var rendered = JSONObject()
            if let cpus = resourceLimits.cpus { rendered["cpus"] = PodContainer.render(cpus) }
            if let mem = resourceLimits.mem { rendered["mem"] = PodContainer.render(mem) }
            object["resourceLimits"] = .object(rendered)
        }
        if !endpoints.isEmpty { object["endpoints"] = .array(endpoints.map(PodContainer.render)) }
        if let linuxInfo { object["linuxInfo"] = Render.linuxInfo(linuxInfo) }
        if let image {
            var rendered = JSONObject()
            rendered["kind"] = .string(image.kind.rawValue)
            rendered["id"] = .string(image.id)
            if let secret = image.pullConfigSecret { rendered["pullConfig"] = ["secret": .string(secret)] }
            if let forcePull = image.forcePull { rendered["forcePull"] = .bool(forcePull) }
            if !image.labels.isEmpty { rendered["labels"] = Render.stringMap(image.labels) }
            object["image"] = .object(rendered)
        }
        if !environment.isEmpty { object["environment"] = Render.environment(environment) }
        if let user { object["user"] = .string(user) }
        if let healthCheck { object["healthCheck"] = PodContainer.render(healthCheck) }
        if let readinessCheck { object["readinessCheck"] = PodContainer.render(readinessCheck) }
        if !volumeMounts.isEmpty {
            object["volumeMounts"] = .array(volumeMounts.map { mount in
                ["name": .string(mount.name), "mountPath": .string(mount.mountPath), "readOnly": .bool(mount.readOnly)]
            })
        }
        if !artifacts.isEmpty { object["artifacts"] = .array(artifacts.map(PodContainer.render)) }
        if !labels.isEmpty { object["labels"] = Render.stringMap(labels) }
        if let lifecycle {
            var rendered = JSONObject()
            if let grace = lifecycle.killGracePeriodSeconds { rendered["killGracePeriodSeconds"] = .double(grace) }
            if let restart = lifecycle.restart { rendered["restart"] = PodContainer.render(restart) }
            object["lifecycle"] = .object(rendered)
        }
        if let tty { object["tty"] = .bool(tty) }
        if !dependsOn.isEmpty {
            object["dependsOn"] = .array(dependsOn.map { ["container": .string($0.container), "condition": .string($0.condition.rawValue)] })
        }
        return .object(object)
    }

    private static func render(_ limit: ResourceLimits.Limit) -> JSONValue {
        switch limit {
        case .unlimited: "unlimited"
        case .value(let value): .double(value)
        }
    }

    private static func render(_ endpoint: Endpoint) -> JSONValue {
        var object = JSONObject()
        object["name"] = .string(endpoint.name)
        if let port = endpoint.containerPort { object["containerPort"] = .int(port) }
        if let port = endpoint.hostPort { object["hostPort"] = .int(port) }
        if !endpoint.protocol.isEmpty { object["protocol"] = .array(endpoint.protocol.map(JSONValue.string)) }
        if !endpoint.labels.isEmpty { object["labels"] = Render.stringMap(endpoint.labels) }
        if !endpoint.networkNames.isEmpty { object["networkNames"] = .array(endpoint.networkNames.map(JSONValue.string)) }
        return .object(object)
    }

    private static func render(_ check: HealthCheck) -> JSONValue {
        var object = JSONObject()
        if let http = check.http {
            var rendered = JSONObject()
            rendered["endpoint"] = .string(http.endpoint)
            if let path = http.path { rendered["path"] = .string(path) }
            rendered["scheme"] = .string(http.scheme.rawValue)
            object["http"] = .object(rendered)
        }
        if let tcp = check.tcpEndpoint { object["tcp"] = ["endpoint": .string(tcp)] }
        if let exec = check.exec { object["exec"] = ["command": Render.command(exec)] }
        object["gracePeriodSeconds"] = .int(check.gracePeriodSeconds)
        object["intervalSeconds"] = .int(check.intervalSeconds)
        object["maxConsecutiveFailures"] = .int(check.maxConsecutiveFailures)
        object["timeoutSeconds"] = .int(check.timeoutSeconds)
        object["delaySeconds"] = .int(check.delaySeconds)
        return .object(object)
    }

    private static func render(_ check: ReadinessCheck) -> JSONValue {
        guard case .object(var object) = render(HealthCheck(http: check.http, tcpEndpoint: check.tcpEndpoint, exec: check.exec)) else {
            return .null
        }
        for key in ["gracePeriodSeconds", "maxConsecutiveFailures"] { object[key] = nil }
        object["intervalSeconds"] = .int(check.intervalSeconds)
        object["timeoutSeconds"] = .int(check.timeoutSeconds)
        object["delaySeconds"] = .int(check.delaySeconds)
        object["httpStatusCodesForReady"] = .array(check.httpStatusCodesForReady.map { .int($0) })
        object["preserveLastResponse"] = .bool(check.preserveLastResponse)
        return .object(object)
    }

    private static func render(_ restart: PodRestartContract.Restart) -> JSONValue {
        [
            "policy": .string(restart.policy.rawValue), "maxRestarts": .int(restart.maxRestarts),
            "windowSeconds": .double(restart.windowSeconds), "backoffSeconds": .double(restart.backoffSeconds),
            "maxBackoffSeconds": .double(restart.maxBackoffSeconds),
            "successExitCodes": .array(restart.successExitCodes.map { .int(Int($0)) }),
        ]
    }

    private static func render(_ artifact: Artifact) -> JSONValue {
        var object = JSONObject()
        object["uri"] = .string(artifact.uri)
        object["extract"] = .bool(artifact.extract)
        object["executable"] = .bool(artifact.executable)
        object["cache"] = .bool(artifact.cache)
        if let destPath = artifact.destPath { object["destPath"] = .string(destPath) }
        return .object(object)
    }
}
