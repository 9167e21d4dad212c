import CPodShim
#if canImport(Glibc)
import Glibc
#endif

/// A pseudo-terminal pair for a process run with a terminal (`podctl agent exec -t`): the
/// caller keeps ``controller`` and gives ``terminal`` to the process as its standard streams
/// and controlling terminal. Both are close-on-exec descriptors the caller owns.
public struct PseudoTerminal: Sendable {
    /// The controlling side (`ptmx`), read and written by the caller.
    public let controller: Int32
    /// The process's side (`/dev/pts/N`).
    public let terminal: Int32

    /// Opens a pair with the window size `size`: on the devpts instance of `containerPTMX`
    /// (a container's `/proc/<pid>/root/dev/pts/ptmx`, so the terminal has a name inside the
    /// container; its peer is opened with `TIOCGPTPEER`, never by path) when given and it can
    /// be opened, else on the host's.
    public static func open(size: (rows: UInt16, columns: UInt16), containerPTMX: String?) throws(SystemError) -> PseudoTerminal {
        var controller: Int32 = -1
        var terminal: Int32 = -1
        if let containerPTMX, cpod_openpty_at(containerPTMX, &controller, &terminal, size.rows, size.columns) == 0 {
            return PseudoTerminal(controller: controller, terminal: terminal)
        }
        guard cpod_openpty(&controller, &terminal, size.rows, size.columns) == 0 else { throw SystemError.last("openpty") }
        return PseudoTerminal(controller: controller, terminal: terminal)
    }

    /// The window size of the terminal `fd` (rows, columns); nil for no terminal.
    public static func windowSize(_ fd: Int32) -> (rows: UInt16, columns: UInt16)? {
        var rows: UInt16 = 0
        var columns: UInt16 = 0
        guard cpod_get_winsize(fd, &rows, &columns) == 0, rows > 0, columns > 0 else { return nil }
        return (rows, columns)
    }

    /// Sets the window size of the terminal `fd` (its process gets `SIGWINCH`).
    @discardableResult
    public static func setWindowSize(_ fd: Int32, _ size: (rows: UInt16, columns: UInt16)) -> Bool {
        cpod_set_winsize(fd, size.rows, size.columns) == 0
    }
}

/// A close-on-exec pipe (Foundation's `Pipe` is a different thing).
public enum AnonymousPipe {
    /// A new pipe's read and write ends (both close-on-exec), owned by the caller.
    public static func make(_ purpose: String = "") throws(SystemError) -> (read: Int32, write: Int32) {
        var fds: [Int32] = [-1, -1]
        guard cpod_pipe_cloexec(&fds) == 0 else { throw SystemError.last("pipe2", purpose) }
        return (fds[0], fds[1])
    }
}
