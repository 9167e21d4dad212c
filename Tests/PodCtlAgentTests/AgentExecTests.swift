import PodTestFixtures
import Foundation
import MesosProtocol
import Testing

@Suite("podctl agent exec and debug", .serialized, .enabled(if: isRoot(), "needs root: namespaces, mounts and cgroups"))
struct AgentExecTests {
    @Test("exec runs a command in the container: its output, error and exit code come back; -i, -t and the container's view")
    func exec() async throws {
        let cluster = try await TestCluster.start()
        var task = shellTask("app", "echo ready > $MESOS_SANDBOX/marker; sleep 1000")
        task.command.environment.variables = [variable("APP_MODE", "blue"), variable("API_TOKEN", "tok-123", secret: true)]
        await cluster.launch(cluster.executorInfo("e-exec", networks: [""]), [task])
        let instances = try await cluster.waitForRunning(1)
        let initValue = try #require((instances.first?["containers"] as? [[String: Any]])?.first?["initPID"] as? Int)
        let initPID = Int32(initValue)

        let result = await cluster.podctl("exec", ["e-exec", "app", "--", "sh", "-c", "echo out; echo err >&2; exit 3"])
        #expect(result.code == 3, "\(result)")
        #expect(result.stdout == "out\n")
        #expect(result.stderr == "err\n")

        // The container's environment (secrets from the running workload), sandbox and namespaces.
        let view = await cluster.podctl("exec", ["e-exec", "app", "-e", "EXTRA=1", "--", "sh", "-c",
                                                  "echo $APP_MODE $API_TOKEN $EXTRA; cat $MESOS_SANDBOX/marker; readlink /proc/self/ns/pid /proc/self/ns/net /proc/self/ns/mnt"])
        #expect(view.code == 0, "\(view)")
        let lines = view.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "blue tok-123 1", "\(view)")
        #expect(lines.dropFirst().first == "ready")
        for (index, ns) in ["pid", "net", "mnt"].enumerated() {
            let container = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(initPID)/ns/\(ns)")
            #expect(lines.count > index + 2 && lines[index + 2] == container, "\(ns): \(view)")
        }

        let interactive = await cluster.podctl("exec", ["e-exec", "app", "-i", "--", "sh", "-c", "tr a-z A-Z"], stdin: "hello\n")
        #expect(interactive.code == 0)
        #expect(interactive.stdout == "HELLO\n", "\(interactive)")

        let tty = await cluster.podctl("exec", ["e-exec", "app", "-t", "--", "sh", "-c", "test -t 0 && test -t 1 && echo on-a-tty"])
        #expect(tty.code == 0, "\(tty)")
        #expect(tty.stdout.contains("on-a-tty"), "\(tty)")

        let ttyInput = await cluster.podctl("exec", ["e-exec", "app", "-it", "--", "sh", "-c", "read line; echo got:$line"], stdin: "abc\n")
        #expect(ttyInput.code == 0, "\(ttyInput)")
        #expect(ttyInput.stdout.contains("got:abc"), "\(ttyInput)")

        let missing = await cluster.podctl("exec", ["e-exec", "app", "--", "/no/such/program"])
        #expect(missing.code == 127, "\(missing)")
        #expect(missing.stderr.contains("cannot execute '/no/such/program'"))

        let signaled = await cluster.podctl("exec", ["e-exec", "app", "--", "sh", "-c", "kill -9 $$"])
        #expect(signaled.code == 137, "\(signaled)")

        let noCommand = await cluster.podctl("exec", ["e-exec", "app"])
        #expect(noCommand.code == 2)
        #expect(await cluster.stop() == [])
    }

    @Test("exec into an image container sees the image; debug opens a busybox shell in a container whose image has no shell")
    func debugWithoutShell() async throws {
        let registry = try await RegistryFixture.shared()
        let cluster = try await TestCluster.start()
        await cluster.launch(cluster.executorInfo("e-debug", networks: [""]), [
            imageTask("bare", image: "\(registry.basic)/test/noshell:latest", config: registry.dockerConfig(), command: nil),
            imageTask("box", image: "\(registry.basic)/test/busybox:latest", config: registry.dockerConfig(), command: "sleep 1000"),
        ])
        _ = try await cluster.waitForRunning(2, timeout: .seconds(90))

        let motd = await cluster.podctl("exec", ["e-debug", "box", "--", "cat", "/etc/motd"])
        #expect(motd.code == 0, "\(motd)")
        #expect(motd.stdout == "hello\n", "the image's file: \(motd)")

        // The terminal is the container's own: it has a name in its /dev/pts.
        let ttyName = await cluster.podctl("exec", ["e-debug", "box", "-t", "--", "tty"])
        #expect(ttyName.code == 0, "\(ttyName)")
        #expect(ttyName.stdout.hasPrefix("/dev/pts/"), "\(ttyName)")

        // The image has no shell: exec cannot run one.
        let noShell = await cluster.podctl("exec", ["e-debug", "bare", "--", "/bin/sh", "-c", "true"])
        #expect(noShell.code == 127, "\(noShell)")
        let noShellByName = await cluster.podctl("exec", ["e-debug", "bare", "--", "sh"])
        #expect(noShellByName.code == 127, "\(noShellByName)")
        #expect(noShellByName.stderr.contains("cannot execute 'sh'"), "\(noShellByName)")

        let script = """
            echo files: $(ls /bin)
            echo workload: $(tr '\\0' ' ' < /proc/2/cmdline)
            echo uid: $(id -u)
            echo pids: $(ls /proc | grep -c '^[0-9]')
            test -e /bin/sh || echo no-sh-in-image
            exit 5

            """
        let shell = await cluster.podctl("debug", ["e-debug", "bare"], stdin: script)
        #expect(shell.code == 5, "the shell's exit code: \(shell)")
        #expect(shell.stdout.contains("files: sleep"), "the container's root filesystem: \(shell)")
        // PID 1 is the container's init (the monitor), PID 2 its workload.
        #expect(shell.stdout.contains("workload: /bin/sleep 3600"), "the container's PID namespace: \(shell)")
        #expect(shell.stdout.contains("uid: 0"))
        #expect(shell.stdout.contains("no-sh-in-image"), "nothing was added to the container: \(shell)")

        let applet = await cluster.podctl("debug", ["e-debug", "bare", "--", "ls", "/"])
        #expect(applet.code == 0, "\(applet)")
        #expect(applet.stdout.contains("bin") && applet.stdout.contains("proc"), "\(applet)")

        let badBusybox = await cluster.podctl("debug", ["e-debug", "bare", "--busybox", "/bin/ls"])
        #expect(badBusybox.code == 3, "a dynamically linked toolbox is refused: \(badBusybox)")
        #expect(await cluster.stop() == [])
    }
}
