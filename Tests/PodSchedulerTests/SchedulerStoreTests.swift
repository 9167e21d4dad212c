import Foundation
import GRDB
import MesosProtocol
@testable import PodSchedulerCore
import PodSpec
import Testing

/// The store interface and its SQLite backend: every field of a batch comes back from a load
/// (the one mapping of batch fields to store categories), writes keep their order, a v1
/// database (one table per kind) is carried over, and the scheduler keeps launch backoff.
@Suite("SchedulerStore: batches, records, the SQLite backend")
struct SchedulerStoreTests {
    static func pod(_ id: String, version: Int64 = 1_700_000_000_000, instances: Int = 1) throws -> PodDefinition {
        var pod = try PodDefinition.parse(Data("""
            {"id": "\(id)", "scaling": {"kind": "fixed", "instances": \(instances)},
             "containers": [{"name": "c", "exec": {"command": {"shell": "sleep 1000"}}, "resources": {"cpus": 0.1, "mem": 32}}]}
            """.utf8))
        pod.version = PodVersion(epochMilliseconds: version)
        return pod
    }

    static func instance(of pod: PodDefinition, uuid: UUID = UUID()) -> InstanceRecord {
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        return InstanceRecord(instanceID: InstanceId(podId: pod.id, uuid: uuid).idString, podID: pod.id, specVersion: pod.version,
                              goal: .running, baseCondition: .scheduled, since: now, activeSince: nil, createdAt: now,
                              incarnation: 1, agentID: nil, agentHostname: nil, role: "*", tasks: [], hostPorts: [],
                              launchedAt: nil, relaunchWithoutDelay: false, queuedSince: now)
    }

