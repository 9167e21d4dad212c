import Foundation
import PodSpec

/// What the REST layer asks of the scheduler. The REST layer validates and parses
/// (PodSpec), calls this, and renders the answers; the scheduler core owns storage,
/// deployments and Mesos.
public protocol PodService: Sendable {
    /// The event stream `/v2/events` reads (and the REST layer publishes pod events to).
    var events: EventBus { get }
    /// POST /v2/pods: stores the pod and starts a StartPod+ScalePod deployment.
    /// Throws `.alreadyExists` (409), `.locked` (409) or `.tooManyDeployments` (403).
    func create(_ pod: PodDefinition, force: Bool) async throws(PodServiceError) -> PodChange
    /// PUT /v2/pods/{id}: creates or replaces (ScalePod, RestartPod or no steps).
    func update(_ pod: PodDefinition, force: Bool) async throws(PodServiceError) -> PodChange
    /// DELETE /v2/pods/{id}: removes the pod at once and starts a StopPod deployment.
    func delete(_ id: PodId, force: Bool) async throws(PodServiceError) -> String
    /// The current spec, or nil.
    func pod(_ id: PodId) async -> PodDefinition?
    func pods() async -> [PodDefinition]
    /// Version timestamps of a pod, nil when the pod does not exist.
    func versions(_ id: PodId) async -> [PodVersion]?
    /// A pod as stored at a version (kept after deletion: history is tied to the id).
    func pod(_ id: PodId, version: PodVersion) async -> PodDefinition?
    /// Everything `::status` needs for one pod, nil when the pod does not exist.
    func statusSnapshot(_ id: PodId) async -> PodStatusSnapshot?
    func statusSnapshots() async -> [PodStatusSnapshot]
    /// DELETE …::instances: kills the given instances of a pod or app id (the count
    /// stays; `wipe` replaces them with new ids). Returns the instances found.
    func killInstances(_ id: PodId, instanceIds: [String], wipe: Bool) async throws(PodServiceError) -> [InstanceSnapshot]
    /// Running deployments, for GET /v2/deployments.
    func deployments() async -> [DeploymentSnapshot]
    /// DELETE /v2/deployments/{id}: rollback (returns the new deployment) or, with
    /// force, cancel (returns nil).
    func cancelDeployment(_ id: String, force: Bool) async throws(PodServiceError) -> PodChange?
    /// GET /v2/info.
    func info() async -> SchedulerInfo
    /// `POST /executor/v1/secrets`: the values of `names` for the executor of `instanceID`,
    /// when `token` is that instance's unused token for its current launch and covers them.
    /// Redeeming uses the token up.
    func redeemSecrets(token: String, instanceID: String, names: [String]) async throws(SecretAccessError) -> [String: [UInt8]]
    /// GET /v2/queue: one item per pod and role with instances waiting for an offer or
    /// their backoff; `lastUnusedOffers` only when asked for.
    func queue(embedLastUnusedOffers: Bool) async -> [QueueItemSnapshot]
    /// DELETE /v2/queue/{id}/delay: resets the pod's launch backoff. False when the pod
    /// does not exist or has no scheduled instance.
    func resetDelay(_ id: PodId) async -> Bool
}

/// Why an executor gets no secrets. Messages never hold a secret value or the token.
public enum SecretAccessError: Error, Sendable, Equatable {
    /// 401: no token, a token this scheduler did not issue, or an expired one.
    case invalidToken(String)
    /// 403: a valid token that does not open this: used already, another instance's, names
    /// it does not cover, or an instance that is no longer launching.
    case forbidden(String)
    /// 404: a secret the pod names is not in the store.
    case notFound(String)
    /// 503: the store cannot be read, or the redemption cannot be recorded.
    case unavailable(String)

    public var message: String {
        switch self {
        case .invalidToken(let m), .forbidden(let m), .notFound(let m), .unavailable(let m): m
        }
    }
}

