import MesosProtocol
import Primitives

extension SchemaReader {
    /// The whole pod.
    mutating func pod(_ json: JSONValue, facts: inout PodInputFacts) -> PodDefinition? {
        let root = JSONPath.root
        guard let object = object(json, at: root) else { return nil }
        let id = required(object, "id", at: root) {
            $0.string($1, at: $2, minLength: 1, pattern: TextPatterns.isPathId)
        }
        let labels = optional(object, "labels", at: root) { $0.labels($1, at: $2) }
        let user = optional(object, "user", at: root) { $0.string($1, at: $2) }
        let environment = optional(object, "environment", at: root) { $0.environment($1, at: $2) }
        let containers = required(object, "containers", at: root) { reader, value, path in
            reader.list(value, at: path, minItems: 1) { reader, value, path in
                reader.container(value, at: path, facts: &facts)
            }
        }
        let secrets = optional(object, "secrets", at: root) { reader, value, path in
            reader.map(value, at: path) { reader, value, path -> SecretDef? in
                guard let secret = reader.object(value, at: path) else { return nil }
                return reader.required(secret, "source", at: path) { $0.string($1, at: $2, minLength: 1) }
                    .map(SecretDef.init(source:))
            }
        }
        let volumes = optional(object, "volumes", at: root) { reader, value, path in
            reader.list(value, at: path) { $0.volume($1, at: $2) }
        }
        let networks = optional(object, "networks", at: root) { reader, value, path in
            reader.list(value, at: path) { $0.network($1, at: $2) }
        }
        let instances = optional(object, "scaling", at: root) { $0.scaling($1, at: $2) }
        let scheduling = optional(object, "scheduling", at: root) { reader, value, path in
            reader.scheduling(value, at: path, facts: &facts)
        }
        let executorResources = optional(object, "executorResources", at: root) { $0.executorResources($1, at: $2) }
        facts.role = optional(object, "role", at: root) { $0.string($1, at: $2, minLength: 1) }
        let linuxInfo = optional(object, "linuxInfo", at: root) { $0.linuxInfo($1, at: $2) }
        let legacySharedCgroups = optional(object, "legacySharedCgroups", at: root) { $0.bool($1, at: $2) }
        let logRotation = optional(object, "logRotation", at: root) { $0.logRotation($1, at: $2) }

        guard !hasErrors, let id, let containers else { return nil }
        facts.rawId = id
        return PodDefinition(
            id: PodId(canonicalizing: id), labels: labels ?? [:], version: .epoch, user: user,
            environment: environment ?? [:], containers: containers, secrets: secrets ?? [:],
            volumes: volumes ?? [], networks: networks ?? [], instances: instances ?? 1,
            scheduling: scheduling ?? PodSchedulingPolicy(), executorResources: executorResources ?? .default,
            role: facts.role ?? "", linuxInfo: linuxInfo, legacySharedCgroups: legacySharedCgroups ?? false,
            logRotation: logRotation)
    }

    /// `environment`: names must match `^[a-zA-Z_][a-zA-Z0-9_]{0,253}?$`; values are strings or
    /// `{"secret": name}`.
    mutating func environment(_ value: JSONValue, at path: JSONPath) -> [String: EnvVarValue]? {
        map(value, at: path, keyPattern: TextPatterns.isEnvVarName) { reader, value, path -> EnvVarValue? in
            if case .string(let string) = value { return .value(string) }
            // The union's last alternative, `{"secret": string}`, reports the error.
            guard case .object(let object) = value else {
                reader.fail(path / "secret", "error.path.missing")
                return nil
            }
            return reader.required(object, "secret", at: path) { $0.string($1, at: $2) }.map(EnvVarValue.secret)
        }
    }

    /// `executorResources`.
    mutating func executorResources(_ value: JSONValue, at path: JSONPath) -> ExecutorResources? {
        guard let object = object(value, at: path) else { return nil }
        let defaults = ExecutorResources.default
        let cpus = optional(object, "cpus", at: path) { $0.double($1, at: $2, min: 0.1) }
        let mem = optional(object, "mem", at: path) { $0.double($1, at: $2, min: 32) }
        let disk = optional(object, "disk", at: path) { $0.double($1, at: $2, min: 10) }
        return ExecutorResources(cpus: cpus ?? defaults.cpus, mem: mem ?? defaults.mem, disk: disk ?? defaults.disk)
    }

    /// `logRotation`: `{"maxSizeMB": 1…102400, "maxFiles": 1…100}`, both optional.
    mutating func logRotation(_ value: JSONValue, at path: JSONPath) -> PodLogRotation? {
        guard let object = object(value, at: path) else { return nil }
        let size = PodLogRotationContract.maxSizeRange, files = PodLogRotationContract.maxFilesRange
        let maxSizeMB = optional(object, "maxSizeMB", at: path) { $0.int($1, at: $2, min: size.lowerBound, max: size.upperBound) }
        let maxFiles = optional(object, "maxFiles", at: path) { $0.int($1, at: $2, min: files.lowerBound, max: files.upperBound) }
        return PodLogRotation(maxSizeMB: maxSizeMB, maxFiles: maxFiles)
    }

    /// `scaling`: `{"kind": "fixed", "instances": n}`.
    mutating func scaling(_ value: JSONValue, at path: JSONPath) -> Int? {
        guard let object = object(value, at: path) else { return nil }
        guard case .string(let kind)? = SchemaReader.member(object, "kind"), kind.lowercased() == "fixed" else {
            // The discriminator matched no known policy.
            fail(path, "error.expected.jsstring")
            return nil
        }
        return optional(object, "instances", at: path) { $0.int($1, at: $2, min: 0) } ?? 1
    }

    /// `linuxInfo` (pod or container).
    mutating func linuxInfo(_ value: JSONValue, at path: JSONPath) -> LinuxInfo? {
        guard let object = object(value, at: path) else { return nil }
        let seccomp = optional(object, "seccomp", at: path) { reader, value, path -> LinuxInfo.Seccomp? in
            guard let seccomp = reader.object(value, at: path) else { return nil }
            let profile = reader.optional(seccomp, "profileName", at: path) { $0.string($1, at: $2) }
            let unconfined = reader.optional(seccomp, "unconfined", at: path) { $0.bool($1, at: $2) }
            return LinuxInfo.Seccomp(profileName: profile, unconfined: unconfined ?? false)
        }
        let ipcInfo = optional(object, "ipcInfo", at: path) { reader, value, path -> LinuxInfo.IPCInfo? in
            guard let ipc = reader.object(value, at: path) else { return nil }
            let mode = reader.required(ipc, "mode", at: path) { $0.enumeration($1, at: $2, as: LinuxInfo.IPCInfo.Mode.self) }
            let shmSize = reader.optional(ipc, "shmSize", at: path) { $0.int($1, at: $2) }
            return mode.map { LinuxInfo.IPCInfo(mode: $0, shmSize: shmSize) }
        }
        return LinuxInfo(seccomp: seccomp, ipcInfo: ipcInfo)
    }
}
