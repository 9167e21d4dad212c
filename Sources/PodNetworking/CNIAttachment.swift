import Primitives

/// One container interface joined to one CNI network, as persisted under the state
/// directory before ADD and completed with the result after it. It holds everything DEL
/// needs — the exact configuration used, the arguments and the cached result — so the
/// attachment can be removed after an executor crash, after the operator changed or
/// deleted the network's configuration, and after the network namespace is gone.
public struct CNIAttachment: Sendable, Equatable, Codable {
    /// The format of this record.
    public var formatVersion: Int = 1
    /// `CNI_CONTAINERID`.
    public var containerID: String
    /// The network name.
    public var network: String
    /// `CNI_IFNAME` inside the namespace.
    public var interfaceName: String
    /// `CNI_NETNS` at ADD.
    public var netnsPath: String
    /// The network configuration document used at ADD.
    public var config: JSONValue
    /// `CNI_ARGS` pairs.
    public var cniArgs: [[String]]
    /// The `portMappings` capability.
    public var portMappings: [CNIPortMapping]
    /// The runtime's `args` object merged into each plugin's configuration.
    public var args: [String: JSONValue]
    /// The result of ADD; nil while ADD runs (or if it was interrupted).
    public var result: JSONValue?

    /// The cached result, parsed.
    public var parsedResult: CNIResult? {
        guard let result else { return nil }
        return try? CNIResult(json: result)
    }

    var cniArgPairs: [(key: String, value: String)] {
        cniArgs.compactMap { $0.count == 2 ? (key: $0[0], value: $0[1]) : nil }
    }
}
