import Foundation
import PodSchedulerCore
import PodSpec
import Primitives

extension PodStatusRenderer {
    /// One `PodInstanceStatus` (docs/reference/marathon-pods-api.md §12.2).
    func render(instance: InstanceSnapshot, spec: PodDefinition) -> JSONValue {
        let (state, message) = instanceState(instance, spec: spec)
        let since = JSONValue.string(MarathonTimestamp.status(instance.since))
        var object = JSONObject()
        object["id"] = .string(instance.instanceID)
        object["status"] = .string(state.rawValue)
        object["statusSince"] = since
        if let message { object["message"] = .string(message) }
        object["conditions"] = .array(Self.readyCondition(instance: instance, since: since).map { [$0] } ?? [])
        if let host = instance.agentHostname { object["agentHostname"] = .string(host) }
        if let agentID = instance.agentID { object["agentId"] = .string(agentID) }
        if let region = instance.agentRegion { object["agentRegion"] = .string(region) }
        if let zone = instance.agentZone { object["agentZone"] = .string(zone) }
        object["resources"] = instanceResources(instance, spec: spec)
        object["networks"] = .array(Self.networks(instance))
        object["containers"] = .array(instance.tasks.map { render(task: $0, instance: instance, spec: spec) })
        object["specReference"] = .string(
            "/v2/pods\(spec.id.absolute)::versions/\(MarathonTimestamp.offsetDateTime(instance.specVersion))")
        object["localVolumes"] = Self.localVolumes(instance)
        if let reservation = instance.reservation {
            object["reservation"] = Self.reservation(reservation, instanceID: instance.instanceID)
        }
        object["lastUpdated"] = since
        object["lastChanged"] = since
        object["role"] = .string(instance.role)
        return .object(object)
    }

    /// One `ContainerStatus` (docs/reference/marathon-pods-api.md §12.5).
    func render(task: TaskSnapshot, instance: InstanceSnapshot, spec: PodDefinition) -> JSONValue {
        let condition = Self.taskCondition(task, instance: instance)
        let container = spec.containers.first { $0.name == task.containerName }
        let since = JSONValue.string(MarathonTimestamp.status(task.startedAt ?? task.stagedAt))
        var object = JSONObject()
        object["name"] = .string(task.containerName.isEmpty ? task.taskID : task.containerName)
        object["status"] = .string(Self.mesosStateName(condition))
        object["statusSince"] = since
        if ![.scheduled, .reserved, .provisioned].contains(condition) {
            object["containerId"] = .string(task.taskID)
        }
        var conditions: [JSONValue] = []
        if let health = healthCondition(task, instance: instance, spec: spec) {
            conditions.append([
                "name": "healthy",
                "value": .string(health.healthy ? "true" : "false"),
                "reason": .string(health.reported ? "health-reported-by-mesos" : "health-unreported-by-mesos"),
                "lastChanged": since,
                "lastUpdated": since,
            ])
        }
        if let ready = Self.readyCondition(task: task, instance: instance, since: since) { conditions.append(ready) }
        object["conditions"] = .array(conditions)
        object["endpoints"] = .array(endpoints(task, container: container, condition: condition, instance: instance,
                                               spec: spec))
        if let container, Self.countsResources(condition) || spec.isResident {
            object["resources"] = Self.resources(cpus: container.resources.cpus, mem: container.resources.mem,
                                                 disk: container.resources.disk, gpus: container.resources.gpus)
        }
        object["lastUpdated"] = since
        object["lastChanged"] = since
        if task.restartCount > 0 || task.lastTermination != nil {
            // Ours (lifecycle.restart): absent for a container that never restarted.
            object["restartCount"] = .int(task.restartCount)
            if let last = task.lastTermination { object["lastTermination"] = Self.render(last) }
        }
        return .object(object)
    }

    static func render(_ termination: ContainerTermination) -> JSONValue {
        var object = JSONObject()
        if let code = termination.exitCode { object["exitCode"] = .int(code) }
        if let signal = termination.signal { object["signal"] = .int(signal) }
        object["oomKilled"] = .bool(termination.oomKilled)
        object["finishedAt"] = .string(MarathonTimestamp.status(termination.finishedAt))
        return .object(object)
    }

    /// The `healthy` condition of a container: only with an http/tcp/exec health check,
    /// once the task is past Staging/Starting, and not for a terminal task of a resident
    /// instance. An unreported health counts as unhealthy.
    func healthCondition(_ task: TaskSnapshot, instance: InstanceSnapshot, spec: PodDefinition)
        -> (healthy: Bool, reported: Bool)? {
        guard let container = spec.containers.first(where: { $0.name == task.containerName }),
              let check = container.healthCheck, check.http != nil || check.tcpEndpoint != nil || check.exec != nil
        else { return nil }
        let condition = Self.taskCondition(task, instance: instance)
        switch condition {
        case .scheduled, .reserved, .provisioned, .staging, .starting: return nil
        default: break
        }
        if spec.isResident && condition.isTerminal { return nil }
        return (task.healthy ?? false, task.healthy != nil)
    }

