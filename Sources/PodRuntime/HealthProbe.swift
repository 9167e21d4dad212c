import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import PodSystem
import Primitives
#if canImport(Glibc)
import Glibc
#endif

/// The outcome of one health probe.
public struct ProbeResult: Sendable, Equatable {
    /// What a probe saw, uninterpreted: the raw result a Mesos check reports.
    public enum Observation: Sendable, Equatable {
        /// The final HTTP status (after redirects).
        case httpStatus(Int)
        /// Whether the TCP connection was made.
        case tcpConnected(Bool)
        /// The command's exit status.
        case exitCode(Int32)
    }

    public var healthy: Bool
    /// What happened, for logs and `podctl agent health` (e.g. `HTTP 200`, `connection
    /// refused`, `timed out after 1s`).
    public var detail: String
    /// nil when the probe had no result (it timed out or could not run).
    public var observation: Observation?
    public init(healthy: Bool, detail: String, observation: Observation? = nil) {
        self.healthy = healthy
        self.detail = detail
        self.observation = observation
    }
}

/// One health check, Mesos-agnostic.
public enum ProbeKind: Sendable, Equatable {
    case http(scheme: String, port: Int, path: String, ipv6: Bool)
    case tcp(port: Int, ipv6: Bool)
    case command(shell: Bool, value: String, arguments: [String], environment: [(String, String)])

    public static func == (lhs: ProbeKind, rhs: ProbeKind) -> Bool {
        switch (lhs, rhs) {
        case let (.http(a, b, c, d), .http(e, f, g, h)): return a == e && b == f && c == g && d == h
        case let (.tcp(a, b), .tcp(c, d)): return a == c && b == d
        case let (.command(a, b, c, d), .command(e, f, g, h)):
            return a == e && b == f && c == g && d.map { "\($0.0)=\($0.1)" } == h.map { "\($0.0)=\($0.1)" }
        default: return false
        }
    }
}

/// Runs probes from inside the executor, without a helper process per check (Mesos
/// forks `curl` or `mesos-tcp-connect` for each one, MESOS-6766): HTTP(S) and TCP go to
/// 127.0.0.1 inside the pod's network namespace; command checks enter the container.
public struct HealthProber: Sendable {
    private let eventLoops: OnFirstUse<any EventLoopGroup>
    private let tls: OnFirstUse<NIOSSLContext?>

    public init(eventLoopGroup: any EventLoopGroup) {
        self.init(makingEventLoopGroup: { eventLoopGroup })
    }

    /// A prober that asks for its event loops (and builds its TLS context) only when an
    /// HTTP(S) check first runs.
    public init(makingEventLoopGroup: @escaping @Sendable () -> any EventLoopGroup) {
        eventLoops = OnFirstUse(makingEventLoopGroup)
        tls = OnFirstUse {
            var tls = TLSConfiguration.makeClientConfiguration()
            // curl -k: health checks do not verify certificates.
            tls.certificateVerification = .none
            return try? NIOSSLContext(configuration: tls)
        }
    }

    var eventLoopGroup: any EventLoopGroup { eventLoops.value }

    /// Runs one probe with a timeout (0 = none, as Mesos). HTTP and TCP checks connect
    /// through the pod's ``NetworkDialer``.
    public func probe(_ kind: ProbeKind, pod: Pod, taskID: String, timeout: Duration) async -> ProbeResult {
        switch kind {
        case .command:
            return await probe(kind, container: await pod.runningContainer(taskID), timeout: timeout, connect: nil)
        case .http, .tcp:
            let dialer: NetworkDialer
            do {
                dialer = try await pod.networkDialer()
            } catch {
                return ProbeResult(healthy: false, detail: "cannot connect from the pod's network: \(error)")
            }
            return await probe(kind, container: nil, timeout: timeout) { ip, port, limit throws(SystemError) in
                try await dialer.connect(ip: ip, port: port, timeout: limit)
            }
        }
    }

