import Foundation
import Logging
import PodSchedulerCore
import PodSchedulerHA
import ZooKeeper

/// The cost of the scheduler's state writes (issue 16): one instance update made durable,
/// alone and in batches of 100, with 1,000 instances stored, in the single instance's SQLite
/// store and in the ZooKeeper store of `--zk` (every transaction fenced by a `check` of the
/// writer's election node), side by side on one machine. ZooKeeper is Debian's server run by
/// `scripts/fixtures/zookeeper-server.sh` (loopback, `forceSync=no` as the test fixture: the
/// figures are its request path, not a disk's fsync).
enum StoreBench {
    static func run(zookeeperScript: String, updates: Int) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("store-bench-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let port = try freeLoopbackPort()
        let server = Process()
        server.executableURL = URL(fileURLWithPath: zookeeperScript)
        server.arguments = [directory + "/zk", "\(port)", "\(getpid())"]
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        defer { server.terminate() }
        var logger = Logger(label: "pod-bench")
        logger.logLevel = .error
        var session: ZooKeeperSession?
        try await waitUntil("ZooKeeper", timeout: .seconds(60)) {
            session = try? await ZooKeeperSession.connect(.init(servers: "127.0.0.1:\(port)", connectTimeout: .seconds(2), logger: logger))
            return session != nil
        }
        guard let session else { throw BenchFailure("no ZooKeeper session") }
        let layout = ZooKeeperStoreLayout(root: "/bench")
        try await session.ensurePath(layout.election)
        let member = try await session.create(layout.election + "/member_", data: [], mode: .ephemeralSequential)
        let zooKeeper = try await ZooKeeperSchedulerStore.open(session: session, layout: layout, fence: .check(member, version: nil),
                                                               gate: nil, location: "zk://127.0.0.1:\(port)/bench", logger: logger)
        let sqlite = try SQLiteSchedulerStore(path: directory + "/state.db")

        var report = Report(["store", "stored", "one update, durable: p50 / p99 ms", "updates/s, one at a time",
                             "updates/s, 100 per write"])
        report.printHeader()
        for (name, store) in [("SQLite (WAL, synchronous=NORMAL)", sqlite as any SchedulerStateStore),
                              ("ZooKeeper (fenced multi)", zooKeeper as any SchedulerStateStore)] {
            try await store.write((0..<1000).map { .put(key($0), record($0, revision: 0)) }).durable()
            var single = Samples()
            let alone = try await Clock.time {
                for i in 0..<updates {
                    let start = ContinuousClock.now
                    try await store.write([.put(key(i % 1000), record(i % 1000, revision: i + 1))]).durable()
                    single.add(Clock.ms(ContinuousClock.now - start))
                }
            }
            let batched = try await Clock.time {
                for batch in 0..<(updates / 100) {
                    try await store.write((0..<100).map { .put(key(($0 + batch * 100) % 1000), record($0, revision: batch)) }).durable()
                }
            }
            report.row(name, "1,000", "\(fmt(single.median, 2)) / \(fmt(single.p99, 2))",
                       fmt(Double(updates) / alone * 1000, 0), fmt(Double(updates / 100 * 100) / batched * 1000, 0))
        }
        await zooKeeper.close()
        await sqlite.close()
        await session.close()
    }

    static func key(_ i: Int) -> StoreKey { StoreKey(.instances, "bench.instance-\(String(format: "%08d", i))") }

    /// About the size of a stored one-container instance (~900 bytes of JSON).
    static func record(_ i: Int, revision: Int) -> Data {
        Data(#"{"instanceID":"bench.instance-\#(i)","revision":\#(revision),"padding":"\#(String(repeating: "x", count: 820))"}"#.utf8)
    }

    static func freeLoopbackPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw BenchFailure("socket: errno \(errno)") }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        guard bound else { throw BenchFailure("bind: errno \(errno)") }
        return Int(UInt16(bigEndian: addr.sin_port))
    }
}
