import Foundation
import MesosProtocol
import Testing
@testable import PodSpec

/// Secrets by reference in the LAUNCH_GROUP: nothing in a TaskInfo or the ExecutorInfo is
/// a value; the instance's token rides in each task's `data`, the scheduler's address in the
/// executor's environment.
@Suite struct SecretLaunchTests {
    static let pod = #"""
    {
      "id": "/team-a/db-client",
      "secrets": { "db": { "source": "/store/db-source" }, "pull": { "source": "/store/pull-source" },
                   "cert": { "source": "/store/cert-source" }, "unused": { "source": "/nowhere" } },
      "environment": { "DB_PASSWORD": { "secret": "db" } },
      "volumes": [ { "name": "certs", "secret": "cert" } ],
      "containers": [
        { "name": "app", "resources": { "cpus": 0.1, "mem": 32 },
          "image": { "kind": "DOCKER", "id": "registry.example.com/app:1", "pullConfig": { "secret": "pull" } },
          "volumeMounts": [ { "name": "certs", "mountPath": "secrets/cert.pem" } ] },
        { "name": "host", "resources": { "cpus": 0.1, "mem": 32 }, "exec": { "command": { "shell": "sleep 1" } },
          "volumeMounts": [ { "name": "certs", "mountPath": "cert.pem", "readOnly": false } ] }
      ]
    }
    """#

    static func build(access: TaskGroupBuilder.SecretAccess?) throws -> (Mesos_V1_ExecutorInfo, Mesos_V1_TaskGroupInfo) {
        let pod = try parsePod(pod)
        let launch = TaskGroupBuilder.Launch(
            instanceId: try InstanceId.parse("team-a_db-client.instance-6f1c1d2e-1234-11ee-9b7a-0242ac110002"),
            frameworkID: "fw", agentID: "a1", agentHostname: "agent-1", allocation: .init(role: "*"),
            executorCommand: TaskGroupBuilderTests.executorCommand(), secretAccess: access)
        return try TaskGroupBuilder().build(pod: pod, launch: launch)
    }

    @Test("the secrets a launch needs: environment, pullConfig and mounted secret volumes, not unused ones")
    func referencedNames() throws {
        #expect(try parsePod(Self.pod).referencedSecretNames == ["cert", "db", "pull"])
    }

    @Test("env, pullConfig and volume secrets are references named by their key; volumes are SECRET sources, read-only")
    func referencesOnly() throws {
        let access = TaskGroupBuilder.SecretAccess(url: "https://scheduler:8443", caFile: "/etc/pods/ca.pem", token: "pst1.abc.def")
        let (executor, group) = try Self.build(access: access)
        let app = group.tasks[0]
        let password = try #require(app.command.environment.variables.first { $0.name == "DB_PASSWORD" })
        #expect(password.type == .secret && password.secret.type == .reference && password.secret.reference.name == "db")
        #expect(!password.secret.hasValue && !password.hasValue)
        #expect(app.container.mesos.image.docker.config.type == .reference)
        #expect(app.container.mesos.image.docker.config.reference.name == "pull")
        for (task, path) in [(app, "secrets/cert.pem"), (group.tasks[1], "cert.pem")] {
            let volume = try #require(task.container.volumes.first)
            #expect(volume.containerPath == path)
            #expect(volume.mode == .ro)
            #expect(volume.source.type == .secret && volume.source.secret.type == .reference)
            #expect(volume.source.secret.reference.name == "cert" && !volume.source.secret.hasValue)
        }
        // The token in every task's data; the address and CA file in the executor's environment.
        #expect(group.tasks.allSatisfy { String(decoding: $0.data, as: UTF8.self) == "pst1.abc.def" })
        #expect(group.tasks.allSatisfy { PodSecretsContract.token(inTaskData: Array($0.data)) == "pst1.abc.def" })
        let environment = Dictionary(executor.command.environment.variables.map { ($0.name, $0.value) }, uniquingKeysWith: { $1 })
        #expect(environment[PodSecretsContract.urlVariable] == "https://scheduler:8443")
        #expect(environment[PodSecretsContract.caFileVariable] == "/etc/pods/ca.pem")
        #expect(executor.command.environment.variables.allSatisfy { $0.type != .secret })
        // No VALUE secret anywhere in the launch.
        let bytes = try executor.serializedData() + group.serializedData()
        #expect(!String(decoding: bytes, as: UTF8.self).contains("/store/"), "sources stay with the scheduler")
    }

    @Test("without access (a pod without secrets, or no scheduler URL) tasks carry no data and the executor no address")
    func noAccess() throws {
        let (executor, group) = try Self.build(access: nil)
        #expect(group.tasks.allSatisfy { !$0.hasData })
        #expect(!executor.command.environment.variables.contains { $0.name == PodSecretsContract.urlVariable })
        #expect(PodSecretsContract.token(inTaskData: Array("not a token".utf8)) == nil)
        #expect(PodSecretsContract.token(inTaskData: Array("pst1.\u{0}x".utf8)) == nil)
    }
}
