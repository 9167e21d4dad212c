/// The one error type of the `MesosFetcher` module, so the runtime translates a failed
/// artifact once (into the task group's `TaskStatus` message).
///
/// The `message` is complete on its own (it names the URI with credentials hidden), and is
/// safe to log and to show to a Marathon user.
public struct FetchError: Error, Sendable, CustomStringConvertible {
    /// An extensible error code.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The code's stable name.
        public let rawValue: String

        /// Creates a code; prefer the predefined ones.
        public init(_ rawValue: String) { self.rawValue = rawValue }

        public var description: String { rawValue }

        /// An argument (`output_file`) is invalid.
        public static let invalidArgument = Code("invalid-argument")
        /// An artifact could not be fetched.
        public static let fetchFailed = Code("fetch-failed")
        /// An archive was refused because it would write outside its directory or holds
        /// entries that are not allowed in a sandbox.
        public static let unsafeArchive = Code("unsafe-archive")
        /// A download or an archive is larger than the configured limit.
        public static let sizeLimitExceeded = Code("size-limit-exceeded")
    }

    /// What kind of failure this is.
    public var code: Code
    /// A complete, human-readable message (no secrets).
    public var message: String
    /// The underlying error, when there is one.
    public var cause: (any Error)?

    /// Creates an error.
    public init(_ code: Code, _ message: String, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    public var description: String { message }
}
