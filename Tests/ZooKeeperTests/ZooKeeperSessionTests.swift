import Foundation
import PodTestFixtures
import Testing
@testable import ZooKeeper

/// Calls against a real ZooKeeper server (one for the suite; each test under a path of its own).
@Suite(.serialized, .enabled(if: ZooKeeperServer.isInstalled, "needs Debian's zookeeper package and a Java runtime (scripts/setup.sh installs them)"))
struct ZooKeeperSessionTests {
    @Test func createReadUpdateDelete() async throws {
        let server = try await ZooKeeperServer.shared()
        let session = try await ZK.session(server)
        defer { Task { await session.close() } }
        let root = ZK.path("crud")
        #expect(try await session.create(root, data: ZK.bytes("v1")) == root)
        let (data, stat) = try await session.get(root)
        #expect(data == ZK.bytes("v1"))
        #expect(stat.version == 0)
        #expect(stat.ephemeralOwner == 0)
        #expect(stat.dataLength == 2)

        let updated = try await session.set(root, data: ZK.bytes("v2"))
        #expect(updated.version == 1)
        #expect(try await session.get(root).data == ZK.bytes("v2"))

        _ = try await session.create(root + "/b", data: [0, 1, 255])
        _ = try await session.create(root + "/a")
        #expect(Set(try await session.children(root)) == ["a", "b"])
        #expect(try await session.get(root + "/b").data == [0, 1, 255])
        #expect(try await session.get(root + "/a").data == [])
        #expect(try await session.exists(root)?.numChildren == 2)

        let exists = await ZK.error { try await session.create(root, data: []) }
        #expect(exists?.code == .nodeExists)
        #expect(exists?.description == "ZooKeeper create \(root) failed: NODEEXISTS (node exists)")
        #expect(await ZK.error { try await session.delete(root) }?.code == .notEmpty)
        #expect(await ZK.error { try await session.create(root + "/missing/child") }?.code == .noNode)

        try await session.delete(root + "/a")
        try await session.delete(root + "/b")
        try await session.delete(root)
        #expect(try await session.exists(root) == nil)
        let missing = await ZK.error { try await session.get(root) }
        #expect(missing?.code == .noNode)
        #expect(missing?.path == root)
        #expect(missing?.operation == "get")
    }

    @Test func versionsGuardWrites() async throws {
        let server = try await ZooKeeperServer.shared()
        let session = try await ZK.session(server)
        defer { Task { await session.close() } }
        let path = ZK.path("versions")
        _ = try await session.create(path, data: ZK.bytes("0"))
        let first = try await session.set(path, data: ZK.bytes("1"), version: 0)
        #expect(first.version == 1)
        let stale = await ZK.error { try await session.set(path, data: ZK.bytes("x"), version: 0) }
        #expect(stale?.code == .badVersion)
        #expect(try await session.get(path).data == ZK.bytes("1"))
        #expect(await ZK.error { try await session.delete(path, version: 0) }?.code == .badVersion)
        try await session.delete(path, version: 1)
        #expect(try await session.exists(path) == nil)
    }

    @Test func sequentialAndEphemeralNodes() async throws {
        let server = try await ZooKeeperServer.shared()
        let owner = try await ZK.session(server)
        let observer = try await ZK.session(server)
        defer { Task { await observer.close() } }
        let root = ZK.path("seq")
        try await owner.ensurePath(root + "/x/y")
        try await owner.ensurePath(root + "/x/y")
        let first = try await owner.create(root + "/n_", mode: .persistentSequential)
        let second = try await owner.create(root + "/n_", data: ZK.bytes("e"), mode: .ephemeralSequential)
        #expect(first == root + "/n_0000000001")
        #expect(second == root + "/n_0000000002")
        let ephemeral = try await owner.create(root + "/e", mode: .ephemeral)
        let stat = try #require(try await observer.exists(ephemeral))
        #expect(stat.ephemeralOwner == owner.identity?.id)
        #expect(await ZK.error { try await owner.create(ephemeral + "/child") }?.code == .noChildrenForEphemerals)

        await owner.close()
        #expect(owner.state == .closed)
        #expect(try await observer.exists(ephemeral) == nil)
        #expect(try await observer.exists(second) == nil)
        #expect(try await observer.exists(first) != nil)
        #expect(Set(try await observer.children(root)) == ["x", "n_0000000001"])
    }

    @Test func watchesFireOnce() async throws {
        let server = try await ZooKeeperServer.shared()
        let session = try await ZK.session(server)
        let writer = try await ZK.session(server)
        defer { Task { await session.close(); await writer.close() } }
        let path = ZK.path("watch")
        _ = try await session.create(path, data: ZK.bytes("a"))

        let (_, _, dataWatch) = try await session.getAndWatch(path)
        let (_, childWatch) = try await session.childrenAndWatch(path)
        let (missing, existsWatch) = try await session.existsAndWatch(path + "/later")
        #expect(missing == nil)
        #expect(dataWatch.result == nil)
        let watched = try await server.watchesByPath()
        let id = try #require(session.identity?.id)
        #expect(watched[path]?.contains(id) == true)
        #expect(watched[path + "/later"]?.contains(id) == true)

        try await writer.set(path, data: ZK.bytes("b"))
        #expect(try await dataWatch.event() == ZooKeeperWatchEvent(kind: .dataChanged, path: path))
        _ = try await writer.create(path + "/later")
        #expect(try await existsWatch.event() == ZooKeeperWatchEvent(kind: .created, path: path + "/later"))
        #expect(try await childWatch.event() == ZooKeeperWatchEvent(kind: .childrenChanged, path: path))

        // One-shot: the server forgot the watches, and a second change fires nothing more.
        let after = try await server.watchesByPath()
        #expect(after[path]?.contains(id) != true)
        try await writer.set(path, data: ZK.bytes("c"))
        let (_, _, again) = try await session.getAndWatch(path)
        try await writer.delete(path + "/later")
        try await writer.delete(path)
        #expect(try await again.event() == ZooKeeperWatchEvent(kind: .deleted, path: path))
        #expect(try await dataWatch.event().kind == .dataChanged)
    }