    /// Endpoints of an active task: those with a host port first, paired in order with
    /// the ports allocated to them, then the others; the health-checked endpoint carries
    /// `healthy` once Mesos reported and goes last.
    func endpoints(_ task: TaskSnapshot, container: PodContainer?, condition: InstanceCondition,
                   instance: InstanceSnapshot, spec: PodDefinition) -> [JSONValue] {
        guard let container, Self.countsResources(condition) else { return [] }
        // `instance.hostPorts` lists the ports of the pod's host-port endpoints in
        // container order; skip those of the containers before this one.
        var offset = 0
        for other in spec.containers {
            if other.name == container.name { break }
            offset += other.endpoints.filter { $0.hostPort != nil }.count
        }
        var entries: [(name: String, object: JSONObject)] = []
        for (index, endpoint) in container.endpoints.filter({ $0.hostPort != nil }).enumerated() {
            var object = JSONObject()
            object["name"] = .string(endpoint.name)
            let position = offset + index
            if instance.hostPorts.indices.contains(position) {
                object["allocatedHostPort"] = .int(instance.hostPorts[position])
            }
            entries.append((endpoint.name, object))
        }
        for endpoint in container.endpoints where endpoint.hostPort == nil {
            entries.append((endpoint.name, JSONObject([.init(key: "name", value: .string(endpoint.name))])))
        }
        if let checked = container.healthCheck?.endpointName, let healthy = task.healthy,
           let position = entries.firstIndex(where: { $0.name == checked }) {
            var entry = entries.remove(at: position)
            entry.object["healthy"] = .bool(healthy)
            entries.append(entry)
        }
        return entries.map { .object($0.object) }
    }

    /// Default executor resources plus the containers whose tasks hold resources (all of
    /// them for a resident instance, whose resources are reserved).
    func instanceResources(_ instance: InstanceSnapshot, spec: PodDefinition) -> JSONValue {
        var (cpus, mem, disk, gpus) = Self.defaultExecutorResources
        for task in instance.tasks {
            let condition = Self.taskCondition(task, instance: instance)
            guard Self.countsResources(condition) || spec.isResident,
                  let container = spec.containers.first(where: { $0.name == task.containerName })
            else { continue }
            cpus += container.resources.cpus
            mem += container.resources.mem
            disk += container.resources.disk
            gpus += container.resources.gpus
        }
        return Self.resources(cpus: cpus, mem: mem, disk: disk, gpus: gpus)
    }

    static func resources(cpus: Double, mem: Double, disk: Double, gpus: Int) -> JSONValue {
        ["cpus": .double(cpus), "mem": .double(mem), "disk": .double(disk), "gpus": .int(gpus)]
    }

    /// Addresses of the instance's tasks grouped by network name (first appearance order),
    /// without duplicates; host-network addresses form the nameless group.
    static func networks(_ instance: InstanceSnapshot) -> [JSONValue] {
        var order: [String?] = []
        var addresses: [String?: [String]] = [:]
        for address in instance.tasks.flatMap(\.addresses) {
            if addresses[address.network] == nil {
                order.append(address.network)
                addresses[address.network] = []
            }
            if addresses[address.network]?.contains(address.ip) == false {
                addresses[address.network]?.append(address.ip)
            }
        }
        return order.map { name in
            var object = JSONObject()
            if let name { object["name"] = .string(name) }
            object["addresses"] = .array((addresses[name] ?? []).map(JSONValue.string))
            return .object(object)
        }
    }

    /// A task's condition; tasks of an instance that was not launched yet take the
    /// instance's Marathon-only condition (their Mesos state is a placeholder).
    static func taskCondition(_ task: TaskSnapshot, instance: InstanceSnapshot) -> InstanceCondition {
        switch instance.condition {
        case .scheduled, .reserved, .provisioned: instance.condition
        default: InstanceCondition(taskState: task.state)
        }
    }

    /// Conditions whose tasks hold resources and expose endpoints.
    static func countsResources(_ condition: InstanceCondition) -> Bool {
        switch condition {
        case .staging, .starting, .running, .unreachable, .killing: true
        default: false
        }
    }

    /// The Mesos state name shown for a condition (Marathon-only conditions show as staging).
    static func mesosStateName(_ condition: InstanceCondition) -> String {
        switch condition {
        case .scheduled, .reserved, .provisioned, .staging: "TASK_STAGING"
        case .starting: "TASK_STARTING"
        case .running: "TASK_RUNNING"
        case .killing: "TASK_KILLING"
        case .finished: "TASK_FINISHED"
        case .failed: "TASK_FAILED"
        case .killed: "TASK_KILLED"
        case .error: "TASK_ERROR"
        case .unreachable, .unreachableInactive: "TASK_UNREACHABLE"
        case .gone: "TASK_GONE"
        case .dropped: "TASK_DROPPED"
        case .unknown: "TASK_UNKNOWN"
        }
    }

    /// Marathon's `localVolumes` (`runSpecId`, `containerPath`, `uuid`, `persistenceId`), with
    /// each volume's name and size in MiB beside them.
    static func localVolumes(_ instance: InstanceSnapshot) -> JSONValue {
        guard let reservation = instance.reservation else { return [] }
        return .array(reservation.volumes.map { volume in
            var object = JSONObject()
            object["runSpecId"] = .string(instance.podID.absolute)
            object["containerPath"] = .string(volume.containerPath)
            object["uuid"] = .string(volume.persistenceID.split(separator: "#").last.map(String.init) ?? volume.persistenceID)
            object["persistenceId"] = .string(volume.persistenceID)
            object["name"] = .string(volume.name)
            object["size"] = .double(volume.size)
            return .object(object)
        })
    }

    /// The reservation of a resident instance: its agent, role, principal, labels and state.
    static func reservation(_ reservation: ReservationSnapshot, instanceID: String) -> JSONValue {
        var object = JSONObject()
        object["agentId"] = .string(reservation.agentID)
        object["agentHostname"] = .string(reservation.agentHostname)
        object["role"] = .string(reservation.role)
        if let principal = reservation.principal { object["principal"] = .string(principal) }
        var labels = JSONObject()
        for label in reservation.labels(instanceID: instanceID) { labels[label.key] = .string(label.value) }
        object["labels"] = .object(labels)
        object["state"] = .string(reservation.state)
        return .object(object)
    }
}
