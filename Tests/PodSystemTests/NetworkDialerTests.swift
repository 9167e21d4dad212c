import Foundation
import PodSystem
import PodTestFixtures
import Synchronization
import Testing

/// The dialer thread of a pod's health checks, in a network namespace the test creates:
/// it connects from inside that namespace, a target that never answers times out without
/// holding up other connects, and a stop lets go of the namespace.
@Suite(.serialized, .enabled(if: isRoot(), "needs root: creates a network namespace"))
struct NetworkDialerTests {
    /// A namespace with loopback up, removed at the end of the test.
    final class Lab {
        let directory = NSTemporaryDirectory() + "dialer-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let namespace: NetworkNamespace
        init() throws {
            namespace = try NetworkNamespace.create(name: "ns", directory: directory)
        }
        deinit {
            namespace.remove()
            _ = umount2(directory, Int32(MNT_DETACH))
            try? FileManager.default.removeItem(atPath: directory)
        }

        /// A TCP listener on 127.0.0.1 inside the namespace; returns (fd, port).
        func listen(backlog: Int32) throws -> (Int32, Int) {
            let fd = try namespace.socket(domain: AF_INET, type: Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue))
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = 0
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
            }
            #expect(bound == 0)
            #expect(Glibc.listen(fd, backlog) == 0)
            _ = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
            }
            return (fd, Int(UInt16(bigEndian: address.sin_port)))
        }

        var inode: UInt64 {
            var st = stat()
            _ = stat(namespace.path, &st)
            return UInt64(st.st_ino)
        }
    }

    /// The network namespace inodes of this process's threads.
    static func threadNamespaces() -> Set<UInt64> {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        var result = Set<UInt64>()
        for task in tasks {
            var st = stat()
            if stat("/proc/self/task/\(task)/ns/net", &st) == 0 { result.insert(UInt64(st.st_ino)) }
        }
        return result
    }

    /// Whether the namespace (seen through a thread inside it) has a socket in SYN_SENT.
    static func synSent(namespace inode: UInt64) -> Bool {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        for task in tasks {
            var st = stat()
            guard stat("/proc/self/task/\(task)/ns/net", &st) == 0, UInt64(st.st_ino) == inode,
                  let table = try? String(contentsOfFile: "/proc/self/task/\(task)/net/tcp", encoding: .utf8) else { continue }
            // Columns: sl local_address rem_address st …; st 02 is SYN_SENT.
            return table.split(separator: "\n").dropFirst().contains { $0.split(separator: " ").count > 3 && $0.split(separator: " ")[3] == "02" }
        }
        return false
    }

    @Test("connects inside the namespace; a closed port is refused; the host's listener is not reachable")
    func connectsInside() async throws {
        let lab = try Lab()
        let (listener, port) = try lab.listen(backlog: 16)
        defer { close(listener) }
        let dialer = try NetworkDialer(namespacePath: lab.namespace.path)
        defer { dialer.stop() }
        for _ in 0..<20 {
            let fd = try await dialer.connect(ip: "127.0.0.1", port: port, timeout: .seconds(2))
            close(fd)
            let accepted = accept(listener, nil, nil)
            #expect(accepted >= 0)
            close(accepted)
        }
        close(listener)
        do {
            _ = try await dialer.connect(ip: "127.0.0.1", port: port, timeout: .seconds(2))
            Issue.record("a closed port accepted")
        } catch {
            #expect(error.errno == ECONNREFUSED)
        }
        // A listener of the host's loopback is not the namespace's.
        let host = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        defer { close(host) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(host, $0, length) } }
        #expect(Glibc.listen(host, 4) == 0)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(host, $0, &length) } }
        do {
            _ = try await dialer.connect(ip: "127.0.0.1", port: Int(UInt16(bigEndian: address.sin_port)), timeout: .seconds(2))
            Issue.record("the dialer reached the host's loopback")
        } catch {
            #expect(error.errno == ECONNREFUSED)
        }
        // Bad addresses are refused before anything is queued.
        do {
            _ = try await dialer.connect(ip: "not-an-ip", port: 80, timeout: .seconds(1))
            Issue.record("a bad address was accepted")
        } catch {
            #expect(error.errno == EINVAL)
        }
    }

    @Test("a target that never answers times out and holds up no other connect")
    func hungTargetDoesNotBlock() async throws {
        let lab = try Lab()
        // backlog 0 and nobody accepting: once the accept queue is full the listener drops
        // SYNs, so further connects hang until their own deadline.
        let (stuck, stuckPort) = try lab.listen(backlog: 0)
        defer { close(stuck) }
        let (good, goodPort) = try lab.listen(backlog: 64)
        defer { close(good) }
        let dialer = try NetworkDialer(namespacePath: lab.namespace.path)
        defer { dialer.stop() }
        var filled: [Int32] = []
        defer { filled.forEach { close($0) } }
        // Fill the accept queue (how many it takes depends on the kernel; the first
        // connect that times out proves the queue is full).
        var hung = false
        for _ in 0..<4 where !hung {
            do {
                filled.append(try await dialer.connect(ip: "127.0.0.1", port: stuckPort, timeout: .milliseconds(300)))
            } catch {
                #expect(error.errno == ETIMEDOUT)
                hung = true
            }
        }
        try #require(hung, "the listener never stopped answering")

        // One connect hangs (its deadline far away); while it does, others complete. Nothing
        // here is timed: the hung one is still waiting when the ten are done, and it ends
        // only when the dialer is stopped.
        let slowEnded = Mutex(false)
        let slow = Task {
            defer { slowEnded.withLock { $0 = true } }
            do {
                _ = try await dialer.connect(ip: "127.0.0.1", port: stuckPort, timeout: .seconds(120))
                return Int32(0)
            } catch {
                return (error as? SystemError)?.errno ?? -1
            }
        }
        try await waitUntil("the hung connect's SYN") { Self.synSent(namespace: lab.inode) }
        for _ in 0..<10 {
            let fd = try await dialer.connect(ip: "127.0.0.1", port: goodPort, timeout: .seconds(10))
            close(fd)
        }
        #expect(!slowEnded.withLock { $0 }, "the hung connect ended before the others were done")
        dialer.stop()
        #expect(await slow.value == ECANCELED)
    }

    @Test("stop ends waiting connects and lets go of the namespace")
    func stopReleasesNamespace() async throws {
        let lab = try Lab()
        let (stuck, stuckPort) = try lab.listen(backlog: 0)
        defer { close(stuck) }
        let inode = lab.inode
        let dialer = try NetworkDialer(namespacePath: lab.namespace.path)
        #expect(Self.threadNamespaces().contains(inode), "no thread entered the namespace")
        // Fill the queue, then leave one connect waiting.
        var filled: [Int32] = []
        defer { filled.forEach { close($0) } }
        for _ in 0..<4 {
            if let fd = try? await dialer.connect(ip: "127.0.0.1", port: stuckPort, timeout: .milliseconds(300)) { filled.append(fd) } else { break }
        }
        let waiting = Task {
            do {
                _ = try await dialer.connect(ip: "127.0.0.1", port: stuckPort, timeout: .seconds(30))
                return Int32(0)
            } catch {
                return (error as? SystemError)?.errno ?? -1
            }
        }
        // Wait until its SYN is out (a SYN_SENT socket in the namespace's TCP table).
        try await waitUntil("the waiting connect's SYN") { Self.synSent(namespace: inode) }
        dialer.stop()
        #expect(await waiting.value == ECANCELED)
        #expect(!Self.threadNamespaces().contains(inode), "a thread still holds the namespace")
        #expect(dialer.isStopped)
        do {
            _ = try await dialer.connect(ip: "127.0.0.1", port: stuckPort, timeout: .seconds(1))
            Issue.record("a stopped dialer connected")
        } catch {
            #expect(error.errno == ECANCELED)
        }
    }
}
