import Foundation
import MesosProtocol
@testable import PodExecutorCore
import PodRuntime
import Testing

/// The executor's side of secrets by reference: which names a group needs, where its token
/// is, and how fetched values become the container's environment, pull configuration and
/// secret files, without touching a group that has none.
@Suite struct SecretTranslationTests {
    static func reference(_ name: String) -> Mesos_V1_Secret {
        var secret = Mesos_V1_Secret()
        secret.type = .reference
        secret.reference.name = name
        return secret
    }

    static func task(token: String? = "pst1.claims.mac") -> Mesos_V1_TaskInfo {
        var task = Mesos_V1_TaskInfo()
        task.name = "app"
        task.taskID.value = "pod.instance-1.app.1"
        var variable = Mesos_V1_Environment.Variable()
        variable.name = "DB_PASSWORD"
        variable.type = .secret
        variable.secret = reference("db")
        var plain = Mesos_V1_Environment.Variable()
        plain.name = "MODE"
        plain.value = "prod"
        task.command.environment.variables = [variable, plain]
        task.command.value = "/bin/true"
        task.container.type = .mesos
        task.container.mesos.image.type = .docker
        task.container.mesos.image.docker.name = "registry.example.com/app"
        task.container.mesos.image.docker.config = reference("pull")
        var volume = Mesos_V1_Volume()
        volume.containerPath = "secrets/cert"
        volume.mode = .ro
        volume.source.type = .secret
        volume.source.secret = reference("cert")
        task.container.volumes = [volume]
        if let token { task.data = Data(token.utf8) }
        return task
    }

    @Test("the names a group references and its token; none for a group without secrets")
    func references() {
        #expect(TaskTranslation.secretReferences([Self.task()]) == ["cert", "db", "pull"])
        #expect(TaskTranslation.secretToken([Self.task()]) == "pst1.claims.mac")
        var plain = Mesos_V1_TaskInfo()
        plain.command.value = "/bin/true"
        #expect(TaskTranslation.secretReferences([plain]).isEmpty)
        #expect(TaskTranslation.secretToken([Self.task(token: nil)]) == nil)
    }

    @Test("fetched values: the variable, the pull configuration and the secret file's bytes; secret names recorded, not values")
    func translation() throws {
        let secrets = ["db": Array("pw".utf8), "pull": Array(#"{"auths":{}}"#.utf8), "cert": Array("CERT".utf8)]
        let spec = try TaskTranslation(secrets: secrets).spec(for: Self.task())
        #expect(spec.environment.contains { $0 == ("DB_PASSWORD", "pw") })
        #expect(spec.secretEnvironmentNames == ["DB_PASSWORD"])
        #expect(spec.image?.pullConfig == Array(#"{"auths":{}}"#.utf8))
        #expect(spec.volumes == [ContainerSpec.Volume(source: .secret(name: "cert", data: Array("CERT".utf8)),
                                                      containerPath: "secrets/cert", readOnly: true)])
        let stripped = spec.withoutSecretData()
        #expect(stripped.image?.pullConfig == nil)
        #expect(stripped.volumes.first?.source == .secret(name: "cert", data: []))
    }

    @Test("a reference that was not fetched, or a value with a NUL byte, fails the task with a message naming no value")
    func failures() throws {
        #expect(throws: TaskTranslation.Failure.self) { try TaskTranslation().spec(for: Self.task()) }
        do {
            _ = try TaskTranslation(secrets: ["db": [0x41, 0, 0x42], "pull": [], "cert": []]).spec(for: Self.task())
            Issue.record("a NUL byte reached the environment")
        } catch {
            #expect("\(error)" == "variable DB_PASSWORD of app specifies a secret containing null bytes, which is not allowed in the environment")
        }
    }

    @Test("the instance id of an executor id (the scheduler's InstanceId.executorId, undone)")
    func instanceID() {
        #expect(InstanceSecretsClient.instanceID(executorID: "instance-team-a_web.6f1c1d2e-1234-11ee-9b7a-0242ac110002")
            == "team-a_web.instance-6f1c1d2e-1234-11ee-9b7a-0242ac110002")
        #expect(InstanceSecretsClient.instanceID(executorID: "marathon-x.1") == "x.marathon-1")
        #expect(InstanceSecretsClient.instanceID(executorID: "custom") == "custom")
    }
}