/// Instances of a pod that wait for secrets missing from the store (`::status` message,
/// `/v2/queue`'s `waitingForSecrets`): which, and why, without any value.
public struct SecretWait: Sendable, Equatable {
    /// The secret names (keys of the pod's `secrets`) that cannot be resolved.
    public var secrets: [String]
    public var message: String

    public init(secrets: [String], message: String) {
        self.secrets = secrets
        self.message = message
    }
}

/// The answer to a create/update/rollback.
public struct PodChange: Sendable, Equatable {
    public var pod: PodDefinition
    public var deploymentID: String
    /// The version the change was stored as (the request time).
    public var version: PodVersion
    public var created: Bool

    public init(pod: PodDefinition, deploymentID: String, version: PodVersion, created: Bool) {
        self.pod = pod
        self.deploymentID = deploymentID
        self.version = version
        self.created = created
    }
}

/// Errors of the scheduler core, with what the REST layer needs to answer as Marathon.
public enum PodServiceError: Error, Sendable, Equatable {
    /// 409 `A pod with id [/x] already exists.`
    case alreadyExists(PodId)
    /// 404 `Pod '/x' does not exist` (or `Path '/x' does not exist` for instance kills).
    case podNotFound(PodId)
    case pathNotFound(PodId)
    /// 404 `Task '<instanceId>' does not exist`.
    case instanceNotFound(String)
    /// 404 `DeploymentPlan <id> does not exist`.
    case deploymentNotFound(String)
    /// 409 with the blocking deployment ids.
    case locked(deploymentIDs: [String])
    /// 403 `Max number (N) of running deployments is achieved. …`
    case tooManyDeployments(limit: Int)
    /// 422 with a plain message.
    case invalid(String)
    /// 422 `Object is not valid` with details: rules that need the stored pods (group
    /// clashes, resident updates).
    case notValid([ErrorDetail])
    /// 503: the store or the framework is unavailable.
    case unavailable(String)
}

/// One pod's state for `::status` (docs/reference/marathon-pods-api.md §12), taken at one moment.
public struct PodStatusSnapshot: Sendable {
    public var spec: PodDefinition
    /// A running deployment is deleting the pod.
    public var terminating: Bool
    public var instances: [InstanceSnapshot]
    /// The pod's last recorded task failure (for `terminationHistory`).
    public var lastFailure: TaskFailure?
    /// The specs of instances that run an older version than `spec` (during a rollout).
    public var olderSpecs: [PodVersion: PodDefinition]

    public init(spec: PodDefinition, terminating: Bool, instances: [InstanceSnapshot], lastFailure: TaskFailure?,
                olderSpecs: [PodVersion: PodDefinition] = [:]) {
        self.spec = spec
        self.terminating = terminating
        self.instances = instances
        self.lastFailure = lastFailure
        self.olderSpecs = olderSpecs
    }

    /// The spec an instance was launched from: its containers, endpoints and health
    /// checks describe it, not the pod's newest version.
    public func spec(of instance: InstanceSnapshot) -> PodDefinition {
        olderSpecs[instance.specVersion] ?? spec
    }
}

/// Marathon's instance conditions (docs/reference/marathon-pods-api.md §12.3, §13).
public enum InstanceCondition: String, Sendable, Codable, CaseIterable {
    case scheduled = "Scheduled", provisioned = "Provisioned", staging = "Staging", starting = "Starting"
    case running = "Running", killing = "Killing", finished = "Finished", failed = "Failed", killed = "Killed"
    case error = "Error", gone = "Gone", dropped = "Dropped", unknown = "Unknown", unreachable = "Unreachable"
    case unreachableInactive = "UnreachableInactive"
    /// A resident instance with no task: its reservation and volumes wait for its relaunch
    /// (Marathon up to 1.7; later ones show it as scheduled with a reservation).
    case reserved = "Reserved"

