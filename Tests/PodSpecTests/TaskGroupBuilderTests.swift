import Foundation
import MesosProtocol
import Testing
@testable import PodSpec

@Suite struct TaskGroupBuilderTests {
    static let instanceUUID = "6f1c1d2e-1234-11ee-9b7a-0242ac110002"

    static let webPod = #"""
    {
      "id": "/prod/web",
      "labels": { "team": "core", "tier.name": "front" },
      "environment": { "LOG_LEVEL": "info", "DB_PASSWORD": { "secret": "db" } },
      "secrets": { "db": { "source": "/prod/db" }, "registry": { "source": "/prod/registry" } },
      "volumes": [ { "name": "cache" }, { "name": "logs", "host": "/var/log/web" } ],
      "networks": [ { "mode": "host" } ],
      "executorResources": { "cpus": 0.2, "mem": 64 },
      "containers": [
        {
          "name": "nginx",
          "resources": { "cpus": 0.5, "mem": 128, "disk": 100 },
          "resourceLimits": { "cpus": "unlimited", "mem": 256 },
          "image": { "kind": "DOCKER", "id": "registry.example.com/nginx:1.25",
                     "pullConfig": { "secret": "registry" }, "forcePull": true },
          "exec": { "command": { "argv": [ "nginx", "-g", "daemon off;" ] }, "overrideEntrypoint": true },
          "endpoints": [
            { "name": "http", "hostPort": 0, "protocol": [ "tcp" ], "labels": { "VIP_0": "/web:80" } },
            { "name": "admin-api", "hostPort": 9090 }
          ],
          "healthCheck": { "http": { "endpoint": "http", "path": "/healthz" }, "intervalSeconds": 5, "timeoutSeconds": 2 },
          "volumeMounts": [
            { "name": "cache", "mountPath": "/var/cache/nginx" },
            { "name": "logs", "mountPath": "/var/log/nginx", "readOnly": true }
          ],
          "artifacts": [ { "uri": "https://example.com/conf.tgz", "destPath": "conf.tgz", "cache": true } ],
          "labels": { "tier.name": "edge", "role": "proxy" },
          "environment": { "LOG_LEVEL": "debug" },
          "user": "www",
          "lifecycle": { "killGracePeriodSeconds": 2.5 },
          "tty": true
        },
        {
          "name": "sidecar",
          "resources": { "cpus": 0.1, "mem": 32 },
          "exec": { "command": { "shell": "tail -F /logs/access.log" } },
          "volumeMounts": [ { "name": "logs", "mountPath": "/logs" } ],
          "healthCheck": { "exec": { "command": { "shell": "test -f /logs/access.log" } } }
        }
      ]
    }
    """#

    static func executorCommand() -> Mesos_V1_CommandInfo {
        var command = Mesos_V1_CommandInfo()
        command.shell = false
        command.value = "/opt/pods/pod-executor"
        var uri = Mesos_V1_CommandInfo.URI()
        uri.value = "http://scheduler:8080/executor"
        uri.executable = true
        command.uris = [uri]
        return command
    }

    static func launch(for pod: PodDefinition, hostPorts: [String: Int],
                       secretAccess: TaskGroupBuilder.SecretAccess? = nil) throws -> TaskGroupBuilder.Launch {
        let instance = try InstanceId.parse(pod.id.safeId + ".instance-" + instanceUUID)
        return TaskGroupBuilder.Launch(
            instanceId: instance, incarnation: 1, frameworkID: "fw-1", agentID: "agent-S1",
            agentHostname: "agent-1.example.com", allocation: .init(role: "*"), hostPorts: hostPorts,
            executorCommand: executorCommand(), secretAccess: secretAccess)
    }

    static func environment(_ task: Mesos_V1_TaskInfo) -> [(String, String)] {
        task.command.environment.variables.map { variable in
            (variable.name, variable.type == .secret ? "<secret>" : variable.value)
        }
    }

    static func scalars(_ resources: [Mesos_V1_Resource]) -> [String: Double] {
        Dictionary(resources.filter { $0.type == .scalar }.map { ($0.name, $0.scalar.value) }, uniquingKeysWith: +)
    }

    @Test func hostNetworkedPodBecomesAnExecutorAndATaskGroup() throws {
        let pod = try parsePod(Self.webPod)
        let launch = try Self.launch(for: pod, hostPorts: ["http": 31000, "admin-api": 9090])
        let (executor, group) = try TaskGroupBuilder().build(pod: pod, launch: launch)

        // Executor: ours, with the pod's share of resources and every host port.
        #expect(executor.type == .custom)
        #expect(executor.executorID.value == "instance-prod_web." + Self.instanceUUID)
        #expect(executor.frameworkID.value == "fw-1")
        #expect(executor.command == Self.executorCommand())
        #expect(Self.scalars(executor.resources) == ["cpus": 0.2, "mem": 64, "disk": 10])
        let ports = try #require(executor.resources.first { $0.name == "ports" })
        #expect(ports.type == .ranges)
        #expect(ports.ranges.range.map { [$0.begin, $0.end] } == [[9090, 9090], [31000, 31000]])
        #expect(executor.resources.allSatisfy { $0.allocationInfo.role == "*" })
        #expect(executor.container.type == .mesos)
        #expect(executor.container.linuxInfo.hasShareCgroups && !executor.container.linuxInfo.shareCgroups)
        #expect(executor.container.networkInfos.isEmpty)
        #expect(executor.labels.labels.map { [$0.key, $0.value] } == [["team", "core"], ["tier.name", "front"]])
        #expect(!executor.hasDiscovery && !executor.hasName)

        #expect(group.tasks.map(\.name) == ["nginx", "sidecar"])
        let nginx = group.tasks[0]
        let taskId = "prod_web.instance-\(Self.instanceUUID).nginx.1"
        #expect(nginx.taskID.value == taskId)
        #expect(nginx.agentID.value == "agent-S1")
        #expect(Self.scalars(nginx.resources) == ["cpus": 0.5, "mem": 128, "disk": 100])
        #expect(!nginx.resources.contains { $0.name == "ports" || $0.name == "gpus" })
        #expect(nginx.limits["cpus"]?.value == .infinity)
        #expect(nginx.limits["mem"]?.value == 256)
        #expect(nginx.labels.labels.map { [$0.key, $0.value] } == [["role", "proxy"], ["tier.name", "edge"]])

        // Command: argv with the entrypoint overridden, user, artifacts.
        #expect(nginx.command.shell == false)
        #expect(nginx.command.value == "nginx")
        #expect(nginx.command.arguments == ["nginx", "-g", "daemon off;"])
        #expect(nginx.command.user == "www")
        let artifact = try #require(nginx.command.uris.first)
        #expect([artifact.value, artifact.outputFile] == ["https://example.com/conf.tgz", "conf.tgz"])
        #expect([artifact.cache, artifact.extract, artifact.executable] == [true, true, false])

        // Environment, in Marathon's order.
        let expectedEnvironment: [(String, String)] = [
            ("DB_PASSWORD", "<secret>"), ("LOG_LEVEL", "debug"), ("HOST", "agent-1.example.com"),
            ("MESOS_TASK_ID", taskId), ("MESOS_EXECUTOR_ID", "instance-prod_web." + Self.instanceUUID),
            ("MARATHON_APP_ID", "/prod/web"), ("MARATHON_APP_VERSION", "2020-04-01T12:00:00.000Z"),
            ("MARATHON_CONTAINER_ID", "nginx"), ("MARATHON_APP_ENFORCE_GROUP_ROLE", "FALSE"),
            ("MARATHON_CONTAINER_RESOURCE_CPUS", "0.5"), ("MARATHON_CONTAINER_RESOURCE_MEM", "128.0"),
            ("MARATHON_CONTAINER_RESOURCE_DISK", "100.0"), ("MARATHON_CONTAINER_RESOURCE_GPUS", "0"),
            ("MARATHON_APP_LABELS", "ROLE TEAM TIER_NAME"), ("MARATHON_APP_LABEL_ROLE", "proxy"),
            ("MARATHON_APP_LABEL_TEAM", "core"), ("MARATHON_APP_LABEL_TIER_NAME", "edge"),
            ("ENDPOINT_HTTP", "31000"), ("EP_HOST_HTTP", "31000"),
            ("ENDPOINT_ADMIN_API", "9090"), ("EP_HOST_ADMIN_API", "9090"),
        ]
        let environment = Self.environment(nginx)
        #expect(environment.map(\.0) == expectedEnvironment.map(\.0))
        #expect(environment.map(\.1) == expectedEnvironment.map(\.1))
        #expect(!environment.contains { $0.0.hasPrefix("PORT") })
        let password = try #require(nginx.command.environment.variables.first { $0.name == "DB_PASSWORD" })
        #expect(password.secret.type == .reference)
        #expect(password.secret.reference.name == "db")

        // Container: volumes, image with the pull secret, TTY.
        #expect(nginx.container.type == .mesos)
        let volumes = nginx.container.volumes
        #expect(volumes.count == 2)
        #expect(volumes[0].containerPath == "/var/cache/nginx" && volumes[0].mode == .rw)
        #expect(volumes[0].source.type == .sandboxPath)
        #expect(volumes[0].source.sandboxPath.type == .parent && volumes[0].source.sandboxPath.path == "volumes/cache")
        #expect(!volumes[0].hasHostPath)
        #expect(volumes[1].containerPath == "/var/log/nginx" && volumes[1].mode == .ro)
        #expect(volumes[1].hostPath == "/var/log/web" && !volumes[1].hasSource)
        let image = nginx.container.mesos.image
        #expect(image.type == .docker && image.docker.name == "registry.example.com/nginx:1.25")
        // The pull secret by reference, named by its key in `secrets` (Marathon's SecretSerializer).
        #expect(image.docker.config.type == .reference && image.docker.config.reference.name == "registry")
        #expect(!image.docker.config.hasValue)
        #expect(image.hasCached && image.cached == false)
        #expect(nginx.container.hasTtyInfo)
        #expect(nginx.container.linuxInfo.hasShareCgroups && !nginx.container.linuxInfo.shareCgroups)
        #expect(nginx.container.networkInfos.isEmpty)

        // Health check on the allocated host port (host networking), all numbers explicit.
        let health = nginx.healthCheck
        #expect(health.type == .http)
        #expect(health.http.port == 31000 && health.http.path == "/healthz" && health.http.scheme == "http")
        #expect(health.http.protocol == .ipv4)
        #expect([health.intervalSeconds, health.timeoutSeconds, health.gracePeriodSeconds, health.delaySeconds] == [5, 2, 300, 15])
        #expect(health.hasConsecutiveFailures && health.consecutiveFailures == 3)
        #expect(nginx.killPolicy.gracePeriod.nanoseconds == 2_500_000_000)

        // Discovery: this container's endpoints, one port per protocol.
        #expect(nginx.discovery.visibility == .framework && nginx.discovery.name == "web.prod")
        #expect(nginx.discovery.ports.ports.map { "\($0.name):\($0.number)/\($0.protocol)" } == ["http:31000/tcp"])
        #expect(nginx.discovery.ports.ports[0].labels.labels.map(\.key) == ["VIP_0"])
        #expect(!nginx.hasCheck && !nginx.hasExecutor)

        let sidecar = group.tasks[1]
        #expect(sidecar.taskID.value == "prod_web.instance-\(Self.instanceUUID).sidecar.1")
        #expect(sidecar.command.shell == true && sidecar.command.value == "tail -F /logs/access.log")
        #expect(!sidecar.command.hasUser)
        #expect(!sidecar.hasLabels)
        #expect(sidecar.limits.isEmpty)
        #expect(sidecar.container.volumes.map(\.hostPath) == ["/var/log/web"])
        #expect(sidecar.container.volumes.first?.mode == .rw)
        #expect(!sidecar.container.mesos.hasImage && !sidecar.container.hasTtyInfo)
        #expect(sidecar.healthCheck.type == .command)
        #expect(sidecar.healthCheck.command.shell && sidecar.healthCheck.command.value == "test -f /logs/access.log")
        let sidecarEnvironment = Dictionary(Self.environment(sidecar), uniquingKeysWith: { $1 })
        #expect(sidecarEnvironment["LOG_LEVEL"] == "info")
        #expect(sidecarEnvironment["ENDPOINT_HTTP"] == "31000")
        #expect(sidecarEnvironment["MARATHON_APP_LABELS"] == "TEAM TIER_NAME")
        #expect(sidecarEnvironment["MARATHON_APP_LABEL_TIER_NAME"] == "front")
        #expect(sidecar.discovery.ports.ports.isEmpty)

        // Valid proto2 messages: every required field is set.
        _ = try executor.serializedData()
        _ = try group.serializedData()
    }

    @Test func containerNetworkedPod() throws {
        let pod = try parsePod(#"""
        {"id":"/shop/api","networks":[{"mode":"container","name":"n1","labels":{"zone":"a"}}],
         "containers":[{"name":"api","resources":{"cpus":0.2,"mem":64},
           "endpoints":[{"name":"web","containerPort":8080,"hostPort":0,"protocol":["tcp","udp"]},
                        {"name":"metrics","containerPort":9100,"protocol":["tcp"]}],
           "healthCheck":{"tcp":{"endpoint":"web"}}}]}
        """#)
        var launch = try Self.launch(for: pod, hostPorts: ["web": 31001])
        launch.incarnation = 3
        let builder = TaskGroupBuilder(options: .init(envVarsPrefix: "mine_"))
        let (executor, group) = try builder.build(pod: pod, launch: launch)

        let network = try #require(executor.container.networkInfos.first)
        #expect(executor.container.networkInfos.count == 1)
        #expect(network.name == "n1")
        #expect(network.labels.labels.map { [$0.key, $0.value] } == [["zone", "a"]])
        #expect(network.portMappings.map { "\($0.hostPort)->\($0.containerPort)/\($0.protocol)" }
                == ["31001->8080/tcp", "31001->8080/udp"])

        let task = group.tasks[0]
        #expect(task.taskID.value.hasSuffix(".api.3"))
        #expect(task.container.networkInfos.isEmpty)
        // Mesos probes inside the pod's namespace: the container port.
        #expect(task.healthCheck.type == .tcp && task.healthCheck.tcp.port == 8080)
        let environment = Self.environment(task).filter { $0.0.hasPrefix("MINE_") }
        #expect(environment.map { "\($0.0)=\($0.1)" } == [
            "MINE_ENDPOINT_WEB=8080", "MINE_EP_HOST_WEB=31001", "MINE_EP_CONTAINER_WEB=8080",
            "MINE_ENDPOINT_METRICS=9100", "MINE_EP_CONTAINER_METRICS=9100",
        ])
        let ports = task.discovery.ports.ports.map { port in
            "\(port.name):\(port.number)/\(port.protocol) " + port.labels.labels.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
        }
        #expect(ports == [
            "web:31001/tcp network-scope=host", "web:31001/udp network-scope=host",
            "metrics:9100/tcp network-scope=container,network-name=n1",
        ])
        _ = try executor.serializedData()
        _ = try group.serializedData()
    }

    @Test func bridgePodWithoutContainerPortHasNoHealthCheck() throws {
        let pod = try parsePod(#"""
        {"id":"/b","networks":[{"mode":"container/bridge"}],"legacySharedCgroups":true,
         "linuxInfo":{"ipcInfo":{"mode":"PRIVATE","shmSize":128}},
         "containers":[{"name":"c","resources":{"cpus":0.1,"mem":32,"gpus":1},
           "endpoints":[{"name":"web"}],"healthCheck":{"tcp":{"endpoint":"web"}}}]}
        """#)
        let (executor, group) = try TaskGroupBuilder(options: .init(mesosBridgeName: "cni-br"))
            .build(pod: pod, launch: Self.launch(for: pod, hostPorts: ["web": 31555]))
        let network = try #require(executor.container.networkInfos.first)
        #expect(network.name == "cni-br")
        #expect(network.portMappings.map { [$0.hostPort, $0.containerPort] } == [[31555, 31555]])
        #expect(!network.portMappings[0].hasProtocol)
        #expect(executor.container.linuxInfo.shareCgroups)
        #expect(executor.container.linuxInfo.ipcMode == .private && executor.container.linuxInfo.shmSize == 128)
        let task = group.tasks[0]
        #expect(!task.hasHealthCheck)
        #expect(task.container.linuxInfo.shareCgroups)
        #expect(Self.scalars(task.resources)["gpus"] == 1)
        _ = try executor.serializedData()
        _ = try group.serializedData()
    }

    @Test func hostPortsMustMatchTheEndpoints() throws {
        let pod = try parsePod(Self.webPod)
        let builder = TaskGroupBuilder()
        #expect(throws: PodSpecError.cannotLaunch("no host port allocated for endpoint 'admin-api'")) {
            try builder.build(pod: pod, launch: Self.launch(for: pod, hostPorts: ["http": 31000]))
        }
        #expect(throws: PodSpecError.cannotLaunch("endpoint 'admin-api' asks for host port 9090, got 9091")) {
            try builder.build(pod: pod, launch: Self.launch(for: pod, hostPorts: ["http": 31000, "admin-api": 9091]))
        }
        #expect(throws: PodSpecError.cannotLaunch("host port 9090 allocated to both 'http' and 'admin-api'")) {
            try builder.build(pod: pod, launch: Self.launch(for: pod, hostPorts: ["http": 9090, "admin-api": 9090]))
        }
        var badIncarnation = try Self.launch(for: pod, hostPorts: ["http": 31000, "admin-api": 9090])
        badIncarnation.incarnation = 0
        #expect(throws: PodSpecError.self) { try builder.build(pod: pod, launch: badIncarnation) }
    }

    @Test func resourceAskAndHostPortRequests() throws {
        let pod = try parsePod(Self.webPod)
        #expect(pod.resourceAsk == ResourceAsk(cpus: 0.2 + 0.5 + 0.1, mem: 64 + 128 + 32, disk: 110, gpus: 0))
        #expect(pod.hostPortRequests == [
            HostPortRequest(containerName: "nginx", endpointName: "http", port: 0),
            HostPortRequest(containerName: "nginx", endpointName: "admin-api", port: 9090),
        ])
    }

    @Test func labelsTooLongForTheEnvironmentAreSkipped() throws {
        let longKey = String(repeating: "k", count: 493)
        let longValue = String(repeating: "v", count: 512)
        let pod = try parsePod(podWith(#""labels":{"\#(longKey)":"x","ok":"\#(longValue)","fine-key":"1"}"#))
        let (_, group) = try TaskGroupBuilder().build(pod: pod, launch: Self.launch(for: pod, hostPorts: [:]))
        let environment = Dictionary(Self.environment(group.tasks[0]), uniquingKeysWith: { $1 })
        #expect(environment["MARATHON_APP_LABELS"] == "FINE_KEY")
        #expect(environment["MARATHON_APP_LABEL_FINE_KEY"] == "1")
        #expect(environment.keys.filter { $0.hasPrefix("MARATHON_APP_LABEL_") }.count == 1)
    }
}

@Suite struct UpdateKindTests {
    static let base = #"{"id":"/p","containers":[{"name":"c1","resources":{"cpus":0.1,"mem":32}}]"#

    static func pod(_ extra: String = "") throws -> PodDefinition {
        try parsePod(base + (extra.isEmpty ? "" : "," + extra) + "}")
    }

    @Test func classification() throws {
        let stored = try Self.pod()
        #expect(PodUpdateKind.classify(from: nil, to: stored) == .create)
        #expect(PodUpdateKind.classify(from: stored, to: try Self.pod()) == .noChange)
        #expect(PodUpdateKind.classify(from: stored, to: try Self.pod(#""scaling":{"kind":"fixed","instances":3}"#))
                == .scale(from: 1, to: 3))
        for quirk in [#""executorResources":{"mem":64}"#, #""scheduling":{"killSelection":"OLDEST_FIRST"}"#,
                      #""scheduling":{"unreachableStrategy":"disabled"}"#, #""legacySharedCgroups":true"#] {
            let kind = PodUpdateKind.classify(from: stored, to: try Self.pod(quirk))
            #expect(kind == .noChange)
            #expect(!kind.createsVersion)
        }
        for change in [#""user":"nobody""#, #""labels":{"a":"b"}"#, #""environment":{"A":"b"}"#,
                       #""scheduling":{"backoff":{"backoff":2}}"#, #""networks":[{"mode":"container/bridge"}]"#] {
            #expect(PodUpdateKind.classify(from: stored, to: try Self.pod(change)) == .restart)
        }
        let changedContainer = try parsePod(#"{"id":"/p","containers":[{"name":"c1","resources":{"cpus":0.2,"mem":32}}],"scaling":{"kind":"fixed","instances":5}}"#)
        #expect(PodUpdateKind.classify(from: stored, to: changedContainer) == .restart)
        #expect(PodUpdateKind.create.createsVersion && PodUpdateKind.restart.createsVersion)
        #expect(PodUpdateKind.scale(from: 1, to: 2).createsVersion)
    }
}
