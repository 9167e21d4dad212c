#if canImport(Glibc)
import Glibc
#endif

/// `user:password` for ZooKeeper's `digest` authentication. Its descriptions (and its
/// reflection) never show the values.
public struct ZooKeeperCredentials: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable {
    public let username: String
    public let password: String

    /// Fails unless `username` is non-empty and free of ':' and `password` is non-empty.
    public init(username: String, password: String) throws(ZooKeeperURLError) {
        guard !username.isEmpty, !username.contains(":"), !password.isEmpty else {
            throw ZooKeeperURLError("ZooKeeper credentials must be 'user:password' with a non-empty user and password")
        }
        self.username = username
        self.password = password
    }

    /// `user:password`, as `zoo_add_auth("digest", …)` takes it.
    var digest: String { username + ":" + password }

    public var description: String { "xxxxxxxx:xxxxxxxx" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["credentials": description]) }
}

/// A `zk://` URL could not be used. The text never holds the credentials of the URL.
public struct ZooKeeperURLError: Error, Sendable, Hashable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// `zk://[user:password@]host:port[,host:port…]/path`, parsed with Mesos' rules
/// (`mesos:include/mesos/zookeeper/url.hpp`): the input is trimmed; the path starts at the
/// first `/` after `zk://`; the credentials are everything before the last `@` of the part
/// before it; a trailing `/` of the path is dropped and `/` alone is refused. A server
/// without a port gets ZooKeeper's 2181 (the C client would refuse it).
///
/// `description` shows the credentials as `xxxxxxxx:xxxxxxxx@`, as Marathon does.
public struct ZooKeeperURL: Sendable, Hashable, CustomStringConvertible {
    /// `host:port,host:port`, as the ZooKeeper client takes it.
    public let servers: String
    /// The znode the URL names, never `/` and never ending in `/` (`/mesos`). It is the node
    /// of the group (masters, an election), not a chroot of the session.
    public let path: String
    /// The `digest` credentials, when the URL has them.
    public let credentials: ZooKeeperCredentials?

    /// Parses a `zk://` URL.
    public init(_ string: String) throws(ZooKeeperURLError) {
        let trimmed = ZooKeeperURL.trim(string)
        guard trimmed.hasPrefix("zk://") else {
            throw ZooKeeperURLError("Expecting 'zk://' at the beginning of the URL")
        }
        let rest = trimmed.dropFirst("zk://".count)
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        var authority = rest[..<slash]
        var path = String(rest[slash...])
        if let at = authority.lastIndex(of: "@") {
            let userInfo = authority[..<at]
            guard let colon = userInfo.firstIndex(of: ":") else {
                throw ZooKeeperURLError("ZooKeeper credentials must be 'user:password' with a non-empty user and password")
            }
            credentials = try ZooKeeperCredentials(username: String(userInfo[..<colon]),
                                                   password: String(userInfo[userInfo.index(after: colon)...]))
            authority = authority[authority.index(after: at)...]
        } else {
            credentials = nil
        }
        servers = try ZooKeeperURL.servers(String(authority), mayEcho: !trimmed.contains("@"))
        while path.hasSuffix("/") { path.removeLast() }
        guard !path.isEmpty else {
            throw ZooKeeperURLError("Expecting a (chroot) path for ZooKeeper ('/' is not supported)")
        }
        // The path begins at the first '/', so a password with a '/' would land here.
        guard !path.contains("@") else {
            throw ZooKeeperURLError("the ZooKeeper path must not contain '@' (nor the credentials a '/')")
        }
        if let problem = ZooKeeperPath.problem(path) {
            throw ZooKeeperURLError("invalid ZooKeeper path '\(path)': \(problem)")
        }
        self.path = path
    }

    /// Parses a `zk://` URL, or reads the file a `file:///path` URL names and parses its
    /// trimmed content as a `zk://` URL (Mesos' deprecated indirection; one level only).
    public static func resolve(_ string: String) throws(ZooKeeperURLError) -> ZooKeeperURL {
        let trimmed = trim(string)
        guard trimmed.hasPrefix("file://") else { return try ZooKeeperURL(trimmed) }
        let file = String(trimmed.dropFirst("file://".count))
        let content = try readFile(file)
        guard trim(content).hasPrefix("zk://") else {
            throw ZooKeeperURLError("the file '\(file)' must hold a 'zk://' URL")
        }
        return try ZooKeeperURL(content)
    }

    public var description: String {
        "zk://" + (credentials == nil ? "" : "xxxxxxxx:xxxxxxxx@") + servers + path
    }

    /// `path/name`: a node below the URL's path.
    public func path(_ name: String) -> String { ZooKeeperPath.join(path, name) }

    private static func trim(_ s: String) -> String {
        let isSpace: (Character) -> Bool = { $0.isWhitespace || $0.isNewline }
        guard let first = s.firstIndex(where: { !isSpace($0) }),
              let last = s.lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(s[first...last])
    }

    /// Checks `host[:port],…` and gives every server a port. `mayEcho` is false when the URL
    /// had an `@`: a malformed server list might then hold part of a password.
    private static func servers(_ list: String, mayEcho: Bool) throws(ZooKeeperURLError) -> String {
        guard !list.isEmpty else { throw ZooKeeperURLError("the ZooKeeper URL names no server") }
        var normalized: [String] = []
        for (index, entry) in list.split(separator: ",", omittingEmptySubsequences: false).enumerated() {
            let shown = mayEcho ? "'\(entry)'" : "number \(index + 1)"
            var host = Substring(entry)
            var port = "2181"
            if entry.hasPrefix("[") {
                guard let close = entry.firstIndex(of: "]") else {
                    throw ZooKeeperURLError("ZooKeeper server \(shown) has an unclosed '['")
                }
                host = entry[entry.index(after: entry.startIndex)..<close]
                let after = entry[entry.index(after: close)...]
                if !after.isEmpty {
                    guard after.hasPrefix(":") else { throw ZooKeeperURLError("ZooKeeper server \(shown) is not host:port") }
                    port = String(after.dropFirst())
                }
                guard !host.isEmpty, host.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else {
                    throw ZooKeeperURLError("ZooKeeper server \(shown) has an invalid IPv6 address")
                }
                host = "[" + host + "]"
            } else {
                if let colon = entry.lastIndex(of: ":") {
                    host = entry[..<colon]
                    port = String(entry[entry.index(after: colon)...])
                }
                guard !host.isEmpty,
                      host.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "." || $0 == "_") })
                else { throw ZooKeeperURLError("ZooKeeper server \(shown) has an invalid host name") }
            }
            guard let number = Int(port), (1...65535).contains(number), port.allSatisfy(\.isNumber) else {
                throw ZooKeeperURLError("ZooKeeper server \(shown) has an invalid port")
            }
            normalized.append("\(host):\(number)")
        }
        return normalized.joined(separator: ",")
    }

    private static func readFile(_ path: String) throws(ZooKeeperURLError) -> String {
        guard let file = fopen(path, "r") else {
            throw ZooKeeperURLError("cannot read '\(path)': \(String(cString: strerror(errno)))")
        }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            if n > 0 { bytes += chunk[0..<n] }
            if n < chunk.count { break }
            guard bytes.count <= 64 * 1024 else { throw ZooKeeperURLError("'\(path)' is too large for a ZooKeeper URL") }
        }
        guard ferror(file) == 0 else { throw ZooKeeperURLError("cannot read '\(path)'") }
        return String(decoding: bytes, as: UTF8.self)
    }
}
