import Foundation
import MesosHTTP
import NIOSSL
import PodSchedulerCore
import ZooKeeper

extension SchedulerConfiguration {
    /// `--zk` and its companions: the election and the store in ZooKeeper.
    struct HighAvailability: Sendable {
        var url: ZooKeeperURL
        var sessionTimeout: Duration
        var connectTimeout: Duration
        /// How a follower verifies the leader's HTTPS certificate (`--ca-file`).
        var proxyTLS: TLSConfiguration
    }

    /// `--hostname`, else `--http-address` unless that is a wildcard, else the host name.
    static func hostname(_ c: PodSchedulerCommand, problems: inout [String]) -> String {
        if let name = c.hostname {
            let trimmed = name.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.contains("/") || trimmed.contains(" ") {
                problems.append("--hostname: '\(name)' is not a host name or address")
            }
            return trimmed
        }
        // One instance: as before --hostname existed.
        if c.zk == nil { return c.httpAddress }
        if ["0.0.0.0", "::", "[::]"].contains(c.httpAddress) { return ProcessInfo.processInfo.hostName }
        return c.httpAddress
    }

    static func highAvailability(_ c: PodSchedulerCommand, master: Master, problems: inout [String]) -> HighAvailability? {
        guard let zk = c.zk else {
            for (flag, given) in [("--zk-session-timeout", c.zkSessionTimeout != 10000), ("--zk-timeout", c.zkTimeout != 10000),
                                  ("--ca-file", c.caFile != nil)] where given {
                problems.append("\(flag) needs --zk (it only applies to several instances)")
            }
            return nil
        }
        var failed = false
        let url: ZooKeeperURL
        do {
            url = try ZooKeeperURL.resolve(zk)
        } catch {
            problems.append("--zk: \(error)")
            return nil
        }
        if url.path == "/" || url.path.isEmpty {
            problems.append("--zk: give a path of its own for pod-scheduler (zk://host:2181/pod-scheduler), not the root")
            failed = true
        }
        if case .local = master {
            problems.append("--zk needs a Mesos master all instances share (--master http://… or zk://…): --master local runs an embedded cluster inside each instance")
            failed = true
        }
        if !(1000...600_000).contains(c.zkSessionTimeout) {
            problems.append("--zk-session-timeout: \(c.zkSessionTimeout) ms is outside 1000…600000")
            failed = true
        }
        if !(100...600_000).contains(c.zkTimeout) {
            problems.append("--zk-timeout: \(c.zkTimeout) ms is outside 100…600000")
            failed = true
        }
        var tls = TLSConfiguration.makeClientConfiguration()
        do {
            tls = try MesosTLS.clientConfiguration(caFile: c.caFile)
        } catch {
            problems.append("--ca-file: \(error)")
            failed = true
        }
        if failed { return nil }
        return HighAvailability(url: url, sessionTimeout: .milliseconds(c.zkSessionTimeout),
                                connectTimeout: .milliseconds(c.zkTimeout), proxyTLS: tls)
    }

    /// This instance's API as others reach it: HTTP when it is on, else HTTPS.
    var ownAddress: LeaderAddress {
        let host = hostname.contains(":") && !hostname.hasPrefix("[") ? "[\(hostname)]" : hostname
        if let port = listeners.httpPort { return LeaderAddress(hostPort: "\(host):\(port)", scheme: "http") }
        return LeaderAddress(hostPort: "\(host):\(listeners.httpsPort ?? Listeners.defaultHTTPSPort)", scheme: "https")
    }
}
