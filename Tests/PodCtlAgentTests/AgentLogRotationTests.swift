import Foundation
import MesosProtocol
import PodTestFixtures
import Testing

/// Bounded logs on a real executor launched by the agent stand-in, with the settings in
/// `ExecutorInfo.command.environment` as pod-scheduler sends them.
@Suite("podctl agent logs across the executor's log rotation", .serialized, .enabled(if: isRoot(), "needs root: namespaces, mounts and cgroups"))
struct AgentLogRotationTests {
    /// 64-byte numbered lines: `00000001-…`.
    static let padding = String(repeating: "x", count: 54)
    static let linesPerMiB = (1 << 20) / 64

    @Test("a container writing 50 MiB with 1 MiB × 3 files leaves at most 3 MiB on disk, and logs -f prints every line in order")
    func fiftyMegabytes() async throws {
        let cluster = try await TestCluster.start()
        var executor = cluster.executorInfo("e-rotate")
        executor.command.environment.variables = [variable(PodLogRotationContract.maxSizeVariable, "1"),
                                                  variable(PodLogRotationContract.maxFilesVariable, "3")]
        // Once logs -f follows: 50 bursts of 1 MiB (16384 lines), as fast as seq writes them, then a pause: about 2 MiB/s, a fast logger. (podctl runs in
        // the test process, which shares 2 cores with the executor and other suites; a writer at
        // full speed outruns any reader and rotates files away unread, which podctl reports.)
        let batches = 50, perBatch = Self.linesPerMiB
        let flag = cluster.workDirectory + "/go"
        let writer = shellTask("writer", """
            while [ ! -f \(flag) ]; do sleep 0.05; done; i=0; while [ $i -lt \(batches) ]; do seq -f '%08g-\(Self.padding)' $((i*\(perBatch)+1)) $(((i+1)*\(perBatch))); \
            sleep 0.5; i=$((i+1)); done; echo done >&2
            """)
        await cluster.launch(executor, [writer, shellTask("keeper", "sleep 1000")])
        _ = try await cluster.waitForRunning(2)

        // Follows from the start, across 49 rotations, until the writer has ended; bounded in time.
        let runtime = cluster.runtimeDirectory
        let following = Task {
            try await withDeadline(.seconds(120), "podctl agent logs -f to return") {
                await AgentCLI.run(["logs", "--runtime-dir", runtime, "e-rotate", "writer", "-f"])
            }
        }
        // podctl runs in this process: the writer starts once it holds the writer's stdout open.
        let sandbox = await cluster.sandbox("e-rotate")
        try await waitUntil("podctl agent logs -f has the writer's stdout open") { Self.openHere(below: sandbox, named: "stdout") }
        #expect(FileManager.default.createFile(atPath: flag, contents: Data()))
        let followed = try await following.value
        #expect(followed.code == 0, "\(followed.stderr)")
        #expect(followed.stderr.isEmpty, "no file was rotated away unread: \(followed.stderr)")
        let lines = followed.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        let total = batches * perBatch
        #expect(lines.count == total + 1, "every line and a final newline: got \(lines.count - 1) lines")
        var firstWrong: String?
        for (index, line) in lines.dropLast().enumerated() where line != String(format: "%08d-", index + 1) + Self.padding {
            firstWrong = "line \(index + 1): \(line)"
            break
        }
        #expect(firstWrong == nil, "every line in order")

        // On disk: stdout, stdout.1 and stdout.2 of at most 1 MiB each, the newest lines last.
        let containers = try FileManager.default.contentsOfDirectory(atPath: sandbox + "/containers")
        var sizes: [String: Int] = [:]
        var newest = ""
        for container in containers {
            let dir = sandbox + "/containers/" + container
            for name in try FileManager.default.contentsOfDirectory(atPath: dir) where name.hasPrefix("stdout") || name.hasPrefix("stderr") {
                let size = (try FileManager.default.attributesOfItem(atPath: dir + "/" + name)[.size] as? Int) ?? 0
                sizes[container + "/" + name] = size
                if name == "stdout", size > 0 { newest = try String(contentsOfFile: dir + "/" + name, encoding: .utf8) }
            }
        }
        let writerFiles = sizes.filter { $0.key.hasSuffix("/stdout") || $0.key.contains("/stdout.") }.filter { $0.value > 0 }
        #expect(writerFiles.count == 3, "\(sizes)")
        #expect(writerFiles.values.allSatisfy { $0 <= 1 << 20 }, "\(sizes)")
        #expect(writerFiles.values.reduce(0, +) <= 3 << 20, "\(sizes)")
        #expect(newest.hasSuffix(String(format: "%08d-", total) + Self.padding + "\n"))
        // Without -f: what the rotation kept, oldest file first (the last 3 MiB of lines, in order); --tail reads the current file.
        let kept = await cluster.podctl("logs", ["e-rotate", "writer"])
        let keptLines = kept.stdout.split(separator: "\n")
        #expect(keptLines.count == 3 * perBatch, "\(keptLines.count) lines")
        #expect(keptLines.first.map(String.init) == String(format: "%08d-", total - 3 * perBatch + 1) + Self.padding)
        #expect(keptLines.last.map(String.init) == String(format: "%08d-", total) + Self.padding)
        let tail = await cluster.podctl("logs", ["e-rotate", "writer", "--tail", "1"])
        #expect(tail.stdout == String(format: "%08d-", total) + Self.padding + "\n")
        #expect(await cluster.stop() == [])
    }

    /// Whether this process has a file called `name` below `directory` open.
    static func openHere(below directory: String, named name: String) -> Bool {
        let resolved = URL(fileURLWithPath: directory).resolvingSymlinksInPath().path
        let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        return fds.contains { fd in
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/" + fd) else { return false }
            return target.hasPrefix(resolved + "/") && target.hasSuffix("/" + name)
        }
    }
}
