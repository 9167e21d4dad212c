import Primitives

/// A CNI network configuration: a single-plugin `.conf` or a `.conflist` (a chain of
/// plugins run in order on ADD and in reverse on DEL), validated on load.
///
/// The document is kept as it was written so that plugin-specific fields reach the
/// plugins untouched; ``pluginInput(index:prevResult:runtimeConfig:args:)`` derives what
/// each plugin reads on standard input.
public struct CNINetworkConfig: Sendable, Equatable {
    /// The network's `name`, by which pods select it.
    public let name: String
    /// The `cniVersion` of the configuration ("0.1.0" when a `.conf` omits it).
    public let cniVersion: String
    /// The plugin objects in execution order (one for a `.conf`).
    public let plugins: [JSONValue]
    /// Whether the document is a list (`plugins`) rather than a single plugin.
    public let isList: Bool
    /// `disableCheck` of a list: CHECK is then skipped.
    public let disableCheck: Bool
    /// The file it was read from, for messages.
    public let source: String
    /// The whole document as read.
    public let document: JSONValue

    /// The plugin `type`s in execution order.
    public var pluginTypes: [String] { plugins.compactMap { $0["type"]?.stringValue } }

    /// Parses and validates a configuration document.
    public static func parse(_ bytes: [UInt8], source: String) throws(PodNetworkingError) -> CNINetworkConfig {
        let document: JSONValue
        do {
            document = try JSONValue.parse(bytes)
        } catch {
            throw PodNetworkingError(.invalidConfiguration,
                                     "CNI network configuration \(source) is not valid JSON: \(Self.describe(error))",
                                     cause: error)
        }
        return try CNINetworkConfig(document: document, source: source)
    }

    /// Validates a parsed configuration document.
    public init(document: JSONValue, source: String) throws(PodNetworkingError) {
        func invalid(_ reason: String) -> PodNetworkingError {
            PodNetworkingError(.invalidConfiguration, "CNI network configuration \(source) is invalid: \(reason)")
        }
        guard let members = document.objectValue else {
            throw invalid("the document is a JSON \(document.typeName), not an object")
        }
        guard let name = members["name"]?.stringValue, !name.isEmpty else {
            throw invalid("it has no \"name\" string")
        }
        guard Self.isValidNetworkName(name) else {
            throw invalid("network name '\(name)' must start with a letter or digit and contain only letters, digits, '_', '.' and '-'")
        }
        var version = "0.1.0"
        if let value = members["cniVersion"] {
            guard let text = value.stringValue, !text.isEmpty else { throw invalid("\"cniVersion\" must be a non-empty string") }
            version = text
        }
        let plugins: [JSONValue]
        let isList: Bool
        if let list = members["plugins"] {
            guard members["type"] == nil else { throw invalid("it has both \"type\" and \"plugins\"") }
            guard let elements = list.arrayValue, !elements.isEmpty else {
                throw invalid("\"plugins\" must be a non-empty array")
            }
            guard members["cniVersion"] != nil else { throw invalid("a configuration list needs a \"cniVersion\"") }
            plugins = elements
            isList = true
        } else {
            plugins = [document]
            isList = false
        }
        for (index, plugin) in plugins.enumerated() {
            let label = isList ? "plugin #\(index + 1)" : "the configuration"
            guard plugin.objectValue != nil else { throw invalid("\(label) is a JSON \(plugin.typeName), not an object") }
            guard let type = plugin["type"]?.stringValue, !type.isEmpty else {
                throw invalid("\(label) has no \"type\" (the plugin binary name)")
            }
            guard Self.isValidPluginType(type) else {
                throw invalid("\(label) has an invalid plugin type '\(type)' (a file name, not a path)")
            }
        }
        if let value = members["disableCheck"], value.boolValue == nil {
            throw invalid("\"disableCheck\" must be a boolean")
        }
        self.name = name
        self.cniVersion = version
        self.plugins = plugins
        self.isList = isList
        self.disableCheck = members["disableCheck"]?.boolValue ?? false
        self.source = source
        self.document = document
    }

    /// The configuration a plugin reads on standard input: the plugin object with the
    /// network's `name` and `cniVersion`, the previous result (ADD: of the plugin before it;
    /// DEL/CHECK: the cached result of the whole chain), the `runtimeConfig` entries of the
    /// capabilities the plugin declares, and the runtime's `args`.
    func pluginInput(index: Int, prevResult: JSONValue?, runtimeConfig: [String: JSONValue],
                     args: [String: JSONValue]) -> JSONValue {
        var members = plugins[index].objectValue ?? [:]
        members["name"] = .string(name)
        members["cniVersion"] = .string(cniVersion)
        members["prevResult"] = nil
        members["runtimeConfig"] = nil
        if let prevResult { members["prevResult"] = prevResult }
        // Only capabilities the plugin asks for (`"capabilities": {"portMappings": true}`) are
        // passed, as libcni does; other plugins would reject or ignore them.
        let capabilities = members["capabilities"]?.objectValue ?? [:]
        var granted: JSONObject = [:]
        for (key, value) in runtimeConfig.sorted(by: { $0.key < $1.key }) where capabilities[key]?.boolValue == true {
            granted[key] = value
        }
        if !granted.isEmpty { members["runtimeConfig"] = .object(granted) }
        if !args.isEmpty {
            var merged = members["args"]?.objectValue ?? [:]
            for (key, value) in args.sorted(by: { $0.key < $1.key }) { merged[key] = value }
            members["args"] = .object(merged)
        }
        return .object(members)
    }

    /// Whether the CNI version supports CHECK (0.4.0 and later).
    var supportsCheck: Bool {
        let parts = cniVersion.split(separator: ".").compactMap { Int($0) }
        guard let major = parts.first else { return false }
        return major >= 1 || (parts.count > 1 && parts[1] >= 4)
    }

    /// CNI network names: `^[a-zA-Z0-9][a-zA-Z0-9_.\-]*$`.
    static func isValidNetworkName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, isAlphanumeric(first), name.utf8.count <= 255 else { return false }
        return name.unicodeScalars.allSatisfy { isAlphanumeric($0) || $0 == "_" || $0 == "." || $0 == "-" }
    }

    static func isValidPluginType(_ type: String) -> Bool {
        !type.contains("/") && type != "." && type != ".." && !type.contains("\0") && type.utf8.count <= 255
    }

    static func isAlphanumeric(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
    }

    /// A one-line description of a JSON syntax error.
    static func describe(_ error: JSONSyntaxError) -> String {
        "\(error.message) (line \(error.line), column \(error.column))"
    }
}
