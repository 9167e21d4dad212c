/// A file fetched into the task sandbox before the container starts
/// (`containers[].artifacts[]`).
public struct Artifact: Sendable, Hashable, Codable {
    /// The URI to fetch.
    public var uri: String
    /// Extract archives (default true).
    public var extract: Bool
    /// Mark executable (default false).
    public var executable: Bool
    /// Use the fetcher cache (default false).
    public var cache: Bool
    /// The file name in the sandbox.
    public var destPath: String?

    /// An artifact.
    public init(uri: String, extract: Bool = true, executable: Bool = false, cache: Bool = false,
                destPath: String? = nil) {
        self.uri = uri
        self.extract = extract
        self.executable = executable
        self.cache = cache
        self.destPath = destPath
    }
}
