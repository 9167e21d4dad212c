import PodSystem

/// The operator's directory of CNI network configurations (Mesos' `--network_cni_config_dir`):
/// every `*.conf`, `*.conflist` and `*.json` file in it, keyed by the `name` inside.
///
/// The directory is read on every lookup, so configurations added or changed by the
/// operator take effect for the next pod without a restart (as Mesos reloads on a miss).
public struct CNIConfigDirectory: Sendable {
    /// The directory.
    public let path: String
    /// Files larger than this are refused.
    public var maxFileSize: Int = 1 << 20

    /// A directory of configurations.
    public init(path: String) {
        self.path = path
    }

    /// A file that could not be used, with the reason.
    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        /// The file.
        public var file: String
        /// Why it was skipped.
        public var reason: String
        /// The network name it defines when the problem is a duplicate name.
        public var duplicateName: String? = nil

        public var description: String { reason }
    }

    /// Every valid configuration by network name, and the files that could not be used.
    /// When two files define the same name, neither is used and both are reported.
    public func loadAll() -> (networks: [String: CNINetworkConfig], problems: [Problem]) {
        var byName: [String: [CNINetworkConfig]] = [:]
        var problems: [Problem] = []
        for file in configurationFiles() {
            do {
                let bytes = try FileContents.bytes(file, limit: maxFileSize + 1)
                guard bytes.count <= maxFileSize else {
                    problems.append(Problem(file: file, reason: "CNI network configuration \(file) is larger than \(maxFileSize) bytes"))
                    continue
                }
                let config = try CNINetworkConfig.parse(bytes, source: file)
                byName[config.name, default: []].append(config)
            } catch let error as PodNetworkingError {
                problems.append(Problem(file: file, reason: error.message))
            } catch {
                problems.append(Problem(file: file, reason: "cannot read CNI network configuration \(file): \(error)"))
            }
        }
        var networks: [String: CNINetworkConfig] = [:]
        for (name, configs) in byName {
            if configs.count == 1 {
                networks[name] = configs[0]
            } else {
                let files = configs.map(\.source).joined(separator: ", ")
                for config in configs {
                    problems.append(Problem(file: config.source,
                                            reason: "CNI network '\(name)' is defined more than once (\(files))",
                                            duplicateName: name))
                }
            }
        }
        return (networks, problems)
    }

    /// The configuration of the network `name`, or nil if no file defines it. Throws when the
    /// name is defined more than once. Files that cannot be parsed are reported in the error
    /// only when the name is not found (one broken file does not take down other networks).
    public func lookup(_ name: String) throws(PodNetworkingError) -> CNINetworkConfig? {
        let (networks, problems) = loadAll()
        if let config = networks[name] { return config }
        if let first = problems.first(where: { $0.duplicateName == name }) {
            throw PodNetworkingError(.duplicateNetwork, first.reason)
        }
        return nil
    }

    /// The configuration of the network `name`; a clear error if there is none.
    public func load(_ name: String) throws(PodNetworkingError) -> CNINetworkConfig {
        if let config = try lookup(name) { return config }
        throw notFound(name)
    }

    /// The "unknown network" error, listing what is available and what was skipped.
    func notFound(_ name: String) -> PodNetworkingError {
        let (networks, problems) = loadAll()
        var message = "unknown CNI network '\(name)': no configuration in \(path) has that name"
        if Directory.isDirectory(path) {
            let names = networks.keys.sorted()
            message += names.isEmpty ? " (it has no usable configurations)" : " (available: \(names.joined(separator: ", ")))"
        } else {
            message += " (the directory does not exist)"
        }
        if !problems.isEmpty {
            message += "; skipped: " + problems.map(\.reason).joined(separator: "; ")
        }
        return PodNetworkingError(.networkNotFound, message)
    }

    /// Configuration files in name order (hidden files and editor leftovers are ignored).
    func configurationFiles() -> [String] {
        Directory.list(path)
            .filter { !$0.hasPrefix(".") && ($0.hasSuffix(".conf") || $0.hasSuffix(".conflist") || $0.hasSuffix(".json")) }
            .map { path + "/" + $0 }
            .filter { !Directory.isDirectory($0) }
    }
}
