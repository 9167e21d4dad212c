import Foundation
import PodSystem
import PodTestFixtures
import Testing

@Suite(.enabled(if: isRoot(), "needs root: namespaces and mounts"))
struct MonitorTests {
    func spec(_ argv: [String]) -> MonitorSpec {
        var spec = MonitorSpec(executable: argv[0], arguments: argv, environment: ["PATH=/usr/bin:/bin"])
        spec.newNamespaces = [.mount, .pid, .uts, .ipc]
        return spec
    }

    @Test("a missing executable is a startup error naming the program")
    func missingExecutable() async throws {
        let process = try await ProcessSupervisor.shared.spawn(spec(["/no/such/binary"]))
        await #expect(throws: SystemError.self) { _ = try await process.started() }
        do {
            _ = try await process.started()
        } catch let error as SystemError {
            #expect(error.operation == "exec")
            #expect(error.operands == "/no/such/binary")
            #expect(error.errno == ENOENT)
        }
        _ = await process.waitForExit()
    }

    @Test("exit status and signals are reported as the workload's")
    func exitStatus() async throws {
        let p1 = try await ProcessSupervisor.shared.spawn(spec(["/bin/sh", "-c", "exit 7"]))
        _ = try await p1.started()
        #expect(await p1.waitForExit() == .exited(7))
        let p2 = try await ProcessSupervisor.shared.spawn(spec(["/bin/sh", "-c", "kill -TERM $$"]))
        _ = try await p2.started()
        #expect(await p2.waitForExit() == .signaled(SIGTERM))
    }

    @Test("SIGTERM is forwarded to the workload by the container's init")
    func forwardsSignals() async throws {
        let p = try await ProcessSupervisor.shared.spawn(spec(["/bin/sleep", "1000"]))
        let pid = try await p.started()
        #expect(pid == 2, "the workload is the child of PID 1 in its namespace")
        p.signal(SIGTERM)
        #expect(await p.waitForExit() == .signaled(SIGTERM))
    }

    @Test("zombies are reaped by the container's init")
    func reapsZombies() async throws {
        // The shell starts a background child and exits; init must reap everything.
        let p = try await ProcessSupervisor.shared.spawn(spec(["/bin/sh", "-c", "(sleep 0.1 &) ; sleep 0.3; ps -eo stat | grep -c Z || true"]))
        _ = try await p.started()
        #expect(await p.waitForExit() == .exited(0))
    }

    @Test("the executor's descriptors do not leak into containers")
    func noFDLeak() async throws {
        let (read, write) = try makePipe()
        defer { close(read); close(write) }
        var s = spec(["/bin/sh", "-c", "ls /proc/self/fd | wc -l > /dev/null; [ $(ls /proc/self/fd | wc -l) -le 5 ]"])
        s.newNamespaces = [.mount]
        let p = try await ProcessSupervisor.shared.spawn(s)
        _ = try await p.started()
        #expect(await p.waitForExit() == .exited(0))
    }
}

func makePipe() throws -> (Int32, Int32) {
    var fds: [Int32] = [0, 0]
    guard pipe(&fds) == 0 else { throw SystemError.last("pipe") }
    return (fds[0], fds[1])
}
