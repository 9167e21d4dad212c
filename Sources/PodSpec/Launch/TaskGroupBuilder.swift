import Foundation
import MesosProtocol

/// Turns a normalized pod instance into the `ExecutorInfo` and `TaskGroupInfo` of a Mesos
/// `LAUNCH_GROUP`, following Marathon's `TaskGroupBuilder` (ids, resources, commands,
/// environment, containers, volumes, health checks, networks, discovery) except that the
/// executor is ours: `ExecutorInfo.type = CUSTOM` with the caller's command.
public struct TaskGroupBuilder: Sendable {
    /// Scheduler settings that shape every launch.
    public struct Options: Sendable, Equatable {
        /// Marathon's `--env_vars_prefix`: prepended (upper-cased) to the endpoint variables.
        public var envVarsPrefix: String?
        /// Marathon's `--mesos_bridge_name`: the CNI network of `container/bridge` pods.
        public var mesosBridgeName: String
        /// The pod's group enforces its role (`MARATHON_APP_ENFORCE_GROUP_ROLE`).
        public var enforceRole: Bool
        /// `--log-rotation-*`: the bounds of pods that give no `logRotation` (nil: plain files).
        public var logRotation: PodLogRotation?

        /// Options with Marathon's defaults.
        public init(envVarsPrefix: String? = nil, mesosBridgeName: String = "mesos-bridge", enforceRole: Bool = false,
                    logRotation: PodLogRotation? = nil) {
            self.envVarsPrefix = envVarsPrefix
            self.mesosBridgeName = mesosBridgeName
            self.enforceRole = enforceRole
            self.logRotation = logRotation
        }
    }

    /// How the carved resources are labelled: the allocation role of the offer (framework
    /// `MULTI_ROLE`) and the reservations of the matched resources, if any.
    public struct Allocation: Sendable {
        /// `Resource.allocation_info.role`.
        public var role: String
        /// `Resource.reservations` (refined reservation format), empty for unreserved resources.
        public var reservations: [Mesos_V1_Resource.ReservationInfo]

        /// An allocation.
        public init(role: String, reservations: [Mesos_V1_Resource.ReservationInfo] = []) {
            self.role = role
            self.reservations = reservations
        }
    }

    /// One launch of one pod instance.
    public struct Launch: Sendable {
        /// The instance.
        public var instanceId: InstanceId
        /// The launch attempt (task ids end in it; starts at 1).
        public var incarnation: Int
        /// The framework id (also set on `ExecutorInfo`, which `LAUNCH_GROUP` requires).
        public var frameworkID: String
        /// The offer's agent.
        public var agentID: String
        /// The offer's hostname (`HOST`).
        public var agentHostname: String
        /// Resource labelling.
        public var allocation: Allocation
        /// The host port allocated to each endpoint that has a `hostPort`, by endpoint name.
        public var hostPorts: [String: Int]
        /// Our executor's command, URIs included.
        public var executorCommand: Mesos_V1_CommandInfo
        /// How the executor fetches the pod's secrets; nil for a pod that uses none.
        public var secretAccess: SecretAccess?
        /// A resident instance's persistent volumes as offered (`DiskInfo` with a persistence
        /// id, `container_path` = the volume's name): put on `ExecutorInfo.resources`, as
        /// Marathon does, so that the agent attaches them before the executor starts and the
        /// containers' `SANDBOX_PATH`/`PARENT` volumes of that name reach them.
        public var persistentVolumes: [Mesos_V1_Resource]

        /// A launch.
        public init(instanceId: InstanceId, incarnation: Int = 1, frameworkID: String, agentID: String,
                    agentHostname: String, allocation: Allocation, hostPorts: [String: Int] = [:],
                    executorCommand: Mesos_V1_CommandInfo, secretAccess: SecretAccess? = nil,
                    persistentVolumes: [Mesos_V1_Resource] = []) {
            self.persistentVolumes = persistentVolumes
            self.instanceId = instanceId
            self.incarnation = incarnation
            self.frameworkID = frameworkID
            self.agentID = agentID
            self.agentHostname = agentHostname
            self.allocation = allocation
            self.hostPorts = hostPorts
            self.executorCommand = executorCommand
            self.secretAccess = secretAccess
        }
    }

    /// What lets an instance's executor fetch its pod's secrets, and nothing else: the
    /// scheduler's address (in the executor's environment) and the instance's single-use
    /// token (each task's `data`). Secrets themselves are only ever sent by reference.
    public struct SecretAccess: Sendable, Equatable {
        /// `http(s)://host:port` of the scheduler's REST API as executors reach it.
        public var url: String
        /// A CA file on the agents for an `https` URL (nil: the system trust store).
        public var caFile: String?
        /// The token minted for this launch.
        public var token: String

        /// Access for one launch.
        public init(url: String, caFile: String? = nil, token: String) {
            self.url = url
            self.caFile = caFile
            self.token = token
        }
    }

    /// The settings.
    public var options: Options

    /// A builder.
    public init(options: Options = Options()) {
        self.options = options
    }

    /// Builds the executor and task group of one launch.
    ///
    /// - Throws: `PodSpecError.cannotLaunch` when the host ports do not fit the pod's
    ///   endpoints or the incarnation is not positive.
    public func build(pod: PodDefinition, launch: Launch)
        throws(PodSpecError) -> (executor: Mesos_V1_ExecutorInfo, taskGroup: Mesos_V1_TaskGroupInfo)
    {
        guard launch.incarnation >= 1 else {
            throw .cannotLaunch("incarnation must be at least 1, got \(launch.incarnation)")
        }
        let context = try LaunchContext(pod: pod, launch: launch, options: options)
        var executor = context.executorInfo()
        if let rotation = PodLogRotation.effective(pod: pod.logRotation, defaults: options.logRotation) {
            executor.command.environment.variables += PodLogRotation.variables(rotation)
        }
        executor.resources += launch.persistentVolumes
        var group = Mesos_V1_TaskGroupInfo()
        group.tasks = pod.containers.map(context.taskInfo)
        if let access = launch.secretAccess, !pod.referencedSecretNames.isEmpty {
            var variables = [(PodSecretsContract.urlVariable, access.url)]
            if let caFile = access.caFile { variables.append((PodSecretsContract.caFileVariable, caFile)) }
            for (name, value) in variables {
                var variable = Mesos_V1_Environment.Variable()
                variable.name = name
                variable.type = .value
                variable.value = value
                executor.command.environment.variables.append(variable)
            }
            for index in group.tasks.indices { group.tasks[index].data = Data(access.token.utf8) }
        }
        return (executor, group)
    }

    /// The task id of `container` in this launch.
    public static func taskId(of container: PodContainer, launch: Launch) -> TaskId {
        TaskId(instanceId: launch.instanceId, containerName: container.name, incarnation: launch.incarnation)
    }
}
