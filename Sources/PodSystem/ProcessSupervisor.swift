import CPodShim
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// How a supervised process ended.
public enum ProcessTermination: Sendable, Equatable, CustomStringConvertible {
    case exited(Int32)
    case signaled(Int32)

    /// Decodes a raw `wait(2)` status.
    public init(waitStatus: Int32) {
        if cpod_wifsignaled(waitStatus) != 0 {
            self = .signaled(cpod_wtermsig(waitStatus))
        } else {
            self = .exited(cpod_wexitstatus(waitStatus))
        }
    }

    public var description: String {
        switch self {
        case .exited(let code): return "exited with status \(code)"
        case .signaled(let sig): return "terminated by signal \(Signal.name(sig))"
        }
    }
}

/// The one thread that owns process lifecycles: it clones monitors (so their
/// parent-death signal is bound to a thread that never exits), and it watches pidfds,
/// monitor report pipes and output pipes with epoll. Everything else talks to it through
/// async functions.
public final class ProcessSupervisor: Sendable {
    /// The supervisor of this process.
    public static let shared: ProcessSupervisor = ProcessSupervisor()

    private enum Watch {
        case reports(ManagedProcess)
        case pidfd(ManagedProcess)
        case output(OutputCollector)
    }

    private struct State {
        var watches: [Int32: Watch] = [:]
        var jobs: [@Sendable () -> Void] = []
        var failed: SystemError?
    }

    private let epollFD: Int32
    private let wakeFD: Int32
    /// Read end of the lifeline pipe given to every container monitor. Its write end stays
    /// open in this process only (close-on-exec): when this process dies, every monitor
    /// sees EOF and takes its container down.
    let lifelineReadFD: Int32
    private let lifelineWriteFD: Int32
    private let state = Mutex(State())

    private init() {
        epollFD = cpod_epoll_create()
        wakeFD = cpod_eventfd()
        var fds: [Int32] = [-1, -1]
        if cpod_pipe_cloexec(&fds) != 0 { fds = [-1, -1] }
        lifelineReadFD = fds[0]
        lifelineWriteFD = fds[1]
        if epollFD < 0 || wakeFD < 0 || lifelineReadFD < 0 {
            state.withLock { $0.failed = SystemError.last("supervisor setup") }
            return
        }
        _ = cpod_epoll_add(epollFD, wakeFD)
        let loop = SupervisorThread(supervisor: self)
        loop.start()
    }

    // MARK: - Running work on the supervisor thread

