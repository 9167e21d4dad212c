import Foundation
import PodSystem
#if canImport(Glibc)
import Glibc
#endif

/// What `/proc` tells about a container's processes.
enum ProcFS {
    /// The parent pid of `pid`, nil when it is gone.
    static func parentPID(_ pid: Int32) -> Int32? {
        guard pid > 0, let status = try? FileContents.read("/proc/\(pid)/status", limit: 64 << 10) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("PPid:") {
            return Int32(line.dropFirst(5).trimmingCharacters(in: .whitespaces))
        }
        return nil
    }

    /// Whether `pid` still is a container init started by the executor `executorPID`
    /// (the monitor is the executor's child; without a recorded executor, that it lives).
    static func isContainerInit(_ pid: Int32, executorPID: Int32?) -> Bool {
        guard let parent = parentPID(pid) else { return false }
        guard let executorPID else { return true }
        return parent == executorPID
    }

    /// Host pids of the children of `pid` (a container init's child is its workload).
    static func children(of pid: Int32) -> [Int32] {
        guard pid > 0, let text = try? FileContents.read("/proc/\(pid)/task/\(pid)/children", limit: 1 << 20) else { return [] }
        return text.split(separator: " ").compactMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    /// The environment `pid` was started with (`NAME` → value), empty when unreadable.
    static func environment(of pid: Int32) -> [String: String] {
        guard pid > 0, let bytes = try? FileContents.bytes("/proc/\(pid)/environ", limit: 4 << 20) else { return [:] }
        var result: [String: String] = [:]
        for entry in bytes.split(separator: 0) {
            guard let eq = entry.firstIndex(of: UInt8(ascii: "=")) else { continue }
            let name = String(decoding: entry[entry.startIndex..<eq], as: UTF8.self)
            if result[name] == nil { result[name] = String(decoding: entry[(eq + 1)...], as: UTF8.self) }
        }
        return result
    }
}
