import Dispatch
import Logging
import PodSystem
import Primitives
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// How a container's `stdout` and `stderr` are bounded: at most `maxFiles` files of at most
/// `maxSizeBytes` each (`stdout`, `stdout.1`, … `stdout.<maxFiles-1>`, newest first).
public struct LogRotation: Sendable, Equatable, Codable {
    public var maxSizeBytes: Int64
    public var maxFiles: Int

    public init(maxSizeBytes: Int64, maxFiles: Int) {
        self.maxSizeBytes = maxSizeBytes
        self.maxFiles = maxFiles
    }

    /// At most what one stream keeps in memory while the disk is behind; output beyond it
    /// is dropped (and said so in the file), never waited for.
    public static let queueCapacity = 8 << 20
}

/// One standard stream of a container written through a rotation. The container writes
/// into a pipe; a reader thread drains the pipe into a bounded queue as fast as the kernel
/// hands it bytes, and a writer thread moves the queue to the files. The container never
/// waits for the disk: when the writer falls `LogRotation.queueCapacity` bytes behind,
/// new output is dropped (counted, and a line in the file says how much) instead of the
/// pipe filling up. The files are written only by the writer thread, so rotation (a rename
/// chain, then a fresh current file) never races a write.
final class ContainerLog: Sendable {
    private struct State {
        var queue: [[UInt8]] = []
        var queuedBytes = 0
        var dropped: Int64 = 0
        var inputEnded = false
        var finished = false
    }

    private let state = Mutex(State())
    private let wakeup = DispatchSemaphore(value: 0)
    let path: String

    /// Starts the threads over a new pipe; returns the log and the pipe's write end for the
    /// container (close-on-exec: the monitor dups it onto the workload's stream).
    /// `beforeWrite` runs on the writer thread before each write (tests stall the disk with it).
    static func start(path: String, rotation: LogRotation, owner: UserDatabase.Identity, logger: Logger,
                      beforeWrite: (@Sendable () -> Void)? = nil) throws -> (ContainerLog, Int32) {
        let fds: (read: Int32, write: Int32)
        do { fds = try AnonymousPipe.make(path) } catch {
            throw PodRuntimeError(.system, "cannot make the log pipe of \(path)", underlying: error)
        }
        let file: RotatingFile
        do {
            file = try RotatingFile(path: path, rotation: rotation, owner: owner)
        } catch {
            close(fds.read)
            close(fds.write)
            throw error
        }
        let log = ContainerLog(path: path)
        BlockingThread.start { log.readLoop(fds.read) }
        BlockingThread.start { log.writeLoop(file, logger: logger, beforeWrite: beforeWrite) }
        return (log, fds.write)
    }

    private init(path: String) {
        self.path = path
    }

    /// Whether every byte the container wrote has been handled (written or dropped).
    var isFinished: Bool { state.withLock { $0.finished } }

    /// Bytes dropped so far because the writer was behind.
    var droppedBytes: Int64 { state.withLock { $0.dropped } }

    /// Waits until the pipe has ended and everything is written, at most `limit`.
    func drained(within limit: Duration) async -> Bool {
        let deadline = ContinuousClock.now + limit
        while !isFinished {
            if ContinuousClock.now >= deadline { return false }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return true
    }

    private func readLoop(_ fd: Int32) {
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            let chunk = Array(buffer[0..<n])
            state.withLock { s in
                if s.queuedBytes + n > LogRotation.queueCapacity {
                    s.dropped += Int64(n)
                } else {
                    s.queue.append(chunk)
                    s.queuedBytes += n
                }
            }
            wakeup.signal()
        }
        close(fd)
        state.withLock { $0.inputEnded = true }
        wakeup.signal()
    }

