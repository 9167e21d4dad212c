/// The one error type of the image store. Messages name the image and the registry, never
/// credentials: not passwords, not the base64 `auth`, not tokens.
public struct ImageStoreError: Error, Sendable, CustomStringConvertible {
    /// An extensible error code.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The code's name.
        public let rawValue: String
        /// A code; use the static members, or a new name for a new kind of failure.
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The registry answered 401 (or `insufficient_scope`) with the credentials we had.
        public static let unauthorized = Code("unauthorized")
        /// The registry answered 403 / `DENIED`: credentials valid but not allowed.
        public static let denied = Code("denied")
        /// Manifest, tag or blob unknown to the registry.
        public static let notFound = Code("notFound")
        /// Content did not hash to the digest it was fetched by (or a diff_id mismatch).
        public static let digestMismatch = Code("digestMismatch")
        /// A size cap was exceeded, or a descriptor's size did not match.
        public static let sizeLimit = Code("sizeLimit")
        /// A layer tried something unsafe (path escape, link out, bad whiteout, malformed tar).
        public static let unsafeLayer = Code("unsafeLayer")
        /// Media type, schema version or layer feature we do not handle.
        public static let unsupportedMediaType = Code("unsupportedMediaType")
        /// The image reference does not parse.
        public static let invalidReference = Code("invalidReference")
        /// A manifest, index or config is malformed or inconsistent.
        public static let invalidManifest = Code("invalidManifest")
        /// No manifest for the configured platform.
        public static let platformNotFound = Code("platformNotFound")
        /// The pull secret (`config.json`) does not parse.
        public static let invalidCredentials = Code("invalidCredentials")
        /// Transport failure, timeout, or an unexpected HTTP status.
        public static let network = Code("network")
        /// Local storage failed (a system call in the store).
        public static let storage = Code("storage")
        /// The store is busy (for example a prune while pulls run).
        public static let busy = Code("busy")
        /// The command could not be derived from the task and the image config.
        public static let invalidCommand = Code("invalidCommand")
        /// The image's user could not be resolved.
        public static let invalidUser = Code("invalidUser")
        /// A policy refused the operation (for example a foreign layer URL).
        public static let policy = Code("policy")
    }

    /// What went wrong, for programmatic handling.
    public let code: Code
    /// One line for an operator; names the image and registry, never secrets.
    public let message: String
    /// The underlying error, if any (a `FileSystemError`, an HTTP client error, ...).
    public let underlying: (any Error & Sendable)?

    /// Creates an error. `message` must not contain secrets.
    public init(_ code: Code, _ message: String, underlying: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.underlying = underlying
    }

    public var description: String {
        if let underlying { return "\(message) (\(underlying))" }
        return message
    }
}
