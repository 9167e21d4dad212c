import CPodShim
#if canImport(Glibc)
import Glibc
#endif

/// The operator's terminal while a command in a container has a TTY: raw mode (keys go
/// straight to the container's terminal), restored afterwards, and its window size.
struct TerminalMode: Sendable {
    private let fd: Int32
    private let saved: termios

    /// Puts `fd` in raw mode; nil when it is no terminal.
    static func makeRaw(_ fd: Int32) -> TerminalMode? {
        guard isatty(fd) == 1 else { return nil }
        var original = termios()
        guard tcgetattr(fd, &original) == 0 else { return nil }
        var raw = original
        cfmakeraw(&raw)
        guard tcsetattr(fd, TCSANOW, &raw) == 0 else { return nil }
        return TerminalMode(fd: fd, saved: original)
    }

    /// Restores the settings `makeRaw` found.
    func restore() {
        var settings = saved
        _ = tcsetattr(fd, TCSANOW, &settings)
    }

    /// The window size of the terminal `fd` (rows, columns), nil for no terminal.
    static func windowSize(_ fd: Int32) -> (rows: UInt16, columns: UInt16)? {
        var rows: UInt16 = 0
        var columns: UInt16 = 0
        guard cpod_get_winsize(fd, &rows, &columns) == 0, rows > 0, columns > 0 else { return nil }
        return (rows, columns)
    }
}
