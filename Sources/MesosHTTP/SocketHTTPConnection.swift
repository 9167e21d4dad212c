import Dispatch
#if canImport(Glibc)
import Glibc
#endif
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import Primitives

/// The executor's plain-HTTP client (TCP or a Unix socket): blocking sockets on threads of
/// its own, no event loop.
///
/// It offers what ``MesosHTTPConnection`` offers (calls on one keep-alive connection, a
/// streamed SUBSCRIBE on a connection of its own) for the usual agent endpoint, so that an
/// executor whose pod has no HTTP check and no image never starts SwiftNIO: building an
/// event-loop group and channel pipelines is mostly the Swift runtime's first-time
/// protocol-conformance lookups, ~1.5 ms of every executor's start, and their code is
/// memory every executor maps. TLS endpoints use ``MesosHTTPConnection``.
///
/// Blocking I/O never runs on a Swift concurrency thread: calls run one at a time on a
/// serial dispatch queue (whose worker threads are reused, not made per call), and a
/// stream's reader is a thread of its own for as long as the stream is read.
public final class SocketHTTPConnection: Sendable {
    public let endpoint: MesosEndpoint
    let connectTimeout: Duration
    /// The idle keep-alive connection of the calls, if any.
    private let idle = NIOLockedValueBox<Int32?>(nil)
    private let calls = DispatchQueue(label: "mesos-http-calls")

    public init(endpoint: MesosEndpoint, connectTimeout: Duration = .seconds(5)) {
        self.endpoint = endpoint
        self.connectTimeout = connectTimeout
    }

    deinit {
        if let fd = idle.withLockedValue({ $0 }) { Glibc.close(fd) }
    }

    /// Sends a request on the keep-alive connection (or a new one) and returns the whole
    /// response. A reused connection that turns out closed before any byte of an answer
    /// is replaced once.
    public func call(_ request: MesosHTTPRequest, timeout: Duration = .seconds(30), maxBody: Int = 1 << 20)
        async throws -> MesosHTTPResponse {
        let result: Result<MesosHTTPResponse, MesosHTTPError> = await onCallQueue { [self] in
            let deadline = ContinuousClock.now.advanced(by: timeout)
            for attempt in 1...2 {
                let reused: Bool
                let fd: Int32
                if let kept = idle.withLockedValue({ value -> Int32? in defer { value = nil }; return value }) {
                    fd = kept
                    reused = true
                } else {
                    switch connect(deadline: min(deadline, ContinuousClock.now.advanced(by: connectTimeout))) {
                    case .success(let made): fd = made
                    case .failure(let error): return .failure(error)
                    }
                    reused = false
                }
                let socket = BlockingSocket(fd: fd, deadline: deadline)
                do {
                    try socket.send(Self.serialize(request, host: endpoint.hostHeader))
                    var reader = HTTPResponseReader(socket: socket)
                    let head = try reader.readHead()
                    var body = ByteBuffer()
                    while let chunk = try reader.readBodyChunk() {
                        guard body.readableBytes + chunk.count <= maxBody else {
                            throw SocketFailure.bodyTooLarge(maxBody)
                        }
                        body.writeBytes(chunk)
                    }
                    if head.keepAlive && reader.reusable {
                        let kept = idle.withLockedValue { value -> Bool in
                            guard value == nil else { return false }
                            value = fd
                            return true
                        }
                        if !kept { Glibc.close(fd) }
                    } else {
                        Glibc.close(fd)
                    }
                    return .success(MesosHTTPResponse(status: HTTPResponseStatus(statusCode: head.status),
                                                      headers: head.headers, body: body))
                } catch let failure as SocketFailure {
                    Glibc.close(fd)
                    if reused, attempt == 1, failure.isBeforeAnswer { continue }
                    if case .timedOut = failure {
                        let ms = timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000
                        return .failure(MesosHTTPError(.transport, "\(endpoint): no answer within \(ms) ms"))
                    }
                    return .failure(MesosHTTPError(.transport, "\(endpoint): \(failure)"))
                } catch {
                    Glibc.close(fd)
                    return .failure(MesosHTTPError(.transport, "\(endpoint): \(error)"))
                }
            }
            return .failure(MesosHTTPError(.transport, "\(endpoint): connection closed before an answer"))
        }
        return try result.get()
    }

