import Primitives

/// The error a CNI plugin prints on standard output when it fails:
/// `{"cniVersion": …, "code": 7, "msg": "…", "details": "…"}`.
public struct CNIPluginError: Sendable, Equatable, CustomStringConvertible {
    /// The CNI error code (1–99 are defined by the specification, 100+ by the plugin).
    public var code: Int
    /// The short message.
    public var msg: String
    /// Optional longer details.
    public var details: String?

    /// Creates an error value.
    public init(code: Int, msg: String, details: String? = nil) {
        self.code = code
        self.msg = msg
        self.details = details
    }

    /// Parses a plugin's error output; nil if it is not a CNI error object.
    init?(json: JSONValue) {
        guard let code = json["code"]?.intValue else { return nil }
        self.code = Int(code)
        self.msg = json["msg"]?.stringValue ?? ""
        let details = json["details"]?.stringValue ?? ""
        self.details = details.isEmpty ? nil : details
    }

    /// The name the CNI specification gives to a well-known code.
    public var codeName: String? {
        switch code {
        case 1: "incompatible CNI version"
        case 2: "unsupported field in network configuration"
        case 3: "container unknown or does not exist"
        case 4: "invalid necessary environment variables"
        case 5: "I/O failure"
        case 6: "failed to decode content"
        case 7: "invalid network config"
        case 11: "try again later"
        default: nil
        }
    }

    public var description: String {
        var text = "[code \(code)"
        if let codeName { text += ", \(codeName)" }
        text += "] " + (msg.isEmpty ? "(no message)" : msg)
        if let details { text += " (details: \(details))" }
        return text
    }
}
