import MesosProtocol
@testable import PodExecutorCore
import PodRuntime
import Testing

/// A Mesos `TaskInfo` into the runtime's `ContainerSpec`, as plain data: no agent, no root.
@Suite("TaskTranslation: TaskInfo → ContainerSpec")
struct TaskTranslationTests {
    static func task(_ id: String = "t1", name: String = "web") -> Mesos_V1_TaskInfo {
        var info = Mesos_V1_TaskInfo()
        info.taskID = Mesos_V1_TaskID(id)
        info.name = name
        return info
    }

    @Test("command, user, environment in order with MESOS_CONTAINER_IP and MESOS_ALLOCATION_ROLE last, artifacts")
    func command() throws {
        var info = Self.task()
        info.command.shell = true
        info.command.value = "echo hi"
        info.command.user = "nobody"
        var variable = Mesos_V1_Environment.Variable()
        variable.name = "A"
        variable.value = "1"
        info.command.environment.variables = [variable]
        var uri = Mesos_V1_CommandInfo.URI()
        uri.value = "http://127.0.0.1:1/a.tgz"
        uri.extract = true
        uri.outputFile = "b.tgz"
        info.command.uris = [uri]
        info.resources = [.scalar("cpus", 0.5, role: "web-role"), .scalar("mem", 64, role: "web-role")]
        let spec = try TaskTranslation(containerIP: "10.0.0.7", frameworkUser: "root").spec(for: info)
        #expect(spec.taskID == "t1")
        #expect(spec.name == "web")
        #expect(spec.command == ContainerSpec.Command(shell: true, value: "echo hi", arguments: []))
        #expect(spec.user == "nobody", "the command's user wins over the framework's")
        #expect(spec.environment.map { "\($0.0)=\($0.1)" } == ["A=1", "MESOS_CONTAINER_IP=10.0.0.7", "MESOS_ALLOCATION_ROLE=web-role"])
        #expect(spec.artifacts == [ContainerSpec.Artifact(uri: "http://127.0.0.1:1/a.tgz", executable: false, extract: true,
                                                          cache: false, outputFile: "b.tgz")])
        #expect(spec.resources.cpus == 0.5)
        #expect(spec.resources.memory == 64)
        #expect(spec.resources.disk == nil, "a resource the task does not name stays unset")
        #expect(spec.image == nil)
    }

    @Test("a task without a command: no argv, the framework's user; without a name its id names it")
    func defaults() throws {
        let spec = try TaskTranslation(containerIP: nil, frameworkUser: "alice").spec(for: Self.task("t2", name: ""))
        #expect(spec.name == "t2")
        #expect(spec.user == "alice")
        #expect(spec.command == ContainerSpec.Command(shell: false, value: nil, arguments: []))
        #expect(spec.environment.isEmpty)
    }

    @Test("an image task runs as the image's USER unless its command names a user; limits become cpu and memory limits")
    func imageAndLimits() throws {
        var info = Self.task()
        info.container.type = .mesos
        info.container.mesos.image.type = .docker
        info.container.mesos.image.docker.name = "127.0.0.1:5000/test/busybox:latest"
        info.container.mesos.image.cached = false
        var cpus = Mesos_V1_Value.Scalar()
        cpus.value = 2
        info.limits["cpus"] = cpus
        let spec = try TaskTranslation(containerIP: nil, frameworkUser: "root").spec(for: info)
        #expect(spec.user == nil, "the framework's user does not apply to an image container")
        #expect(spec.image?.reference == "127.0.0.1:5000/test/busybox:latest")
        #expect(spec.image?.forcePull == true, "an image not marked cached is pulled every time")
        #expect(spec.resources.cpuLimit == 2)
        #expect(spec.resources.memoryLimit == nil)

        info.command.user = "1000"
        #expect(try TaskTranslation(containerIP: nil, frameworkUser: "root").spec(for: info).user == "1000")
    }

    @Test("volumes: host paths, sandbox paths of the pod (PARENT) and of the container (SELF), modes")
    func volumes() throws {
        var host = Mesos_V1_Volume()
        host.hostPath = "/srv/data"
        host.containerPath = "/data"
        host.mode = .ro
        var parent = Mesos_V1_Volume()
        parent.containerPath = "shared"
        parent.mode = .rw
        parent.source.type = .sandboxPath
        parent.source.sandboxPath.type = .parent
        parent.source.sandboxPath.path = "volumes/v1"
        var own = parent
        own.source.sandboxPath.type = .self_
        own.source.sandboxPath.path = "scratch"
        var info = Self.task()
        info.container.type = .mesos
        info.container.volumes = [host, parent, own]
        let spec = try TaskTranslation(containerIP: nil, frameworkUser: nil).spec(for: info)
        #expect(spec.volumes == [
            .init(source: .host("/srv/data"), containerPath: "/data", readOnly: true),
            .init(source: .podSandbox("volumes/v1"), containerPath: "shared", readOnly: false),
            .init(source: .containerSandbox("scratch"), containerPath: "shared", readOnly: false),
        ])
    }

    @Test("what the runtime cannot run is refused with a message naming the task: appc images, image volumes, no source")
    func refusals() throws {
        var appc = Self.task()
        appc.container.type = .mesos
        appc.container.mesos.image.type = .appc
        appc.container.mesos.image.appc.name = "example.com/app"
        #expect { try TaskTranslation(containerIP: nil, frameworkUser: nil).spec(for: appc) } throws: { error in
            "\(error)".contains("only Docker images are supported") && "\(error)".contains("web")
        }
        var imageVolume = Mesos_V1_Volume()
        imageVolume.containerPath = "/img"
        imageVolume.image.type = .docker
        imageVolume.image.docker.name = "busybox"
        var noSource = Mesos_V1_Volume()
        noSource.containerPath = "/nothing"
        for (volume, message) in [(imageVolume, "image volumes are not supported"), (noSource, "volume at /nothing has no source")] {
            var info = Self.task()
            info.container.type = .mesos
            info.container.volumes = [volume]
            #expect { try TaskTranslation(containerIP: nil, frameworkUser: nil).spec(for: info) } throws: { error in
                "\(error)".contains(message)
            }
        }
    }
}
