/// The one error type of the `PodNetworking` module: CNI attachment and network
/// configuration report through it, so the runtime translates it once (into a `TaskStatus`
/// reason and message).
///
/// The `message` is complete on its own (it names the network, container or plugin),
/// never contains credentials, and is safe to log and to show to a Marathon user.
public struct PodNetworkingError: Error, Sendable, CustomStringConvertible {
    /// An extensible error code.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The code's stable name.
        public let rawValue: String

        /// Creates a code; prefer the predefined ones.
        public init(_ rawValue: String) { self.rawValue = rawValue }

        public var description: String { rawValue }

        /// No network configuration has the requested name.
        public static let networkNotFound = Code("network-not-found")
        /// Two configuration files define the same network name.
        public static let duplicateNetwork = Code("duplicate-network")
        /// A network configuration is not valid JSON or misses required fields.
        public static let invalidConfiguration = Code("invalid-configuration")
        /// An argument (container id, interface name, port mapping, path) is invalid.
        public static let invalidArgument = Code("invalid-argument")
        /// A CNI plugin binary was not found in the plugin search path.
        public static let pluginNotFound = Code("plugin-not-found")
        /// A CNI plugin ran and reported an error (see ``PodNetworkingError/pluginError``).
        public static let pluginFailed = Code("plugin-failed")
        /// A CNI plugin succeeded but its output could not be understood.
        public static let invalidPluginOutput = Code("invalid-plugin-output")
        /// The on-disk attachment state could not be read or written.
        public static let state = Code("state")
    }

    /// What kind of failure this is.
    public var code: Code
    /// A complete, human-readable message (no secrets).
    public var message: String
    /// The error a CNI plugin returned, when `code == .pluginFailed`.
    public var pluginError: CNIPluginError?
    /// The underlying error, when there is one.
    public var cause: (any Error)?

    /// Creates an error.
    public init(_ code: Code, _ message: String, pluginError: CNIPluginError? = nil, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.pluginError = pluginError
        self.cause = cause
    }

    public var description: String { message }
}
