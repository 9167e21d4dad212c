/// Where the store lives and the limits it enforces.
public struct ImageStoreConfiguration: Sendable {
    /// The store's root directory (created if missing). Layout: see ``ImageStore``.
    public var rootDirectory: String
    /// The platform to pick from indexes and to require of single manifests.
    public var platform: ImagePlatform = .linuxAMD64
    /// Largest manifest or index accepted (distribution's own limit is 4 MiB).
    public var maxManifestBytes = 4 << 20
    /// Largest image config blob.
    public var maxConfigBytes = 4 << 20
    /// Largest token or error body read from a server.
    public var maxAuxiliaryBodyBytes = 1 << 20
    /// Most layers in one image (overlayfs stacks at most 500 lower directories).
    public var maxLayers = 128
    /// Largest compressed layer blob.
    public var maxLayerCompressedBytes: Int64 = 8 << 30
    /// Largest uncompressed layer (decompression-bomb guard).
    public var maxLayerUncompressedBytes: Int64 = 16 << 30
    /// Largest uncompressed image, all layers together.
    public var maxImageUncompressedBytes: Int64 = 32 << 30
    /// Most tar entries in one layer.
    public var maxEntriesPerLayer = 2_000_000
    /// Layer downloads running at once for one pull.
    public var parallelDownloads = 3
    /// Registries reached over plain HTTP (`host:port`). Loopback registries (`127.0.0.1`,
    /// `localhost`, `[::1]`, any port) are always plain HTTP. Credentials are sent over plain
    /// HTTP only to these hosts.
    public var insecureRegistries: Set<String> = []
    /// Registries whose images are pulled from another registry instead (`docker.io` →
    /// `mirror.example:5000`), as Mesos' `--docker_registry` does for images that name no
    /// registry and as Docker's registry mirrors do: the repository path is kept
    /// (`library/nginx`), and the pull secret entry used is the mirror's, the host that is
    /// actually contacted.
    public var registryMirrors: [String: String] = [:]
    /// Whether foreign layers may be fetched from the `urls` of their descriptor when the
    /// registry does not have them. Such fetches never carry credentials.
    public var allowForeignLayerURLs = false
    /// Keep compressed layer blobs under `blobs/` as well as the unpacked layer (doubles disk
    /// use; lets a layer be re-unpacked without the registry).
    public var keepLayerBlobs = false
    /// How long a successful access check of a cached private image is reused, per caller
    /// credential identity.
    public var accessCheckValiditySeconds: Double = 60
    /// Deadline for one manifest, config or token request.
    public var requestTimeoutSeconds: Int64 = 60
    /// Deadline for one layer download.
    public var blobTimeoutSeconds: Int64 = 3600

    /// A configuration with defaults for everything but the root directory.
    public init(rootDirectory: String) {
        self.rootDirectory = rootDirectory
    }

    /// Whether `registry` (`host[:port]`) is reached over plain HTTP.
    func usesPlainHTTP(_ registry: String) -> Bool {
        if insecureRegistries.contains(registry) { return true }
        return Self.isLoopback(host: Self.hostPart(of: registry))
    }

    func isLoopbackHost(_ host: String) -> Bool { Self.isLoopback(host: host) }

    static func hostPart(of authority: String) -> String {
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
            return String(authority[...close])
        }
        return String(authority.split(separator: ":", maxSplits: 1).first ?? Substring(authority))
    }

    static func isLoopback(host: String) -> Bool {
        host == "localhost" || host == "[::1]" || host == "::1" || host.hasPrefix("127.")
    }
}
