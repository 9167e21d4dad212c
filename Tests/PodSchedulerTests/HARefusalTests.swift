import Foundation
import Logging
@testable import pod_scheduler
@testable import PodSchedulerCore
import PodTestFixtures
import Testing

/// A state in ZooKeeper with instances but no framework id: no `--zk` instance leads it
/// (a new framework id would orphan the instances' tasks, Marathon's FrameworkIdMissing), and
/// each says why in its log and in `/v2/info`.
@Suite(.serialized, .enabled(if: ZooKeeperServer.isInstalled, "needs Debian's zookeeper package and a Java runtime (scripts/setup.sh installs them)"))
struct HARefusalTests {
    @Test("instances stored without a framework id: the instance refuses to lead, says so, and writes no framework id")
    func refusesWithoutFrameworkID() async throws {
        try await ZooKeeperServer.with { server in
            let directory = try DaemonProcess.temporaryDirectory("refusal")
            defer { try? FileManager.default.removeItem(atPath: directory) }
            var batch = SchedulerStore.Batch()
            let web = try SchedulerStoreTests.pod("/web")
            batch.pods = [web]
            batch.versions = [web]
            batch.instances = [SchedulerStoreTests.instance(of: web)]
            try await MigrateStoreTests.write(try batch.changes().compactMap {
                if case .put(let key, let data) = $0 { return StoreRecord(key: key, data: data) }
                return nil
            }, to: directory + "/seed.db")
            let zk = "zk://\(server.servers)/pods"
            let migrate = MigrateStore(connectTimeout: .seconds(10), logger: Logger(label: "test.refusal"))
            _ = try await migrate.copy(from: directory + "/seed.db", to: zk, force: false)

            let port = try DaemonProcess.freePort()
            let daemon = DaemonProcess(binary: "pod-scheduler", logPath: directory + "/scheduler.log")
            let base = "http://127.0.0.1:\(port)"
            try await daemon.start(["--zk", zk, "--zk-session-timeout", "2000", "--master", "http://127.0.0.1:\(try DaemonProcess.freePort())",
                                    "--work-dir", directory + "/work", "--http-port", "\(port)", "--executor", "/bin/true"]) {
                (try? await daemon.request(.GET, base + "/ping").status) == 200
            }
            do {
                try await daemon.wait("the refusal", timeout: .seconds(30)) {
                    let info = try await daemon.request(.GET, base + "/v2/info").object
                    return (info["leader_election"] as? [String: Any])?["state"] as? String == "refused"
                }
                let info = try await daemon.request(.GET, base + "/v2/info").object
                #expect(info["elected"] as? Bool == false)
                #expect(info["frameworkId"] is NSNull)
                let refusal = (info["leader_election"] as? [String: Any])?["refusal"] as? String ?? ""
                #expect(refusal.contains("no framework id"), "\(refusal)")
                #expect(daemon.logTail(100_000).contains("refusing to lead"))
                let pods = try await daemon.request(.GET, base + "/v2/pods")
                #expect(pods.status == 502, "nobody leads: \(pods.text)")
                let leader = try await daemon.request(.GET, base + "/v2/leader")
                #expect(leader.status == 404)
            } catch {
                await daemon.shutdown()
                throw error
            }
            await daemon.shutdown()
            // Nothing minted: the state still has no framework id, and its instance.
            _ = try await migrate.copy(from: zk, to: directory + "/after.db", force: false)
            let after = try await MigrateStoreTests.sqlite(directory + "/after.db")
            #expect(!after.contains { $0.key.category == .frameworkID })
            #expect(after.filter { $0.key.category == .instances }.count == 1)
        }
    }
}