    /// Runs one probe without a `Pod` (`podctl agent health`): HTTP and TCP checks go to
    /// the loopback address inside `networkNamespacePath` (nil: this process's network
    /// namespace), command checks enter `container`.
    public func probe(_ kind: ProbeKind, networkNamespacePath netns: String?, container: RunningContainerInfo?,
                      timeout: Duration) async -> ProbeResult {
        await probe(kind, container: container, timeout: timeout) { ip, port, limit throws(SystemError) in
            try await BlockingThread.tcpConnect(networkNamespace: netns, ip: ip, port: port, timeout: limit)
        }
    }

    /// A connect from inside the pod's network: `(ip, port, timeout)` to a connected socket.
    typealias Connect = @Sendable (String, Int, Duration) async throws(SystemError) -> Int32

    /// `connect` serves HTTP and TCP checks, `container` command checks.
    private func probe(_ kind: ProbeKind, container: RunningContainerInfo?, timeout: Duration,
                       connect: Connect?) async -> ProbeResult {
        let limit = timeout > .zero ? timeout : .seconds(3600)
        switch kind {
        case let .tcp(port, ipv6):
            let ip = ipv6 ? "::1" : "127.0.0.1"
            guard let connect else { return ProbeResult(healthy: false, detail: "no network to connect from") }
            do {
                let fd = try await connect(ip, port, limit)
                close(fd)
                return ProbeResult(healthy: true, detail: "TCP connection to \(ip):\(port) established", observation: .tcpConnected(true))
            } catch {
                // A timeout is no result; a refused connection is one (Mesos: `tcp {succeeded: false}`).
                return ProbeResult(healthy: false, detail: "TCP connection to \(ip):\(port) failed: \(SystemError.message(for: error.errno))",
                                   observation: error.errno == ETIMEDOUT ? nil : .tcpConnected(false))
            }
        case let .http(scheme, port, path, ipv6):
            let ip = ipv6 ? "::1" : "127.0.0.1"
            guard let connect else { return ProbeResult(healthy: false, detail: "no network to connect from") }
            return await withDeadline(limit, detail: "HTTP check timed out after \(limit)") {
                await self.http(scheme: scheme, ip: ip, port: port, path: path, connect: connect, budget: limit)
            }
        case .command:
            guard let container else {
                return ProbeResult(healthy: false, detail: "container is not running")
            }
            return await CommandProbe.run(kind, in: container, timeout: limit)
        }
    }

    private func withDeadline(_ limit: Duration, detail: String, _ body: @escaping @Sendable () async -> ProbeResult) async -> ProbeResult {
        await withTaskGroup(of: ProbeResult?.self) { group in
            group.addTask { await body() }
            group.addTask {
                try? await Task.sleep(for: limit)
                return Task.isCancelled ? nil : ProbeResult(healthy: false, detail: detail)
            }
            var result = ProbeResult(healthy: false, detail: detail)
            for await r in group {
                if let r {
                    result = r
                    break
                }
            }
            group.cancelAll()
            return result
        }
    }

    /// GET with redirects followed (curl -L), success iff the final status is 200–399.
    private func http(scheme: String, ip: String, port: Int, path: String, connect: Connect, budget: Duration) async -> ProbeResult {
        var scheme = scheme.lowercased()
        var host = ip
        var port = port
        var path = path.isEmpty ? "/" : path
        for _ in 0..<10 {
            let fd: Int32
            do {
                fd = try await connect(host, port, budget)
            } catch {
                return ProbeResult(healthy: false, detail: "\(scheme)://\(host):\(port)\(path): \(SystemError.message(for: error.errno))")
            }
            let response: (status: Int, location: String?)
            do {
                response = try await exchange(fd: fd, tls: scheme == "https", hostHeader: Self.hostHeader(host, port), path: path)
            } catch {
                return ProbeResult(healthy: false, detail: "\(scheme)://\(host):\(port)\(path): \(error)")
            }
            if (300..<400).contains(response.status), let location = response.location,
               let next = Self.redirect(location, scheme: scheme, host: host, port: port) {
                (scheme, host, port, path) = next
                continue
            }
            let ok = (200..<400).contains(response.status)
            return ProbeResult(healthy: ok, detail: "HTTP \(response.status) from \(scheme)://\(Self.hostHeader(host, port))\(path)",
                               observation: .httpStatus(response.status))
        }
        return ProbeResult(healthy: false, detail: "too many redirects")
    }

