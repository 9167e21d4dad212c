import PodTestFixtures
import Testing
@testable import ZooKeeper

@Suite(.serialized, .enabled(if: ZooKeeperServer.isInstalled, "needs Debian's zookeeper package and a Java runtime (scripts/setup.sh installs them)"))
struct ZooKeeperGroupTests {
    /// Mesos' layout: masters under one path with mixed labels, and other children that are
    /// not members. The reader orders by sequence across labels and follows every change.
    @Test func readsMembersInSequenceOrderAndFollowsChanges() async throws {
        let server = try await ZooKeeperServer.shared()
        let writer = try await ZK.session(server)
        let reader = try await ZK.session(server)
        defer { Task { await writer.close(); await reader.close() } }
        let path = ZK.path("mesos")
        let group = try ZooKeeperGroup(session: reader, path: path)
        #expect(try await group.members() == [])
        #expect(try await group.leader() == nil)
        let updates = Recorder(group.memberUpdates())
        try await updates.wait("an empty group") { $0 == [[]] }

        try await writer.ensurePath(path + "/log_replicas")  // Not a member.
        let a = try await writer.create(path + "/info_", data: ZK.bytes("old"), mode: .ephemeralSequential)
        let b = try await writer.create(path + "/json.info_", data: ZK.bytes("{}"), mode: .ephemeralSequential)
        let c = try await writer.create(path + "/", data: ZK.bytes("master@10.0.0.1:5050"), mode: .ephemeralSequential)
        #expect(c == path + "/0000000003")
        try await updates.wait("three members") { $0.last?.count == 3 }
        let members = try #require(updates.last)
        #expect(members.map(\.path) == [a, b, c])
        #expect(members.map(\.label) == ["info", "json.info", nil])
        #expect(members.map(\.sequence) == [1, 2, 3])
        #expect(try await group.members() == members)
        let leader = try #require(try await group.leader())
        #expect(leader.member.path == a)
        #expect(leader.data == ZK.bytes("old"))

        // Every change is seen: the one-shot watch is armed again each time.
        try await writer.delete(a)
        try await updates.wait("the first member gone") { $0.last?.map(\.path) == [b, c] }
        #expect(try await group.leader()?.member.path == b)
        let d = try await writer.create(path + "/json.info_", mode: .ephemeralSequential)
        try await updates.wait("a new member") { $0.last?.map(\.path) == [b, c, d] }
        try await writer.set(path + "/log_replicas", data: ZK.bytes("x"))
        await writer.close()
        try await updates.wait("all members gone") { $0.last == [] }
        // No list twice in a row, and only one watch at a time on the group.
        let lists = updates.values
        #expect(zip(lists, lists.dropFirst()).allSatisfy { $0 != $1 })
        // (The server's `wchp` lists data watches only, so this counts the client's.)
        #expect(CallbackTable.shared.count(session: reader.core.key).watches == 1)

        try await server.expire(reader)
        try await updates.waitForEnd("the member stream to end")
        #expect(updates.error?.code == .sessionExpired)
    }

    @Test func joinAndLeave() async throws {
        let server = try await ZooKeeperServer.shared()
        let session = try await ZK.session(server)
        defer { Task { await session.close() } }
        let path = ZK.path("join") + "/deep/group"
        let group = try ZooKeeperGroup(session: session, path: path)
        let first = try await group.join(label: "json.info", data: ZK.bytes("{\"id\":1}"))
        let second = try await group.join(label: "json.info", data: ZK.bytes("{\"id\":2}"))
        #expect(first.name == "json.info_0000000000")
        #expect(first.label == "json.info")
        #expect(second.sequence == first.sequence + 1)
        let (data, stat) = try await session.get(first.path)
        #expect(data == ZK.bytes("{\"id\":1}"))
        #expect(stat.ephemeralOwner == session.identity?.id)
        #expect(try await group.members() == [first, second])
        try await group.leave(first)
        try await group.leave(first)
        #expect(try await group.members() == [second])
        for bad in ["", "a_b", "a/b"] {
            #expect(await ZK.error { try await group.join(label: bad) }?.code == .badArguments)
        }
    }
}

@Suite(.serialized, .enabled(if: ZooKeeperServer.isInstalled, "needs Debian's zookeeper package and a Java runtime (scripts/setup.sh installs them)"))
struct ZooKeeperLeaderLatchTests {
    struct Participant {
        let session: ZooKeeperSession
        let latch: ZooKeeperLeaderLatch
        let statuses: Recorder<ZooKeeperLeaderLatch.Status>
    }

    static func participants(_ count: Int, server: ZooKeeperServer, path: String) async throws -> [Participant] {
        var result: [Participant] = []
        for index in 0..<count {
            let session = try await ZK.session(server)
            let latch = try ZooKeeperLeaderLatch(session: session, path: path, data: ZK.bytes("host\(index):8080"))
            try await latch.start()
            result.append(Participant(session: session, latch: latch, statuses: Recorder(await latch.statusUpdates())))
        }
        return result
    }

