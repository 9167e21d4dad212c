import PodSchedulerCore
import ZooKeeper

/// Where the scheduler's state lives below the `--zk` path:
///
/// ```
/// <path>/leader/member_NNNNNNNNNN            election (ephemeral sequential; data: the address record)
/// <path>/state/schema-version                "1"
/// <path>/state/framework-id/id
/// <path>/state/pods/<pod id>
/// <path>/state/versions/<pod id>/<version>
/// <path>/state/instances/<bucket>/<instance id>
/// <path>/state/deployments/<id>   state/failures/<pod id>   state/delays/<pod id>@<version>
/// ```
///
/// Names are percent-encoded (`/prod/web` → `%2Fprod%2Fweb`). Instances are spread over
/// `instanceBuckets` children chosen by a stable hash (FNV-1a, not Swift's seeded `Hasher`), so
/// that no node has 10,000 children: a `getChildren` answer must stay far below ZooKeeper's
/// 1 MB packet limit.
public struct ZooKeeperStoreLayout: Sendable, Equatable {
    /// The `--zk` path.
    public let root: String
    public static let instanceBuckets = 16
    public static let schemaVersion = 1

    public init(root: String) {
        var root = root
        while root.count > 1 && root.hasSuffix("/") { root.removeLast() }
        self.root = root
    }

    public var election: String { Self.join(root, "leader") }
    public var state: String { Self.join(root, "state") }
    public var schema: String { Self.join(state, "schema-version") }

    public func category(_ category: StoreCategory) -> String { Self.join(state, category.rawValue) }

    /// The parent nodes made when the store opens, below the root (the groups of versions are
    /// made as needed).
    public var structure: [String] {
        var paths = [state]
        for category in StoreCategory.allCases { paths.append(self.category(category)) }
        for bucket in 0..<Self.instanceBuckets { paths.append(Self.join(category(.instances), Self.bucketName(bucket))) }
        return paths
    }

    /// The nodes whose children are a category's records (one per bucket for instances).
    public func parents(of category: StoreCategory) -> [String] {
        guard category == .instances else { return [self.category(category)] }
        return (0..<Self.instanceBuckets).map { Self.join(self.category(.instances), Self.bucketName($0)) }
    }

    /// The node of a grouped category's group.
    public func group(_ category: StoreCategory, _ group: String) -> String {
        Self.join(self.category(category), Self.escape(group))
    }

    /// The node of a record.
    public func path(_ key: StoreKey) -> String {
        if let group = key.group { return Self.join(self.group(key.category, group), Self.escape(key.name)) }
        if key.category == .instances {
            return Self.join(Self.join(category(.instances), Self.bucketName(Self.bucket(of: key.name))),
                                      Self.escape(key.name))
        }
        return Self.join(category(key.category), Self.escape(key.name))
    }

    /// The parent of a record's node that may need creating (a version's group), or nil.
    public func creatableParent(_ key: StoreKey) -> String? {
        key.group.map { group(key.category, $0) }
    }

    /// `parent/name` (`/name` below the root node).
    static func join(_ parent: String, _ name: String) -> String {
        parent == "/" ? "/" + name : parent + "/" + name
    }

    static func bucketName(_ bucket: Int) -> String { String(bucket, radix: 16) }

    /// FNV-1a (32 bit) of the name's UTF-8, modulo the bucket count: the same in every process.
    public static func bucket(of name: String) -> Int {
        var hash: UInt32 = 2_166_136_261
        for byte in name.utf8 {
            hash ^= UInt32(byte)
            hash = hash &* 16_777_619
        }
        return Int(hash % UInt32(instanceBuckets))
    }

    /// A ZooKeeper node name for any string: bytes outside `A-Z a-z 0-9 - _ . ~ @ : + , =` as
    /// `%XX` (so `/` and `%` are escaped, and `.`/`..` cannot arise from non-empty names
    /// without dots).
    public static func escape(_ name: String) -> String {
        var out = ""
        for byte in name.utf8 {
            let c = Character(Unicode.Scalar(byte))
            if byte < 0x80, c.isLetter || c.isNumber || "-_.~@:+,=".contains(c) {
                out.append(c)
            } else {
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        if out == "." || out == ".." { out = out.replacingDots() }
        return out
    }

    /// The name a node name stands for; nil when it is not an escaped name.
    public static func unescape(_ node: String) -> String? {
        var bytes: [UInt8] = []
        var iterator = Array(node.utf8).makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next(), let low = iterator.next(),
                  let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16) else { return nil }
            bytes.append(value)
        }
        return String(validating: bytes, as: UTF8.self)
    }
}

private extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }

    func replacingDots() -> String {
        String(repeating: "%2E", count: count)
    }
}
