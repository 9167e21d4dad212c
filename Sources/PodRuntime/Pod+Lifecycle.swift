import PodSystem

extension Pod {
    /// Where the pod is in its life. Its network is made once, before its first container,
    /// and goes at teardown; nothing launches once teardown has begun.
    enum Lifecycle {
        /// No network yet: ``setNetwork(_:hostname:)`` may still change it.
        case created
        /// The network is up: the pod's namespace (container networking) or none (the host's).
        case networkReady(NetworkNamespace?)
        /// ``destroy()`` has begun: containers are being killed, the namespace still exists.
        case tearingDown(NetworkNamespace?)
        /// Everything is gone.
        case destroyed

        var networkNamespace: NetworkNamespace? {
            switch self {
            case .networkReady(let namespace), .tearingDown(let namespace): namespace
            case .created, .destroyed: nil
            }
        }

        var isTornDown: Bool {
            switch self {
            case .tearingDown, .destroyed: true
            case .created, .networkReady: false
            }
        }
    }

    /// The pod's /etc/hosts, /etc/resolv.conf and /etc/hostname for image containers: the
    /// files the network setup wrote, else the agent's own.
    func podEtcFiles() -> [String: String] {
        if !podEtc.isEmpty { return podEtc }
        var files: [String: String] = [:]
        for name in ["hosts", "resolv.conf", "hostname"] where Directory.exists("/etc/" + name) {
            files[name] = "/etc/" + name
        }
        return files
    }
}
