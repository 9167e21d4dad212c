import Foundation
import PodSpec

/// A large scheduler state made without launching anything: `pods` pods of two containers,
/// each with `instancesPerPod` running instances, as the very records the scheduler stores
/// (its types, its encoder, `SchedulerStore.Batch`). For the benchmarks that need a state of
/// 10,000 instances on a 2-core machine: the store's cost per instance update, and how long a
/// new leader takes to load such a state. The agents and tasks it names do not exist; a
/// scheduler that loads it reconciles the tasks and learns they are gone.
public struct SyntheticState: Sendable {
    public let frameworkID: String
    let definitions: [PodDefinition]
    let instances: [InstanceRecord]

    /// - Throws: only if the built-in pod template stopped being a valid pod (a bug).
    public init(pods: Int, instancesPerPod: Int, frameworkID: String = "synthetic-framework-0001") throws {
        self.frameworkID = frameworkID
        var definitions: [PodDefinition] = []
        var instances: [InstanceRecord] = []
        let started = Date(timeIntervalSince1970: 1_796_000_000)
        for p in 0..<pods {
            let pod = try PodDefinition.parse(Data(Self.template(p, instances: instancesPerPod).utf8))
            definitions.append(pod)
            for i in 0..<instancesPerPod {
                let id = InstanceId(podId: pod.id, uuid: Self.uuid(p, i))
                let tasks = pod.containers.map { container in
                    InstanceRecord.Task(taskID: TaskId(instanceId: id, containerName: container.name).idString,
                                        containerName: container.name, state: "TASK_RUNNING", healthy: true, stagedAt: started,
                                        startedAt: started, addresses: [TaskAddress(network: nil, ip: "10.1.\(i % 250).\(p % 250)")],
                                        message: nil, lastUUID: Data(Self.uuid(i, p).uuidString.utf8))
                }
                instances.append(InstanceRecord(instanceID: id.idString, podID: pod.id, specVersion: pod.version, goal: .running,
                                                baseCondition: .provisioned, since: started, activeSince: started, createdAt: started,
                                                incarnation: 1, agentID: "synthetic-S\(i % 100)", agentHostname: "agent-\(i % 100).synthetic",
                                                role: pod.role, tasks: tasks, hostPorts: [31000 + i % 1000], launchedAt: started,
                                                relaunchWithoutDelay: false, queuedSince: nil))
            }
        }
        self.definitions = definitions
        self.instances = instances
    }

    public var instanceCount: Int { instances.count }

    /// Every record: the framework id, the pods, their versions and their instances.
    public func changes() throws -> [StoreChange] {
        var batch = SchedulerStore.Batch()
        batch.frameworkID = frameworkID
        batch.pods = definitions
        batch.versions = definitions
        batch.instances = instances
        return try batch.changes()
    }

    /// What the scheduler writes for one status update of instance `index` (a task's new
    /// state and status uuid); `sequence` makes each update different from the last.
    public func statusUpdate(of index: Int, sequence: Int) throws -> [StoreChange] {
        var record = instances[index % instances.count]
        record.tasks[0].lastUUID = Data(Self.uuid(index, sequence).uuidString.utf8)
        record.tasks[0].healthy = sequence % 2 == 0
        record.since = record.since.addingTimeInterval(Double(sequence))
        var batch = SchedulerStore.Batch()
        batch.instances = [record]
        return try batch.changes()
    }

    /// The updates of instances `indices`, written together (as the updates that arrive together).
    public func statusUpdates(of indices: some Sequence<Int>, sequence: Int) throws -> [StoreChange] {
        try indices.flatMap { try statusUpdate(of: $0, sequence: sequence) }
    }

    static func uuid(_ a: Int, _ b: Int) -> UUID {
        // Always a well-formed UUID text for non-negative a < 2^32 and b < 2^48.
        UUID(uuidString: String(format: "%08x-0000-4000-8000-%012x", a, b)) ?? UUID()
    }

    /// A pod as an operator writes it: an app and a sidecar, resources, labels, an env var,
    /// a health check and a host port.
    static func template(_ n: Int, instances: Int) -> String {
        """
        {"id": "/synthetic/team-\(n % 10)/pod-\(n)", "labels": {"team": "team-\(n % 10)", "tier": "web"},
         "scaling": {"kind": "fixed", "instances": \(instances)},
         "environment": {"MODE": "benchmark"},
         "containers": [
           {"name": "app", "exec": {"command": {"shell": "sleep 1000"}}, "resources": {"cpus": 0.1, "mem": 32},
            "endpoints": [{"name": "http", "hostPort": 0, "protocol": ["tcp"]}],
            "healthCheck": {"http": {"endpoint": "http", "path": "/ping"}}},
           {"name": "sidecar", "exec": {"command": {"shell": "sleep 1000"}}, "resources": {"cpus": 0.05, "mem": 16}}],
         "networks": [{"mode": "host"}]}
        """
    }
}
