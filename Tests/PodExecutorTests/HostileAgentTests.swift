import PodTestFixtures
import Foundation
@testable import LocalMesos
import Logging
import MesosProtocol
import NIOCore
import PodSystem
import Synchronization
import Testing

/// The executor against an agent that sends hostile streams: it must log, survive or
/// reconnect, and never crash.
@Suite(.serialized, .enabled(if: isRoot(), "needs root"))
struct HostileAgentTests {
    /// A fake agent: the n-th SUBSCRIBE gets `streams[n]` (the last one repeats). Earlier
    /// streams end after their chunks (the agent hangs up); the last one stays open, as a real
    /// agent's does after SHUTDOWN until the executor exits, so an executor that is shutting
    /// down never sees its connection end first and reconnects (`closeAll` ends them).
    final class FakeAgent: Sendable {
        let subscribes = Mutex(0)
        let calls = Mutex<[String]>([])
        let open = Mutex<[AsyncStream<ByteBuffer>.Continuation]>([])
        let streams: [[ByteBuffer]]
        init(streams: [[ByteBuffer]]) { self.streams = streams }

        func closeAll() {
            for continuation in open.withLock({ $0 }) { continuation.finish() }
        }

        func handle(method: String, body: [UInt8]) -> MesosHTTPAnswer {
            guard let call = try? MesosEncoding.protobuf.decode(Mesos_V1_Executor_Call.self, from: body) else {
                return .text(400, "bad call")
            }
            calls.withLock { $0.append("\(call.type)") }
            guard call.type == .subscribe else { return .accepted }
            let n = subscribes.withLock { c -> Int in c += 1; return c - 1 }
            let chunks = streams[min(n, streams.count - 1)]
            let (stream, continuation) = AsyncStream.makeStream(of: ByteBuffer.self)
            for c in chunks { continuation.yield(c) }
            if n < streams.count - 1 {
                continuation.finish()
            } else {
                open.withLock { $0.append(continuation) }
            }
            return MesosHTTPAnswer(status: 200, headers: [("Content-Type", MesosEncoding.protobuf.mediaType)], body: [], stream: stream)
        }
    }

    static func record(_ event: Mesos_V1_Executor_Event) -> ByteBuffer {
        ByteBuffer(bytes: RecordIO.encode((try? MesosEncoding.protobuf.encode(event)) ?? []))
    }

    static var subscribed: ByteBuffer {
        var e = Mesos_V1_Executor_Event()
        e.type = .subscribed
        e.subscribed.frameworkInfo.user = "root"
        e.subscribed.frameworkInfo.name = "t"
        e.subscribed.executorInfo.executorID = Mesos_V1_ExecutorID("hostile")
        e.subscribed.agentInfo.hostname = "127.0.0.1"
        return record(e)
    }

    static var shutdown: ByteBuffer {
        var e = Mesos_V1_Executor_Event()
        e.type = .shutdown
        return record(e)
    }

    /// Runs pod-executor against the fake agent and returns how it ended.
    func run(_ fake: FakeAgent) async throws -> (ProcessTermination, String) {
        var logger = Logger(label: "fake-agent")
        logger.logLevel = .critical
        let server = MesosHTTPServer(host: "127.0.0.1", port: 0, paths: ["/api/v1/executor"], logger: logger) { method, _, _, body in
            fake.handle(method: method, body: body)
        }
        let port = try await server.start()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hostile-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let env = [
            "MESOS_FRAMEWORK_ID=f", "MESOS_EXECUTOR_ID=hostile", "MESOS_DIRECTORY=\(dir)", "MESOS_SANDBOX=\(dir)",
            "MESOS_AGENT_ENDPOINT=127.0.0.1:\(port)", "MESOS_CHECKPOINT=1", "MESOS_RECOVERY_TIMEOUT=20secs",
            "MESOS_SUBSCRIPTION_BACKOFF_MAX=100ms", "POD_EXECUTOR_RUNTIME_DIR=\(dir)/run", "POD_EXECUTOR_NETNS_DIR=\(dir)/netns",
        ]
        let process = try Subprocess.spawnDetached(TestCluster.executorPath(), arguments: ["pod-executor"], environment: env,
                                                   workingDirectory: dir, standardOutput: dir + "/stdout", standardError: dir + "/stderr")
        let result = await withTaskGroup(of: ProcessTermination?.self) { group in
            group.addTask { await process.waitForExit() }
            group.addTask { try? await Task.sleep(for: .seconds(30)); return nil }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        if result == nil { process.signal(SIGKILL) }
        fake.closeAll()
        await server.stop()
        let log = (try? String(contentsOfFile: dir + "/stderr", encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(atPath: dir)
        guard let result else { throw TestFailure("the executor did not exit; log:\n\(log)") }
        return (result, log)
    }

    @Test("malformed RecordIO length prefix: treated as a broken connection, the executor re-subscribes")
    func malformedPrefix() async throws {
        let fake = FakeAgent(streams: [
            [Self.subscribed, ByteBuffer(string: "12x4\n{garbage")],
            [Self.subscribed, Self.shutdown],
        ])
        let (end, log) = try await run(fake)
        #expect(end == .exited(0), "\(log)")
        #expect(fake.subscribes.withLock { $0 } == 2)
        #expect(log.contains("malformed event stream"))
    }

    @Test("random bytes after SUBSCRIBED never crash the executor")
    func randomBytes() async throws {
        var rng = SystemRandomNumberGenerator()
        var junk: [ByteBuffer] = []
        for _ in 0..<20 {
            junk.append(ByteBuffer(bytes: (0..<Int.random(in: 1...200, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }))
        }
        let fake = FakeAgent(streams: [[Self.subscribed] + junk, [Self.subscribed, Self.shutdown]])
        let (end, log) = try await run(fake)
        #expect(end == .exited(0), "\(log)")
    }

    @Test("undecodable records and unknown event types are logged and skipped")
    func unknownEvents() async throws {
        // A well-framed record whose payload is not an Event, and an Event with type 99.
        let garbage = ByteBuffer(bytes: RecordIO.encode([0xff, 0xff, 0xff, 0x01]))
        let unknownType = ByteBuffer(bytes: RecordIO.encode([0x08, 99]))
        var launch = Mesos_V1_Executor_Event()
        launch.type = .launchGroup  // without its payload
        let fake = FakeAgent(streams: [[Self.subscribed, garbage, unknownType, Self.record(launch), Self.shutdown]])
        let (end, log) = try await run(fake)
        #expect(end == .exited(0), "\(log)")
        #expect(fake.subscribes.withLock { $0 } == 1)
        #expect(log.contains("undecodable event ignored"))
        #expect(log.contains("event of unknown type ignored"))
    }

    @Test("a stream truncated in the middle of a record: reconnect, no crash")
    func truncated() async throws {
        let fake = FakeAgent(streams: [[Self.subscribed, ByteBuffer(string: "100\n{\"type\":")], [Self.subscribed, Self.shutdown]])
        let (end, log) = try await run(fake)
        #expect(end == .exited(0), "\(log)")
        #expect(fake.subscribes.withLock { $0 } == 2)
    }
}
