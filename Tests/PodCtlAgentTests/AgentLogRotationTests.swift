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
        // 50 bursts of 1 MiB (16384 lines), as fast as seq writes them, a short pause between.
        let batches = 50, perBatch = Self.linesPerMiB
        let writer = shellTask("writer", """
            i=0; while [ $i -lt \(batches) ]; do seq -f '%08g-\(Self.padding)' $((i*\(perBatch)+1)) $(((i+1)*\(perBatch))); \
            sleep 0.05; i=$((i+1)); done; echo done >&2
            """)
        await cluster.launch(executor, [writer, shellTask("keeper", "sleep 1000")])
        _ = try await cluster.waitForRunning(2)

        // Follows from the start, across 49 rotations, until the writer has ended; bounded in time.
        let runtime = cluster.runtimeDirectory
        let followed = try await withDeadline(.seconds(120), "podctl agent logs -f to return") {
            await AgentCLI.run(["logs", "--runtime-dir", runtime, "e-rotate", "writer", "-f"])
        }
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
        let sandbox = await cluster.sandbox("e-rotate")
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
        #expect(await cluster.stop() == [])
    }
}
