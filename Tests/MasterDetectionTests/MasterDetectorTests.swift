import Foundation
import Logging
import MasterDetection
import MesosHTTP
import MesosProtocol
import PodTestFixtures
import Testing
import ZooKeeper

/// The detector against a real ZooKeeper server, with the masters' nodes written by the test
/// in every form Mesos has used.
@Suite(.serialized, .enabled(if: ZooKeeperServer.isInstalled, "needs Debian's zookeeper package and a Java runtime (scripts/setup.sh installs them)"))
struct MasterDetectorTests {
    @Test("every label form, the smallest sequence across labels leads, vanished leaders, garbage and unknown labels")
    func labelsAndOrdering() async throws {
        let server = try await ZooKeeperServer.shared()
        let writer = try await server.connect()
        let path = Detection.path("mesos")
        let detector = try await Detection.detector(server, path)
        let events = Recorder(await detector.events())
        try await Detection.stopping(detector, writer) {
            try await events.wait("no leader while the group is missing") { $0.last == .noLeader }
            try await writer.ensurePath(path + "/log_replicas")  // Not a member: no integer after its last '_'.
            // Oldest first: a UPID (no label), a binary MasterInfo, a JSON one.
            let upid = try await writer.create(path + "/", data: Detection.bytes("master@10.0.0.1:5050"), mode: .ephemeralSequential)
            try await events.wait("the UPID leader") { $0.last?.summary == "http://10.0.0.1:5050" }
            let binary = try await writer.create(path + "/info_", data: try MasterInfoCodecTests.referenceInfo.serializedBytes(),
                                                 mode: .ephemeralSequential)
            let json = try await writer.create(path + "/json.info_", data: try MasterInfoCodec.json(Detection.info(id: "m3", ip: "10.0.0.12", port: 5052)),
                                               mode: .ephemeralSequential)
            #expect(events.last?.summary == "http://10.0.0.1:5050", "newer members do not take over")
            try await writer.delete(upid)
            try await events.wait("the binary leader") { $0.last?.summary == "http://10.0.0.11:5050" }
            #expect(events.last?.leader?.info == MasterInfoCodecTests.referenceInfo)
            #expect(events.last?.leader?.member.path == binary)
            // A json.info_ node older than an info_ one leads, though "info_…" sorts first by name.
            try await writer.delete(binary)
            try await events.wait("the JSON leader") { $0.last?.summary == "http://10.0.0.12:5052" }
            let late = try await writer.create(path + "/info_", data: try MasterInfoCodecTests.referenceInfo.serializedBytes(),
                                               mode: .ephemeralSequential)
            let lateName = String(late.split(separator: "/").last ?? "")
            let jsonName = String(json.split(separator: "/").last ?? "")
            #expect(lateName < jsonName, "by name the info_ node would come first")
            let garbage = try await writer.create(path + "/json.info_", data: Detection.bytes("not json"), mode: .ephemeralSequential)
            let unknown = try await writer.create(path + "/foo_", data: Detection.bytes("{}"), mode: .ephemeralSequential)
            let valid = try await writer.create(path + "/json.info_", data: try MasterInfoCodec.json(Detection.info(id: "m6", ip: "10.0.0.16", port: 5056)),
                                                mode: .ephemeralSequential)
            #expect(events.last?.summary == "http://10.0.0.12:5052")

            // Garbage: a clear error for that node, and detection goes on.
            try await writer.delete(json)
            try await writer.delete(late)
            try await events.wait("the garbage node reported") { $0.last?.summary.hasPrefix("unreadable: Failed to parse data into valid JSON") == true }
            if case .unreadable(let member, _) = events.last { #expect(member.path == garbage) } else { Issue.record("not unreadable") }
            try await writer.delete(garbage)
            try await events.wait("the unknown label reported") { $0.last?.summary == "unreadable: Failed to parse data of unknown label 'foo'" }
            try await writer.delete(unknown)
            try await events.wait("the next valid leader") { $0.last?.summary == "http://10.0.0.16:5056" }
            #expect(events.last?.leader?.info.id == "m6")
            try await writer.delete(valid)
            try await events.wait("no leader once the group is empty") { $0.last == .noLeader }
            let summaries = events.values.map(\.summary)
            #expect(zip(summaries, summaries.dropFirst()).allSatisfy { $0 != $1 }, "each change reported once: \(summaries)")
        }
        try await events.waitForEnd("the stream to end with the detector")
    }

    @Test("the leaders stream a scheduler follows: the endpoint and MasterInfo, nil while none leads; https prefers the host name")
    func leadersStream() async throws {
        let server = try await ZooKeeperServer.shared()
        let writer = try await server.connect()
        let path = Detection.path("mesos")
        let detector = try await Detection.detector(server, path, scheme: "https")
        let leaders = Recorder(detector.leaders())
        try await Detection.stopping(detector, writer) {
            var info = Detection.info(id: "m1", ip: "10.0.0.1", port: 5050)
            info.hostname = "m1.example.com"
            info.address.hostname = "m1.example.com"
            try await writer.ensurePath(path)
            let node = try await writer.create(path + "/json.info_", data: try MasterInfoCodec.json(info), mode: .ephemeralSequential)
            try await leaders.wait("the leader") { $0.last??.endpoint.description == "https://m1.example.com:5050" }
            #expect(leaders.last??.info?.id == "m1")
            try await writer.delete(node)
            try await leaders.wait("no leader") { $0.last == .some(nil) }
        }
    }

    @Test("an expired session: no leader, said in the log, a new session, the leader detected again")
    func expiry() async throws {
        let server = try await ZooKeeperServer.shared()
        let writer = try await server.connect()
        let path = Detection.path("mesos")
        let logs = LogCapture()
        let detector = try await Detection.detector(server, path, logger: logs.logger())
        let events = Recorder(await detector.events())
        try await Detection.stopping(detector, writer) {
            try await writer.ensurePath(path)
            _ = try await writer.create(path + "/json.info_", data: try MasterInfoCodec.json(Detection.info(id: "m1", ip: "10.0.0.1", port: 5050)),
                                        mode: .ephemeralSequential)
            try await events.wait("the leader") { $0.last?.summary == "http://10.0.0.1:5050" }
            let first = try #require(await detector.session)
            try await server.expire(first)
            try await events.wait("no leader, then the leader again") { values in
                guard let lost = values.lastIndex(of: .noLeader) else { return false }
                return values.last?.summary == "http://10.0.0.1:5050" && lost > 0
            }
            let second = try #require(await detector.session)
            #expect(second.identity?.id != first.identity?.id)
            #expect(logs.text.contains("master detection lost its ZooKeeper session; starting a new one"))
            #expect(logs.text.contains("expired"))
        }
    }

    @Test("cut off from every server for the session timeout: no leader, a new session once a server is reachable")
    func cutOff() async throws {
        let server = try await ZooKeeperServer.shared()
        let writer = try await server.connect()
        let path = Detection.path("mesos")
        let logs = LogCapture()
        let detector = try await Detection.detector(server, path, sessionTimeout: .seconds(1), logger: logs.logger())
        let events = Recorder(await detector.events())
        try await Detection.stopping(detector, writer) {
            try await writer.ensurePath(path)
            _ = try await writer.create(path + "/json.info_", data: try MasterInfoCodec.json(Detection.info(id: "m1", ip: "10.0.0.1", port: 5050)),
                                        mode: .ephemeralSequential)
            try await events.wait("the leader") { $0.last?.summary == "http://10.0.0.1:5050" }
            let first = try #require(await detector.session)
            try server.partition(first)
            // The leader stands while the connection is lost, until the session timeout.
            try await events.wait("no leader after the session timeout, then the leader again on a new session") { values in
                // The detector may start before the node exists: a first "no leader" is allowed.
                guard let found = values.firstIndex(where: { $0.summary == "http://10.0.0.1:5050" }) else { return false }
                return values[found...].contains(.noLeader) && values.last?.summary == "http://10.0.0.1:5050"
            }
            #expect(await detector.session?.identity?.id != first.identity?.id)
            #expect(logs.text.contains("no ZooKeeper server answered within the session timeout"))
        }
    }

    @Test("digest credentials: the contender's nodes get Mesos' ACL, any detector reads them, no log holds the password")
    func credentials() async throws {
        let server = try await ZooKeeperServer.shared()
        let path = Detection.path("mesos")
        let logs = LogCapture()
        let info = Detection.info(id: "m1", ip: "10.0.0.1", port: 5050)
        let contender = MasterContender(info: info, configuration: .init(url: try Detection.url(server, path, credentials: "mesos:s3cr3t-pw"),
                                                                          logger: logs.logger(), connect: Detection.connector(server)))
        let member = try await contender.contend()
        let withCredentials = try await Detection.detector(server, path, credentials: "mesos:s3cr3t-pw", logger: logs.logger())
        let anonymous = try await Detection.detector(server, path, logger: logs.logger())
        let stranger = try await server.connect()
        do {
            for detector in [withCredentials, anonymous] {
                let events = Recorder(await detector.events())
                try await events.wait("the leader") { $0.last?.summary == "http://10.0.0.1:5050" }
                events.cancel()
            }
            // World-readable, writable only by its creator.
            #expect(try await stranger.get(member.path).data == (try MasterInfoCodec.json(info)))
            #expect(await Self.code { try await stranger.delete(member.path) } == .noAuth)
            #expect(await Self.code { _ = try await stranger.create(path + "/json.info_", mode: .ephemeralSequential) } == .noAuth)
            #expect(withCredentials.configuration.url.description.contains("xxxxxxxx:xxxxxxxx@"))
            #expect(logs.text.contains("zk://xxxxxxxx:xxxxxxxx@127.0.0.1"))
            #expect(!logs.text.contains("s3cr3t-pw"))
        } catch {
            await withCredentials.stop()
            await anonymous.stop()
            await contender.withdraw()
            await stranger.close()
            throw error
        }
        await withCredentials.stop()
        await anonymous.stop()
        await contender.withdraw()
        #expect(try await stranger.exists(member.path) == nil, "withdrawn: the node goes at once")
        await stranger.close()
    }

    static func code(_ body: () async throws -> Void) async -> ZooKeeperError.Code? {
        do {
            try await body()
            return nil
        } catch let error as ZooKeeperError {
            return error.code
        } catch {
            return nil
        }
    }
}