    static func hostHeader(_ host: String, _ port: Int) -> String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    static func redirect(_ location: String, scheme: String, host: String, port: Int) -> (String, String, Int, String)? {
        if location.hasPrefix("/") { return (scheme, host, port, location) }
        guard let schemeEnd = location.range(of: "://") else { return (scheme, host, port, "/" + location) }
        let newScheme = String(location[..<schemeEnd.lowerBound]).lowercased()
        guard newScheme == "http" || newScheme == "https" else { return nil }
        var rest = String(location[schemeEnd.upperBound...])
        var newPath = "/"
        if let slash = rest.firstIndex(of: "/") {
            newPath = String(rest[slash...])
            rest = String(rest[..<slash])
        }
        var newHost = rest
        var newPort = newScheme == "https" ? 443 : 80
        if rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
            newHost = String(rest[rest.index(after: rest.startIndex)..<close])
            if let colon = rest[close...].firstIndex(of: ":"), let p = Int(rest[rest.index(after: colon)...]) { newPort = p }
        } else if let colon = rest.lastIndex(of: ":"), let p = Int(rest[rest.index(after: colon)...]) {
            newHost = String(rest[..<colon])
            newPort = p
        }
        if newHost == "localhost" { newHost = "127.0.0.1" }
        return (newScheme, newHost, newPort, newPath)
    }

    private func exchange(fd: Int32, tls: Bool, hostHeader: String, path: String) async throws -> (status: Int, location: String?) {
        let promise = eventLoopGroup.next().makePromise(of: (Int, String?).self)
        let sslContext = tls ? self.tls.value : nil
        let bootstrap = ClientBootstrap(group: eventLoopGroup).channelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                if tls {
                    guard let sslContext else { throw ProbeError.tlsUnavailable }
                    try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: sslContext, serverHostname: nil))
                }
                try channel.pipeline.syncOperations.addHTTPClientHandlers()
                try channel.pipeline.syncOperations.addHandler(StatusCatcher(promise: promise, host: hostHeader, path: path))
            }
        }
        let channel: any Channel
        do {
            channel = try await bootstrap.withConnectedSocket(fd).get()
        } catch {
            close(fd)
            promise.fail(error)
            throw error
        }
        do {
            let (status, location) = try await promise.futureResult.get()
            channel.close(promise: nil)
            return (status, location)
        } catch {
            channel.close(promise: nil)
            throw error
        }
    }
}

enum ProbeError: Error, CustomStringConvertible {
    case tlsUnavailable
    case closedBeforeResponse

    var description: String {
        switch self {
        case .tlsUnavailable: return "TLS is not available"
        case .closedBeforeResponse: return "connection closed before a response"
        }
    }
}

/// Sends `GET path` and completes with the response status and Location.
private final class StatusCatcher: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    private let promise: EventLoopPromise<(Int, String?)>
    private let host: String
    private let path: String
    private var done = false

    init(promise: EventLoopPromise<(Int, String?)>, host: String, path: String) {
        self.promise = promise
        self.host = host
        self.path = path
    }

    func channelActive(context: ChannelHandlerContext) {
        var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: path)
        head.headers.add(name: "Host", value: host)
        head.headers.add(name: "User-Agent", value: "mesos-pods-health-check")
        head.headers.add(name: "Accept", value: "*/*")
        head.headers.add(name: "Connection", value: "close")
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !done else { return }
        if case .head(let head) = unwrapInboundIn(data) {
            done = true
            promise.succeed((Int(head.status.code), head.headers.first(name: "Location")))
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !done {
            done = true
            promise.fail(ProbeError.closedBeforeResponse)
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if !done {
            done = true
            promise.fail(error)
        }
        context.close(promise: nil)
    }
}