    /// The condition a Mesos task state maps to.
    public init(taskState: String) {
        switch taskState {
        case "TASK_STAGING": self = .staging
        case "TASK_STARTING": self = .starting
        case "TASK_RUNNING": self = .running
        case "TASK_KILLING": self = .killing
        case "TASK_FINISHED": self = .finished
        case "TASK_FAILED": self = .failed
        case "TASK_KILLED": self = .killed
        case "TASK_ERROR": self = .error
        case "TASK_LOST", "TASK_GONE", "TASK_GONE_BY_OPERATOR": self = .gone
        case "TASK_DROPPED": self = .dropped
        case "TASK_UNREACHABLE": self = .unreachable
        default: self = .unknown
        }
    }

    public var isTerminal: Bool {
        switch self {
        case .finished, .failed, .killed, .error, .gone, .dropped, .unknown: return true
        default: return false
        }
    }
}

public enum InstanceGoal: String, Sendable, Codable {
    case running = "Running", stopped = "Stopped", decommissioned = "Decommissioned"
}

/// One instance as the scheduler knows it.
public struct InstanceSnapshot: Sendable, Equatable {
    public var instanceID: String
    public var podID: PodId
    /// The spec version the instance runs.
    public var specVersion: PodVersion
    public var condition: InstanceCondition
    /// When the condition last changed.
    public var since: Date
    public var activeSince: Date?
    public var goal: InstanceGoal
    public var agentHostname: String?
    public var agentID: String?
    public var agentRegion: String?
    public var agentZone: String?
    public var role: String
    public var tasks: [TaskSnapshot]
    /// Host ports allocated to the instance's endpoints, in endpoint order.
    public var hostPorts: [Int]
    public var unreachableStrategy: UnreachableStrategy
    /// 1 for the first launch; each relaunch (after a failure or a kill without wipe) adds 1.
    public var incarnation: Int
    /// Why a scheduled instance is not launched yet beyond waiting for an offer (a secret
    /// missing from the store); nil otherwise.
    public var waitingReason: String?
    /// A resident instance's reservation and volumes; nil for other instances.
    public var reservation: ReservationSnapshot?

    public init(instanceID: String, podID: PodId, specVersion: PodVersion, condition: InstanceCondition, since: Date,
                activeSince: Date?, goal: InstanceGoal, agentHostname: String?, agentID: String?, agentRegion: String?,
                agentZone: String?, role: String, tasks: [TaskSnapshot], hostPorts: [Int], unreachableStrategy: UnreachableStrategy,
                incarnation: Int = 1, reservation: ReservationSnapshot? = nil) {
        self.incarnation = incarnation
        self.reservation = reservation
        self.instanceID = instanceID
        self.podID = podID
        self.specVersion = specVersion
        self.condition = condition
        self.since = since
        self.activeSince = activeSince
        self.goal = goal
        self.agentHostname = agentHostname
        self.agentID = agentID
        self.agentRegion = agentRegion
        self.agentZone = agentZone
        self.role = role
        self.tasks = tasks
        self.hostPorts = hostPorts
        self.unreachableStrategy = unreachableStrategy
    }

    /// Healthy when every task that reports health is healthy; nil when none reports.
    public var healthy: Bool? {
        let reported = tasks.compactMap(\.healthy)
        return reported.isEmpty ? nil : reported.allSatisfy { $0 }
    }
}

/// One container's task of an instance.
public struct TaskSnapshot: Sendable, Equatable {
    public var taskID: String
    public var containerName: String
    /// The Mesos state name (`TASK_RUNNING`); `TASK_STAGING` before Mesos reported.
    public var state: String
    /// Mesos-reported health, nil when never reported.
    public var healthy: Bool?
    public var stagedAt: Date
    public var startedAt: Date?
    /// IP addresses from the task statuses, with their network names.
    public var addresses: [TaskAddress]
    public var message: String?
    /// Whether the container's readiness check says ready; nil without a readiness check.
    public var ready: Bool?
    /// Restarts in place of this container (`lifecycle.restart`), and how it last ended.
    public var restartCount: Int
    public var lastTermination: ContainerTermination?

