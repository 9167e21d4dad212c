import Foundation
import ImageStore
import PodCtlKit
import PodRuntime
import Testing
@testable import PodCtlAgent

@Suite("podctl agent: pieces without pods")
struct AgentUnitTests {
    @Test("executor ids show as Marathon instance ids; other ids as they are")
    func instanceNames() {
        #expect(AgentPodInstance.instanceName(executorID: "instance-web.5c3b1f2e-0000-1000-8000-000000000001")
                == "web.instance-5c3b1f2e-0000-1000-8000-000000000001")
        #expect(AgentPodInstance.instanceName(executorID: "marathon-a_b.c.uuid") == "a_b.c.marathon-uuid")
        #expect(AgentPodInstance.instanceName(executorID: "e1") == "e1")
        #expect(AgentPodInstance.instanceName(executorID: "instance-") == "instance-")
    }

    @Test("UTF-8 split across reads is written whole")
    func utf8Chunks() {
        var chunker = UTF8Chunker()
        let bytes = Array("héllo ✓".utf8)
        var text = ""
        for byte in bytes { text += chunker.text([byte]) }
        text += chunker.flush()
        #expect(text == "héllo ✓")
    }

    @Test("the last N lines of a log, with and without a final newline")
    func tail() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("podctl-tail-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let lines = (1...5000).map { "line \($0)" }.joined(separator: "\n")
        for suffix in ["\n", ""] {
            try Data((lines + suffix).utf8).write(to: URL(fileURLWithPath: path))
            let file = LogFile(path: path)
            let offset = try file.offsetOfLastLines(2)
            #expect(String(decoding: try file.read(from: offset), as: UTF8.self) == "line 4999\nline 5000" + suffix)
            #expect(try file.offsetOfLastLines(10000) == 0)
        }
    }

    @Test("the pull progress bar shows bytes, layers and rate")
    func progressBar() throws {
        var state = PullProgressState()
        let manifest = try Digest("sha256:" + String(repeating: "a", count: 64))
        let layer = try Digest("sha256:" + String(repeating: "b", count: 64))
        state.apply(.resolved(manifest: manifest, layers: 2, bytesToDownload: 4 << 20))
        state.apply(.layerProgress(digest: layer, received: 1 << 20, total: 2 << 20))
        state.apply(.layerCommitted(diffID: layer))
        #expect(state.bar(elapsed: 2, width: 8) == "[##------]  25%  1.0MiB/4.0MiB  1/2 layers  512.0KiB/s")
    }

    @Test("a static busybox is accepted, a dynamic program refused")
    func elf() {
        #expect(ELFInspector.isStaticExecutable("/bin/busybox") == true)
        #expect(ELFInspector.isStaticExecutable("/bin/ls") == false)
        #expect(ELFInspector.isStaticExecutable("/etc/hostname") == nil)
    }

    @Test("health check records round-trip to the probe the executor runs")
    func healthDefinition() {
        let kinds: [ProbeKind] = [.http(scheme: "https", port: 8443, path: "/ready", ipv6: false), .tcp(port: 6379, ipv6: true),
                                  .command(shell: true, value: "test -f /x", arguments: [], environment: [("A", "b=c")])]
        for kind in kinds {
            let record = HealthCheckDefinition(kind: kind, delaySeconds: 1, intervalSeconds: 2, timeoutSeconds: 3,
                                               gracePeriodSeconds: 4, consecutiveFailures: 5)
            #expect(record.kind == kind)
        }
    }

    @Test("the built podctl has the agent group and its exit codes")
    func binary() async throws {
        let binary = try #require([URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(), Bundle.main.bundleURL]
            .map { $0.appendingPathComponent("podctl") }.first { FileManager.default.isExecutableFile(atPath: $0.path) })
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("podctl-empty-\(UUID().uuidString)").path
        func run(_ arguments: [String]) throws -> (Int32, String) {
            let process = Process()
            process.executableURL = binary
            process.arguments = arguments
            let output = Pipe()
            process.standardOutput = output
            process.standardError = output
            try process.run()
            let data = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return (process.terminationStatus, String(decoding: data, as: UTF8.self))
        }
        let (psCode, ps) = try run(["agent", "ps", "--json", "--runtime-dir", empty])
        #expect(psCode == 0)
        #expect(ps == "[]\n")
        let (helpCode, help) = try run(["agent", "--help"])
        #expect(helpCode == 0)
        for command in ["ps", "inspect", "logs", "exec", "debug", "health", "images", "pull", "gc"] {
            #expect(help.contains("  \(command) "), "\(command) in \(help)")
        }
        let (missingCode, missing) = try run(["agent", "logs", "nope", "c", "--runtime-dir", empty])
        #expect(missingCode == 3, "\(missing)")
    }
}
