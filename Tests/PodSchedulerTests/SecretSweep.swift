import Foundation

/// Looks for secret values, plain and base64 (both alphabets, with and without padding),
/// in bytes, files and directory trees.
struct SecretSweep {
    struct Finding: CustomStringConvertible {
        var needle: String
        var place: String
        var description: String { "\(needle) in \(place)" }
    }

    /// (label, bytes) pairs; the label names the value, never shows it.
    let needles: [(String, [UInt8])]

    init(values: [(label: String, value: [UInt8])]) {
        var needles: [(String, [UInt8])] = []
        for (label, value) in values {
            needles.append((label, value))
            let base64 = Data(value).base64EncodedString()
            let url = base64.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            for (kind, text) in [("base64", base64), ("base64url", url)] {
                needles.append(("\(label) (\(kind))", Array(text.utf8)))
                let unpadded = text.trimmingCharacters(in: CharacterSet(charactersIn: "="))
                if unpadded != text { needles.append(("\(label) (\(kind), unpadded)", Array(unpadded.utf8))) }
            }
        }
        self.needles = needles
    }

    func find(in bytes: Data, place: String) -> [Finding] {
        needles.compactMap { label, needle in
            bytes.firstRange(of: Data(needle)) == nil ? nil : Finding(needle: label, place: place)
        }
    }

    func find(in text: String, place: String) -> [Finding] { find(in: Data(text.utf8), place: place) }

    /// Every regular file below `root` (symbolic links not followed), except below `excluded`.
    func findInTree(_ root: String, excluding excluded: [String] = []) -> (findings: [Finding], files: [String]) {
        guard let walker = FileManager.default.enumerator(atPath: root) else { return ([], []) }
        var findings: [Finding] = []
        var files: [String] = []
        while let relative = walker.nextObject() as? String {
            let path = root + "/" + relative
            if excluded.contains(where: { path == $0 || path.hasPrefix($0 + "/") }) {
                walker.skipDescendants()
                continue
            }
            var info = stat()
            guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG, info.st_size < 512 << 20,
                  let data = FileManager.default.contents(atPath: path) else { continue }
            files.append(path)
            findings += find(in: data, place: path)
        }
        return (findings, files)
    }

    /// The first secret token (`pst1.…`) in the files below `root`.
    static func token(under root: String) -> String? {
        guard let walker = FileManager.default.enumerator(atPath: root) else { return nil }
        let prefix = Data("pst1.".utf8)
        while let relative = walker.nextObject() as? String {
            guard let data = FileManager.default.contents(atPath: root + "/" + relative),
                  let range = data.firstRange(of: prefix) else { continue }
            let allowed = Set(Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.".utf8))
            let tail = data[range.lowerBound...].prefix { allowed.contains($0) }
            return String(decoding: tail, as: UTF8.self)
        }
        return nil
    }

    /// Processes whose environment has `entry` (a container's workload: the task
    /// environment is theirs alone), with their environment.
    static func processes(withEnvironment entry: String) -> [(pid: Int32, environment: [String])] {
        let pids = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { Int32($0) }
        return pids.compactMap { pid in
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else { return nil }
            let environment = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            return environment.contains(entry) ? (pid, environment) : nil
        }
    }
}
