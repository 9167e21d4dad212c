/// Small constructors and predicates over the generated types that the executor,
/// scheduler and stand-ins all need.

extension Mesos_V1_TaskID {
    public init(_ value: String) { self.init(); self.value = value }
}
extension Mesos_V1_ExecutorID {
    public init(_ value: String) { self.init(); self.value = value }
}
extension Mesos_V1_FrameworkID {
    public init(_ value: String) { self.init(); self.value = value }
}
extension Mesos_V1_AgentID {
    public init(_ value: String) { self.init(); self.value = value }
}
extension Mesos_V1_OfferID {
    public init(_ value: String) { self.init(); self.value = value }
}
extension Mesos_V1_ContainerID {
    public init(_ value: String) { self.init(); self.value = value }
}

extension Mesos_V1_TaskState {
    /// Terminal states: after one of these no further update is sent for the task.
    public var isTerminal: Bool {
        switch self {
        case .taskFinished, .taskFailed, .taskKilled, .taskError, .taskLost, .taskDropped,
             .taskGone, .taskGoneByOperator:
            return true
        default:
            return false
        }
    }

    /// The upstream enum name (`TASK_RUNNING`), as it appears in JSON and logs.
    public var name: String {
        switch self {
        case .taskStaging: return "TASK_STAGING"
        case .taskStarting: return "TASK_STARTING"
        case .taskRunning: return "TASK_RUNNING"
        case .taskKilling: return "TASK_KILLING"
        case .taskFinished: return "TASK_FINISHED"
        case .taskFailed: return "TASK_FAILED"
        case .taskKilled: return "TASK_KILLED"
        case .taskError: return "TASK_ERROR"
        case .taskLost: return "TASK_LOST"
        case .taskDropped: return "TASK_DROPPED"
        case .taskUnreachable: return "TASK_UNREACHABLE"
        case .taskGone: return "TASK_GONE"
        case .taskGoneByOperator: return "TASK_GONE_BY_OPERATOR"
        case .taskUnknown: return "TASK_UNKNOWN"
        }
    }
}

extension Mesos_V1_Resource {
    /// A scalar resource (`cpus`, `mem`, `disk`, `gpus`).
    public static func scalar(_ name: String, _ value: Double, role: String? = nil) -> Mesos_V1_Resource {
        var r = Mesos_V1_Resource()
        r.name = name
        r.type = .scalar
        r.scalar.value = value
        if let role { r.allocationInfo.role = role }
        return r
    }

    /// A `ports`-style ranges resource.
    public static func ranges(_ name: String, _ ranges: [ClosedRange<UInt64>], role: String? = nil) -> Mesos_V1_Resource {
        var r = Mesos_V1_Resource()
        r.name = name
        r.type = .ranges
        r.ranges.range = ranges.map { range in
            var v = Mesos_V1_Value.Range()
            v.begin = range.lowerBound
            v.end = range.upperBound
            return v
        }
        if let role { r.allocationInfo.role = role }
        return r
    }
}

extension Array where Element == Mesos_V1_Resource {
    /// Sum of a named scalar resource.
    public func scalar(_ name: String) -> Double {
        filter { $0.name == name && $0.type == .scalar }.reduce(0) { $0 + $1.scalar.value }
    }

    /// All ranges of a named ranges resource.
    public func ranges(_ name: String) -> [ClosedRange<UInt64>] {
        filter { $0.name == name && $0.type == .ranges }
            .flatMap { $0.ranges.range }
            .compactMap { $0.begin <= $0.end ? $0.begin...$0.end : nil }
    }
}

extension Mesos_V1_Labels {
    /// Labels from key/value pairs, keeping order.
    public init(_ pairs: [(String, String)]) {
        self.init()
        labels = pairs.map { k, v in
            var l = Mesos_V1_Label()
            l.key = k
            l.value = v
            return l
        }
    }
}