    /// Sends a request on a new connection and returns once the response head arrived; a
    /// thread then reads the body into the stream until it ends, the connection breaks, or
    /// the reader stops (which closes the connection).
    public func stream(_ request: MesosHTTPRequest) async throws -> MesosHTTPStreamedResponse {
        let (body, continuation) = AsyncThrowingStream<ByteBuffer, any Error>.makeStream()
        let guardBox = StreamSocket()
        continuation.onTermination = { _ in guardBox.shutdown() }
        let endpoint = self.endpoint
        let head: Result<ResponseHead, MesosHTTPError> = await withCheckedContinuation { headContinuation in
            BlockingThread.start { [self] in
                let fd: Int32
                switch connect(deadline: ContinuousClock.now.advanced(by: connectTimeout)) {
                case .success(let made): fd = made
                case .failure(let error):
                    headContinuation.resume(returning: .failure(error))
                    continuation.finish(throwing: error)
                    return
                }
                guard guardBox.adopt(fd) else {
                    // The reader went away before the connection was made.
                    Glibc.close(fd)
                    let error = MesosHTTPError(.transport, "\(endpoint): stream abandoned")
                    headContinuation.resume(returning: .failure(error))
                    continuation.finish(throwing: error)
                    return
                }
                // No deadline once the head arrived: an event stream may be idle between heartbeats.
                let socket = BlockingSocket(fd: fd, deadline: ContinuousClock.now.advanced(by: .seconds(30)))
                var headDelivered = false
                do {
                    try socket.send(Self.serialize(request, host: endpoint.hostHeader))
                    var reader = HTTPResponseReader(socket: socket)
                    let head = try reader.readHead()
                    headDelivered = true
                    headContinuation.resume(returning: .success(head))
                    reader.socket.deadline = nil
                    while let chunk = try reader.readBodyChunk() {
                        continuation.yield(ByteBuffer(bytes: chunk))
                    }
                    continuation.finish()
                } catch {
                    let failure = MesosHTTPError(.transport, "\(endpoint): \(error)")
                    if !headDelivered { headContinuation.resume(returning: .failure(failure)) }
                    continuation.finish(throwing: failure)
                }
                guardBox.close()
            }
        }
        switch head {
        case .success(let head):
            return MesosHTTPStreamedResponse(status: HTTPResponseStatus(statusCode: head.status), headers: head.headers, body: body)
        case .failure(let error):
            throw error
        }
    }

    /// Closes the idle call connection.
    public func close() {
        if let fd = idle.withLockedValue({ value -> Int32? in defer { value = nil }; return value }) {
            Glibc.close(fd)
        }
    }

    // MARK: Connecting

