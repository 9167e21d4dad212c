import Foundation
import Logging
@testable import pod_scheduler
import PodSchedulerCore
import PodTestFixtures
import Testing
import ZooKeeper

/// `pod-scheduler migrate-store`: a single instance's SQLite state into ZooKeeper and back,
/// with a real ZooKeeper server; a non-empty target refused without `--force`; a path where
/// schedulers run refused.
@Suite(.serialized, .enabled(if: ZooKeeperServer.isInstalled, "needs Debian's zookeeper package and a Java runtime (scripts/setup.sh installs them)"))
struct MigrateStoreTests {
    static let logger = Logger(label: "test.migrate")

    /// A state as a scheduler writes it: framework id, a pod with two versions, 300
    /// instances, a deployment, a failure and a launch delay.
    static func sampleRecords() -> [StoreRecord] {
        var records = [StoreRecord(key: StoreKey(.frameworkID, "id"), data: Data("fw-0001".utf8)),
                       StoreRecord(key: StoreKey(.pods, "/web"), data: Data(#"{"id":"/web"}"#.utf8)),
                       StoreRecord(key: StoreKey(.versions, group: "/web", "2026-01-01T00:00:00.000Z"), data: Data(#"{"v":1}"#.utf8)),
                       StoreRecord(key: StoreKey(.versions, group: "/web", "2026-01-02T00:00:00.000Z"), data: Data(#"{"v":2}"#.utf8)),
                       StoreRecord(key: StoreKey(.deployments, "d-1"), data: Data(#"{"id":"d-1"}"#.utf8)),
                       StoreRecord(key: StoreKey(.failures, "/web"), data: Data(#"{"n":1}"#.utf8)),
                       StoreRecord(key: StoreKey(.delays, "/web"), data: Data(#"{"failures":2}"#.utf8))]
        for i in 0..<300 {
            records.append(StoreRecord(key: StoreKey(.instances, "web.instance-\(i)"), data: Data(String(repeating: "x", count: 900).utf8)))
        }
        return records
    }

    static func sorted(_ records: [StoreRecord]) -> [StoreRecord] { records.sorted { $0.key.description < $1.key.description } }

    /// Writes `records` into a SQLite store at `path`, closed (released) on return.
    static func write(_ records: [StoreRecord], to path: String) async throws {
        let store = try SQLiteSchedulerStore(path: path)
        try await store.write(records.map { .put($0.key, $0.data) }).durable()
        await store.close()
    }

    static func sqlite(_ path: String) async throws -> [StoreRecord] {
        let store = try SQLiteSchedulerStore(path: path)
        let records = try await store.allRecords()
        await store.close()
        return records
    }

    @Test("SQLite → ZooKeeper → SQLite keeps every record; a non-empty target needs --force; running schedulers refuse it")
    func roundTrip() async throws {
        try await ZooKeeperServer.with { server in
            let directory = try DaemonProcess.temporaryDirectory("migrate")
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let records = Self.sampleRecords()
            try await Self.write(records, to: directory + "/state.db")
            let migrate = MigrateStore(connectTimeout: .seconds(10), logger: Self.logger)
            let zk = "zk://\(server.servers)/pods"

            #expect(try await migrate.copy(from: directory, to: zk, force: false) == records.count)
            #expect(try await migrate.copy(from: zk, to: directory + "/back.db", force: false) == records.count)
            #expect(Self.sorted(try await Self.sqlite(directory + "/back.db")) == Self.sorted(records))

            // Not onto a store that holds something, unless forced; forced, the target is the source's copy.
            await #expect(throws: MigrateStore.Failure.self) { try await migrate.copy(from: directory, to: zk, force: false) }
            let smaller = directory + "/smaller.db"
            try await Self.write([StoreRecord(key: StoreKey(.frameworkID, "id"), data: Data("fw-0002".utf8))], to: smaller)
            #expect(try await migrate.copy(from: smaller, to: zk, force: true) == 1)
            #expect(try await migrate.copy(from: zk, to: directory + "/one.db", force: false) == 1)
            #expect(try await Self.sqlite(directory + "/one.db") == [StoreRecord(key: StoreKey(.frameworkID, "id"), data: Data("fw-0002".utf8))])

            // A scheduler in the election: its leader would write; refused either way.
            let session = try await server.connect()
            try await session.ensurePath("/pods/leader")
            _ = try await session.create("/pods/leader/member_", data: [], mode: .ephemeralSequential)
            do {
                _ = try await migrate.copy(from: directory, to: zk, force: true)
                Issue.record("copied onto a path where a scheduler runs")
            } catch {
                #expect("\(error)".contains("stop them first"))
            }
            await session.close()

            // Missing source, same store, credentials never in an error.
            await #expect(throws: MigrateStore.Failure.self) { try await migrate.copy(from: directory + "/none.db", to: zk, force: true) }
            do {
                let impatient = MigrateStore(connectTimeout: .seconds(1), logger: Self.logger)
                _ = try await impatient.copy(from: "zk://ops:hunter2@127.0.0.1:1/pods", to: directory + "/x.db", force: false)
                Issue.record("copied from an unreachable ZooKeeper")
            } catch {
                #expect(!"\(error)".contains("hunter2"))
            }
        }
    }
}
