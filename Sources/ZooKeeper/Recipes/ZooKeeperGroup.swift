/// A member of a group: a child `<label>_<sequence>` of the group's node, as Mesos' group
/// code reads them (`GroupProcess::cache`, `mesos:src/zookeeper/group.cpp`): the name is
/// split on `_` (empty tokens dropped), the last token must be an `Int32` (else the child is
/// not a member), and the first token is the label when there are two or more.
public struct ZooKeeperGroupMember: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The child's name, `json.info_0000000042`.
    public let name: String
    /// The child's path, `/mesos/json.info_0000000042`.
    public let path: String
    /// `json.info`; nil for a bare sequence number.
    public let label: String?
    /// The sequence number ZooKeeper appended.
    public let sequence: Int32

    /// The member a child name stands for, or nil when it is not a member.
    public init?(name: String, group: String) {
        let tokens = name.split(separator: "_")
        guard let last = tokens.last, let sequence = Int32(last) else { return nil }
        self.name = name
        self.path = ZooKeeperPath.join(group, name)
        self.label = tokens.count > 1 ? String(tokens[0]) : nil
        self.sequence = sequence
    }

    /// Members order by sequence only, across labels (ZooKeeper keeps one counter per
    /// parent); the name breaks ties.
    public static func < (a: ZooKeeperGroupMember, b: ZooKeeperGroupMember) -> Bool {
        (a.sequence, a.name) < (b.sequence, b.name)
    }

    /// The `multi` operation that fences a write on this member's node: the transaction fails
    /// with `NONODE` once the node is gone.
    public var fence: ZooKeeperOperation { .check(path) }

    public var description: String { path }
}

/// A group of members below one node, the way Mesos masters register (`<path>/json.info_N`)
/// and pod-scheduler instances elect a leader: members join with ephemeral sequential nodes,
/// and the member with the smallest sequence leads.
public struct ZooKeeperGroup: Sendable {
    public let session: ZooKeeperSession
    /// The group's node.
    public let path: String

    public init(session: ZooKeeperSession, path: String) throws(ZooKeeperError) {
        try session.check(path, "group")
        self.session = session
        self.path = path
    }

    /// The members now, ordered by sequence; empty when the group's node does not exist.
    public func members() async throws(ZooKeeperError) -> [ZooKeeperGroupMember] {
        do {
            return parse(try await session.children(path))
        } catch where error.code == .noNode {
            return []
        }
    }

    /// The leader (the member with the smallest sequence, whatever its label) and its data,
    /// or nil when the group has no member.
    public func leader() async throws(ZooKeeperError) -> (member: ZooKeeperGroupMember, data: [UInt8])? {
        while true {
            guard let first = try await members().first else { return nil }
            do {
                return (first, try await session.get(first.path).data)
            } catch where error.code == .noNode {
                continue  // It left between the listing and the read.
            }
        }
    }

    /// The member list now and after every change (only when it differs), ordered by
    /// sequence. One child watch is armed at a time and set again after it fires; a
    /// disconnection only delays the next list (the watch survives it). The stream ends with
    /// the `ZooKeeperError` that ended the session (`SESSIONEXPIRED`, `CLOSING`), or when the
    /// consumer stops iterating.
    public func memberUpdates() -> AsyncThrowingStream<[ZooKeeperGroupMember], any Error> {
        let (stream, continuation) = AsyncThrowingStream<[ZooKeeperGroupMember], any Error>.makeStream()
        let task = Task { [self] in
            var last: [ZooKeeperGroupMember]?
            while !Task.isCancelled {
                do {
                    let (members, watch) = try await watchMembers()
                    if members != last {
                        continuation.yield(members)
                        last = members
                    }
                    _ = try await watch.event()
                } catch let error as ZooKeeperError where error.code.isConnectionProblem {
                    do { try await session.waitUntilConnected() } catch {
                        return continuation.finish(throwing: error is CancellationError ? nil : error)
                    }
                } catch is CancellationError {
                    break
                } catch {
                    return continuation.finish(throwing: error)
                }
            }
            continuation.finish()
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    /// The members and a watch for their next change; while the group's node is missing, no
    /// members and a watch for its creation.
    private func watchMembers() async throws(ZooKeeperError) -> ([ZooKeeperGroupMember], ZooKeeperWatch) {
        while true {
            do {
                let (names, watch) = try await session.childrenAndWatch(path)
                return (parse(names), watch)
            } catch where error.code == .noNode {
                let (stat, watch) = try await session.existsAndWatch(path)
                if stat == nil { return ([], watch) }
            }
        }
    }

    private func parse(_ names: [String]) -> [ZooKeeperGroupMember] {
        names.compactMap { ZooKeeperGroupMember(name: $0, group: path) }.sorted()
    }
}