    private func connect(deadline: ContinuousClock.Instant) -> Result<Int32, MesosHTTPError> {
        switch endpoint.transport {
        case .unixSocket(let path):
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            let bytes = Array(path.utf8)
            guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
                return .failure(MesosHTTPError(.transport, "cannot connect to \(endpoint): socket path too long"))
            }
            withUnsafeMutableBytes(of: &address.sun_path) { raw in
                raw.copyBytes(from: bytes)
                raw[bytes.count] = 0
            }
            let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { return .failure(systemFailure("socket")) }
            let rc = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
            guard rc == 0 else {
                let failure = systemFailure("connect")
                Glibc.close(fd)
                return .failure(failure)
            }
            return .success(fd)
        case let .tcp(_, host, port):
            var hints = addrinfo()
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            hints.ai_flags = AI_NUMERICSERV
            var list: UnsafeMutablePointer<addrinfo>?
            let rc = getaddrinfo(host, String(port), &hints, &list)
            guard rc == 0, let first = list else {
                return .failure(MesosHTTPError(.transport, "cannot connect to \(endpoint): cannot resolve '\(host)': \(String(cString: gai_strerror(rc)))"))
            }
            defer { freeaddrinfo(list) }
            var lastFailure = MesosHTTPError(.transport, "cannot connect to \(endpoint)")
            var next: UnsafeMutablePointer<addrinfo>? = first
            while let info = next {
                next = info.pointee.ai_next
                switch Self.connect(info.pointee, deadline: deadline) as ConnectResult {
                case .success(let fd): return .success(fd)
                case .failure(let errorNumber):
                    lastFailure = MesosHTTPError(.transport, "cannot connect to \(endpoint): "
                                                 + (errorNumber == ETIMEDOUT ? "connect timed out" : String(cString: strerror(errorNumber))))
                }
            }
            return .failure(lastFailure)
        }
    }

    enum ConnectResult {
        case success(Int32)
        case failure(Int32)  // errno
    }

    private func systemFailure(_ what: String) -> MesosHTTPError {
        MesosHTTPError(.transport, "cannot connect to \(endpoint): \(what): \(String(cString: strerror(errno)))")
    }

    /// A non-blocking connect awaited with poll until the deadline; the socket is then blocking.
    private static func connect(_ info: addrinfo, deadline: ContinuousClock.Instant) -> ConnectResult {
        let fd = socket(info.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { return .failure(errno) }
        if Glibc.connect(fd, info.ai_addr, info.ai_addrlen) != 0 {
            guard errno == EINPROGRESS else {
                let e = errno
                Glibc.close(fd)
                return .failure(e)
            }
            var pfd = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            while true {
                let rc = poll(&pfd, 1, BlockingSocket.milliseconds(until: deadline))
                if rc < 0 && errno == EINTR { continue }
                if rc <= 0 {
                    Glibc.close(fd)
                    return .failure(rc == 0 ? ETIMEDOUT : errno)
                }
                break
            }
            var soError: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &soError, &length)
            if soError != 0 {
                Glibc.close(fd)
                return .failure(soError)
            }
        }
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags & ~O_NONBLOCK)
        var one: Int32 = 1
        if info.ai_family == AF_INET || info.ai_family == AF_INET6 {
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        }
        return .success(fd)
    }

    // MARK: Requests

    static func serialize(_ request: MesosHTTPRequest, host: String) -> [UInt8] {
        var text = "POST \(request.path) HTTP/1.1\r\nHost: \(host)\r\n"
        for (name, value) in request.headers {
            let lower = name.lowercased()
            if lower == "host" || lower == "content-length" { continue }
            text += "\(name): \(value)\r\n"
        }
        text += "Content-Length: \(request.body.readableBytes)\r\n\r\n"
        var bytes = Array(text.utf8)
        bytes.append(contentsOf: request.body.readableBytesView)
        return bytes
    }

    private func onCallQueue<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            calls.async { continuation.resume(returning: body()) }
        }
    }
}

/// The socket of a stream, shared between its reader thread (which closes it) and the
/// stream's consumer (which may shut it down to wake the reader): the lock makes sure a
/// shutdown never reaches a descriptor number that was closed and reused.
private final class StreamSocket: Sendable {
    private enum State { case connecting, open(Int32), abandoned, closed }
    private let state = NIOLockedValueBox<State>(.connecting)

    /// Takes the connected socket; false if the stream was given up meanwhile.
    func adopt(_ fd: Int32) -> Bool {
        state.withLockedValue { value in
            guard case .connecting = value else { return false }
            value = .open(fd)
            return true
        }
    }

    func shutdown() {
        state.withLockedValue { value in
            switch value {
            case .connecting: value = .abandoned
            case .open(let fd): _ = Glibc.shutdown(fd, Int32(SHUT_RDWR))
            case .abandoned, .closed: break
            }
        }
    }

    func close() {
        state.withLockedValue { value in
            if case .open(let fd) = value { Glibc.close(fd) }
            value = .closed
        }
    }
}
