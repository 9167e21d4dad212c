/// A pod network (`networks[]`).
public struct Network: Sendable, Hashable, Codable {
    /// The network mode.
    public enum Mode: String, Sendable, Hashable, Codable, CaseIterable {
        /// A named (CNI / virtual) network; IP per pod.
        case container = "container"
        /// The Mesos bridge network.
        case containerBridge = "container/bridge"
        /// The agent's network namespace.
        case host = "host"
    }

    /// The mode (default `container`).
    public var mode: Mode
    /// The network name (container networks only).
    public var name: String?
    /// Labels passed on to the executor's `NetworkInfo`.
    public var labels: [String: String]

    /// A network.
    public init(mode: Mode = .container, name: String? = nil, labels: [String: String] = [:]) {
        self.mode = mode
        self.name = name
        self.labels = labels
    }
}
