import Dispatch
import Foundation
import Glibc
import Logging
@testable import PodRuntime
import PodSystem
import PodTestFixtures
import Primitives
import Testing

/// The rotation behind bounded container logs, on its own: a pipe, its reader and writer
/// threads and the files. No root, no container.
@Suite("container logs: rotation and a writer that never blocks the container")
struct ContainerLogTests {
    static let root = UserDatabase.Identity(uid: 0, gid: 0, supplementaryGroups: [], home: "/", name: "root")

    static func directory() throws -> String {
        let path = NSTemporaryDirectory() + "container-log-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Writes all of `bytes` to `fd` on a thread of its own (a blocking pipe, as a container's).
    static func write(_ bytes: [UInt8], to fd: Int32) async -> Bool {
        await BlockingThread.run {
            var offset = 0
            while offset < bytes.count {
                let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, bytes.count - offset) }
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return false }
                offset += n
            }
            return true
        }
    }

    @Test("at most maxFiles files of at most maxSize each, lines kept whole, the newest output in stdout")
    func rotation() async throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let rotation = LogRotation(maxSizeBytes: 1000, maxFiles: 3)
        let (log, fd) = try ContainerLog.start(path: dir + "/stdout", rotation: rotation, owner: Self.root, logger: Logger(label: "test"))
        let lines = (1...20_000).map { "line \($0)\n" }
        #expect(await Self.write(Array(lines.joined().utf8), to: fd))
        close(fd)
        try await waitUntil("the log drained") { log.isFinished }

        let names = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        #expect(names == ["stdout", "stdout.1", "stdout.2"])
        var kept = ""
        for name in ["stdout.2", "stdout.1", "stdout"] {
            let text = try String(contentsOfFile: dir + "/" + name, encoding: .utf8)
            #expect(text.utf8.count <= 1000, "\(name) is \(text.utf8.count) bytes")
            #expect(text.hasSuffix("\n") && text.hasPrefix("line "), "\(name) holds whole lines")
            kept += text
        }
        #expect(lines.joined().hasSuffix(kept), "the files are the last output, oldest first, with nothing missing between them")
        #expect(kept.hasSuffix("line 20000\n"))
        #expect(log.droppedBytes == 0)
    }

    @Test("a line longer than a file is cut at the size; one file means the current one only")
    func longLineAndOneFile() async throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (log, fd) = try ContainerLog.start(path: dir + "/stderr", rotation: LogRotation(maxSizeBytes: 100, maxFiles: 1),
                                               owner: Self.root, logger: Logger(label: "test"))
        #expect(await Self.write(Array((String(repeating: "x", count: 250) + "\nend\n").utf8), to: fd))
        close(fd)
        try await waitUntil("the log drained") { log.isFinished }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["stderr"])
        #expect(try String(contentsOfFile: dir + "/stderr", encoding: .utf8) == String(repeating: "x", count: 50) + "\nend\n")
    }

    @Test("a stalled disk never blocks the container: it writes three times the queue while nothing reaches the disk, and the file says what was dropped")
    func stalledDisk() async throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let gate = DispatchSemaphore(value: 0)
        let (log, fd) = try ContainerLog.start(path: dir + "/stdout", rotation: LogRotation(maxSizeBytes: 1 << 20, maxFiles: 3),
                                               owner: Self.root, logger: Logger(label: "test"),
                                               beforeWrite: { gate.wait(); gate.signal() })
        let chunk = Array(String(repeating: "0123456789abcde\n", count: 4096).utf8)  // 64 KiB
        let total = 3 * LogRotation.queueCapacity
        // The whole output goes into the pipe while the writer is stuck before its first write.
        let wrote = await Self.write(Array((0..<(total / chunk.count)).flatMap { _ in chunk }), to: fd)
        #expect(wrote)
        #expect(log.droppedBytes > 0, "what did not fit the queue was dropped rather than waited for")
        #expect(!log.isFinished)
        gate.signal()
        close(fd)
        try await waitUntil("the log drained") { log.isFinished }
        var onDisk = ""
        for name in ["stdout.2", "stdout.1", "stdout"] {
            onDisk += (try? String(contentsOfFile: dir + "/" + name, encoding: .utf8)) ?? ""
        }
        #expect(onDisk.contains("bytes of output dropped: the log disk fell behind]"), "the drop is said in the log")
    }
}