    @Test func digestCredentialsAndACLs() async throws {
        let server = try await ZooKeeperServer.shared()
        let owner = try await ZK.session(server, credentials: try ZooKeeperCredentials(username: "mesos", password: "s3cret"))
        let anonymous = try await ZK.session(server)
        let stranger = try await ZK.session(server, credentials: try ZooKeeperCredentials(username: "mesos", password: "wrong"))
        defer { Task { await owner.close(); await anonymous.close(); await stranger.close() } }
        #expect(owner.defaultACL == .everyoneReadCreatorAll)
        #expect(anonymous.defaultACL == .open)

        let path = ZK.path("acl") + "/group"
        try await owner.ensurePath(path)
        let master = try await owner.create(path + "/json.info_", data: ZK.bytes("master"), mode: .ephemeralSequential)
        #expect(master == path + "/json.info_0000000000")
        // Anyone reads: the masters' nodes are readable without credentials.
        #expect(try await anonymous.get(master).data == ZK.bytes("master"))
        #expect(try await anonymous.children(path) == ["json.info_0000000000"])
        // Only the creator writes.
        for session in [anonymous, stranger] {
            #expect(await ZK.error { try await session.set(path, data: ZK.bytes("x")) }?.code == .noAuth)
            #expect(await ZK.error { try await session.create(path + "/json.info_", mode: .ephemeralSequential) }?.code == .noAuth)
            #expect(await ZK.error { try await session.delete(master) }?.code == .noAuth)
        }
        // ensurePath under a node the session may only read: nothing to create, no NOAUTH.
        try await anonymous.ensurePath(path)
        try await owner.set(path, data: ZK.bytes("ok"))

        // An open node, made by the anonymous session, is writable by everyone.
        let open = ZK.path("open")
        _ = try await anonymous.create(open)
        try await stranger.set(open, data: ZK.bytes("y"))
    }

    @Test func refusesBadArgumentsBeforeSending() async throws {
        let server = try await ZooKeeperServer.shared()
        let session = try await ZK.session(server)
        defer { Task { await session.close() } }
        for bad in ["relative", "/trailing/", "/a//b", "/a/./b", "/a/\u{1}"] {
            let error = await ZK.error { try await session.get(bad) }
            #expect(error?.code == .badArguments, "\(bad)")
            #expect(error?.detail != nil)
        }
        let big = [UInt8](repeating: 1, count: zooKeeperMaximumDataSize + 1)
        let error = await ZK.error { try await session.create(ZK.path("big"), data: big) }
        #expect(error?.code == .badArguments)
        #expect(error?.description.contains("exceed the limit") == true)
        #expect(await ZK.error { try await session.multi([.create(ZK.path("a"), data: big)]) }?.code == .badArguments)
        // The session is still fine.
        #expect(try await session.exists("/") != nil)
    }

    @Test func closeEndsPendingWatchesAndCalls() async throws {
        let server = try await ZooKeeperServer.shared()
        let session = try await ZK.session(server)
        let path = ZK.path("close")
        _ = try await session.create(path)
        let (_, watch) = try await session.existsAndWatch(path)
        let key = session.core.key
        #expect(CallbackTable.shared.count(session: key).watches == 1)
        let updates = Recorder(session.stateUpdates())
        await session.close()
        await session.close()
        let error = await ZK.error { try await watch.event() }
        #expect(error?.code == .closing)
        #expect(await ZK.error { try await session.get(path) }?.code == .closing)
        try await updates.waitForEnd("the state stream to end")
        #expect(updates.values == [.connected, .closed])
        #expect(CallbackTable.shared.count(session: key) == (0, 0, 0))
        #expect(CallbackTable.shared.count(session: key).memory == 0)
    }

    @Test func manyConcurrentCalls() async throws {
        let server = try await ZooKeeperServer.shared()
        let session = try await ZK.session(server)
        defer { Task { await session.close() } }
        let root = ZK.path("many")
        _ = try await session.create(root)
        let created = try await withThrowingTaskGroup(of: String.self) { group in
            for index in 0..<200 {
                group.addTask { try await session.create(root + "/n\(index)", data: ZK.bytes("\(index)")) }
            }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        #expect(created.count == 200)
        let reads = try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<200 {
                group.addTask { try await session.get(root + "/n\(index)").data == ZK.bytes("\(index)") }
            }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(reads == 200)
        #expect(CallbackTable.shared.count(session: session.core.key).calls == 0)
        #expect(CallbackTable.shared.count(session: session.core.key).memory == 0)
    }
}
