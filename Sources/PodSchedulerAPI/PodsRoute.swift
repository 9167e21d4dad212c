import Foundation

/// What a `/v2/pods/…` path addresses, parsed the way Marathon's Jersey templates match it
/// (`{id:.+}::status`, `{id:.+}::versions/{version}`, … take precedence over `{id:.+}`).
///
/// Ids keep their raw text (without surrounding slashes); the handlers canonicalize or
/// validate them, since some endpoints answer 422 for an invalid id and others 404.
enum PodsRoute: Equatable, Sendable {
    /// `/v2/pods` (or `/v2/pods/`).
    case collection
    /// `/v2/pods/::status`: every pod's status.
    case allStatus
    /// `/v2/pods/{id}`.
    case pod(String)
    /// `/v2/pods/{id}::status`.
    case status(String)
    /// `/v2/pods/{id}::versions`.
    case versions(String)
    /// `/v2/pods/{id}::versions/{version}`.
    case version(String, version: String)
    /// `/v2/pods/{id}::instances`.
    case instances(String)
    /// `/v2/pods/{id}::instances/{instanceId}`.
    case instance(String, instanceId: String)

    /// The route family, a low-cardinality label for metrics.
    var family: String {
        switch self {
        case .collection: "pods"
        case .allStatus: "pods_status"
        case .pod: "pod"
        case .status: "pod_status"
        case .versions: "pod_versions"
        case .version: "pod_version"
        case .instances: "pod_instances"
        case .instance: "pod_instance"
        }
    }

    /// Parses a request path (as sent, percent-encoded) that starts with `/v2/pods`.
    ///
    /// Returns nil for paths outside `/v2/pods`.
    init?(path rawPath: String) {
        let path = rawPath.removingPercentEncoding ?? rawPath
        guard let rest = PodsRoute.stripPrefix(path) else { return nil }
        let trimmed = PodsRoute.trimSlashes(rest)
        if trimmed.isEmpty {
            self = .collection
            return
        }
        // The greedy `{id:.+}` of the templates: the last `::` starts the suffix.
        if let marker = trimmed.range(of: "::", options: .backwards),
           let route = PodsRoute.suffixRoute(id: PodsRoute.trimSlashes(String(trimmed[..<marker.lowerBound])),
                                             suffix: String(trimmed[marker.upperBound...])) {
            self = route
            return
        }
        self = .pod(trimmed)
    }

    private static func suffixRoute(id: String, suffix: String) -> PodsRoute? {
        let parts = suffix.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        switch (parts.first, parts.count) {
        case ("status", 1):
            return id.isEmpty ? .allStatus : .status(id)
        case ("versions", 1):
            return .versions(id)
        case ("versions", 2):
            return .version(id, version: parts[1])
        case ("instances", 1):
            return .instances(id)
        case ("instances", 2):
            return .instance(id, instanceId: parts[1])
        default:
            return nil
        }
    }

    /// The text after `/v2/pods`, tolerating doubled slashes before and between the
    /// fixed segments.
    private static func stripPrefix(_ path: String) -> String? {
        var rest = Substring(path)
        for segment in ["v2", "pods"] {
            rest = rest.drop { $0 == "/" }
            guard rest.hasPrefix(segment) else { return nil }
            rest = rest.dropFirst(segment.count)
            guard rest.isEmpty || rest.first == "/" else { return nil }
        }
        return String(rest)
    }

    static func trimSlashes(_ text: String) -> String {
        var slice = Substring(text)
        while slice.first == "/" { slice.removeFirst() }
        while slice.last == "/" { slice.removeLast() }
        return String(slice)
    }
}
