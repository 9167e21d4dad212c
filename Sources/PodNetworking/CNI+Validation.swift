import PodSystem
#if canImport(Glibc)
import Glibc
#endif

extension CNI {
    /// Container ids as CNI 1.0 allows them (`^[a-zA-Z0-9][a-zA-Z0-9_.\-]*$`); they also
    /// name a state directory, so nothing else may pass.
    public static func isValidContainerID(_ id: String) -> Bool {
        CNINetworkConfig.isValidNetworkName(id)
    }

    /// Linux interface names: 1–15 bytes, not `.`/`..`, no `/`, `:` or white space.
    public static func isValidInterfaceName(_ name: String) -> Bool {
        guard (1...15).contains(name.utf8.count), name != ".", name != ".." else { return false }
        return !name.unicodeScalars.contains { $0 == "/" || $0 == ":" || $0.value <= 0x20 || $0.value == 0x7f }
    }

    static func validate(containerID: String, interfaceName: String?, args: [String: String]) throws(PodNetworkingError) {
        guard isValidContainerID(containerID) else {
            throw PodNetworkingError(.invalidArgument,
                                     "invalid CNI container id '\(containerID)': it must start with a letter or digit and contain only letters, digits, '_', '.' and '-'")
        }
        if let interfaceName, !isValidInterfaceName(interfaceName) {
            throw PodNetworkingError(.invalidArgument,
                                     "invalid interface name '\(interfaceName)' for container \(containerID) (1–15 bytes, no '/', ':' or spaces)")
        }
        for (key, value) in args {
            let bad = key.isEmpty || key.contains("=") || key.contains(";") || value.contains(";")
                || (key + value).unicodeScalars.contains { $0.value < 0x20 }
            if bad {
                throw PodNetworkingError(.invalidArgument,
                                         "invalid CNI_ARGS entry '\(key)' for container \(containerID): keys and values may not contain ';', keys not '='")
            }
        }
    }

    /// Whether `path` is a network namespace file (PodSystem asks the kernel).
    static func isNetworkNamespace(_ path: String) -> Bool {
        NetworkNamespace.isNetworkNamespace(path)
    }
}
