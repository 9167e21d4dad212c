import CZooKeeper

/// The one error of every ZooKeeper call: the ZooKeeper code, the operation and the path it
/// was about. Its text never holds node data or credentials.
public struct ZooKeeperError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A ZooKeeper result code (`ZOO_ERRORS` of the C client; the names are Java's
    /// `KeeperException.Code`).
    public struct Code: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        public let rawValue: Int32
        public init(rawValue: Int32) { self.rawValue = rawValue }

        public static let ok = Code(rawValue: 0)
        public static let systemError = Code(rawValue: -1)
        public static let runtimeInconsistency = Code(rawValue: -2)
        public static let dataInconsistency = Code(rawValue: -3)
        /// The connection to the server was lost before an answer came: the operation may or
        /// may not have been applied.
        public static let connectionLoss = Code(rawValue: -4)
        public static let marshallingError = Code(rawValue: -5)
        public static let unimplemented = Code(rawValue: -6)
        /// No answer within the deadline: the operation may or may not have been applied.
        public static let operationTimeout = Code(rawValue: -7)
        public static let badArguments = Code(rawValue: -8)
        public static let invalidState = Code(rawValue: -9)
        public static let apiError = Code(rawValue: -100)
        public static let noNode = Code(rawValue: -101)
        public static let noAuth = Code(rawValue: -102)
        public static let badVersion = Code(rawValue: -103)
        public static let noChildrenForEphemerals = Code(rawValue: -108)
        public static let nodeExists = Code(rawValue: -110)
        public static let notEmpty = Code(rawValue: -111)
        /// The session is gone, with its ephemeral nodes and watches. Make a new session.
        public static let sessionExpired = Code(rawValue: -112)
        public static let invalidCallback = Code(rawValue: -113)
        public static let invalidACL = Code(rawValue: -114)
        public static let authFailed = Code(rawValue: -115)
        /// The session was closed (by its owner) while the call was pending.
        public static let closing = Code(rawValue: -116)
        public static let nothing = Code(rawValue: -117)
        public static let sessionMoved = Code(rawValue: -118)
        public static let notReadOnly = Code(rawValue: -119)
        public static let ephemeralOnLocalSession = Code(rawValue: -120)
        public static let noWatcher = Code(rawValue: -121)
        public static let reconfigDisabled = Code(rawValue: -123)
        public static let sessionClosedRequireSASLAuth = Code(rawValue: -124)
        public static let throttled = Code(rawValue: -127)

        private static let names: [Int32: String] = [
            0: "OK", -1: "SYSTEMERROR", -2: "RUNTIMEINCONSISTENCY", -3: "DATAINCONSISTENCY",
            -4: "CONNECTIONLOSS", -5: "MARSHALLINGERROR", -6: "UNIMPLEMENTED", -7: "OPERATIONTIMEOUT",
            -8: "BADARGUMENTS", -9: "INVALIDSTATE", -100: "APIERROR", -101: "NONODE", -102: "NOAUTH",
            -103: "BADVERSION", -108: "NOCHILDRENFOREPHEMERALS", -110: "NODEEXISTS", -111: "NOTEMPTY",
            -112: "SESSIONEXPIRED", -113: "INVALIDCALLBACK", -114: "INVALIDACL", -115: "AUTHFAILED",
            -116: "CLOSING", -117: "NOTHING", -118: "SESSIONMOVED", -119: "NOTREADONLY",
            -120: "EPHEMERALONLOCALSESSION", -121: "NOWATCHER", -123: "RECONFIGDISABLED",
            -124: "SESSIONCLOSEDREQUIRESASLAUTH", -127: "THROTTLEDOP",
        ]

        /// `NONODE`, `BADVERSION`, …
        public var name: String { Self.names[rawValue] ?? "ERROR(\(rawValue))" }
        public var description: String { name }

        /// The C client's text for the code ("no node", …).
        public var text: String { String(cString: zerror(rawValue)) }

        /// Connection loss or a timeout: the outcome of the call is unknown and the session may
        /// still be alive; the caller may retry once the session is connected again.
        public var isConnectionProblem: Bool { self == .connectionLoss || self == .operationTimeout }
    }

    public let code: Code
    /// The call: `create`, `get`, `multi`, `connect`, `watch`, …
    public let operation: String
    /// The node the call was about, when it was about one.
    public let path: String?
    /// More about the failure (which operation of a `multi` failed, a deadline, …).
    public let detail: String?
    /// For a failed `multi`: the index of the operation that failed.
    public let failedOperationIndex: Int?

    public init(_ code: Code, operation: String, path: String? = nil, detail: String? = nil,
                failedOperationIndex: Int? = nil) {
        self.code = code
        self.operation = operation
        self.path = path
        self.detail = detail
        self.failedOperationIndex = failedOperationIndex
    }

    public var description: String {
        var text = "ZooKeeper \(operation)"
        if let path { text += " \(path)" }
        text += " failed: \(code.name) (\(code.text))"
        if let detail { text += ": \(detail)" }
        return text
    }
}
