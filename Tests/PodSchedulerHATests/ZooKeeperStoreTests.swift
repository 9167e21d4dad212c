import Foundation
import Logging
import PodSchedulerCore
import PodSchedulerHA
import PodTestFixtures
import Testing
import ZooKeeper

/// The ZooKeeper store against a real server: records of every category come back, writes
/// are fenced by the writer's election node, large writes are split, the store corrects its
/// idea of which nodes exist, and writes wait for a closed gate and a lost connection.
@Suite("ZooKeeper store", .serialized, .enabled(if: ZooKeeperServer.isInstalled, "\(ZooKeeperServer.skipReason)"))
struct ZooKeeperStoreTests {
    static var logger: Logger {
        var logger = Logger(label: "zookeeper-store.test")
        logger.logLevel = .notice
        return logger
    }

    /// A store below a path of its own; with `leading`, fenced by an election node of `session`.
    static func store(_ session: ZooKeeperSession, root: String, fence: ZooKeeperOperation? = nil,
                      gate: LeadershipGate? = nil) async throws -> ZooKeeperSchedulerStore {
        try await ZooKeeperSchedulerStore.open(session: session, layout: ZooKeeperStoreLayout(root: root), fence: fence, gate: gate,
                                               location: "zk://test\(root)", logger: logger)
    }

    static func root() -> String { "/store-\(UUID().uuidString.prefix(8).lowercased())" }

    static func json(_ text: String) -> Data { Data(text.utf8) }

