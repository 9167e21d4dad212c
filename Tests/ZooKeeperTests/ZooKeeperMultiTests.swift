import PodTestFixtures
import Testing
import ZooKeeper

@Suite(.serialized, .enabled(if: ZooKeeperServer.isInstalled, "needs Debian's zookeeper package and a Java runtime (scripts/setup.sh installs them)"))
struct ZooKeeperMultiTests {
    @Test func appliesEveryOperation() async throws {
        let server = try await ZooKeeperServer.shared()
        let session = try await ZK.session(server)
        defer { Task { await session.close() } }
        let root = ZK.path("multi")
        _ = try await session.create(root)
        _ = try await session.create(root + "/old", data: ZK.bytes("old"))
        _ = try await session.create(root + "/gone")
        let results = try await session.multi([
            .check(root, version: 0),
            .create(root + "/seq_", data: ZK.bytes("s"), mode: .persistentSequential),
            .set(root + "/old", data: ZK.bytes("new"), version: 0),
            .delete(root + "/gone"),
            .create(root + "/plain"),
        ])
        #expect(results.count == 5)
        #expect(results[0] == .checked)
        #expect(results[1] == .created(root + "/seq_0000000002"))
        guard case .set(let stat) = results[2] else { Issue.record("no stat: \(results[2])"); return }
        #expect(stat.version == 1)
        #expect(results[3] == .deleted)
        #expect(results[4] == .created(root + "/plain"))
        #expect(try await session.get(root + "/old").data == ZK.bytes("new"))
        #expect(try await session.exists(root + "/gone") == nil)
        #expect(try await session.multi([]) == [])
    }

    @Test func aFailingCheckChangesNothing() async throws {
        let server = try await ZooKeeperServer.shared()
        let session = try await ZK.session(server)
        defer { Task { await session.close() } }
        let root = ZK.path("multifail")
        _ = try await session.create(root)
        _ = try await session.create(root + "/state", data: ZK.bytes("v0"))
        try await session.set(root + "/state", data: ZK.bytes("v1"))
        let error = await ZK.error {
            try await session.multi([
                .create(root + "/new", data: ZK.bytes("x")),
                .set(root + "/state", data: ZK.bytes("v2")),
                .check(root + "/state", version: 0),
                .delete(root),
            ])
        }
        #expect(error?.code == .badVersion)
        #expect(error?.failedOperationIndex == 2)
        #expect(error?.path == root + "/state")
        #expect(error?.description.contains("operation 2 (check) failed") == true)
        #expect(try await session.exists(root + "/new") == nil)
        #expect(try await session.get(root + "/state").data == ZK.bytes("v1"))

        let missing = await ZK.error { try await session.multi([.check(root + "/state"), .check(root + "/absent")]) }
        #expect(missing?.code == .noNode)
        #expect(missing?.failedOperationIndex == 1)
    }

    /// The fencing of the HA store: a write is a `multi` that checks the writer's election
    /// node. Once that node went with its expired session, no write of the old leader lands.
    @Test func fencedOnAnElectionNodeThatWentWithItsSession() async throws {
        let server = try await ZooKeeperServer.shared()
        let leader = try await ZK.session(server)
        let other = try await ZK.session(server)
        defer { Task { await other.close() } }
        let root = ZK.path("fence")
        try await leader.ensurePath(root + "/leader")
        _ = try await leader.create(root + "/state", data: ZK.bytes("v1"))
        let node = try await leader.create(root + "/leader/member_", mode: .ephemeralSequential)
        let fence = ZooKeeperOperation.check(node)
        _ = try await leader.multi([fence, .set(root + "/state", data: ZK.bytes("v2"))])

        try await server.expire(leader)
        #expect(try await other.exists(node) == nil)
        let expired = await ZK.error { try await leader.multi([fence, .set(root + "/state", data: ZK.bytes("v3"))]) }
        #expect(expired?.code == .sessionExpired)
        // The same write through a new session of the old leader: fenced.
        let fenced = await ZK.error { try await other.multi([fence, .set(root + "/state", data: ZK.bytes("v3"))]) }
        #expect(fenced?.code == .noNode)
        #expect(fenced?.failedOperationIndex == 0)
        #expect(try await other.get(root + "/state").data == ZK.bytes("v2"))
    }

    /// Apache's C client frees path pointers it does not own when it refuses a multi of a
    /// session that ended (one free per operation after the first): such a multi must fail
    /// cleanly, however many operations it has, and as often as it is tried.
    @Test func aMultiOnAnExpiredSessionFailsWithoutTouchingItsPaths() async throws {
        let server = try await ZooKeeperServer.shared()
        let session = try await ZK.session(server)
        let root = ZK.path("dead-multi")
        try await session.ensurePath(root)
        let node = try await session.create(root + "/member_", mode: .ephemeralSequential)
        try await server.expire(session)
        for round in 0..<50 {
            let operations: [ZooKeeperOperation] = [.check(node)] + (0..<6).map { i in
                i % 3 == 0 ? .create(root + "/c\(round)-\(i)", data: ZK.bytes("x"))
                    : i % 3 == 1 ? .set(root, data: ZK.bytes("y")) : .delete(root + "/d\(i)")
            }
            let error = await ZK.error { try await session.multi(operations) }
            #expect(error?.code == .sessionExpired)
        }
    }
}
