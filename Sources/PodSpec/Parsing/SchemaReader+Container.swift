import MesosProtocol
import Primitives

extension SchemaReader {
    /// One `containers[]` entry.
    mutating func container(_ value: JSONValue, at path: JSONPath, facts: inout PodInputFacts) -> PodContainer? {
        guard let object = object(value, at: path) else { return nil }
        let name = required(object, "name", at: path) { $0.name($1, at: $2) }
        let exec = optional(object, "exec", at: path) { reader, value, path -> MesosExec? in
            guard let exec = reader.object(value, at: path) else { return nil }
            let command = reader.required(exec, "command", at: path) { $0.command($1, at: $2) }
            let override = reader.optional(exec, "overrideEntrypoint", at: path) { $0.bool($1, at: $2) }
            return command.map { MesosExec(command: $0, overrideEntrypoint: override) }
        }
        let resources = required(object, "resources", at: path) { $0.resources($1, at: $2) }
        let limits = optional(object, "resourceLimits", at: path) { reader, value, path in
            reader.resourceLimits(value, at: path, facts: &facts)
        }
        let endpoints = optional(object, "endpoints", at: path) { reader, value, path in
            reader.list(value, at: path) { $0.endpoint($1, at: $2) }
        }
        let linuxInfo = optional(object, "linuxInfo", at: path) { $0.linuxInfo($1, at: $2) }
        let image = optional(object, "image", at: path) { $0.image($1, at: $2) }
        let environment = optional(object, "environment", at: path) { $0.environment($1, at: $2) }
        let user = optional(object, "user", at: path) { $0.string($1, at: $2) }
        let healthCheck = optional(object, "healthCheck", at: path) { $0.healthCheck($1, at: $2) }
        // Mesos checks are read for schema errors and then dropped, as Marathon does.
        _ = optional(object, "check", at: path) { $0.check($1, at: $2) }
        let mounts = optional(object, "volumeMounts", at: path) { reader, value, path in
            reader.list(value, at: path) { $0.volumeMount($1, at: $2) }
        }
        let artifacts = optional(object, "artifacts", at: path) { reader, value, path in
            reader.list(value, at: path) { $0.artifact($1, at: $2) }
        }
        let labels = optional(object, "labels", at: path) { $0.labels($1, at: $2) }
        let lifecycle = optional(object, "lifecycle", at: path) { reader, value, path -> PodContainer.Lifecycle? in
            guard let lifecycle = reader.object(value, at: path) else { return nil }
            let grace = reader.optional(lifecycle, "killGracePeriodSeconds", at: path) { $0.double($1, at: $2, min: 0) }
            let restart = reader.optional(lifecycle, "restart", at: path) { $0.restart($1, at: $2) }
            return PodContainer.Lifecycle(killGracePeriodSeconds: grace, restart: restart)
        }
        let tty = optional(object, "tty", at: path) { $0.bool($1, at: $2) }
        let readinessCheck = optional(object, "readinessCheck", at: path) { $0.readinessCheck($1, at: $2) }
        let dependsOn = optional(object, "dependsOn", at: path) { reader, value, path in
            reader.list(value, at: path) { $0.dependency($1, at: $2) }
        }
        guard let name, let resources else { return nil }
        var container = PodContainer(
            name: name, exec: exec, resources: resources, resourceLimits: limits, endpoints: endpoints ?? [],
            image: image, environment: environment ?? [:], user: user, healthCheck: healthCheck,
            volumeMounts: mounts ?? [], artifacts: artifacts ?? [], labels: labels ?? [:], lifecycle: lifecycle,
            tty: tty, linuxInfo: linuxInfo)
        container.readinessCheck = readinessCheck
        container.dependsOn = dependsOn ?? []
        return container
    }

