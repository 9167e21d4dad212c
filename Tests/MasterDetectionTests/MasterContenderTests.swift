import Foundation
import Synchronization
import MasterDetection
import MesosProtocol
import PodTestFixtures
import Testing
import ZooKeeper

/// A master's candidacy against a real ZooKeeper server: the node Mesos writes, and how the
/// candidacy is lost.
@Suite(.serialized, .enabled(if: ZooKeeperServer.isInstalled, "needs Debian's zookeeper package and a Java runtime (scripts/setup.sh installs them)"))
struct MasterContenderTests {
    /// The sessions a connector made, so that the test can expire or cut them off.
    final class Sessions: Sendable {
        private let list = Mutex<[ZooKeeperSession]>([])
        var last: ZooKeeperSession? { list.withLock { $0.last } }

        func connector(_ server: ZooKeeperServer) -> MasterDetector.Connector {
            { configuration in
                let session = try await Detection.connector(server)(configuration)
                self.list.withLock { $0.append(session) }
                return session
            }
        }
    }

    static func contender(_ server: ZooKeeperServer, _ path: String, id: String, port: Int, sessionTimeout: Duration = .seconds(10),
                          sessions: Sessions = Sessions()) throws -> MasterContender {
        MasterContender(info: Detection.info(id: id, ip: "127.0.0.1", port: port),
                        configuration: .init(url: try Detection.url(server, path), sessionTimeout: sessionTimeout,
                                             logger: Detection.quietLogger, connect: sessions.connector(server)))
    }

    @Test("contend: the group's path is made, one ephemeral sequential json.info_ node with the MasterInfo JSON, open ACL; the first leads")
    func contend() async throws {
        let server = try await ZooKeeperServer.shared()
        let reader = try await server.connect()
        let path = Detection.path("deep") + "/mesos"
        let first = try Self.contender(server, path, id: "m1", port: 5050)
        let second = try Self.contender(server, path, id: "m2", port: 5051)
        let detector = try await Detection.detector(server, path)
        let events = Recorder(await detector.events())
        do {
            let a = try await first.contend()
            let b = try await second.contend()
            #expect(try await first.contend() == a, "contending again keeps the node")
            #expect(a.label == "json.info" && b.label == "json.info" && a.sequence < b.sequence)
            let (data, stat) = try await reader.get(a.path)
            #expect(data == (try MasterInfoCodec.json(Detection.info(id: "m1", ip: "127.0.0.1", port: 5050))))
            #expect(stat.ephemeralOwner != 0)
            #expect(try await reader.get(path).data.isEmpty, "parents are created empty")
            try await events.wait("the first contender leads") { $0.last?.leader?.info.id == "m1" }
            let (secondData, _) = try await reader.get(b.path)
            try await reader.set(b.path, data: Detection.bytes("anyone may write without credentials"))  // OPEN_ACL_UNSAFE
            try await reader.set(b.path, data: secondData)
            await first.withdraw()
            #expect(try await reader.exists(a.path) == nil)
            try await events.wait("the second leads") { $0.last?.leader?.info.id == "m2" }
            #expect(await first.candidacyLost() == "withdrawn")
        } catch {
            await detector.stop()
            await first.withdraw()
            await second.withdraw()
            await reader.close()
            throw error
        }
        await detector.stop()
        await second.withdraw()
        await reader.close()
    }

    @Test("the candidacy is lost when the session expires, when the node is deleted, when no server answers for the timeout")
    func losses() async throws {
        let server = try await ZooKeeperServer.shared()
        let operator_ = try await server.connect()
        let path = Detection.path("mesos")
        let expiringSessions = Sessions(), cutOffSessions = Sessions()
        let expiring = try Self.contender(server, path, id: "m1", port: 5050, sessions: expiringSessions)
        let deleted = try Self.contender(server, path, id: "m2", port: 5051)
        let cutOff = try Self.contender(server, path, id: "m3", port: 5052, sessionTimeout: .seconds(1), sessions: cutOffSessions)
        do {
            _ = try await expiring.contend()
            let node = try await deleted.contend()
            _ = try await cutOff.contend()
            #expect(try await operator_.children(path).count == 3)

            try await operator_.delete(node.path)
            let deletion = try await withDeadline(.seconds(20), "the deleted node's candidacy to end") { await deleted.candidacyLost() }
            #expect(deletion.contains("was deleted"), "\(deletion)")

            try await server.expire(try #require(expiringSessions.last))
            let expiry = try await withDeadline(.seconds(20), "the expired candidacy to end") { await expiring.candidacyLost() }
            #expect(expiry == "its ZooKeeper session expired")

            try server.partition(try #require(cutOffSessions.last))
            let cut = try await withDeadline(.seconds(20), "the cut-off candidacy to end") { await cutOff.candidacyLost() }
            #expect(cut.hasPrefix("no ZooKeeper server answered within its session timeout"), "\(cut)")
        } catch {
            await expiring.withdraw()
            await deleted.withdraw()
            await cutOff.withdraw()
            await operator_.close()
            throw error
        }
        await expiring.withdraw()
        await deleted.withdraw()
        await cutOff.withdraw()
        await operator_.close()
    }
}
