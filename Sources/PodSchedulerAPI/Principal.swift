import PodSpec

/// What a principal may do to pods below a path: Marathon's `ViewRunSpec`,
/// `CreateRunSpec`, `UpdateRunSpec` and `DeleteRunSpec`.
public enum PodAction: String, Sendable, Hashable, CaseIterable, Comparable {
    case view, create, update, delete

    public static func < (a: PodAction, b: PodAction) -> Bool {
        allCases.firstIndex(of: a) ?? 0 < allCases.firstIndex(of: b) ?? 0
    }
}

/// Actions allowed on the pods at or below some paths (`/team-a` covers `/team-a` and
/// `/team-a/web`, not `/team-ab`; `/` covers every pod).
public struct PermissionRule: Sendable, Equatable {
    public var actions: Set<PodAction>
    public var paths: [PodId]

    public init(actions: Set<PodAction>, paths: [PodId]) {
        self.actions = actions
        self.paths = paths
    }

    /// Whether the rule allows `action` on the pod `id`.
    public func allows(_ action: PodAction, on id: PodId) -> Bool {
        actions.contains(action) && paths.contains { path in
            path.segments.count <= id.segments.count && Array(id.segments.prefix(path.segments.count)) == path.segments
        }
    }
}

/// Who made a request, and what they may do. Credentials are not kept here.
public struct Principal: Sendable, Equatable {
    /// The principal's name (logged with requests that it is refused).
    public var name: String
    public var rules: [PermissionRule]

    public init(name: String, rules: [PermissionRule]) {
        self.name = name
        self.rules = rules
    }

    /// Whether the principal may do `action` to the pod `id`.
    public func may(_ action: PodAction, _ id: PodId) -> Bool {
        rules.contains { $0.allows(action, on: id) }
    }

    /// A principal that may do everything: anyone when the API is open, and the one user or
    /// token of `--auth-basic-file`/`--auth-token-file`.
    public static func unrestricted(_ name: String) -> Principal {
        Principal(name: name, rules: [PermissionRule(actions: Set(PodAction.allCases), paths: [PodId(segments: [])])])
    }

    /// The principal of the request being handled (bound by ``APIMiddleware``). Outside a
    /// request it is nil, which may do nothing.
    @TaskLocal public static var current: Principal?
}
