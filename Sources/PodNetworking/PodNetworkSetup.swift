import Logging
import PodSystem

/// Gives a pod its networks: each network joined through CNI as `eth0`, `eth1`, … in the
/// pod's namespace, then the pod's `hosts`, `hostname` and `resolv.conf` written for the
/// runtime to bind-mount. Teardown removes the networks in reverse order, also when the
/// namespace is already gone, and may be repeated.
public struct PodNetworkSetup: Sendable {
    /// One network a pod joins (`NetworkInfo` of the executor).
    public struct Network: Sendable, Equatable {
        /// The CNI network name (`NetworkInfo.name`).
        public var name: String
        /// Host ports forwarded into the pod (`NetworkInfo.port_mappings`).
        public var portMappings: [CNIPortMapping]
        /// The network's labels (`NetworkInfo.labels`), passed to plugins as Mesos does.
        public var labels: [String: String]

        /// A network by name.
        public init(name: String, portMappings: [CNIPortMapping] = [], labels: [String: String] = [:]) {
            self.name = name
            self.portMappings = portMappings
            self.labels = labels
        }
    }

    /// What ``setUp(containerID:hostname:networks:netnsPath:filesDirectory:)`` produced.
    public struct Status: Sendable, Equatable {
        /// The pod's addresses, in network order; the first is the pod's IP.
        public var addresses: [PodNetworkAddress]
        /// The CNI results, one per network in order.
        public var results: [CNIResult]
        /// The written files.
        public var files: PodNetworkFiles
    }

    /// The CNI front end.
    public let cni: CNI
    /// The host's resolver configuration, used when no network supplies DNS settings.
    public var hostResolvConf: String
    /// Read when the host's file only names loopback servers (systemd-resolved's upstreams).
    public var fallbackResolvConf: String
    let logger: Logger

    /// Creates the setup.
    public init(cni: CNI, hostResolvConf: String = "/etc/resolv.conf",
                fallbackResolvConf: String = "/run/systemd/resolve/resolv.conf",
                logger: Logger = Logger(label: "pod.network")) {
        self.cni = cni
        self.hostResolvConf = hostResolvConf
        self.fallbackResolvConf = fallbackResolvConf
        self.logger = logger
    }

    /// The default bridge network (Marathon `container/bridge`) with port mappings.
    public func bridgeNetwork(portMappings: [CNIPortMapping], labels: [String: String] = [:]) -> Network {
        Network(name: cni.configuration.defaultBridge.name, portMappings: portMappings, labels: labels)
    }

    /// Attaches `networks` to the namespace at `netnsPath` and writes the pod's network
    /// files into `filesDirectory`. On failure everything already attached is detached.
    public func setUp(containerID: String, hostname: String, networks: [Network], netnsPath: String,
                      filesDirectory: String) async throws(PodNetworkingError) -> Status {
        guard !networks.isEmpty else {
            throw PodNetworkingError(.invalidArgument, "container \(containerID) joins no network")
        }
        guard PodNetworkFiles.isValidHostname(hostname) else {
            throw PodNetworkingError(.invalidArgument,
                                     "invalid hostname '\(hostname)' for container \(containerID) (1–64 letters, digits, '-', '_', '.')")
        }
        guard filesDirectory.hasPrefix("/") else {
            throw PodNetworkingError(.invalidArgument, "the network files directory '\(filesDirectory)' must be absolute")
        }
        let existing = try cni.attachments(containerID: containerID)
        guard existing.isEmpty else {
            throw PodNetworkingError(.invalidArgument,
                                     "container \(containerID) already has networks (\(existing.map(\.network).joined(separator: ", "))); tear them down first")
        }
        var seen: Set<String> = []
        for network in networks where !seen.insert(network.name).inserted {
            throw PodNetworkingError(.invalidArgument, "container \(containerID) lists network '\(network.name)' twice")
        }
        do throws(PodNetworkingError) {
            var results: [CNIResult] = []
            var addresses: [PodNetworkAddress] = []
            for (index, network) in networks.enumerated() {
                let interfaceName = "eth\(index)"
                let result = try await cni.attach(network: network.name, containerID: containerID, netnsPath: netnsPath,
                                                  interfaceName: interfaceName, portMappings: network.portMappings,
                                                  labels: network.labels)
                results.append(result)
                for ip in result.ips where result.interface(of: ip).map({ $0.sandbox != nil && $0.name == interfaceName }) ?? true {
                    addresses.append(PodNetworkAddress(network: network.name, ip: ip.ip, prefixLength: ip.prefixLength,
                                                       gateway: ip.gateway, interfaceName: interfaceName, isIPv6: ip.isIPv6))
                }
            }
            let files = try writeFiles(containerID: containerID, hostname: hostname, addresses: addresses,
                                       results: results, directory: filesDirectory)
            logger.info("pod network up", metadata: ["pod.container_id": "\(containerID)",
                                                     "pod.ips": "\(addresses.map(\.ip).joined(separator: ","))"])
            return Status(addresses: addresses, results: results, files: files)
        } catch {
            do throws(PodNetworkingError) {
                try await cni.cleanup(containerID: containerID)
            } catch let rollback {
                var failed = error
                failed.message += " (detaching the networks already joined also failed: \(rollback.message))"
                throw failed
            }
            throw error
        }
    }

    /// Detaches every network of the container (reverse order, cached results, missing
    /// namespace tolerated). Repeating it is harmless.
    public func tearDown(containerID: String) async throws(PodNetworkingError) {
        try await cni.cleanup(containerID: containerID)
    }

    func writeFiles(containerID: String, hostname: String, addresses: [PodNetworkAddress], results: [CNIResult],
                    directory: String) throws(PodNetworkingError) -> PodNetworkFiles {
        let files = PodNetworkFiles(directory: directory)
        let primary = addresses.first { !$0.isIPv6 } ?? addresses.first
        let hosts = PodNetworkFiles.renderHosts(hostname: hostname, ip: primary?.ip)
        let resolv: String
        if let dns = results.first(where: { !$0.dns.nameservers.isEmpty })?.dns {
            resolv = PodNetworkFiles.renderResolvConf(dns)
        } else if let host = [hostResolvConf, fallbackResolvConf].lazy
            .compactMap({ (try? FileContents.read($0, limit: 1 << 20)).flatMap(PodNetworkFiles.filterHostResolvConf) }).first {
            resolv = host
        } else {
            logger.warning("no usable name server for pod", metadata: ["pod.container_id": "\(containerID)",
                                                                       "resolv.host_file": "\(hostResolvConf)"])
            resolv = "# no non-loopback name server found in \(hostResolvConf)\n"
        }
        do {
            try Directory.create(directory, mode: 0o755)
            try FileContents.writeAtomically(files.hosts, Array(hosts.utf8), mode: 0o644)
            try FileContents.writeAtomically(files.hostname, Array((hostname + "\n").utf8), mode: 0o644)
            try FileContents.writeAtomically(files.resolvConf, Array(resolv.utf8), mode: 0o644)
        } catch {
            throw PodNetworkingError(.state, "cannot write the network files of container \(containerID) into \(directory): \(error)",
                                     cause: error)
        }
        return files
    }
}
