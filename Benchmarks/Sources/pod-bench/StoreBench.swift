import Foundation
import Logging
import PodSchedulerCore
import PodSchedulerHA
import ZooKeeper

/// The scheduler's state store: what one instance update costs in ZooKeeper (HA, `--zk`)
/// next to SQLite (the single instance's `--work-dir/state.db`), with 1,000 and 10,000
/// instances stored, and how long a new leader takes to load that state.
///
/// Both backends get the same records (`SyntheticState`: the scheduler's own types and
/// encoder) through the same interface the scheduler uses (`SchedulerStateStore`). The
/// ZooKeeper store writes as a leader does: every transaction fenced by its election node.
/// Run by `Benchmarks/run.sh store`, against a ZooKeeper server on loopback that syncs its
/// log to disk before it answers (ZooKeeper's default, `forceSync=yes`), as SQLite does.
enum StoreBench {
    static func run(zooKeeper: String, sizes: [Int], updates: Int, batch: Int) async throws {
        var logger = Logger(label: "bench")
        logger.logLevel = .warning
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("store-bench-\(getpid())").path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        print("## The scheduler's store: one instance update, ZooKeeper (HA) next to SQLite (single instance)\n")
        var report = Report(["store", "instances stored", "state bytes/instance", "write all", "update p50", "update p99",
                             "updates/s one by one", "updates/s pipelined", "updates/s in batches of \(batch)", "load"])
        report.printHeader()
        for size in sizes {
            let state = try SyntheticState(pods: max(1, size / 10), instancesPerPod: 10)
            let sqlitePath = work + "/state-\(size).db"
            let sqlite = try SQLiteSchedulerStore(path: sqlitePath)
            let sqliteFigures = try await measure(sqlite, state, updates: updates, batch: batch,
                                                  fresh: try SQLiteSchedulerStore(path: sqlitePath))
            await sqlite.close()
            // The same records in both stores: their bytes (keys and JSON), pods and versions included.
            let bytes = try state.changes().reduce(0) { total, change in
                guard case .put(let key, let data) = change else { return total }
                return total + key.description.utf8.count + data.count
            }
            let perInstance = fmt(Double(bytes) / Double(state.instanceCount), 0)
            report.row("SQLite", "\(state.instanceCount)", perInstance, sqliteFigures.cells)

            let root = "/store-bench-\(getpid())-\(size)"
            let leader = try await ZooKeeperLeader.connect(zooKeeper, root: root, logger: logger)
            let store = try await leader.store(logger: logger)
            // A new leader's store: a session of its own, reading what the first one wrote.
            let zkFigures = try await measure(store, state, updates: updates, batch: batch,
                                              fresh: try await leader.freshStore(logger: logger))
            await store.close()
            report.row("ZooKeeper", "\(state.instanceCount)", perInstance, zkFigures.cells)
            await leader.close()
        }
        print("\n(write all: every record in one write, split into fenced transactions below 512 KB for ZooKeeper; update:")
        print("one instance record written and durable; pipelined: \(updates) updates handed over without waiting, ZooKeeper")
        print("coalesces those pending into one transaction; load: a new store reads the whole state, as a new leader does.)")
    }

    /// Waits for a write, with an untyped error.
    static func durable(_ write: StoreWrite) async throws {
        do { try await write.durable() } catch { throw BenchFailure("store write: \(error)") }
    }

    /// Loads the whole state; the number of records.
    static func load(_ store: any SchedulerStateStore) async throws -> Int {
        do { return try await store.load().count } catch { throw BenchFailure("store load: \(error)") }
    }

    struct Figures {
        var writeAll: Double
        var update: Samples
        var oneByOne: Double
        var pipelined: Double
        var batched: Double
        var load: Double

        var cells: String {
            [fmtMS(writeAll), fmtMS(update.median), fmtMS(update.p99), fmt(oneByOne, 0), fmt(pipelined, 0), fmt(batched, 0), fmtMS(load)]
                .joined(separator: " | ")
        }
    }

