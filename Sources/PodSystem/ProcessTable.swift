import Foundation

/// Reads of `/proc` about other processes, and signals to them.
public enum ProcessTable {
    /// Sends `signal` to `pid` (a negative pid: to its process group; signal 0: only checks
    /// that the process exists and may be signalled). True when it was sent.
    @discardableResult
    public static func signal(_ pid: Int32, _ signal: Int32) -> Bool {
        kill(pid, signal) == 0
    }

    /// Every pid in the pid namespace, as `/proc` lists them.
    public static func pids() -> [Int32] {
        Directory.list("/proc").compactMap(Int32.init)
    }

    /// The process's working directory (nil when it is gone, a zombie, or not ours to read).
    public static func workingDirectory(_ pid: Int32) -> String? {
        try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/cwd")
    }

    /// The binary the process runs (`/proc/<pid>/exe`).
    public static func executable(_ pid: Int32) -> String? {
        try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe")
    }

    /// The parent pid (field 4 of `/proc/<pid>/stat`, read after the command name, which may hold spaces).
    public static func parent(_ pid: Int32) -> Int32? {
        guard let stat = try? FileContents.read("/proc/\(pid)/stat"), let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 1 ? Int32(fields[1]) : nil
    }
}
