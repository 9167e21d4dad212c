import Foundation

/// The runtime part of an image config (`config` in the config blob).
public struct ImageConfig: Sendable, Equatable, Codable {
    /// `Entrypoint`.
    public var entrypoint: [String]?
    /// `Cmd`.
    public var cmd: [String]?
    /// `KEY=value` strings, in image order.
    public var env: [String]?
    /// `WorkingDir` (`nil` when empty).
    public var workingDir: String?
    /// `name|uid[:group|gid]`; resolve with ``ImageUser/resolve(_:rootfs:)``.
    public var user: String?
    /// `Labels`.
    public var labels: [String: String]?
    /// `StopSignal`.
    public var stopSignal: String?
    /// `ExposedPorts` keys, sorted (`80/tcp`).
    public var exposedPorts: [String]?
    /// `Volumes` keys, sorted.
    public var volumes: [String]?

    /// Creates a config (tests, images built in code).
    public init(entrypoint: [String]? = nil, cmd: [String]? = nil, env: [String]? = nil, workingDir: String? = nil,
                user: String? = nil, labels: [String: String]? = nil, stopSignal: String? = nil,
                exposedPorts: [String]? = nil, volumes: [String]? = nil) {
        self.entrypoint = entrypoint
        self.cmd = cmd
        self.env = env
        self.workingDir = workingDir
        self.user = user
        self.labels = labels
        self.stopSignal = stopSignal
        self.exposedPorts = exposedPorts
        self.volumes = volumes
    }
}

/// The config blob as the registry serves it (Docker and OCI share the fields we read).
struct ImageConfigDocument: Decodable {
    struct Runtime: Decodable {
        var Entrypoint: [String]?
        var Cmd: [String]?
        var Env: [String]?
        var WorkingDir: String?
        var User: String?
        var Labels: [String: String]?
        var StopSignal: String?
        var ExposedPorts: [String: EmptyObject]?
        var Volumes: [String: EmptyObject]?
    }

    struct EmptyObject: Decodable {}

    struct RootFS: Decodable {
        var type: String
        var diff_ids: [Digest]
    }

    var architecture: String?
    var os: String?
    var variant: String?
    var config: Runtime?
    var rootfs: RootFS

    static func decode(_ bytes: [UInt8], context: String) throws(ImageStoreError) -> ImageConfigDocument {
        do {
            return try JSONDecoder().decode(ImageConfigDocument.self, from: Data(bytes))
        } catch {
            throw ImageStoreError(.invalidManifest, "\(context): image config is not valid", underlying: error)
        }
    }

    var imageConfig: ImageConfig {
        ImageConfig(entrypoint: config?.Entrypoint, cmd: config?.Cmd, env: config?.Env,
                    workingDir: config?.WorkingDir.flatMap { $0.isEmpty ? nil : $0 },
                    user: config?.User.flatMap { $0.isEmpty ? nil : $0 }, labels: config?.Labels,
                    stopSignal: config?.StopSignal, exposedPorts: config?.ExposedPorts.map { $0.keys.sorted() },
                    volumes: config?.Volumes.map { $0.keys.sorted() })
    }
}
