extension ZooKeeperGroup {
    /// Joins the group as Mesos does (`GroupProcess::doJoin`): creates the group's node and
    /// its missing parents, then an ephemeral sequential node `<path>/<label>_` holding `data`
    /// (ACL `acl`, or the session's default). The member's node is the session's: it goes
    /// when the session ends or on `leave`, and its path is the fencing node of `multi` writes
    /// (`member.fence`).
    ///
    /// When the connection is lost during the create, the node may exist without its name
    /// being known: once reconnected, the node of this session created by this call is looked
    /// for (owner, creation after the call started, label and data) and adopted, else the
    /// create is made again. Throws `ZooKeeperError` (`SESSIONEXPIRED`, `CLOSING`, `NOAUTH`, …)
    /// or `CancellationError`.
    public func join(label: String, data: [UInt8] = [], acl: ZooKeeperACL? = nil) async throws -> ZooKeeperGroupMember {
        guard !label.isEmpty, !label.contains("/"), !label.contains("_") else {
            throw ZooKeeperError(.badArguments, operation: "join", path: path,
                                 detail: "a member label must be non-empty and free of '/' and '_'")
        }
        // The pzxid of the group's node before the first create: children created later
        // may be a lost create's.
        var before: Int64?
        while true {
            do {
                if let before {
                    if let adopted = try await adoptOwnNode(label: label, data: data, createdAfter: before) { return adopted }
                } else {
                    try await session.ensurePath(path, acl: acl)
                    before = try await session.exists(path)?.pzxid ?? 0
                }
                let created = try await session.create(ZooKeeperPath.join(path, label + "_"), data: data,
                                                       mode: .ephemeralSequential, acl: acl)
                let name = String(created.split(separator: "/").last ?? "")
                guard let member = ZooKeeperGroupMember(name: name, group: path) else {
                    throw ZooKeeperError(.marshallingError, operation: "join", path: created,
                                         detail: "the server named the node unexpectedly")
                }
                return member
            } catch let error as ZooKeeperError where error.code.isConnectionProblem {
                try await session.waitUntilConnected()
            }
        }
    }

    /// Leaves the group: deletes the member's node (which must be this session's). A node
    /// that is already gone is fine.
    public func leave(_ member: ZooKeeperGroupMember) async throws(ZooKeeperError) {
        do {
            try await session.delete(member.path)
        } catch where error.code == .noNode {
            return
        }
    }

    /// The node a lost create of this session made, if there is one; extra ones (a retried
    /// create whose first answer was lost too) are deleted.
    private func adoptOwnNode(label: String, data: [UInt8], createdAfter zxid: Int64) async throws(ZooKeeperError) -> ZooKeeperGroupMember? {
        guard let owner = session.identity?.id else { return nil }
        var mine: [ZooKeeperGroupMember] = []
        for member in try await members() where member.label == label {
            let bytes: [UInt8], stat: ZooKeeperStat
            do {
                (bytes, stat) = try await session.get(member.path)
            } catch where error.code == .noNode {
                continue
            }
            if stat.ephemeralOwner == owner, stat.czxid > zxid, bytes == data { mine.append(member) }
        }
        guard let adopted = mine.first else { return nil }
        for extra in mine.dropFirst() { try await leave(extra) }
        session.core.logger.notice("ZooKeeper group node adopted after a connection loss",
                                   metadata: ["zk.path": "\(adopted.path)"])
        return adopted
    }
}
