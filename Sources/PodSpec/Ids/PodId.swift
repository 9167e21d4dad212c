/// An absolute pod id such as `/prod/web`.
///
/// Built from URL or body text the way Marathon canonicalizes ids: leading and trailing
/// slashes are stripped, empty segments dropped, `.` and `..` resolved, and the result is
/// absolute.
public struct PodId: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// The path segments (`["prod", "web"]`).
    public let segments: [String]

    /// An id from its segments.
    public init(segments: [String]) {
        self.segments = segments
    }

    /// The canonical absolute id of `text` (`mypod/`, `//mypod` and `/mypod` are all `/mypod`).
    public init(canonicalizing text: String) {
        var result: [String] = []
        for segment in text.split(separator: "/", omittingEmptySubsequences: true) {
            switch segment {
            case ".": continue
            case "..": if !result.isEmpty { result.removeLast() }
            default: result.append(String(segment))
            }
        }
        segments = result
    }

    /// The id from a `safeId` (`g_p` → `/g/p`).
    public init(safeId: String) {
        segments = safeId.isEmpty ? [] : safeId.split(separator: "_", omittingEmptySubsequences: false).map(String.init)
    }

    /// `/a/b`.
    public var absolute: String { "/" + segments.joined(separator: "/") }

    /// `a_b`: the form used inside instance, task and executor ids.
    public var safeId: String { segments.joined(separator: "_") }

    /// `b.a`: the path reversed and dot-joined, used as the Mesos discovery name.
    public var hostname: String { segments.reversed().joined(separator: ".") }

    /// The top-level group (`g` for `/g/sub/pod`), if the pod is not at the root.
    public var topLevelGroup: String? { segments.count > 1 ? segments.first : nil }

    /// Whether this is the root `/`.
    public var isRoot: Bool { segments.isEmpty }

    /// `/a/b`.
    public var description: String { absolute }

    /// Orders segment-wise.
    public static func < (lhs: PodId, rhs: PodId) -> Bool {
        lhs.segments.lexicographicallyPrecedes(rhs.segments)
    }

    /// Decodes from the absolute text form.
    public init(from decoder: any Decoder) throws {
        self.init(canonicalizing: try decoder.singleValueContainer().decode(String.self))
    }

    /// Encodes as the absolute text form.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(absolute)
    }
}