    // Written without timing closures: Swift 6.3's optimizer crashed (signal 11 in LLVM's
    // coroutine splitting) on typed-throws calls inside async rethrowing closures here.
    static func measure(_ store: any SchedulerStateStore, _ state: SyntheticState, updates: Int, batch: Int,
                        fresh: any SchedulerStateStore) async throws -> Figures {
        let all = try state.changes()
        var start = ContinuousClock.now
        try await durable(store.write(all))
        let writeAll = Clock.ms(ContinuousClock.now - start)
        var update = Samples()
        var sequence = 1
        start = ContinuousClock.now
        for i in 0..<updates {
            let change = try state.statusUpdate(of: i * 7919, sequence: sequence)
            sequence += 1
            let one = ContinuousClock.now
            try await durable(store.write(change))
            update.add(Clock.ms(ContinuousClock.now - one))
        }
        let oneByOneMS = Clock.ms(ContinuousClock.now - start)
        start = ContinuousClock.now
        var last: StoreWrite?
        for i in 0..<updates {
            last = store.write(try state.statusUpdate(of: i * 7919, sequence: sequence))
            sequence += 1
        }
        if let last { try await durable(last) }
        let pipelinedMS = Clock.ms(ContinuousClock.now - start)
        start = ContinuousClock.now
        for first in stride(from: 0, to: updates, by: batch) {
            let indices = (first..<min(first + batch, updates)).map { $0 * 7919 }
            try await durable(store.write(try state.statusUpdates(of: indices, sequence: sequence)))
            sequence += 1
        }
        let batchedMS = Clock.ms(ContinuousClock.now - start)
        start = ContinuousClock.now
        let loaded = try await load(fresh)
        let load = Clock.ms(ContinuousClock.now - start)
        await fresh.close()
        if let zooKeeper = fresh as? ZooKeeperSchedulerStore { await zooKeeper.session.close() }
        guard loaded >= state.instanceCount else {
            throw BenchFailure("\(fresh.location): loaded \(loaded) records, expected at least \(state.instanceCount)")
        }
        func perSecond(_ ms: Double) -> Double { Double(updates) / (ms / 1000) }
        return Figures(writeAll: writeAll, update: update, oneByOne: perSecond(oneByOneMS), pipelined: perSecond(pipelinedMS),
                       batched: perSecond(batchedMS), load: load)
    }
}

/// A store writer as a leading scheduler is one: a session, an election node that fences
/// every transaction.
struct ZooKeeperLeader {
    let session: ZooKeeperSession
    let layout: ZooKeeperStoreLayout
    let member: ZooKeeperGroupMember
    let servers: String

    static func connect(_ servers: String, root: String, logger: Logger) async throws -> ZooKeeperLeader {
        let url = try ZooKeeperURL("zk://\(servers)\(root)")
        let session = try await ZooKeeperSession.connect(.init(url: url, sessionTimeout: .seconds(10), logger: logger))
        let layout = ZooKeeperStoreLayout(root: root)
        try await session.ensurePath(layout.election)
        let member = try await ZooKeeperGroup(session: session, path: layout.election).join(label: "member")
        return ZooKeeperLeader(session: session, layout: layout, member: member, servers: servers)
    }

    func store(logger: Logger) async throws -> ZooKeeperSchedulerStore {
        try await ZooKeeperSchedulerStore.open(session: session, layout: layout, fence: member.fence, gate: nil,
                                               location: "zk://\(servers)\(layout.root)", logger: logger)
    }

    /// A store on a session of its own, as a newly elected leader opens it.
    func freshStore(logger: Logger) async throws -> any SchedulerStateStore {
        let other = try await ZooKeeperSession.connect(.init(url: try ZooKeeperURL("zk://\(servers)\(layout.root)"),
                                                             sessionTimeout: .seconds(10), logger: logger))
        return try await ZooKeeperSchedulerStore.open(session: other, layout: layout, fence: nil, gate: nil,
                                                      location: "zk://\(servers)\(layout.root)", logger: logger)
    }

    func close() async {
        await session.close()
    }
}

func fmtMS(_ ms: Double) -> String {
    ms >= 1000 ? fmt(ms / 1000, 2) + " s" : fmt(ms, ms < 10 ? 2 : 1) + " ms"
}

/// Writes a `SyntheticState` into the ZooKeeper state of `--zk` pod-scheduler instances, for
/// `Benchmarks/failover.sh`: while no instance runs, keeping the framework id stored there.
enum StoreSeed {
    static func run(url: String, instances: Int) async throws {
        var logger = Logger(label: "bench")
        logger.logLevel = .warning
        let zkURL = try ZooKeeperURL(url)
        let session = try await ZooKeeperSession.connect(.init(url: zkURL, logger: logger))
        let store = try await ZooKeeperSchedulerStore.open(session: session, layout: ZooKeeperStoreLayout(root: zkURL.path), fence: nil,
                                                           gate: nil, location: zkURL.description, logger: logger)
        guard let id = try await store.record(StoreKey(.frameworkID, "id")).map({ String(decoding: $0, as: UTF8.self) }) else {
            throw BenchFailure("\(zkURL) holds no framework id: run a scheduler on it once first")
        }
        let state = try SyntheticState(pods: max(1, instances / 10), instancesPerPod: 10, frameworkID: id)
        try await store.write(try state.changes()).durable()
        await store.close()
        await session.close()
        print("seeded \(state.instanceCount) instances into \(zkURL) (framework \(id))")
    }
}
