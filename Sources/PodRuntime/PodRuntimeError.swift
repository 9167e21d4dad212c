/// The error type of the pod runtime: an extensible code, a message that says what went
/// wrong and where, and the underlying cause. The executor turns it into a
/// `TaskStatus.reason` + `message`.
public struct PodRuntimeError: Error, CustomStringConvertible, Sendable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        /// The task group or a container spec cannot be honoured as given.
        public static let invalidSpec = Code("invalidSpec")
        /// A volume's source is missing or unusable.
        public static let volume = Code("volume")
        /// The image could not be pulled or unpacked.
        public static let image = Code("image")
        /// Network setup failed.
        public static let network = Code("network")
        /// An artifact could not be fetched.
        public static let artifact = Code("artifact")
        /// A kernel operation failed (namespaces, mounts, cgroups, exec).
        public static let system = Code("system")
        /// The container's program could not be started.
        public static let launch = Code("launch")
    }

    public var code: Code
    public var message: String
    public var underlying: (any Error & Sendable)?

    public init(_ code: Code, _ message: String, underlying: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.underlying = underlying
    }

    public var description: String {
        guard let underlying else { return message }
        return "\(message): \(underlying)"
    }

    /// A cause that only has a description (errors from libraries that are not Sendable).
    public struct Cause: Error, Sendable, CustomStringConvertible {
        public let description: String
        public init(_ error: any Error) { description = "\(error)" }
        public init(message: String) { description = message }
    }
}
