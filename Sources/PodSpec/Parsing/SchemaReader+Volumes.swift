import Primitives

extension SchemaReader {
    /// `volumes[]`. The variant is chosen by its distinguishing member (`persistent`,
    /// `secret`, `host`, else ephemeral) and that variant's errors are reported.
    mutating func volume(_ value: JSONValue, at path: JSONPath) -> PodVolume? {
        guard let object = object(value, at: path) else { return nil }
        if SchemaReader.has(object, "persistent") {
            let name = required(object, "name", at: path) { $0.string($1, at: $2, minLength: 1) }
            let info = required(object, "persistent", at: path) { $0.persistentVolume($1, at: $2) }
            guard let name, let info else { return nil }
            return .persistent(name: name, info)
        }
        if SchemaReader.has(object, "secret") {
            let name = required(object, "name", at: path) { $0.string($1, at: $2, minLength: 1) }
            let secret = required(object, "secret", at: path) { $0.string($1, at: $2, minLength: 1) }
            guard let name, let secret else { return nil }
            return .secret(name: name, secret: secret)
        }
        let name = required(object, "name", at: path) { $0.name($1, at: $2) }
        if SchemaReader.has(object, "host") {
            let host = required(object, "host", at: path) { $0.string($1, at: $2) }
            guard let name, let host else { return nil }
            return .host(name: name, hostPath: host)
        }
        return name.map(PodVolume.ephemeral(name:))
    }

    mutating func persistentVolume(_ value: JSONValue, at path: JSONPath) -> PersistentVolumeInfo? {
        guard let object = object(value, at: path) else { return nil }
        let type = optional(object, "type", at: path) { $0.enumeration($1, at: $2, as: PersistentVolumeInfo.DiskType.self) }
        let size = required(object, "size", at: path) { $0.long($1, at: $2, min: 0) }
        let maxSize = optional(object, "maxSize", at: path) { $0.long($1, at: $2, min: 0) }
        let profileName = optional(object, "profileName", at: path) { $0.string($1, at: $2) }
        let constraints = optional(object, "constraints", at: path) { reader, value, path in
            reader.list(value, at: path) { reader, value, path in
                reader.list(value, at: path, minItems: 2, maxItems: 3) { $0.string($1, at: $2) }
            }
        }
        guard let size else { return nil }
        var unique = Set<[String]>()
        return PersistentVolumeInfo(type: type, size: size, maxSize: maxSize, profileName: profileName,
                                    constraints: (constraints ?? []).filter { unique.insert($0).inserted })
    }

    /// `networks[]`.
    mutating func network(_ value: JSONValue, at path: JSONPath) -> Network? {
        guard let object = object(value, at: path) else { return nil }
        let name = optional(object, "name", at: path) {
            $0.string($1, at: $2, minLength: 1, maxLength: 63, pattern: TextPatterns.isNetworkName)
        }
        let mode = optional(object, "mode", at: path) { $0.enumeration($1, at: $2, as: Network.Mode.self) }
        let labels = optional(object, "labels", at: path) { $0.labels($1, at: $2) }
        return Network(mode: mode ?? .container, name: name, labels: labels ?? [:])
    }
}
