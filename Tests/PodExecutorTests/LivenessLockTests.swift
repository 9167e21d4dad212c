import Foundation
import Logging
import PodRuntime
import Testing

/// The executor's liveness lock: a collector skips the pod of a live executor without
/// reading its state, and collects one whose lock nobody holds.
struct LivenessLockTests {
    @Test("a held liveness lock keeps a pod from the collector; an unheld one does not")
    func lockDecidesLiveness() async throws {
        let runtime = NSTemporaryDirectory() + "liveness-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        defer { try? FileManager.default.removeItem(atPath: runtime) }
        #expect(PodGarbageCollector.holdLivenessLock(runtimeDirectory: runtime, executorID: "e-live"))
        // A second holder (another open file description) cannot take it.
        #expect(!PodGarbageCollector.holdLivenessLock(runtimeDirectory: runtime, executorID: "e-live"))

        // Both directories look abandoned: no readable state, older than the grace.
        let live = runtime + "/pods/e-live"
        let dead = runtime + "/pods/e-dead"
        try FileManager.default.createDirectory(atPath: dead, withIntermediateDirectories: true)
        for dir in [live, dead] {
            try "not json".write(toFile: dir + "/state.json", atomically: false, encoding: .utf8)
            var times = [timeval(tv_sec: 1_000_000, tv_usec: 0), timeval(tv_sec: 1_000_000, tv_usec: 0)]
            #expect(utimes(dir, &times) == 0)
        }
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let collector = PodGarbageCollector(runtimeDirectory: runtime, cniConfigDirectory: runtime + "/no-cni",
                                            cniPluginDirectories: [], imageStore: nil, logger: logger)
        _ = await collector.collect()
        #expect(FileManager.default.fileExists(atPath: live + "/state.json"), "the live pod was collected")
        #expect(!FileManager.default.fileExists(atPath: dead), "the abandoned pod was kept")
    }
}
