import Foundation

extension LocalCluster.Configuration {
    /// The embedded agent's flags as the command line gives them: `pod-scheduler` names
    /// them `--local-cpus`, `--local-master-port`, …; `pod-scheduler local-cluster` names
    /// them `--cpus`, `--master-port`, …
    struct Flags {
        /// `--local-` or `--`.
        var prefix: String
        var address = "127.0.0.1"
        var cpus: Double?
        var memory: Double?
        var disk: Double
        var ports: String
        var masterPort: Int
        var agentPort: Int
        var cniConfigDirectory: String
        var dockerRegistry: String?
        var imageStore: String?
    }

    /// Checks the flags; every problem is added to `problems`, named after its flag.
    init(workDirectory: String, flags: Flags, problems: inout [String]) {
        let cpus = flags.cpus ?? Double(ProcessInfo.processInfo.activeProcessorCount)
        let memory = flags.memory ?? max(1024, Double(ProcessInfo.processInfo.physicalMemory / 1_048_576) - 1024)
        self.init(workDirectory: workDirectory, cpus: cpus, memoryMB: memory)
        let p = flags.prefix
        if !(cpus > 0) { problems.append("\(p)cpus must be positive") }
        if !(memory >= 32) { problems.append("\(p)mem must be at least 32") }
        if !(flags.disk >= 0) { problems.append("\(p)disk must not be negative") }
        diskMB = flags.disk
        ports = Self.portRanges(flags.ports, flag: "\(p)ports", problems: &problems)
        for (name, port) in [("master-port", flags.masterPort), ("agent-port", flags.agentPort)] where !(0...65535).contains(port) {
            problems.append("\(p)\(name): \(port) is not a port")
        }
        masterPort = flags.masterPort
        agentPort = flags.agentPort
        var ipv4 = in_addr()
        if inet_pton(AF_INET, flags.address, &ipv4) != 1 || ipv4.s_addr == 0 {
            problems.append("--address: '\(flags.address)' is not an IPv4 address to listen on (e.g. 127.0.0.1)")
        }
        address = flags.address
        cniConfigDirectory = flags.cniConfigDirectory
        if let store = flags.imageStore {
            if store.hasPrefix("/") { imageStore = store } else { problems.append("--image-store: \(store) must be an absolute path") }
        }
        if let registry = flags.dockerRegistry {
            var host = registry
            for scheme in ["https://", "http://"] where host.hasPrefix(scheme) { host = String(host.dropFirst(scheme.count)) }
            while host.hasSuffix("/") { host = String(host.dropLast()) }
            if host.isEmpty || host.contains("/") || host.contains(",") || host.contains("=") {
                problems.append("--docker-registry: '\(registry)' is not a registry host[:port]")
            } else {
                dockerRegistry = host
            }
        }
    }

    /// `31000-32000,8080`: ranges and single ports.
    static func portRanges(_ text: String, flag: String, problems: inout [String]) -> [ClosedRange<UInt64>] {
        var ranges: [ClosedRange<UInt64>] = []
        for part in text.split(separator: ",") {
            let pieces = part.split(separator: "-", omittingEmptySubsequences: false)
            let bounds = pieces.compactMap { UInt64($0.trimmingCharacters(in: .whitespaces)) }
            if bounds.count != pieces.count {
                problems.append("\(flag): '\(part)' is not a port range like 31000-32000")
            } else if bounds.count == 2, bounds[0] <= bounds[1], bounds[1] <= 65535 {
                ranges.append(bounds[0]...bounds[1])
            } else if bounds.count == 1, bounds[0] <= 65535 {
                ranges.append(bounds[0]...bounds[0])
            } else {
                problems.append("\(flag): '\(part)' is not a port range like 31000-32000")
            }
        }
        return ranges
    }
}