    /// One `dependsOn[]` entry (ours).
    mutating func dependency(_ value: JSONValue, at path: JSONPath) -> PodRestartContract.Dependency? {
        guard let object = object(value, at: path) else { return nil }
        let name = required(object, "container", at: path) { $0.name($1, at: $2) }
        let condition = required(object, "condition", at: path) { $0.enumeration($1, at: $2, as: PodRestartContract.Condition.self) }
        guard let name, let condition else { return nil }
        return PodRestartContract.Dependency(container: name, condition: condition)
    }

    /// `lifecycle.restart` (ours): every member optional, with the defaults of
    /// ``PodRestartContract/Restart``; the ranges between members are validated later.
    mutating func restart(_ value: JSONValue, at path: JSONPath) -> PodRestartContract.Restart? {
        guard let object = object(value, at: path) else { return nil }
        let defaults = PodRestartContract.Restart()
        let policy = optional(object, "policy", at: path) { $0.enumeration($1, at: $2, as: PodRestartContract.Policy.self) }
        let maxRestarts = optional(object, "maxRestarts", at: path) { $0.int($1, at: $2, min: 0, max: 1000) }
        let window = optional(object, "windowSeconds", at: path) { $0.double($1, at: $2, min: 1, max: 86400) }
        let backoff = optional(object, "backoffSeconds", at: path) { $0.double($1, at: $2, min: 0, max: 3600) }
        let maxBackoff = optional(object, "maxBackoffSeconds", at: path) { $0.double($1, at: $2, min: 0, max: 3600) }
        let codes = optional(object, "successExitCodes", at: path) { reader, value, path in
            reader.list(value, at: path) { $0.int($1, at: $2, min: 0, max: 255) }
        }
        return PodRestartContract.Restart(
            policy: policy ?? defaults.policy, maxRestarts: maxRestarts ?? defaults.maxRestarts,
            windowSeconds: window ?? defaults.windowSeconds, backoffSeconds: backoff ?? defaults.backoffSeconds,
            maxBackoffSeconds: maxBackoff ?? max(defaults.maxBackoffSeconds, backoff ?? 0),
            successExitCodes: (codes ?? [0]).map { Int32($0) })
    }

    /// `resources`.
    mutating func resources(_ value: JSONValue, at path: JSONPath) -> Resources? {
        guard let object = object(value, at: path) else { return nil }
        let cpus = optional(object, "cpus", at: path) { $0.double($1, at: $2, min: 0.001) }
        let mem = optional(object, "mem", at: path) { $0.double($1, at: $2, min: 0.001) }
        let disk = optional(object, "disk", at: path) { $0.double($1, at: $2, min: 0) }
        let gpus = optional(object, "gpus", at: path) { $0.int($1, at: $2, min: 0) }
        return Resources(cpus: cpus ?? Resources.defaultCpus, mem: mem ?? Resources.defaultMem,
                         disk: disk ?? 0, gpus: gpus ?? 0)
    }

    /// `resourceLimits`: each limit is a number or `"unlimited"`.
    mutating func resourceLimits(_ value: JSONValue, at path: JSONPath,
                                 facts: inout PodInputFacts) -> ResourceLimits? {
        guard let object = object(value, at: path) else { return nil }
        func limit(_ key: String, _ reader: inout SchemaReader) -> ResourceLimits.Limit? {
            reader.optional(object, key, at: path) { reader, value, path -> ResourceLimits.Limit? in
                switch value {
                case .string(let text):
                    // Any string reads as the "unlimited" alternative; validation rejects others.
                    if text.lowercased() != "unlimited" {
                        facts.deferredViolations.append(
                            (path, "'\(text)' is an invalid resource limit. It must be 'unlimited' or a number"))
                    }
                    return .unlimited
                default:
                    return reader.double(value, at: path).map(ResourceLimits.Limit.value)
                }
            }
        }
        let cpus = limit("cpus", &self)
        let mem = limit("mem", &self)
        return ResourceLimits(cpus: cpus, mem: mem)
    }

