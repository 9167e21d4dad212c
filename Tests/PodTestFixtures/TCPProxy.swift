import Foundation
import Synchronization

/// A TCP proxy on 127.0.0.1 in front of a loopback port, that can cut its connections and
/// refuse new ones (a network partition between its clients and the target) and heal again.
/// Each connection is pumped by two threads of its own (not Swift concurrency's, so the
/// proxy forwards whatever the test's tasks do).
public final class TCPProxy: Sendable {
    /// The port clients connect to.
    public let port: Int
    /// The port the proxy forwards to.
    public let target: Int

    private struct State {
        var cut = false
        var closed = false
        var links: [Int: Link] = [:]
        var nextLink = 0
    }
    private let state = Mutex(State())
    private let listener: Int32

    /// One client connection and its connection to the target; the second pump to end
    /// closes both.
    private final class Link: Sendable {
        let client: Int32
        let server: Int32
        private let pumps = Mutex(2)
        init(client: Int32, server: Int32) {
            self.client = client
            self.server = server
        }
        func cut() {
            shutdown(client, Int32(SHUT_RDWR))
            shutdown(server, Int32(SHUT_RDWR))
        }
        /// Returns true for the last pump.
        func pumpEnded() -> Bool {
            pumps.withLock { count in
                count -= 1
                return count == 0
            }
        }
    }

    /// Listens on a free port of 127.0.0.1 and forwards to `127.0.0.1:target`.
    public init(to target: Int) throws {
        self.target = target
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw FixtureFailure("socket: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 && listen(fd, 64) == 0
            }
        }
        guard bound else {
            Glibc.close(fd)
            throw FixtureFailure("bind/listen: errno \(errno)")
        }
        listener = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    /// Cuts every connection and refuses new ones until `heal`.
    public func cut() {
        let links = state.withLock { s in
            s.cut = true
            return Array(s.links.values)
        }
        for link in links { link.cut() }
    }

    /// Accepts and forwards connections again.
    public func heal() {
        state.withLock { $0.cut = false }
    }

    /// Cuts everything and stops listening.
    public func close() {
        let first = state.withLock { s in
            defer { s.closed = true }
            return !s.closed
        }
        guard first else { return }
        cut()
        shutdown(listener, Int32(SHUT_RDWR))
    }

    private func acceptLoop() {
        defer { Glibc.close(listener) }
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                return
            }
            _ = fcntl(client, F_SETFD, FD_CLOEXEC)
            let (cut, closed) = state.withLock { ($0.cut, $0.closed) }
            if closed { Glibc.close(client); return }
            guard !cut, let server = connectTarget() else {
                Glibc.close(client)
                continue
            }
            let link = Link(client: client, server: server)
            let (id, cutMeanwhile) = state.withLock { s in
                s.nextLink += 1
                s.links[s.nextLink] = link
                return (s.nextLink, s.cut)
            }
            if cutMeanwhile { link.cut() }
            for (from, to) in [(client, server), (server, client)] {
                Thread.detachNewThread { [self] in
                    Self.pump(from: from, to: to)
                    link.cut()
                    if link.pumpEnded() {
                        _ = state.withLock { $0.links.removeValue(forKey: id) }
                        Glibc.close(link.client)
                        Glibc.close(link.server)
                    }
                }
            }
        }
    }

    private func connectTarget() -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(target).bigEndian
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        guard connected else {
            Glibc.close(fd)
            return nil
        }
        return fd
    }

    private static func pump(from: Int32, to: Int32) {
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let n = read(from, &buffer, buffer.count)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return }
            var offset = 0
            while offset < n {
                // MSG_NOSIGNAL: a peer that is gone must not SIGPIPE the test process.
                let written = buffer[offset..<n].withUnsafeBytes { send(to, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else { return }
                offset += written
            }
        }
    }
}
