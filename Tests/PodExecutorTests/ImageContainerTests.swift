import Foundation
import MesosProtocol
import PodSystem
import PodTestFixtures
import Testing

@Suite(.serialized, .enabled(if: isRoot(), "needs root: overlay mounts, pivot_root, namespaces"))
struct ImageContainerTests {
    @Test("a private image through pullConfig: the container sees the image's files, the sandbox and volumes")
    func privateImage() async throws {
        let registry = try await RegistryFixture.shared()
        let cluster = try await TestCluster.start()
        let ref = "\(registry.basic)/test/busybox:latest"
        var task = imageTask("img", image: ref, config: registry.dockerConfig(),
                             command: "cat /etc/motd; id -u; echo sandbox=$MESOS_SANDBOX; ls /mnt/mesos/sandbox; echo data > $MESOS_SANDBOX/shared/f; hostname; grep -c . /proc/mounts; test ! -e /proc/kcore || cat /proc/kcore | wc -c")
        task.container.volumes = [podVolume("v", at: "shared")]
        await cluster.launch(cluster.executorInfo("e-img"), [task])
        try await cluster.master.wait(timeout: .seconds(60), "finished") { u in u.contains { $0.state.isTerminal } }
        let last = await cluster.master.last("img")
        #expect(last?.state == .taskFinished, "\(last?.message ?? "")")
        let sandbox = await cluster.sandbox("e-img")
        let out = (try? String(contentsOfFile: sandbox + "/tasks/img/stdout", encoding: .utf8)) ?? ""
        let err = (try? String(contentsOfFile: sandbox + "/tasks/img/stderr", encoding: .utf8)) ?? ""
        #expect(out.contains("sandbox=/mnt/mesos/sandbox"), "\(out)\n\(err)")
        #expect(out.contains("stdout"), "the sandbox is mounted at /mnt/mesos/sandbox: \(out)")
        #expect(FileManager.default.fileExists(atPath: sandbox + "/volumes/v/f"), "a pod volume is shared: \(out)\n\(err)")
        #expect(await cluster.stop() == [])
    }

    @Test("wrong credentials: TASK_FAILED saying the pull was unauthorized, without the secret")
    func wrongCredentials() async throws {
        let registry = try await RegistryFixture.shared()
        let cluster = try await TestCluster.start()
        let ref = "\(registry.basic)/test/busybox:latest"
        await cluster.launch(cluster.executorInfo("e-bad"), [imageTask("bad", image: ref, config: registry.dockerConfig(password: "s3cr3t-wrong"),
                                                                       command: "true", forcePull: true)])
        try await cluster.master.wait(timeout: .seconds(60), "failed") { u in u.contains { $0.state.isTerminal } }
        let last = await cluster.master.last("bad")
        #expect(last?.state == .taskFailed)
        let message = last?.message ?? ""
        #expect(message.lowercased().contains("unauthorized"), "\(message)")
        #expect(!message.contains("s3cr3t-wrong"))
        #expect(!message.contains(Data("testuser:s3cr3t-wrong".utf8).base64EncodedString()))
        await cluster.stop()
    }

    @Test("the image's Entrypoint/Cmd runs when the task gives no command")
    func imageCommand() async throws {
        let registry = try await RegistryFixture.shared()
        let cluster = try await TestCluster.start()
        var task = imageTask("ep", image: "\(registry.basic)/test/busybox:latest", config: registry.dockerConfig(), command: nil)
        // The image's Entrypoint is /bin/sh: the arguments replace its Cmd.
        task.command.arguments = ["-c", "echo from-args; echo greeting=$GREETING; pwd"]
        await cluster.launch(cluster.executorInfo("e-ep"), [task])
        try await cluster.master.wait(timeout: .seconds(60), "terminal") { u in u.contains { $0.state.isTerminal } }
        let last = await cluster.master.last("ep")
        let sandbox = await cluster.sandbox("e-ep")
        let out = (try? String(contentsOfFile: sandbox + "/tasks/ep/stdout", encoding: .utf8)) ?? ""
        #expect(last?.state == .taskFinished, "\(last?.message ?? "")")
        #expect(out.contains("from-args"), "\(out)")
        #expect(out.contains("greeting=busybox"), "the image's Env applies: \(out)")
        #expect(out.contains("/root"), "the image's WorkingDir applies: \(out)")
        await cluster.stop()
    }
}