    @Test("names are escaped reversibly; instances spread over buckets by a stable hash")
    func layout() {
        for name in ["/prod/web", "/a%b", ".", "..", "plain-name_1.2", "ünï", "/x@2020-01-01T00:00:00.000Z"] {
            let escaped = ZooKeeperStoreLayout.escape(name)
            #expect(!escaped.contains("/") && escaped != "." && escaped != "..")
            #expect(ZooKeeperStoreLayout.unescape(escaped) == name)
        }
        // FNV-1a: the same bucket in every process (Swift's Hasher is seeded per process).
        #expect(ZooKeeperStoreLayout.bucket(of: "") == Int(2_166_136_261 % 16))
        #expect(ZooKeeperStoreLayout.bucket(of: "a") == Int(0xE40C_292C % 16))
        let layout = ZooKeeperStoreLayout(root: "/pod-scheduler/")
        #expect(layout.path(StoreKey(.pods, "/prod/web")) == "/pod-scheduler/state/pods/%2Fprod%2Fweb")
        #expect(layout.path(StoreKey(.versions, group: "/prod/web", "2020-01-01T00:00:00.000Z"))
            == "/pod-scheduler/state/versions/%2Fprod%2Fweb/2020-01-01T00:00:00.000Z")
        #expect(layout.path(StoreKey(.instances, "web.instance-1")).hasPrefix("/pod-scheduler/state/instances/"))
        var counts = [Int](repeating: 0, count: ZooKeeperStoreLayout.instanceBuckets)
        for i in 0..<10_000 { counts[ZooKeeperStoreLayout.bucket(of: "prod_web.instance-\(UUID())-\(i)")] += 1 }
        #expect(counts.allSatisfy { $0 > 400 && $0 < 900 }, "\(counts)")
    }

    @Test("records of every category are written and loaded; versions are read per pod")
    func roundTrip() async throws {
        let server = try await ZooKeeperServer.shared()
        let session = try await server.connect(logger: Self.logger)
        defer { Task { await session.close() } }
        let root = Self.root()
        let store = try await Self.store(session, root: root)
        var changes: [StoreChange] = []
        for category in StoreCategory.allCases {
            let key = category.isGrouped ? StoreKey(category, group: "/prod/web", "v1") : StoreKey(category, "/prod/web")
            changes.append(.put(key, Self.json(#"{"c":"\#(category.rawValue)"}"#)))
        }
        changes.append(.put(StoreKey(.versions, group: "/prod/web", "v2"), Self.json("{}")))
        changes.append(.put(StoreKey(.instances, "prod_web.instance-2"), Self.json("{}")))
        changes.append(.delete(StoreKey(.instances, "prod_web.instance-2")))
        try await store.write(changes).durable()

        let reopened = try await Self.store(session, root: root)
        let loaded = try await reopened.load()
        #expect(Set(loaded.map(\.key.category)) == Set(StoreCategory.allCases.filter(\.isLoadedAtStart)))
        #expect(loaded.count == StoreCategory.allCases.count - 1)
        #expect(loaded.first { $0.key.category == .instances }?.data == Self.json(#"{"c":"instances"}"#))
        let versions = try await reopened.records(.versions, group: "/prod/web").map(\.key.name).sorted()
        #expect(versions == ["v1", "v2"])
        #expect(try await reopened.groups(.versions) == ["/prod/web"])
        #expect(try await reopened.records(.versions, group: "/none").isEmpty)
        #expect(try await reopened.record(StoreKey(.pods, "/prod/web")) == Self.json(#"{"c":"pods"}"#))
        #expect(try await reopened.record(StoreKey(.pods, "/none")) == nil)
        #expect(try await reopened.allRecords().count == StoreCategory.allCases.count + 1)
        #expect(try await session.get(ZooKeeperStoreLayout(root: root).schema).data == Array("1".utf8))
        await store.close()
        await reopened.close()
    }

    @Test("a write fenced by an election node that is gone fails, and nothing of it lands")
    func fencing() async throws {
        let server = try await ZooKeeperServer.shared()
        let leader = try await server.connect(sessionTimeout: .seconds(2), logger: Self.logger)
        let observer = try await server.connect(logger: Self.logger)
        defer { Task { await observer.close() } }
        let root = Self.root()
        let layout = ZooKeeperStoreLayout(root: root)
        let group = try ZooKeeperGroup(session: leader, path: layout.election)
        let member = try await group.join(label: "member")
        let store = try await Self.store(leader, root: root, fence: member.fence)
        try await store.write([.put(StoreKey(.instances, "one"), Self.json("{}"))]).durable()

        // Abdicated: the node is gone, the session lives on.
        try await group.leave(member)
        let error = await #expect(throws: StoreError.self) {
            try await store.write([.put(StoreKey(.instances, "two"), Self.json("{}"))]).durable()
        }
        #expect(error?.kind == .fenced)
        let later = await #expect(throws: StoreError.self) {
            try await store.write([.put(StoreKey(.instances, "three"), Self.json("{}"))]).durable()
        }
        #expect(later?.kind == .fenced, "a fenced store writes nothing more")
        let names = try await Self.store(observer, root: root).load().map(\.key.name)
        #expect(names == ["one"])

        // Expired: a second leader store of a session that the server expired.
        let member2 = try await ZooKeeperGroup(session: leader, path: layout.election).join(label: "member")
        let store2 = try await Self.store(leader, root: root, fence: member2.fence)
        try await server.expire(leader)
        let expired = await #expect(throws: StoreError.self) {
            try await store2.write([.put(StoreKey(.instances, "four"), Self.json("{}"))]).durable()
        }
        #expect(expired?.kind == .fenced)
        #expect(try await Self.store(observer, root: root).load().map(\.key.name) == ["one"])
        await store.close()
        await store2.close()
        await leader.close()
    }

    @Test("a write of 2,000 instances (~1 MB) is split into fenced transactions; 10,000 children spread over buckets")
    func largeWrites() async throws {
        let server = try await ZooKeeperServer.shared()
        let session = try await server.connect(logger: Self.logger)
        defer { Task { await session.close() } }
        let root = Self.root()
        let layout = ZooKeeperStoreLayout(root: root)
        let member = try await ZooKeeperGroup(session: session, path: layout.election).join(label: "member")
        let store = try await Self.store(session, root: root, fence: member.fence)
        let record = Data(repeating: UInt8(ascii: "x"), count: 500)
        try await store.write((0..<2000).map { .put(StoreKey(.instances, "web.instance-\($0)"), record) }).durable()
        let loaded = try await store.load()
        #expect(loaded.count == 2000)
        for bucket in layout.parents(of: .instances) {
            let children = try await session.children(bucket).count
            #expect(children > 60 && children < 200)
        }
        // More than one transaction: the nodes were made with different zxids.
        let (_, first) = try await session.get(layout.path(StoreKey(.instances, "web.instance-0")))
        let (_, last) = try await session.get(layout.path(StoreKey(.instances, "web.instance-1999")))
        #expect(last.mzxid > first.mzxid, "2,000 × 500 bytes do not fit one transaction")
        await store.close()
    }

    @Test("create or set follows what ZooKeeper says when the store guessed wrong")
    func existenceCorrected() async throws {
        let server = try await ZooKeeperServer.shared()
        let session = try await server.connect(logger: Self.logger)
        defer { Task { await session.close() } }
        let root = Self.root()
        let mine = try await Self.store(session, root: root)
        let other = try await Self.store(session, root: root)
        try await mine.write([.put(StoreKey(.pods, "/a"), Self.json("1"))]).durable()
        // Deleted and created behind its back.
        try await other.write([.put(StoreKey(.pods, "/a"), Self.json("x"))]).durable()
        _ = try await other.load()
        try await other.write([.delete(StoreKey(.pods, "/a")), .put(StoreKey(.pods, "/b"), Self.json("x"))]).durable()
        try await mine.write([.put(StoreKey(.pods, "/a"), Self.json("2")), .put(StoreKey(.pods, "/b"), Self.json("3")),
                              .put(StoreKey(.versions, group: "/b", "v"), Self.json("4"))]).durable()
        #expect(try await other.record(StoreKey(.pods, "/a")) == Self.json("2"))
        #expect(try await other.record(StoreKey(.pods, "/b")) == Self.json("3"))
        #expect(try await other.record(StoreKey(.versions, group: "/b", "v")) == Self.json("4"))
        await mine.close()
        await other.close()
    }

    /// Every node below `path` (not `path` itself).
    static func nodes(_ session: ZooKeeperSession, below path: String) async throws -> [String] {
        var out: [String] = []
        var pending = [path]
        while let node = pending.popLast() {
            for child in try await session.children(node) {
                out.append(node + "/" + child)
                pending.append(node + "/" + child)
            }
        }
        return out
    }

    @Test("a new leader that never read a pod's versions deletes the pod, its versions and their group: nothing of it is left")
    func deleteUnreadVersions() async throws {
        let server = try await ZooKeeperServer.shared()
        let session = try await server.connect(logger: Self.logger)
        defer { Task { await session.close() } }
        let root = Self.root()
        let layout = ZooKeeperStoreLayout(root: root)
        let versions = ["2020-01-01T00:00:00.001Z", "2020-01-01T00:00:00.002Z", "2020-01-01T00:00:00.003Z"]
        let a = try await Self.store(session, root: root)
        var written: [StoreChange] = [.put(StoreKey(.pods, "/prod/web"), Self.json("{}")), .put(StoreKey(.failures, "/prod/web"), Self.json("{}")),
                                      .put(StoreKey(.delays, "/prod/web@\(versions[2])"), Self.json("{}")),
                                      .put(StoreKey(.pods, "/prod/db"), Self.json("{}")),
                                      .put(StoreKey(.versions, group: "/prod/db", versions[0]), Self.json("{}"))]
        written += versions.map { .put(StoreKey(.versions, group: "/prod/web", $0), Self.json(#"{"v":"\#($0)"}"#)) }
        try await a.write(written).durable()
        await a.close()

        // B leads now: fenced by its own election node, it loads as a leader does and never
        // reads the versions.
        let leader = try await server.connect(logger: Self.logger)
        defer { Task { await leader.close() } }
        let group = try ZooKeeperGroup(session: leader, path: layout.election)
        let member = try await group.join(label: "member")
        let b = try await Self.store(leader, root: root, fence: member.fence)
        _ = try await b.load()
        try await b.write([.delete(StoreKey(.pods, "/prod/web")), .delete(StoreKey(.failures, "/prod/web")),
                           .delete(StoreKey(.delays, "/prod/web@\(versions[2])"))]
            + versions.map { .delete(StoreKey(.versions, group: "/prod/web", $0)) }).durable()
        let escaped = ZooKeeperStoreLayout.escape("/prod/web")
        let left = try await Self.nodes(session, below: layout.state).filter { $0.contains(escaped) }
        #expect(left.isEmpty, "nodes of the deleted pod left: \(left)")
        #expect(try await b.groups(.versions) == ["/prod/db"])
        #expect(try await b.record(StoreKey(.versions, group: "/prod/db", versions[0])) == Self.json("{}"))

        // Its transactions stay fenced: gone from the election, even a delete of a record it
        // has not read lands nowhere.
        try await group.leave(member)
        let fenced = await #expect(throws: StoreError.self) {
            try await b.write([.delete(StoreKey(.versions, group: "/prod/db", versions[0]))]).durable()
        }
        #expect(fenced?.kind == .fenced)
        #expect(try await session.exists(layout.path(StoreKey(.versions, group: "/prod/db", versions[0]))) != nil)
        await b.close()
    }

    @Test("records a store has not read: a delete of one that is not there is dropped and the rest lands; a group keeps the versions it still holds")
    func unreadRecords() async throws {
        let server = try await ZooKeeperServer.shared()
        let session = try await server.connect(logger: Self.logger)
        defer { Task { await session.close() } }
        let root = Self.root()
        let layout = ZooKeeperStoreLayout(root: root)
        let a = try await Self.store(session, root: root)
        try await a.write([.put(StoreKey(.pods, "/api"), Self.json("1")), .put(StoreKey(.versions, group: "/api", "v1"), Self.json("1")),
                           .put(StoreKey(.versions, group: "/api", "v2"), Self.json("2"))]).durable()
        await a.close()

        // A store that has read nothing at all.
        let c = try await Self.store(session, root: root)
        try await c.write([.delete(StoreKey(.versions, group: "/never", "v1")), .delete(StoreKey(.versions, group: "/api", "v9")),
                           .delete(StoreKey(.versions, group: "/api", "v1")), .put(StoreKey(.pods, "/api"), Self.json("3")),
                           .put(StoreKey(.versions, group: "/api", "v3"), Self.json("3")), .delete(StoreKey(.deployments, "none"))]).durable()
        #expect(try await session.get(layout.path(StoreKey(.pods, "/api"))).data == Array("3".utf8), "an unknown record that exists is set")
        #expect(try await session.children(layout.group(.versions, "/api")).sorted() == ["v2", "v3"])
        #expect(try await session.exists(layout.group(.versions, "/never")) == nil)
        // The last versions of a group it has not listed: the group goes with them, and comes back with a new one.
        try await c.write([.delete(StoreKey(.versions, group: "/api", "v2"))]).durable()
        #expect(try await session.children(layout.group(.versions, "/api")) == ["v3"], "a group with a version left stays")
        try await c.write([.delete(StoreKey(.versions, group: "/api", "v3"))]).durable()
        #expect(try await session.exists(layout.group(.versions, "/api")) == nil)
        try await c.write([.put(StoreKey(.versions, group: "/api", "v4"), Self.json("4"))]).durable()
        #expect(try await c.records(.versions, group: "/api").map(\.key.name) == ["v4"])
        // Deleted behind its back and written again: the store corrects itself both ways.
        try await session.delete(layout.path(StoreKey(.versions, group: "/api", "v4")))
        try await session.delete(layout.group(.versions, "/api"))
        try await c.write([.put(StoreKey(.versions, group: "/api", "v4"), Self.json("5"))]).durable()
        #expect(try await session.get(layout.path(StoreKey(.versions, group: "/api", "v4"))).data == Array("5".utf8))
        await c.close()
    }

    @Test("writes keep their order; many handed at once all land, the last value wins")
    func ordering() async throws {
        let server = try await ZooKeeperServer.shared()
        let session = try await server.connect(logger: Self.logger)
        defer { Task { await session.close() } }
        let store = try await Self.store(session, root: Self.root())
        let writes = (0..<300).map { store.write([.put(StoreKey(.deployments, "d"), Self.json("\($0)"))]) }
        for write in writes { try await write.durable() }
        #expect(try await store.record(StoreKey(.deployments, "d")) == Self.json("299"))
        await store.close()
        let closed = await #expect(throws: StoreError.self) { try await store.write([.delete(StoreKey(.deployments, "d"))]).durable() }
        #expect(closed?.kind == .closed)
    }

    @Test("a write waits while the gate is closed or the connection is lost, and fails once the gate is revoked")
    func gateAndConnection() async throws {
        let server = try await ZooKeeperServer.shared()
        let session = try await server.connect(sessionTimeout: .seconds(20), logger: Self.logger)
        defer { Task { await session.close() } }
        let root = Self.root()
        let gate = LeadershipGate(window: .seconds(60))
        let store = try await Self.store(session, root: root, gate: gate)
        let waiting = store.write([.put(StoreKey(.pods, "/gated"), Self.json("1"))])
        try await Task.sleep(for: .milliseconds(200))
        #expect(waiting.result == nil, "nothing is written before the leadership is confirmed")
        #expect(try await session.exists(ZooKeeperStoreLayout(root: root).path(StoreKey(.pods, "/gated"))) == nil)
        gate.confirm(sentAt: .now)
        try await waiting.durable()

        try server.partition(session)
        let cut = store.write([.put(StoreKey(.pods, "/cut"), Self.json("1"))])
        try await Task.sleep(for: .milliseconds(300))
        #expect(cut.result == nil)
        try server.heal(session)
        try await withDeadline(.seconds(20), "the write after the partition") { try await cut.durable() }

        gate.revoke()
        let revoked = await #expect(throws: StoreError.self) {
            try await store.write([.put(StoreKey(.pods, "/late"), Self.json("1"))]).durable()
        }
        #expect(revoked?.kind == .fenced)
        await store.close()
    }
}
