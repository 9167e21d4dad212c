import CPodShim
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A process started by the `ProcessSupervisor`: a container monitor (which reports
/// when the workload started and how it ended) or a plain host subprocess.
public final class ManagedProcess: Sendable {
    private enum Startup {
        case waiting([CheckedContinuation<Int32, any Error>])
        case started(Int32)
        case failed(SystemError)
    }

    private struct State {
        var startup: Startup
        var workloadStatus: Int32?
        var reportsOpen: Bool
        var monitorStatus: Int32?
        var signalFD: Int32
        var exitWaiters: [CheckedContinuation<ProcessTermination, Never>] = []
        var termination: ProcessTermination?
    }

    /// The host pid of the process the supervisor started (a container's monitor, which is
    /// the container's PID 1, or the subprocess itself).
    public let pid: Int32
    private let state: Mutex<State>

    init(pid: Int32, signalFD: Int32, reports: Bool) {
        self.pid = pid
        state = Mutex(State(startup: reports ? .waiting([]) : .started(pid), reportsOpen: reports, signalFD: signalFD))
    }

    // MARK: Public API

    /// Waits until the workload was exec'd and returns its pid as the monitor sees it
    /// (inside the container's PID namespace). Throws the setup error otherwise.
    public func started() async throws -> Int32 {
        try await withCheckedThrowingContinuation { (cont: CheckedContinuation<Int32, any Error>) in
            let outcome: Result<Int32, SystemError>? = state.withLock { s in
                switch s.startup {
                case .started(let pid): return .success(pid)
                case .failed(let error): return .failure(error)
                case .waiting(var list):
                    list.append(cont)
                    s.startup = .waiting(list)
                    return nil
                }
            }
            if let outcome { cont.resume(with: outcome) }
        }
    }

    /// Waits for the end of the process and returns how the workload ended.
    public func waitForExit() async -> ProcessTermination {
        await withCheckedContinuation { cont in
            let done: ProcessTermination? = state.withLock { s in
                if let t = s.termination { return t }
                s.exitWaiters.append(cont)
                return nil
            }
            if let done { cont.resume(returning: done) }
        }
    }

    /// How the process ended, if it has.
    public var termination: ProcessTermination? { state.withLock { $0.termination } }

    /// Sends a signal to the process (the monitor forwards it to the workload).
    /// Returns false when the process is already gone.
    @discardableResult
    public func signal(_ signal: Int32) -> Bool {
        state.withLock { s in
            guard s.signalFD >= 0 else { return false }
            return cpod_pidfd_send_signal(s.signalFD, signal) == 0
        }
    }

    // MARK: Supervisor callbacks (supervisor thread)

    func received(report: cpod_report) {
        switch report.kind {
        case Int32(CPOD_REPORT_STARTED.rawValue):
            resolveStartup(.success(report.value))
        case Int32(CPOD_REPORT_ERROR.rawValue):
            let detail = withUnsafeBytes(of: report.detail) { raw -> String in
                let bytes = raw.prefix { $0 != 0 }
                return String(decoding: bytes, as: UTF8.self)
            }
            let (operation, operand) = Self.split(detail)
            resolveStartup(.failure(SystemError(operation, operand, errno: report.err)))
        case Int32(CPOD_REPORT_EXITED.rawValue):
            state.withLock { $0.workloadStatus = report.value }
        default:
            break
        }
    }

    func reportsClosed() {
        resolveStartup(.failure(SystemError("container monitor", "", errno: 0, detail: "exited before starting the workload")))
        finishIfDone { $0.reportsOpen = false }
    }

    func reaped(waitStatus: Int32) {
        finishIfDone { s in
            s.monitorStatus = waitStatus
            if s.signalFD >= 0 {
                close(s.signalFD)
                s.signalFD = -1
            }
        }
    }

    private func resolveStartup(_ result: Result<Int32, SystemError>) {
        let waiters: [CheckedContinuation<Int32, any Error>] = state.withLock { s in
            guard case .waiting(let list) = s.startup else { return [] }
            switch result {
            case .success(let pid): s.startup = .started(pid)
            case .failure(let error): s.startup = .failed(error)
            }
            return list
        }
        for w in waiters { w.resume(with: result.mapError { $0 as any Error }) }
    }

    private func finishIfDone(_ mutate: (inout State) -> Void) {
        let (termination, waiters): (ProcessTermination?, [CheckedContinuation<ProcessTermination, Never>]) = state.withLock { s in
            mutate(&s)
            guard !s.reportsOpen, let monitor = s.monitorStatus, s.termination == nil else { return (nil, []) }
            let t: ProcessTermination
            if let workload = s.workloadStatus {
                t = ProcessTermination(waitStatus: workload)
            } else {
                // The monitor died without a report (killed, or setup failed): whatever
                // ran inside died with it.
                t = ProcessTermination(waitStatus: monitor)
            }
            s.termination = t
            let w = s.exitWaiters
            s.exitWaiters.removeAll()
            return (t, w)
        }
        if let termination {
            for w in waiters { w.resume(returning: termination) }
        }
    }

    private static func split(_ detail: String) -> (String, String) {
        guard let space = detail.firstIndex(of: " ") else { return (detail, "") }
        // Stages can be several words ("bind mount", "resolve mount target"); the operand is
        // the last word when it looks like a path.
        if let lastSpace = detail.lastIndex(of: " ") {
            let tail = detail[detail.index(after: lastSpace)...]
            if tail.hasPrefix("/") || tail.contains("/") {
                return (String(detail[..<lastSpace]), String(tail))
            }
        }
        _ = space
        return (detail, "")
    }
}