    /// `endpoints[]`.
    mutating func endpoint(_ value: JSONValue, at path: JSONPath) -> Endpoint? {
        guard let object = object(value, at: path) else { return nil }
        let name = required(object, "name", at: path) { $0.name($1, at: $2) }
        let containerPort = optional(object, "containerPort", at: path) { $0.int($1, at: $2, min: 1, max: 65535) }
        let hostPort = optional(object, "hostPort", at: path) { $0.int($1, at: $2, min: 0, max: 65535) }
        let protocols = optional(object, "protocol", at: path) { reader, value, path in
            reader.list(value, at: path, minItems: 1) { $0.name($1, at: $2) }
        }
        let labels = optional(object, "labels", at: path) { $0.labels($1, at: $2) }
        let networkNames = optional(object, "networkNames", at: path) { reader, value, path in
            reader.list(value, at: path) { $0.name($1, at: $2) }
        }
        guard let name else { return nil }
        return Endpoint(name: name, containerPort: containerPort, hostPort: hostPort, protocol: protocols ?? [],
                        labels: labels ?? [:], networkNames: networkNames ?? [])
    }

    /// `image`.
    mutating func image(_ value: JSONValue, at path: JSONPath) -> Image? {
        guard let object = object(value, at: path) else { return nil }
        let kind = required(object, "kind", at: path) { $0.enumeration($1, at: $2, as: Image.Kind.self) }
        let id = required(object, "id", at: path) { $0.path($1, at: $2) }
        let pullSecret = optional(object, "pullConfig", at: path) { reader, value, path -> String? in
            guard let pullConfig = reader.object(value, at: path) else { return nil }
            return reader.required(pullConfig, "secret", at: path) { $0.string($1, at: $2, minLength: 1) }
        }
        let forcePull = optional(object, "forcePull", at: path) { $0.bool($1, at: $2) }
        let labels = optional(object, "labels", at: path) { $0.labels($1, at: $2) }
        guard let kind, let id else { return nil }
        return Image(kind: kind, id: id, pullConfigSecret: pullSecret, forcePull: forcePull, labels: labels ?? [:])
    }

    /// `MesosCommand`: `{"shell": …}` is tried first, then `{"argv": […]}`, whose errors are
    /// reported when both fail.
    mutating func command(_ value: JSONValue, at path: JSONPath) -> MesosCommand? {
        guard let object = object(value, at: path) else { return nil }
        let (shell, _) = attempt(value, at: path) { reader, _, path in
            reader.required(object, "shell", at: path) { $0.string($1, at: $2, minLength: 1) }
        }
        if let shell { return .shell(shell) }
        let argv = required(object, "argv", at: path) { reader, value, path in
            reader.list(value, at: path, minItems: 1) { $0.string($1, at: $2) }
        }
        return argv.map(MesosCommand.argv)
    }

    /// `healthCheck`.
    mutating func healthCheck(_ value: JSONValue, at path: JSONPath) -> HealthCheck? {
        guard let object = object(value, at: path) else { return nil }
        let http = optional(object, "http", at: path) { reader, value, path -> HealthCheck.HTTP? in
            guard let http = reader.object(value, at: path) else { return nil }
            let endpoint = reader.required(http, "endpoint", at: path) { $0.name($1, at: $2) }
            let checkPath = reader.optional(http, "path", at: path) { $0.path($1, at: $2) }
            let scheme = reader.optional(http, "scheme", at: path) { $0.enumeration($1, at: $2, as: HealthCheck.HTTP.Scheme.self) }
            return endpoint.map { HealthCheck.HTTP(endpoint: $0, path: checkPath, scheme: scheme ?? .http) }
        }
        let tcp = optional(object, "tcp", at: path) { reader, value, path -> String? in
            guard let tcp = reader.object(value, at: path) else { return nil }
            return reader.required(tcp, "endpoint", at: path) { $0.name($1, at: $2) }
        }
        let exec = optional(object, "exec", at: path) { reader, value, path -> MesosCommand? in
            guard let exec = reader.object(value, at: path) else { return nil }
            return reader.required(exec, "command", at: path) { $0.command($1, at: $2) }
        }
        let defaults = HealthCheck()
        func number(_ key: String, _ reader: inout SchemaReader) -> Int? {
            reader.optional(object, key, at: path) { $0.int($1, at: $2, min: 0) }
        }
        let grace = number("gracePeriodSeconds", &self)
        let interval = number("intervalSeconds", &self)
        let failures = number("maxConsecutiveFailures", &self)
        let timeout = number("timeoutSeconds", &self)
        let delay = number("delaySeconds", &self)
        return HealthCheck(
            http: http, tcpEndpoint: tcp, exec: exec, gracePeriodSeconds: grace ?? defaults.gracePeriodSeconds,
            intervalSeconds: interval ?? defaults.intervalSeconds,
            maxConsecutiveFailures: failures ?? defaults.maxConsecutiveFailures,
            timeoutSeconds: timeout ?? defaults.timeoutSeconds, delaySeconds: delay ?? defaults.delaySeconds)
    }

