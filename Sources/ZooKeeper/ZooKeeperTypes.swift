import CZooKeeper

/// A node's metadata (ZooKeeper's `Stat`).
public struct ZooKeeperStat: Sendable, Hashable {
    /// The zxid of the change that created the node.
    public var czxid: Int64
    /// The zxid of the last change of the node's data.
    public var mzxid: Int64
    /// Creation and last modification time, milliseconds since the epoch.
    public var ctime: Int64
    public var mtime: Int64
    /// The data version (what `set`, `delete` and `check` compare).
    public var version: Int32
    /// The number of changes of the children.
    public var cversion: Int32
    /// The number of changes of the ACL.
    public var aversion: Int32
    /// The session id that owns the node if it is ephemeral, else 0.
    public var ephemeralOwner: Int64
    public var dataLength: Int32
    public var numChildren: Int32
    /// The zxid of the last change of the children.
    public var pzxid: Int64

    init(_ s: Stat) {
        czxid = s.czxid
        mzxid = s.mzxid
        ctime = s.ctime
        mtime = s.mtime
        version = s.version
        cversion = s.cversion
        aversion = s.aversion
        ephemeralOwner = s.ephemeralOwner
        dataLength = s.dataLength
        numChildren = s.numChildren
        pzxid = s.pzxid
    }
}

/// How a node is created.
public enum ZooKeeperCreateMode: Sendable, Hashable {
    case persistent
    /// Removed by the server when the creating session ends.
    case ephemeral
    /// The server appends a 10-digit sequence number, unique under the parent, to the name.
    case persistentSequential
    case ephemeralSequential

    var flags: Int32 {
        switch self {
        case .persistent: 0
        case .ephemeral: ZOO_EPHEMERAL
        case .persistentSequential: ZOO_SEQUENCE
        case .ephemeralSequential: ZOO_EPHEMERAL | ZOO_SEQUENCE
        }
    }

    var isSequential: Bool { self == .persistentSequential || self == .ephemeralSequential }
}

/// A node's access control list.
public struct ZooKeeperACL: Sendable, Hashable {
    /// One entry: permissions for an identity of a scheme.
    public struct Entry: Sendable, Hashable {
        public var permissions: Permissions
        /// `world`, `auth`, `digest`, `ip`, …
        public var scheme: String
        /// `anyone` for `world`; empty for `auth` (the authenticated creator).
        public var id: String
        public init(permissions: Permissions, scheme: String, id: String) {
            self.permissions = permissions
            self.scheme = scheme
            self.id = id
        }
    }

    /// ZooKeeper's permission bits.
    public struct Permissions: OptionSet, Sendable, Hashable {
        public let rawValue: Int32
        public init(rawValue: Int32) { self.rawValue = rawValue }
        public static let read = Permissions(rawValue: 1 << 0)
        public static let write = Permissions(rawValue: 1 << 1)
        public static let create = Permissions(rawValue: 1 << 2)
        public static let delete = Permissions(rawValue: 1 << 3)
        public static let admin = Permissions(rawValue: 1 << 4)
        public static let all: Permissions = [.read, .write, .create, .delete, .admin]
    }

    public var entries: [Entry]
    public init(_ entries: [Entry]) { self.entries = entries }

    /// Everyone may do everything (`OPEN_ACL_UNSAFE`): Mesos' ACL without credentials.
    public static let open = ZooKeeperACL([Entry(permissions: .all, scheme: "world", id: "anyone")])
    /// Everyone may read, the authenticated creator may do everything
    /// (`EVERYONE_READ_CREATOR_ALL`): Mesos' ACL with credentials.
    public static let everyoneReadCreatorAll = ZooKeeperACL([
        Entry(permissions: .read, scheme: "world", id: "anyone"),
        Entry(permissions: .all, scheme: "auth", id: ""),
    ])
    /// Only the authenticated creator may do anything (`CREATOR_ALL_ACL`).
    public static let creatorAll = ZooKeeperACL([Entry(permissions: .all, scheme: "auth", id: "")])

