import Foundation
import MesosProtocol

/// Everything one build needs, with the host ports checked against the endpoints.
struct LaunchContext {
    let pod: PodDefinition
    let launch: TaskGroupBuilder.Launch
    let options: TaskGroupBuilder.Options
    /// The allocated host port of every endpoint that has a `hostPort`.
    let allocatedPorts: [String: Int]

    init(pod: PodDefinition, launch: TaskGroupBuilder.Launch, options: TaskGroupBuilder.Options) throws(PodSpecError) {
        self.pod = pod
        self.launch = launch
        self.options = options
        var ports: [String: Int] = [:]
        for endpoint in pod.allEndpoints {
            guard let requested = endpoint.hostPort else { continue }
            guard let allocated = launch.hostPorts[endpoint.name] else {
                throw .cannotLaunch("no host port allocated for endpoint '\(endpoint.name)'")
            }
            guard (1...65535).contains(allocated), requested == 0 || requested == allocated else {
                throw .cannotLaunch("endpoint '\(endpoint.name)' asks for host port \(requested), got \(allocated)")
            }
            if let other = ports.first(where: { $0.value == allocated }) {
                throw .cannotLaunch("host port \(allocated) allocated to both '\(other.key)' and '\(endpoint.name)'")
            }
            ports[endpoint.name] = allocated
        }
        allocatedPorts = ports
    }

    var executorId: String { launch.instanceId.executorId }

    func taskId(of container: PodContainer) -> String {
        TaskGroupBuilder.taskId(of: container, launch: launch).idString
    }

    /// A scalar resource labelled with the allocation.
    func scalar(_ name: String, _ value: Double) -> Mesos_V1_Resource {
        var resource = Mesos_V1_Resource()
        resource.name = name
        resource.type = .scalar
        resource.scalar.value = value
        label(&resource)
        return resource
    }

    func label(_ resource: inout Mesos_V1_Resource) {
        resource.allocationInfo.role = launch.allocation.role
        resource.reservations = launch.allocation.reservations
    }

    /// cpus, mem, disk and gpus, zero quantities left out.
    func scalars(cpus: Double, mem: Double, disk: Double, gpus: Int) -> [Mesos_V1_Resource] {
        var resources: [Mesos_V1_Resource] = []
        if cpus > 0 { resources.append(scalar("cpus", cpus)) }
        if mem > 0 { resources.append(scalar("mem", mem)) }
        if disk > 0 { resources.append(scalar("disk", disk)) }
        if gpus > 0 { resources.append(scalar("gpus", Double(gpus))) }
        return resources
    }

    /// A Mesos secret by reference: the name is the key of the pod's `secrets` map, as
    /// Marathon's `SecretSerializer.toSecretReference` does. Values never travel through
    /// Mesos: the executor fetches them with the instance's token.
    func secret(named name: String) -> Mesos_V1_Secret {
        var secret = Mesos_V1_Secret()
        secret.type = .reference
        secret.reference.name = name
        return secret
    }

    static func labels(_ map: [String: String]) -> Mesos_V1_Labels {
        var labels = Mesos_V1_Labels()
        labels.labels = map.sorted { $0.key < $1.key }.map { key, value in
            var label = Mesos_V1_Label()
            label.key = key
            label.value = value
            return label
        }
        return labels
    }

    // MARK: - Executor

    func executorInfo() -> Mesos_V1_ExecutorInfo {
        var executor = Mesos_V1_ExecutorInfo()
        executor.type = .custom
        executor.executorID.value = executorId
        executor.frameworkID.value = launch.frameworkID
        executor.command = launch.executorCommand
        let resources = pod.executorResources
        executor.resources = scalars(cpus: resources.cpus, mem: resources.mem, disk: resources.disk, gpus: 0)
        if let ports = portsResource() { executor.resources.append(ports) }

        var container = Mesos_V1_ContainerInfo()
        container.type = .mesos
        container.linuxInfo.shareCgroups = pod.legacySharedCgroups
        if let ipc = pod.linuxInfo?.ipcInfo {
            container.linuxInfo.ipcMode = LaunchContext.ipcMode(ipc.mode)
            if let shmSize = ipc.shmSize { container.linuxInfo.shmSize = UInt32(clamping: shmSize) }
        }
        container.networkInfos = networkInfos()
        executor.container = container
        executor.labels = LaunchContext.labels(pod.labels)
        return executor
    }

    static func ipcMode(_ mode: LinuxInfo.IPCInfo.Mode) -> Mesos_V1_LinuxInfo.IpcMode {
        switch mode {
        case .private: .private
        case .shareParent: .shareParent
        }
    }
}
