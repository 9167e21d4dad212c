import PodSystem
import Primitives

/// The per-pod `/etc/hosts`, `/etc/hostname` and `/etc/resolv.conf`, written into a
/// directory for the runtime to bind-mount over the pod's files (as Mesos' `network/cni`
/// isolator does under `/var/run/mesos/isolators/network/cni/<container>/`).
public struct PodNetworkFiles: Sendable, Equatable {
    /// The `hosts` file.
    public var hosts: String
    /// The `hostname` file.
    public var hostname: String
    /// The `resolv.conf` file.
    public var resolvConf: String

    /// The paths below `directory`.
    public init(directory: String) {
        hosts = directory + "/hosts"
        hostname = directory + "/hostname"
        resolvConf = directory + "/resolv.conf"
    }

    /// `hosts`: loopback names, then the pod's hostname on its primary address.
    static func renderHosts(hostname: String, ip: String?) -> String {
        var text = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
        if let ip {
            var names = [hostname]
            if let short = hostname.split(separator: ".").first, String(short) != hostname { names.append(String(short)) }
            text += "\(ip)\t\(names.joined(separator: " "))\n"
        }
        return text
    }

    /// `resolv.conf` from a network's DNS settings.
    static func renderResolvConf(_ dns: CNIResult.DNS) -> String {
        var lines = dns.nameservers.map { "nameserver \($0)" }
        var search = dns.search
        if let domain = dns.domain {
            if search.isEmpty { lines.append("domain \(domain)") } else if !search.contains(domain) { search.insert(domain, at: 0) }
        }
        if !search.isEmpty { lines.append("search " + search.joined(separator: " ")) }
        if !dns.options.isEmpty { lines.append("options " + dns.options.joined(separator: " ")) }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The host's `resolv.conf` without loopback name servers, which do not answer inside a
    /// new network namespace (systemd-resolved's 127.0.0.53, a local dnsmasq). Returns nil
    /// when no name server is left.
    static func filterHostResolvConf(_ text: String) -> String? {
        var lines: [String] = []
        var nameservers = 0
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = raw.trimmingWhitespace()
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            if fields.first == "nameserver" {
                guard fields.count >= 2, !isLoopback(String(fields[1])) else { continue }
                nameservers += 1
            }
            if line.isEmpty { continue }
            lines.append(line)
        }
        return nameservers == 0 ? nil : lines.joined(separator: "\n") + "\n"
    }

    static func isLoopback(_ address: String) -> Bool {
        let bare = address.split(separator: "%").first.map(String.init) ?? address
        return bare.hasPrefix("127.") || bare == "::1" || bare == "0:0:0:0:0:0:0:1"
    }

    /// Hostnames: 1–64 bytes of letters, digits, `-`, `_` and `.`, not starting with `-` or `.`.
    static func isValidHostname(_ name: String) -> Bool {
        guard (1...64).contains(name.utf8.count), let first = name.unicodeScalars.first, first != "-", first != "." else {
            return false
        }
        return name.unicodeScalars.allSatisfy {
            CNINetworkConfig.isAlphanumeric($0) || $0 == "-" || $0 == "_" || $0 == "."
        }
    }
}