    /// Runs `body` on the supervisor thread and returns its result.
    func onSupervisorThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { (cont: CheckedContinuation<T, Never>) in
            enqueue { cont.resume(returning: body()) }
        }
    }

    private func enqueue(_ job: @escaping @Sendable () -> Void) {
        state.withLock { $0.jobs.append(job) }
        _ = cpod_eventfd_signal(wakeFD)
    }

    func checkUsable() throws(SystemError) {
        if let failed = state.withLock({ $0.failed }) { throw failed }
    }

    // MARK: - Registration (called on any thread)

    func watchReports(fd: Int32, process: ManagedProcess) {
        add(fd: fd, watch: .reports(process))
    }

    func watchPidFD(_ fd: Int32, process: ManagedProcess) {
        add(fd: fd, watch: .pidfd(process))
    }

    func watchOutput(fd: Int32, collector: OutputCollector) {
        add(fd: fd, watch: .output(collector))
    }

    private func add(fd: Int32, watch: Watch) {
        state.withLock { $0.watches[fd] = watch }
        if cpod_epoll_add(epollFD, fd) != 0 {
            // Cannot watch: treat as immediately readable so the reader sees the error.
            handle(fd: fd)
        }
    }

    private func remove(fd: Int32) {
        _ = cpod_epoll_del(epollFD, fd)
        _ = state.withLock { $0.watches.removeValue(forKey: fd) }
        close(fd)
    }

    // MARK: - The loop (supervisor thread only)

    fileprivate func runLoop() {
        var ready = [Int32](repeating: -1, count: 64)
        while true {
            let n = cpod_epoll_wait(epollFD, &ready, Int32(ready.count), -1)
            if n < 0 {
                if errno == EINTR { continue }
                state.withLock { $0.failed = SystemError.last("epoll_wait") }
                return
            }
            for i in 0..<Int(n) {
                let fd = ready[i]
                if fd == wakeFD {
                    _ = cpod_eventfd_drain(wakeFD)
                    let jobs = state.withLock { s -> [@Sendable () -> Void] in
                        let j = s.jobs
                        s.jobs.removeAll()
                        return j
                    }
                    for job in jobs { job() }
                } else {
                    handle(fd: fd)
                }
            }
        }
    }

    private func handle(fd: Int32) {
        guard let watch = state.withLock({ $0.watches[fd] }) else { return }
        switch watch {
        case .reports(let process):
            var report = cpod_report()
            let size = MemoryLayout<cpod_report>.size
            let n = withUnsafeMutableBytes(of: &report) { read(fd, $0.baseAddress, size) }
            if n == size {
                process.received(report: report)
            } else if n < 0 && (errno == EINTR || errno == EAGAIN) {
                return
            } else {
                remove(fd: fd)
                process.reportsClosed()
            }
        case .pidfd(let process):
            var status: Int32 = 0
            let rc = cpod_pidfd_wait(fd, 1, &status)
            if rc == 1 { return }  // spurious
            remove(fd: fd)
            process.reaped(waitStatus: rc == 0 ? status : 0)
        case .output(let collector):
            var buffer = [UInt8](repeating: 0, count: 65536)
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n > 0 {
                collector.append(buffer[0..<n])
            } else if n < 0 && (errno == EINTR || errno == EAGAIN) {
                return
            } else {
                remove(fd: fd)
                collector.finish()
            }
        }
    }
}

/// A dedicated pthread for the supervisor loop. Foundation's Thread is avoided so this
/// module does not need Foundation.
private final class SupervisorThread: @unchecked Sendable {
    // Safe: `supervisor` is immutable and Sendable; the object is only handed to one thread.
    let supervisor: ProcessSupervisor
    init(supervisor: ProcessSupervisor) { self.supervisor = supervisor }

    func start() {
        var attr = pthread_attr_t()
        pthread_attr_init(&attr)
        pthread_attr_setdetachstate(&attr, Int32(PTHREAD_CREATE_DETACHED))
        let box = Unmanaged.passRetained(self).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(&thread, &attr, { raw in
            guard let raw else { return nil }
            let me = Unmanaged<SupervisorThread>.fromOpaque(raw).takeRetainedValue()
            me.supervisor.runLoop()
            return nil
        }, box)
        pthread_attr_destroy(&attr)
        if rc != 0 {
            Unmanaged<SupervisorThread>.fromOpaque(box).release()
        }
    }
}

/// Collects a pipe's output until EOF.
final class OutputCollector: Sendable {
    private struct State {
        var data: [UInt8] = []
        var done = false
        var waiters: [CheckedContinuation<[UInt8], Never>] = []
        let limit: Int
    }
    private let state: Mutex<State>

    init(limit: Int) { state = Mutex(State(limit: limit)) }

    func append(_ bytes: ArraySlice<UInt8>) {
        state.withLock { s in
            let room = s.limit - s.data.count
            if room > 0 { s.data.append(contentsOf: bytes.prefix(room)) }
        }
    }

    func finish() {
        let (data, waiters) = state.withLock { s -> ([UInt8], [CheckedContinuation<[UInt8], Never>]) in
            s.done = true
            let w = s.waiters
            s.waiters.removeAll()
            return (s.data, w)
        }
        for w in waiters { w.resume(returning: data) }
    }

    func result() async -> [UInt8] {
        await withCheckedContinuation { cont in
            let ready: [UInt8]? = state.withLock { s in
                if s.done { return s.data }
                s.waiters.append(cont)
                return nil
            }
            if let ready { cont.resume(returning: ready) }
        }
    }
}