    public init(taskID: String, containerName: String, state: String, healthy: Bool?, stagedAt: Date, startedAt: Date?,
                addresses: [TaskAddress], message: String?, restartCount: Int = 0, lastTermination: ContainerTermination? = nil) {
        self.restartCount = restartCount
        self.lastTermination = lastTermination
        self.taskID = taskID
        self.containerName = containerName
        self.state = state
        self.healthy = healthy
        self.stagedAt = stagedAt
        self.startedAt = startedAt
        self.addresses = addresses
        self.message = message
    }
}

public struct TaskAddress: Sendable, Equatable, Codable {
    public var network: String?
    public var ip: String
    public init(network: String?, ip: String) {
        self.network = network
        self.ip = ip
    }
}

/// A task failure for `terminationHistory`.
public struct TaskFailure: Sendable, Equatable {
    public var instanceID: String
    public var taskID: String
    public var state: String
    public var message: String
    public var startedAt: Date
    public var terminatedAt: Date
    /// Every container of the instance at that time with its last state name.
    public var containers: [(taskID: String, state: String)]

    public init(instanceID: String, taskID: String, state: String, message: String, startedAt: Date, terminatedAt: Date,
                containers: [(taskID: String, state: String)]) {
        self.instanceID = instanceID
        self.taskID = taskID
        self.state = state
        self.message = message
        self.startedAt = startedAt
        self.terminatedAt = terminatedAt
        self.containers = containers
    }

    public static func == (a: TaskFailure, b: TaskFailure) -> Bool {
        a.instanceID == b.instanceID && a.taskID == b.taskID && a.state == b.state && a.message == b.message
            && a.startedAt == b.startedAt && a.terminatedAt == b.terminatedAt
            && a.containers.map { "\($0.taskID)=\($0.state)" } == b.containers.map { "\($0.taskID)=\($0.state)" }
    }
}

/// A running deployment (docs/reference/marathon-pods-api.md §11.1).
public struct DeploymentSnapshot: Sendable, Equatable {
    public struct Action: Sendable, Equatable {
        /// `StartPod`, `ScalePod`, `RestartPod`, `StopPod`.
        public var action: String
        public var pod: PodId
        public init(action: String, pod: PodId) {
            self.action = action
            self.pod = pod
        }
    }

    public var id: String
    public var version: PodVersion
    public var affectedPods: [PodId]
    /// The plan's steps (each a list of actions) and where it is.
    public var steps: [[Action]]
    public var currentStep: Int
    public var currentActions: [Action]
    /// Progress of the current actions (readiness is not used by pods).
    public var instancesStarted: Int
    public var instancesTarget: Int

    public init(id: String, version: PodVersion, affectedPods: [PodId], steps: [[Action]], currentStep: Int,
                currentActions: [Action], instancesStarted: Int, instancesTarget: Int) {
        self.id = id
        self.version = version
        self.affectedPods = affectedPods
        self.steps = steps
        self.currentStep = currentStep
        self.currentActions = currentActions
        self.instancesStarted = instancesStarted
        self.instancesTarget = instancesTarget
    }
}

/// GET /v2/info.
public struct SchedulerInfo: Sendable, Equatable {
    public var name: String
    public var version: String
    public var frameworkID: String?
    public var leader: String
    public var masterURL: String
    public var httpPort: Int
    public var elected: Bool
    /// The leading Mesos master's base URL (`mesos_leader_ui_url`); nil while not subscribed.
    public var mesosLeaderURL: String?

    public init(name: String, version: String, frameworkID: String?, leader: String, masterURL: String, httpPort: Int, elected: Bool,
                mesosLeaderURL: String? = nil) {
        self.mesosLeaderURL = mesosLeaderURL
        self.name = name
        self.version = version
        self.frameworkID = frameworkID
        self.leader = leader
        self.masterURL = masterURL
        self.httpPort = httpPort
        self.elected = elected
    }
}
