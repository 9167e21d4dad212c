import Foundation

/// What pod-scheduler and pod-executor agree on for per-container restarts
/// (`lifecycle.restart` of a pod container, docs/pod-lifecycle.md "Restarts").
///
/// - The policy travels in the container's `TaskInfo.labels` under ``policyLabel``, as compact
///   JSON. A label, not `TaskInfo.data` (which holds the secret token) and not a field of
///   our own: a real Mesos agent hands `TaskInfo` to the executor unchanged, Mesos shows it
///   in `/state`, and any other executor ignores it.
/// - Each restart is a `TASK_RUNNING` update whose `TaskStatus.labels` carry the restart
///   count and the last termination (``StatusLabel``); the scheduler shows them in `::status`.
public enum PodRestartContract {
    /// The `TaskInfo` label that holds a container's restart policy.
    public static let policyLabel = "io.mesos-pods.restart"

    /// The keys of the `TaskStatus.labels` of a restart update.
    public enum StatusLabel {
        /// Restarts of this container so far (in place, container or pod scope), decimal.
        public static let restartCount = "io.mesos-pods.restartCount"
        /// `container` (this container alone) or `pod` (every container of the pod).
        public static let scope = "io.mesos-pods.restartScope"
        /// The exit status of the last termination, when it exited.
        public static let exitCode = "io.mesos-pods.lastTermination.exitCode"
        /// The signal number of the last termination, when a signal ended it.
        public static let signal = "io.mesos-pods.lastTermination.signal"
        /// `true` when the kernel OOM killer ended it.
        public static let oomKilled = "io.mesos-pods.lastTermination.oomKilled"
        /// When it ended: seconds since the epoch, decimal.
        public static let finishedAt = "io.mesos-pods.lastTermination.finishedAt"
    }

    /// When a container is restarted.
    public enum Policy: String, Codable, Sendable, Hashable, CaseIterable {
        /// Never (Marathon and the Mesos default executor: the group policy applies).
        case never = "Never"
        /// When it ends with a status outside `successExitCodes` or by a signal.
        case onFailure = "OnFailure"
        /// Whenever it ends.
        case always = "Always"
    }

    /// A container's restart policy as the executor receives it.
    public struct Restart: Codable, Sendable, Hashable {
        public var policy: Policy
        public var maxRestarts: Int
        public var windowSeconds: Double
        public var backoffSeconds: Double
        public var maxBackoffSeconds: Double
        public var successExitCodes: [Int32]

        public init(policy: Policy = .never, maxRestarts: Int = 3, windowSeconds: Double = 60, backoffSeconds: Double = 1,
                    maxBackoffSeconds: Double = 30, successExitCodes: [Int32] = [0]) {
            self.policy = policy
            self.maxRestarts = maxRestarts
            self.windowSeconds = windowSeconds
            self.backoffSeconds = backoffSeconds
            self.maxBackoffSeconds = maxBackoffSeconds
            self.successExitCodes = successExitCodes
        }

        /// Whether a termination (an exit status, or nil for a signal) calls for a restart.
        public func restarts(exitCode: Int32?) -> Bool {
            switch policy {
            case .never: return false
            case .always: return true
            case .onFailure: return exitCode.map { !successExitCodes.contains($0) } ?? true
            }
        }

        /// The delay before restart number `attempt` (1-based, counted in the window):
        /// `backoffSeconds` doubled per attempt, at most `maxBackoffSeconds`.
        public func backoff(attempt: Int) -> Double {
            let doublings = Double(max(0, min(attempt - 1, 30)))
            return max(0, min(backoffSeconds * pow(2, doublings), maxBackoffSeconds))
        }

        /// The label value (compact JSON, keys sorted).
        public var labelValue: String {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            guard let data = try? encoder.encode(self) else { return "{}" }
            return String(decoding: data, as: UTF8.self)
        }
    }

    /// The policy in a task's labels: nil when there is none, an error message when the
    /// label is there but unreadable.
    public static func restart(in labels: Mesos_V1_Labels) -> Result<Restart, Failure>? {
        guard let label = labels.labels.last(where: { $0.key == policyLabel }) else { return nil }
        do {
            let restart = try JSONDecoder().decode(Restart.self, from: Data(label.value.utf8))
            guard restart.maxRestarts >= 0, restart.windowSeconds > 0, restart.backoffSeconds >= 0,
                  restart.maxBackoffSeconds >= restart.backoffSeconds else {
                return .failure(Failure(message: "label \(policyLabel): maxRestarts, windowSeconds or the backoffs are out of range"))
            }
            return .success(restart)
        } catch {
            return .failure(Failure(message: "label \(policyLabel) is not a restart policy: \(error)"))
        }
    }

    /// The `TaskInfo` label with a container's start dependencies (`dependsOn`):
    /// `name:CONDITION` pairs, comma-separated, naming other tasks of the group by `TaskInfo.name`.
    public static let dependsOnLabel = "io.mesos-pods.dependsOn"

    /// When a dependency is satisfied.
    public enum Condition: String, Codable, Sendable, Hashable, CaseIterable {
        /// It has started (TASK_RUNNING).
        case started = "STARTED"
        /// Its health check passed once.
        case healthy = "HEALTHY"
        /// Its readiness check passed (not supported yet: refused by validation).
        case ready = "READY"
        /// It exited 0 (an init step).
        case completed = "COMPLETED"
    }

    /// One start dependency.
    public struct Dependency: Codable, Sendable, Hashable {
        public var container: String
        public var condition: Condition
        public init(container: String, condition: Condition) {
            self.container = container
            self.condition = condition
        }
    }

    /// The label value of a dependency list.
    public static func dependsOnValue(_ dependencies: [Dependency]) -> String {
        dependencies.map { "\($0.container):\($0.condition.rawValue)" }.joined(separator: ",")
    }

    /// The dependencies in a task's labels: nil without the label, an error when unreadable.
    public static func dependencies(in labels: Mesos_V1_Labels) -> Result<[Dependency], Failure>? {
        guard let label = labels.labels.last(where: { $0.key == dependsOnLabel }) else { return nil }
        var result: [Dependency] = []
        for item in label.value.split(separator: ",") {
            let parts = item.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, let condition = Condition(rawValue: String(parts[1])) else {
                return .failure(Failure(message: "label \(dependsOnLabel): '\(item)' is not name:CONDITION"))
            }
            result.append(Dependency(container: String(parts[0]), condition: condition))
        }
        return .success(result)
    }

    /// An unreadable policy label.
    public struct Failure: Error, Sendable, Equatable {
        public var message: String
    }
}
