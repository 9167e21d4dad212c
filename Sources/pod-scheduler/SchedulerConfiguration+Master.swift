import Foundation
import MesosHTTP
import ZooKeeper

extension SchedulerConfiguration {
    /// `--master` in the forms Mesos' `MasterDetector::create` takes
    /// (`mesos:src/master/detector/detector.cpp`): `local` (the embedded master), `zk://…`
    /// (the leader detected in ZooKeeper, with optional `user:password@` digest credentials),
    /// `file:///path` (a file holding one of the other forms; Mesos' deprecated indirection,
    /// one level), or masters by address, comma-separated (`http(s)://host:port`, `host:port`,
    /// `master@host:port`). Problems never echo credentials.
    static func master(_ text: String, problems: inout [String]) -> Master {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.lowercased() == "local" { return .local }
        if trimmed.hasPrefix("file://") {
            let path = String(trimmed.dropFirst("file://".count))
            guard let data = FileManager.default.contents(atPath: path) else {
                problems.append("--master: cannot read the file '\(path)'")
                return .remote([])
            }
            let content = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard !content.hasPrefix("file://"), content.lowercased() != "local" else {
                problems.append("--master: the file '\(path)' must hold a zk:// URL or master addresses")
                return .remote([])
            }
            var found: [String] = []
            let master = Self.master(content, problems: &found)
            problems += found.map { $0.replacingOccurrences(of: "--master: ", with: "--master (from \(path)): ") }
            return master
        }
        if trimmed.hasPrefix("zk://") {
            do {
                return .zooKeeper(try ZooKeeperURL(trimmed))
            } catch {
                problems.append("--master: \(error)")
                return .remote([])
            }
        }
        var endpoints: [MesosEndpoint] = []
        for entry in trimmed.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            // `master@host:port` is a libprocess UPID: the part after '@' is the address.
            let address = entry.hasPrefix("master@") ? String(entry.dropFirst("master@".count)) : entry
            if entry.contains("@") && !entry.hasPrefix("master@") {
                problems.append("--master: '\(entry.split(separator: "@").last ?? "")' has credentials; only zk:// URLs take them")
            } else if let endpoint = MesosEndpoint(parsing: address, defaultPort: 5050) {
                endpoints.append(endpoint)
            } else {
                problems.append("--master: '\(entry)' is not a master URL (http://host:5050, zk://host:2181/mesos)")
            }
        }
        if endpoints.isEmpty && problems.isEmpty { problems.append("--master: no master URL given") }
        return .remote(endpoints)
    }

    /// `--master` as `/v2/info` shows it: the masters, or the `zk://` URL with its
    /// credentials redacted.
    var masterDescription: String {
        switch master {
        case .local: "local"  // The embedded master's URL once it runs.
        case .remote(let endpoints): endpoints.map(\.description).joined(separator: ",")
        case .zooKeeper(let url): url.description
        }
    }
}