    @Test func theNextInLineLeadsAndEachWatchesOnlyItsPredecessor() async throws {
        let server = try await ZooKeeperServer.shared()
        let path = ZK.path("election")
        let p = try await Self.participants(3, server: server, path: path)
        defer { Task { for participant in p { await participant.session.close() } } }
        let nodes = try await p.asyncMap { try #require(await $0.latch.ownMember) }
        #expect(await p[0].latch.currentStatus == .leader(nodes[0]))
        #expect(await p[1].latch.currentStatus == .follower(nodes[1], predecessor: nodes[0]))
        #expect(await p[2].latch.currentStatus == .follower(nodes[2], predecessor: nodes[1]))
        let leader = try #require(try await p[2].latch.leader())
        #expect(leader.member == nodes[0])
        #expect(leader.data == ZK.bytes("host0:8080"))

        // No herd: each follower watches its predecessor only, the leader its own node.
        let ids = p.map { $0.session.identity!.id }
        let watches = try await server.watchesByPath()
        #expect(watches[nodes[0].path] == [ids[0], ids[1]])
        #expect(watches[nodes[1].path] == [ids[2]])
        #expect(watches[nodes[2].path] == nil)
        #expect(watches[path] == nil)

        // The leader's process goes: the next one leads; the last one keeps waiting.
        await p[0].session.close()
        try await p[1].statuses.wait("the second to lead") { $0.last == .leader(nodes[1]) }
        #expect(await p[2].latch.currentStatus == .follower(nodes[2], predecessor: nodes[1]))
        #expect(try await p[2].latch.leader()?.data == ZK.bytes("host1:8080"))
        #expect(p[2].statuses.values.allSatisfy { !$0.isLeader })
        let after = try await server.watchesByPath()
        #expect(after[nodes[1].path] == [ids[1], ids[2]])
    }

    @Test func abdicationHandsOverAndRejoiningQueuesAtTheEnd() async throws {
        let server = try await ZooKeeperServer.shared()
        let path = ZK.path("abdicate")
        let p = try await Self.participants(2, server: server, path: path)
        defer { Task { for participant in p { await participant.session.close() } } }
        let first = try #require(await p[0].latch.ownMember)
        let second = try #require(await p[1].latch.ownMember)
        #expect(await p[0].latch.currentStatus.isLeader)

        try await p[0].latch.abdicate()
        #expect(await p[0].latch.currentStatus == .idle)
        #expect(await p[0].latch.ownMember == nil)
        #expect(try await p[0].session.exists(first.path) == nil)
        try await p[1].statuses.wait("the second to lead") { $0.last == .leader(second) }

        try await p[0].latch.start()
        let rejoined = try #require(await p[0].latch.ownMember)
        #expect(rejoined.sequence > second.sequence)
        #expect(await p[0].latch.currentStatus == .follower(rejoined, predecessor: second))
        // The fencing node of the leader's writes is its own member node.
        _ = try await p[1].session.multi([second.fence, .create(path + "-state")])
        let fenced = await ZK.error { try await p[0].session.multi([first.fence, .create(path + "-stale")]) }
        #expect(fenced?.code == .noNode)
    }

    @Test func sessionExpiryEndsLeadershipAtOnce() async throws {
        let server = try await ZooKeeperServer.shared()
        let path = ZK.path("expire")
        let p = try await Self.participants(2, server: server, path: path)
        defer { Task { for participant in p { await participant.session.close() } } }
        let second = try #require(await p[1].latch.ownMember)
        try await server.expire(p[0].session)
        try await p[0].statuses.wait("leadership lost") { $0.last.map { if case .lost = $0 { true } else { false } } ?? false }
        guard case .lost(let error) = await p[0].latch.currentStatus else { Issue.record("not lost"); return }
        #expect(error.code == .sessionExpired)
        #expect(await p[0].latch.ownMember == nil)
        try await p[0].statuses.waitForEnd("the status stream to end")
        try await p[1].statuses.wait("the second to lead") { $0.last == .leader(second) }
        #expect(await ZK.error { try await p[0].latch.start() }?.code == .sessionExpired)
    }

    @Test func disconnectionSuspendsAndReconnectionRestores() async throws {
        try await ZooKeeperServer.with { server in
            let path = ZK.path("suspend")
            let p = try await Self.participants(1, server: server, path: path)
            defer { Task { await p[0].session.close() } }
            let own = try #require(await p[0].latch.ownMember)
            await server.stop()
            try await p[0].statuses.wait("suspended") { $0.last == .suspended(own) }
            try await server.start()
            try await p[0].statuses.wait("leading again") { $0.last == .leader(own) }
        }
    }
}

extension Array where Element: Sendable {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var result: [T] = []
        for element in self { result.append(try await transform(element)) }
        return result
    }
}
