import PodTestFixtures
import Foundation
import MesosProtocol
import Testing

@Suite("podctl agent ps, inspect and logs", .serialized, .enabled(if: isRoot(), "needs root: namespaces, mounts and cgroups"))
struct AgentPsInspectTests {
    @Test("ps lists the instance and its containers with state, pids, uptime and cgroup use; inspect shows the full picture")
    func psAndInspect() async throws {
        let cluster = try await TestCluster.start()
        var web = shellTask("web", "echo started; sleep 1000")
        web.command.environment.variables = [variable("GREETING", "hello"), variable("DB_PASSWORD", "s3cret-value", secret: true)]
        await cluster.launch(cluster.executorInfo("instance-shop.1f0e2a4c-0000-1000-8000-000000000001"),
                             [web, shellTask("sidecar", "sleep 1000")])
        let instances = try await cluster.waitForRunning(2)

        #expect(instances.count == 1)
        let instance = try #require(instances.first)
        #expect(instance["instance"] as? String == "shop.instance-1f0e2a4c-0000-1000-8000-000000000001",
                "executor id instance-<pod>.<uuid> is shown as the Marathon instance id")
        #expect(instance["executorRunning"] as? Bool == true)
        let containers = try #require(instance["containers"] as? [[String: Any]])
        #expect(containers.compactMap { $0["name"] as? String }.sorted() == ["sidecar", "web"])
        for c in containers {
            #expect(c["state"] as? String == "TASK_RUNNING")
            #expect((c["pids"] as? [Int])?.isEmpty == false)
            #expect((c["uptimeSeconds"] as? Double).map { $0 >= 0 } == true)
            if !((c["cgroups"] as? [String: String]) ?? [:]).isEmpty {
                #expect((c["memoryBytes"] as? Int).map { $0 > 0 } == true, "cgroup memory use: \(c)")
                #expect(c["cpuSeconds"] is Double)
            }
        }

        let table = await cluster.podctl("ps")
        #expect(table.code == 0, "\(table)")
        let lines = table.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("INSTANCE") == true)
        #expect(lines.contains { $0.contains("shop.instance-") && $0.contains("web") && $0.contains("TASK_RUNNING") }, "\(table)")

        // The secret's value is neither in the state file nor in what podctl prints.
        let state = cluster.stateFiles().values.joined()
        #expect(state.contains("GREETING=hello"))
        #expect(!state.contains("s3cret-value"))
        #expect(state.contains("DB_PASSWORD"), "named as a redacted variable")

        for query in ["shop.instance-1f0e2a4c-0000-1000-8000-000000000001", "instance-shop.1f0e2a4c-0000-1000-8000-000000000001", "shop"] {
            let inspect = await cluster.podctl("inspect", [query])
            #expect(inspect.code == 0, "\(query): \(inspect)")
            #expect(inspect.stdout.contains("Container web") && inspect.stdout.contains("Container sidecar"), "\(inspect)")
            #expect(!inspect.stdout.contains("s3cret-value"))
        }
        let inspect = await cluster.podctl("inspect", ["shop"])
        // The executor's sandbox is the run directory that runs/latest links to.
        let sandbox = URL(fileURLWithPath: await cluster.sandbox("instance-shop.1f0e2a4c-0000-1000-8000-000000000001"))
            .resolvingSymlinksInPath().path
        #expect(inspect.stdout.contains(sandbox), "\(inspect)")
        #expect(inspect.stdout.contains("Last updates"))
        #expect(inspect.stdout.contains("Secret vars:") && inspect.stdout.contains("DB_PASSWORD"))

        let json = await cluster.podctl("inspect", ["shop", "--json"])
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(document["sandbox"] as? String == sandbox)
        let jsonContainers = try #require(document["containers"] as? [[String: Any]])
        let webDocument = try #require(jsonContainers.first { $0["name"] as? String == "web" })
        #expect(webDocument["taskID"] as? String == "web")
        #expect((webDocument["command"] as? [String])?.last == "echo started; sleep 1000")
        #expect((webDocument["namespaces"] as? [String]).map { Set($0).isSuperset(of: ["mnt", "pid"]) } == true)
        #expect(webDocument["seccomp"] as? String == "default")
        #expect((document["lastUpdates"] as? [String])?.contains("web TASK_RUNNING") == true)

        let unknown = await cluster.podctl("inspect", ["nope"])
        #expect(unknown.code == 3)
        #expect(unknown.stderr.contains("no pod instance 'nope'"))
        #expect(await cluster.stop() == [])
    }

    @Test("logs prints a container's output, --tail the last lines, --stderr its errors; -f follows until the container ends")
    func logs() async throws {
        let cluster = try await TestCluster.start()
        let counter = shellTask("counter", "for i in 1 2 3 4 5 6 7 8; do echo line $i; echo err $i >&2; sleep 0.3; done")
        await cluster.launch(cluster.executorInfo("e-logs"), [counter, shellTask("keeper", "sleep 1000")])
        _ = try await cluster.waitForRunning(2)

        // Follows from the start while the counter runs, and returns when it has ended.
        let started = ContinuousClock.now
        let followed = await cluster.podctl("logs", ["e-logs", "counter", "-f"])
        #expect(followed.code == 0, "\(followed)")
        #expect(followed.stdout == (1...8).map { "line \($0)\n" }.joined(), "\(followed)")
        #expect(ContinuousClock.now - started >= .milliseconds(500), "it followed rather than printing what was there")

        let tail = await cluster.podctl("logs", ["e-logs", "counter", "--tail", "2"])
        #expect(tail.stdout == "line 7\nline 8\n", "\(tail)")
        let errors = await cluster.podctl("logs", ["e-logs", "counter", "--stderr", "--tail", "1"])
        #expect(errors.stdout == "err 8\n", "\(errors)")
        let zero = await cluster.podctl("logs", ["e-logs", "counter", "--tail", "0"])
        #expect(zero.stdout.isEmpty)

        let ps = await cluster.podctl("ps", ["--json"])
        let counterReport = try #require(((try JSONSerialization.jsonObject(with: Data(ps.stdout.utf8)) as? [[String: Any]])?
            .first?["containers"] as? [[String: Any]])?.first { $0["name"] as? String == "counter" })
        #expect(counterReport["running"] as? Bool == false)
        #expect(counterReport["state"] as? String == "TASK_FINISHED")
        #expect((counterReport["termination"] as? String)?.contains("exited with status 0") == true, "\(counterReport)")

        let missing = await cluster.podctl("logs", ["e-logs", "nosuch"])
        #expect(missing.code == 3)
        #expect(missing.stderr.contains("no container 'nosuch'"), "\(missing)")
        #expect(await cluster.stop() == [])
    }
}