    /// `check` (Mesos checks): read for schema errors only.
    mutating func check(_ value: JSONValue, at path: JSONPath) -> Bool? {
        guard let object = object(value, at: path) else { return nil }
        _ = optional(object, "http", at: path) { reader, value, path -> Bool? in
            guard let http = reader.object(value, at: path) else { return nil }
            _ = reader.required(http, "endpoint", at: path) { $0.name($1, at: $2) }
            _ = reader.optional(http, "path", at: path) { $0.path($1, at: $2) }
            _ = reader.optional(http, "scheme", at: path) { $0.enumeration($1, at: $2, as: HealthCheck.HTTP.Scheme.self) }
            return true
        }
        _ = optional(object, "tcp", at: path) { reader, value, path -> Bool? in
            guard let tcp = reader.object(value, at: path) else { return nil }
            return reader.required(tcp, "endpoint", at: path) { $0.name($1, at: $2) }.map { _ in true }
        }
        _ = optional(object, "exec", at: path) { reader, value, path -> Bool? in
            guard let exec = reader.object(value, at: path) else { return nil }
            return reader.required(exec, "command", at: path) { $0.command($1, at: $2) }.map { _ in true }
        }
        for key in ["intervalSeconds", "timeoutSeconds", "delaySeconds"] {
            _ = optional(object, key, at: path) { $0.int($1, at: $2, min: 0) }
        }
        return true
    }

    /// `volumeMounts[]`.
    mutating func volumeMount(_ value: JSONValue, at path: JSONPath) -> VolumeMount? {
        guard let object = object(value, at: path) else { return nil }
        let name = required(object, "name", at: path) { $0.name($1, at: $2) }
        let mountPath = required(object, "mountPath", at: path) { $0.path($1, at: $2) }
        let readOnly = optional(object, "readOnly", at: path) { $0.bool($1, at: $2) }
        guard let name, let mountPath else { return nil }
        return VolumeMount(name: name, mountPath: mountPath, readOnly: readOnly ?? false)
    }

    /// `artifacts[]`.
    mutating func artifact(_ value: JSONValue, at path: JSONPath) -> Artifact? {
        guard let object = object(value, at: path) else { return nil }
        let uri = required(object, "uri", at: path) { $0.path($1, at: $2) }
        let extract = optional(object, "extract", at: path) { $0.bool($1, at: $2) }
        let executable = optional(object, "executable", at: path) { $0.bool($1, at: $2) }
        let cache = optional(object, "cache", at: path) { $0.bool($1, at: $2) }
        let destPath = optional(object, "destPath", at: path) { $0.path($1, at: $2) }
        guard let uri else { return nil }
        return Artifact(uri: uri, extract: extract ?? true, executable: executable ?? false, cache: cache ?? false,
                        destPath: destPath)
    }
}
