#if canImport(Glibc)
import Glibc
#endif

/// Signal names and descriptions as Mesos prints them.
public enum Signal {
    /// `strsignal` text, the way the Mesos default executor words terminations
    /// ("Command terminated with signal Terminated").
    public static func description(_ signal: Int32) -> String {
        guard let text = strsignal(signal) else { return "Unknown signal \(signal)" }
        return String(cString: text)
    }

    /// The symbolic name (`SIGTERM`).
    public static func name(_ signal: Int32) -> String {
        names[signal] ?? "SIG\(signal)"
    }

    /// Parses `TERM`, `SIGTERM` or `15`.
    public static func number(_ text: String) -> Int32? {
        if let n = Int32(text), n > 0, n < 65 { return n }
        let upper = text.uppercased()
        let name = upper.hasPrefix("SIG") ? upper : "SIG" + upper
        return names.first { $0.value == name }?.key
    }

    private static let names: [Int32: String] = [
        SIGHUP: "SIGHUP", SIGINT: "SIGINT", SIGQUIT: "SIGQUIT", SIGILL: "SIGILL", SIGTRAP: "SIGTRAP",
        SIGABRT: "SIGABRT", SIGBUS: "SIGBUS", SIGFPE: "SIGFPE", SIGKILL: "SIGKILL", SIGUSR1: "SIGUSR1",
        SIGSEGV: "SIGSEGV", SIGUSR2: "SIGUSR2", SIGPIPE: "SIGPIPE", SIGALRM: "SIGALRM", SIGTERM: "SIGTERM",
        SIGCHLD: "SIGCHLD", SIGCONT: "SIGCONT", SIGSTOP: "SIGSTOP", SIGTSTP: "SIGTSTP", SIGTTIN: "SIGTTIN",
        SIGTTOU: "SIGTTOU", SIGURG: "SIGURG", SIGXCPU: "SIGXCPU", SIGXFSZ: "SIGXFSZ", SIGVTALRM: "SIGVTALRM",
        SIGPROF: "SIGPROF", SIGWINCH: "SIGWINCH", SIGSYS: "SIGSYS",
    ]
}