    static func temporaryPath() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir + "/state.db"
    }

    /// A batch with every field set, and what loading it must give.
    static func fullBatch() throws -> SchedulerStore.Batch {
        let web = try pod("/prod/web")
        var batch = SchedulerStore.Batch()
        batch.frameworkID = "fw-0001"
        batch.pods = [web]
        batch.versions = [web, try pod("/prod/web", version: 1_600_000_000_000)]
        batch.instances = [instance(of: web), instance(of: web)]
        batch.deployments = [DeploymentRecord(id: "d-1", version: web.version, podID: web.id, steps: [.startPod, .scalePod],
                                              currentStep: 1, original: nil, target: web, startedAt: Date(timeIntervalSince1970: 1))]
        batch.failures = [(web.id, TaskFailureRecord(instanceID: "i", taskID: "t", state: "TASK_FAILED", message: "boom",
                                                     startedAt: Date(timeIntervalSince1970: 2), terminatedAt: Date(timeIntervalSince1970: 3),
                                                     containers: [["t", "TASK_FAILED"]]))]
        batch.delays = [(Scheduler.delayKey(web), LaunchDelayRecord(failures: 3, until: Date(timeIntervalSince1970: 4)))]
        return batch
    }

    @Test("every field of a batch is stored and loaded again (SQLite)")
    func roundTrip() async throws {
        let path = try Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let batch = try Self.fullBatch()
        let store = try SQLiteSchedulerStore(path: path)
        #expect(store.write(try batch.changes()).result.map { (try? $0.get()) != nil } == true)

        let snapshot = try SchedulerStore.Snapshot(records: try await SQLiteSchedulerStore(path: path).load())
        #expect(snapshot.frameworkID == "fw-0001")
        #expect(snapshot.pods == batch.pods)
        let loaded = snapshot.instances.sorted { $0.instanceID < $1.instanceID }
        let written = batch.instances.sorted { $0.instanceID < $1.instanceID }
        #expect(loaded == written)
        #expect(snapshot.deployments == batch.deployments)
        #expect(snapshot.failures["/prod/web"] == batch.failures[0].1)
        #expect(snapshot.delays[Scheduler.delayKey(batch.pods[0])] == batch.delays[0].1)
        // Versions are read per pod, not at load.
        let versions = try await store.records(.versions, group: "/prod/web").map(\.key.name).sorted()
        #expect(versions == ["2020-09-13T12:26:40.000Z", "2023-11-14T22:13:20.000Z"])
        #expect(try await store.groups(.versions) == ["/prod/web"])
        let all = try await store.allRecords()
        #expect(all.count == 9)

        // Deletions, in the same write as puts of other records.
        var removal = SchedulerStore.Batch()
        removal.deletedPods = [batch.pods[0].id]
        removal.deletedInstances = [batch.instances[0].instanceID, "not-there"]
        removal.deletedDeployments = ["d-1"]
        removal.deletedDelays = [Scheduler.delayKey(batch.pods[0])]
        removal.instances = [Self.instance(of: batch.pods[0])]
        _ = store.write(try removal.changes())
        let after = try SchedulerStore.Snapshot(records: try await store.load())
        #expect(after.pods.isEmpty && after.deployments.isEmpty && after.delays.isEmpty)
        #expect(after.instances.count == 2)
        #expect(try await store.records(.versions, group: "/prod/web").count == 2, "a pod's history stays after it is deleted")
    }

    @Test("a record that cannot be decoded fails the load and is named")
    func undecodable() async throws {
        let path = try Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let store = try SQLiteSchedulerStore(path: path)
        _ = store.write([.put(StoreKey(.instances, "broken"), Data("{".utf8))])
        let records = try await store.load()
        let error = #expect(throws: StoreError.self) { try SchedulerStore.Snapshot(records: records) }
        #expect(error?.kind == .invalid)
        #expect(error?.message.contains("instances/broken") == true)
    }

    @Test("a v1 database (a table per kind of state) is carried over to the records table")
    func migratesV1() async throws {
        let path = try Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let web = try Self.pod("/web")
        let record = Self.instance(of: web)
        let encoder = SchedulerStore.encoder
        // What the first releases wrote (their migration "v1" and rows).
        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in
            try db.execute(sql: """
                CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY);
                INSERT INTO grdb_migrations VALUES ('v1');
                CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                CREATE TABLE pods (id TEXT PRIMARY KEY, spec BLOB NOT NULL);
                CREATE TABLE pod_versions (pod_id TEXT NOT NULL, version TEXT NOT NULL, spec BLOB NOT NULL, PRIMARY KEY (pod_id, version));
                CREATE TABLE instances (id TEXT PRIMARY KEY, pod_id TEXT NOT NULL, record BLOB NOT NULL);
                CREATE TABLE deployments (id TEXT PRIMARY KEY, record BLOB NOT NULL);
                CREATE TABLE failures (pod_id TEXT PRIMARY KEY, record BLOB NOT NULL);
                """)
            try db.execute(sql: "INSERT INTO meta VALUES ('framework_id', 'fw-old')")
            try db.execute(sql: "INSERT INTO pods VALUES (?, ?)", arguments: ["/web", try encoder.encode(web)])
            try db.execute(sql: "INSERT INTO pod_versions VALUES (?, ?, ?)", arguments: ["/web", web.version.description, try encoder.encode(web)])
            try db.execute(sql: "INSERT INTO instances VALUES (?, ?, ?)", arguments: [record.instanceID, "/web", try encoder.encode(record)])
        }
        try queue.close()

        let store = try SQLiteSchedulerStore(path: path)
        let snapshot = try SchedulerStore.Snapshot(records: try await store.load())
        #expect(snapshot.frameworkID == "fw-old")
        #expect(snapshot.pods == [web])
        #expect(snapshot.instances == [record])
        #expect(try await store.record(SchedulerStore.versionKey(web.id, web.version)) == (try encoder.encode(web)))
    }

    @Test("writes after close fail; a completed write needs no waiting")
    func closed() async throws {
        let path = try Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let store = try SQLiteSchedulerStore(path: path)
        let first = store.write([.put(StoreKey(.instances, "a"), Data("{}".utf8))])
        try await first.durable()
        await store.close()
        let late = store.write([.put(StoreKey(.instances, "b"), Data("{}".utf8))])
        await #expect(throws: StoreError.self) { try await late.durable() }
        let names = try await store.records(.instances, group: nil).map(\.key.name)
        #expect(names == ["a"])
    }

    @Test("the scheduler stores launch backoff and a new scheduler on the same store keeps it")
    func backoffSurvives() async throws {
        let path = try Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        var command = Mesos_V1_CommandInfo()
        command.value = "/bin/true"
        let configuration = Scheduler.Configuration(executorCommand: command)
        let web = try Self.pod("/web")
        let store = try SQLiteSchedulerStore(path: path)
        var batch = SchedulerStore.Batch()
        batch.pods = [web]
        _ = store.write(try batch.changes())
        let first = try await Scheduler(configuration: configuration, store: store, logger: .init(label: "test"))
        let until = Date().addingTimeInterval(120)
        await first.setDelay(Scheduler.delayKey(web), failures: 2, until: until)
        let second = try await Scheduler(configuration: configuration, store: SQLiteSchedulerStore(path: path), logger: .init(label: "test"))
        let delay = await second.delays[Scheduler.delayKey(web)]
        #expect(delay?.failures == 2)
        #expect(delay.map { abs($0.until.timeIntervalSince(until)) < 0.001 } == true)
        #expect(await second.isDelayed(web))
        await first.setDelay(Scheduler.delayKey(web), failures: nil, until: until)
        let third = try await Scheduler(configuration: configuration, store: SQLiteSchedulerStore(path: path), logger: .init(label: "test"))
        #expect(await third.delays.isEmpty)
    }
}

extension Scheduler {
    /// Sets (or with `failures` nil, clears) a launch delay, as a failed launch does.
    func setDelay(_ key: String, failures: Int?, until: Date) {
        if let failures { delays[key] = (failures, until) } else { delays.removeValue(forKey: key) }
    }
}