    private func writeLoop(_ opened: RotatingFile, logger: Logger, beforeWrite: (@Sendable () -> Void)?) {
        var file = opened
        var reportedDrops: Int64 = 0
        var failures = 0
        while true {
            wakeup.wait()
            let (chunks, dropped, ended) = state.withLock { s -> ([[UInt8]], Int64, Bool) in
                let taken = s.queue
                s.queue.removeAll(keepingCapacity: true)
                s.queuedBytes = 0
                return (taken, s.dropped, s.inputEnded)
            }
            beforeWrite?()
            for chunk in chunks where !file.write(chunk) {
                failures += 1
                if failures == 1 {
                    logger.warning("cannot write container output", metadata: ["log.path": "\(path)", "errno": "\(errno)"])
                }
            }
            // Output is dropped only while the queue is full, so after everything taken with it.
            if dropped > reportedDrops {
                let line = "[pod-executor: \(dropped - reportedDrops) bytes of output dropped: the log disk fell behind]\n"
                reportedDrops = dropped
                if !file.write(Array(line.utf8)) { failures += 1 }
                logger.warning("container output dropped", metadata: ["log.path": "\(path)", "log.dropped_bytes": "\(dropped)"])
            }
            if ended && state.withLock({ $0.queue.isEmpty }) { break }
        }
        file.close()
        state.withLock { $0.finished = true }
    }
}

/// The files of one stream: the current one at `path`, rotated ones at `path.1`, … Only the
/// writer thread of its `ContainerLog` touches it.
struct RotatingFile: Sendable {
    let path: String
    let rotation: LogRotation
    let owner: UserDatabase.Identity
    private var fd: Int32 = -1
    private(set) var size: Int64 = 0

    /// Opens (or goes on appending to) the current file.
    init(path: String, rotation: LogRotation, owner: UserDatabase.Identity) throws {
        self.path = path
        self.rotation = rotation
        self.owner = owner
        try open()
    }

    private mutating func open() throws {
        fd = Glibc.open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw PodRuntimeError(.system, "cannot open \(path)", underlying: SystemError.last("open", path))
        }
        if owner.uid != 0 { FileOwnership.change(fd: fd, uid: owner.uid, gid: owner.gid) }
        var st = stat()
        size = fstat(fd, &st) == 0 ? Int64(st.st_size) : 0
    }

    /// Appends `bytes`, rotating first whenever the current file would exceed the size: a
    /// chunk is cut after its last line break that fits, so lines stay whole unless a single
    /// line is longer than a file. False when the disk refused some of it.
    mutating func write(_ bytes: [UInt8]) -> Bool {
        var ok = true
        var start = 0
        while start < bytes.count {
            let room = Int(max(0, rotation.maxSizeBytes - size))
            let remaining = bytes.count - start
            if remaining <= room {
                ok = append(bytes[start...]) && ok
                break
            }
            if let newline = bytes[start..<(start + room)].lastIndex(of: UInt8(ascii: "\n")) {
                ok = append(bytes[start...newline]) && ok
                start = newline + 1
            } else if size == 0 {
                ok = append(bytes[start..<(start + room)]) && ok
                start += room
            }
            if !rotate() { return false }
        }
        return ok
    }

    private mutating func append(_ slice: ArraySlice<UInt8>) -> Bool {
        guard fd >= 0 else { return false }
        var written = 0
        let total = slice.count
        let ok = slice.withUnsafeBytes { raw -> Bool in
            guard let base = raw.baseAddress else { return true }
            while written < total {
                let n = Glibc.write(fd, base + written, total - written)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return false }
                written += n
            }
            return true
        }
        size += Int64(written)
        return ok
    }

    /// `path.<n-2>` → `path.<n-1>` … `path` → `path.1` (the oldest one is replaced), then a
    /// fresh `path`. With one file, the current one is removed.
    private mutating func rotate() -> Bool {
        close()
        if rotation.maxFiles > 1 {
            for index in stride(from: rotation.maxFiles - 2, through: 1, by: -1) {
                rename("\(path).\(index)", "\(path).\(index + 1)")
            }
            rename(path, path + ".1")
        } else {
            unlink(path)
        }
        do { try open() } catch { return false }
        return true
    }

    mutating func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }
}
