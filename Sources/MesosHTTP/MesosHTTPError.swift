/// Errors of the Mesos HTTP clients, with what the other side said.
public struct MesosHTTPError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable, Equatable {
        /// No HTTP answer: connection refused, reset, timeout.
        case transport
        /// An HTTP status other than the expected one.
        case status(Int)
        /// The body or stream could not be understood.
        case protocolViolation
        /// The stream ended (EOF).
        case endOfStream
        /// A 307 to another master.
        case redirect(location: String)
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String {
        switch kind {
        case .status(let code): return "HTTP \(code): \(message)"
        default: return message
        }
    }

    /// The master refused the call itself: 400 (a principal mismatch, an invalid call),
    /// 401 (credentials missing or wrong) or 403.
    public var isRefusal: Bool {
        if case .status(let code) = kind { return code == 400 || code == 401 || code == 403 }
        return false
    }

    /// Whether retrying later can help (agent restarting or recovering).
    public var isRetryable: Bool {
        switch kind {
        case .transport, .endOfStream: return true
        case .status(let code): return code == 503 || code == 404 || code == 502
        default: return false
        }
    }
}
