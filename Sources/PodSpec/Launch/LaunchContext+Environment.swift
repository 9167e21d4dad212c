import MesosProtocol
import Primitives

extension LaunchContext {
    /// Labels at least this long (in UTF-16 units) are not exported as variables.
    static let maximumLabelKeyLength = 512 - "MARATHON_APP_LABEL_".count
    static let maximumLabelValueLength = 512

    /// The task environment in Marathon's order: pod variables, container variables, `HOST`,
    /// the task context (`MESOS_TASK_ID`, `MARATHON_*`), label variables and the endpoint
    /// variables of the whole pod. No `PORT*` variables: those are for apps only.
    func environment(of container: PodContainer) -> [Mesos_V1_Environment.Variable] {
        var environment = OrderedEnvironment()
        for source in [pod.environment, container.environment] {
            for (name, value) in source.sorted(by: { $0.key < $1.key }) {
                switch value {
                case .value(let text): environment.set(name, text)
                case .secret(let secretName): environment.set(name, .secret(secret(named: secretName)))
                }
            }
        }
        environment.set("HOST", launch.agentHostname)
        environment.set("MESOS_TASK_ID", taskId(of: container))
        environment.set("MESOS_EXECUTOR_ID", executorId)
        environment.set("MARATHON_APP_ID", pod.id.absolute)
        environment.set("MARATHON_APP_VERSION", pod.version.description)
        environment.set("MARATHON_CONTAINER_ID", container.name)
        environment.set("MARATHON_APP_ENFORCE_GROUP_ROLE", options.enforceRole ? "TRUE" : "FALSE")
        environment.set("MARATHON_CONTAINER_RESOURCE_CPUS", JSONNumber.javaString(container.resources.cpus))
        environment.set("MARATHON_CONTAINER_RESOURCE_MEM", JSONNumber.javaString(container.resources.mem))
        environment.set("MARATHON_CONTAINER_RESOURCE_DISK", JSONNumber.javaString(container.resources.disk))
        environment.set("MARATHON_CONTAINER_RESOURCE_GPUS", String(container.resources.gpus))

        let labels = pod.labels.merging(container.labels) { _, containerValue in containerValue }
        let exported = labels.sorted { $0.key < $1.key }.filter { key, value in
            key.utf16.count < LaunchContext.maximumLabelKeyLength && value.utf16.count < LaunchContext.maximumLabelValueLength
        }
        let escapedKeys = exported.map { LaunchContext.escape($0.key, keep: \.isASCIIAlphanumeric).uppercased() }
        environment.set("MARATHON_APP_LABELS", escapedKeys.joined(separator: " "))
        for (escaped, label) in zip(escapedKeys, exported) {
            environment.set("MARATHON_APP_LABEL_" + escaped, label.value)
        }

        let prefix = (options.envVarsPrefix ?? "").uppercased()
        let hostNetworking = pod.usesHostNetworking
        for endpoint in pod.allEndpoints {
            let name = LaunchContext.escape(endpoint.name.uppercased(), keep: \.isUppercaseASCIIAlphanumeric)
            let hostPort = allocatedPorts[endpoint.name]
            if let port = hostNetworking ? hostPort : endpoint.containerPort {
                environment.set(prefix + "ENDPOINT_" + name, String(port))
            }
            if let hostPort { environment.set(prefix + "EP_HOST_" + name, String(hostPort)) }
            if let containerPort = endpoint.containerPort {
                environment.set(prefix + "EP_CONTAINER_" + name, String(containerPort))
            }
        }
        return environment.variables
    }

    /// Replaces every run of characters that are neither kept nor `_` by one `_`.
    static func escape(_ text: String, keep: (Character) -> Bool) -> String {
        var result = ""
        var inRun = false
        for character in text {
            if keep(character) || character == "_" {
                result.append(character)
                inRun = false
            } else if !inRun {
                result.append("_")
                inRun = true
            }
        }
        return result
    }
}
