#if canImport(Glibc)
import Glibc
#endif

/// The operator's terminal while a command in a container has a TTY: raw mode (keys go
/// straight to the container's terminal), restored afterwards. (Its window size:
/// `PseudoTerminal.windowSize`.)
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
}
