import PodTestFixtures
import Foundation
import MesosProtocol
import PodSystem
import Testing

@Suite(.serialized, .enabled(if: isRoot(), "needs root"))
struct ArtifactTests {
    /// A static file server on 127.0.0.1 (python3 -m http.server), stopped by the caller.
    static func serve(_ directory: String) async throws -> (ManagedProcess, Int) {
        let port = Int.random(in: 20000...29999)
        let process = try Subprocess.spawnDetached("/usr/bin/python3", arguments: ["python3", "-m", "http.server", "\(port)", "--bind", "127.0.0.1"],
                                                   environment: ["PATH=/usr/bin:/bin"], workingDirectory: directory,
                                                   standardOutput: "/dev/null", standardError: "/dev/null")
        guard await httpGet("http://127.0.0.1:\(port)/", timeout: .seconds(10)) != nil else {
            process.signal(SIGKILL)
            throw TestFailure("file server did not start")
        }
        return (process, port)
    }

    @Test("artifacts are fetched into the task sandbox before it starts (executable, extract)")
    func fetched() async throws {
        let cluster = try await TestCluster.start()
        let files = cluster.workDirectory + "/files"
        try FileManager.default.createDirectory(atPath: files + "/pkg", withIntermediateDirectories: true)
        try "#!/bin/sh\necho tool-ran\n".write(toFile: files + "/tool.sh", atomically: true, encoding: .utf8)
        try "payload\n".write(toFile: files + "/pkg/data.txt", atomically: true, encoding: .utf8)
        _ = await shell("cd \(files) && tar czf bundle.tar.gz -C pkg data.txt")
        let (server, port) = try await Self.serve(files)
        defer { server.signal(SIGKILL) }
        var task = shellTask("art", "./tool.sh && cat data.txt")
        var tool = Mesos_V1_CommandInfo.URI()
        tool.value = "http://127.0.0.1:\(port)/tool.sh"
        tool.executable = true
        tool.extract = false
        var bundle = Mesos_V1_CommandInfo.URI()
        bundle.value = "http://127.0.0.1:\(port)/bundle.tar.gz"
        task.command.uris = [tool, bundle]
        await cluster.launch(cluster.executorInfo("e-art"), [task])
        try await cluster.master.wait("terminal") { u in u.contains { $0.state.isTerminal } }
        let last = await cluster.master.last("art")
        #expect(last?.state == .taskFinished, "\(last?.message ?? "")")
        let out = (try? String(contentsOfFile: await cluster.sandbox("e-art") + "/tasks/art/stdout", encoding: .utf8)) ?? ""
        #expect(out.contains("tool-ran") && out.contains("payload"), "\(out)")
        await cluster.stop()
    }

    @Test("a failed fetch fails the group with a message naming the URI, credentials redacted")
    func failedFetch() async throws {
        let cluster = try await TestCluster.start()
        let (server, port) = try await Self.serve(cluster.workDirectory)
        defer { server.signal(SIGKILL) }
        var task = shellTask("art", "true")
        var uri = Mesos_V1_CommandInfo.URI()
        uri.value = "http://deploy:hunter2secret@127.0.0.1:\(port)/missing.tar.gz"
        task.command.uris = [uri]
        await cluster.launch(cluster.executorInfo("e-art2"), [task, shellTask("other", "sleep 100")])
        try await cluster.master.wait("both terminal") { u in Set(u.filter { $0.state.isTerminal }.map(\.taskID.value)).count == 2 }
        let message = await cluster.master.last("art")?.message ?? ""
        #expect(await cluster.master.last("art")?.state == .taskFailed)
        #expect(message.contains("127.0.0.1:\(port)/missing.tar.gz"), "\(message)")
        #expect(!message.contains("hunter2secret"), "\(message)")
        await cluster.stop()
    }
}