    /// What Mesos gives the nodes it creates: `everyoneReadCreatorAll` with credentials,
    /// `open` without (`mesos:src/zookeeper/authentication.cpp`).
    public static func mesosDefault(authenticated: Bool) -> ZooKeeperACL {
        authenticated ? .everyoneReadCreatorAll : .open
    }
}

/// What fired a watch.
public struct ZooKeeperWatchEvent: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case created
        case deleted
        case dataChanged
        case childrenChanged
    }
    public let kind: Kind
    /// The node the watch was set on.
    public let path: String

    public init(kind: Kind, path: String) {
        self.kind = kind
        self.path = path
    }

    init?(type: Int32, path: String) {
        switch type {
        case ZOO_CREATED_EVENT: kind = .created
        case ZOO_DELETED_EVENT: kind = .deleted
        case ZOO_CHANGED_EVENT: kind = .dataChanged
        case ZOO_CHILD_EVENT: kind = .childrenChanged
        default: return nil
        }
        self.path = path
    }
}

/// One operation of an atomic `multi` transaction.
public enum ZooKeeperOperation: Sendable, Hashable {
    /// Creates a node; `acl` nil takes the session's default ACL.
    case create(String, data: [UInt8] = [], mode: ZooKeeperCreateMode = .persistent, acl: ZooKeeperACL? = nil)
    /// Replaces a node's data if its version is `version` (nil: any version).
    case set(String, data: [UInt8], version: Int32? = nil)
    /// Deletes a node if its version is `version` (nil: any version).
    case delete(String, version: Int32? = nil)
    /// Fails the transaction unless the node exists (and has version `version` when given):
    /// how a writer fences its writes on its own election node.
    case check(String, version: Int32? = nil)

    /// The node the operation is about.
    public var path: String {
        switch self {
        case .create(let path, _, _, _), .set(let path, _, _), .delete(let path, _), .check(let path, _): path
        }
    }

    /// `create`, `set`, `delete` or `check`.
    public var name: String {
        switch self {
        case .create: "create"
        case .set: "set"
        case .delete: "delete"
        case .check: "check"
        }
    }
}

/// The result of one operation of a successful `multi`, in the order of the operations.
public enum ZooKeeperOperationResult: Sendable, Hashable {
    /// The path of the created node (with its sequence number for sequential modes).
    case created(String)
    case set(ZooKeeperStat)
    case deleted
    case checked
}

/// Node data larger than this is refused before it is sent: the server's packet limit
/// (`jute.maxbuffer`, 1 MiB by default) would otherwise drop the connection. The figure is
/// Marathon's `--zk_max_node_size` default.
public let zooKeeperMaximumDataSize = 1024 * 1000

/// ZooKeeper's rules for a node path, checked before a call so the error says what is wrong.
enum ZooKeeperPath {
    /// Nil when `path` is valid, else why not.
    static func problem(_ path: String, sequential: Bool = false) -> String? {
        guard path.hasPrefix("/") else { return "a path must start with '/'" }
        if path == "/" { return nil }
        if path.hasSuffix("/") && !sequential { return "a path must not end with '/'" }
        let segments = path.dropFirst().split(separator: "/", omittingEmptySubsequences: false)
        for (index, segment) in segments.enumerated() {
            let last = index == segments.count - 1
            if segment.isEmpty && !(last && sequential) { return "a path must not contain an empty segment ('//')" }
            if segment == "." || segment == ".." { return "a path must not contain '.' or '..' segments" }
        }
        for scalar in path.unicodeScalars {
            let v = scalar.value
            if v <= 0x1f || (0x7f...0x9f).contains(v) || (0xd800...0xf8ff).contains(v) || (0xfff0...0xffff).contains(v) {
                return "a path must not contain control or reserved characters"
            }
        }
        return nil
    }

    /// The parent of `path` ("/" for a top-level node).
    static func parent(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return "/" }
        return String(path[..<slash])
    }

    /// `parent/name`, without a double slash under the root.
    static func join(_ parent: String, _ name: String) -> String {
        parent == "/" ? "/" + name : parent + "/" + name
    }
}
