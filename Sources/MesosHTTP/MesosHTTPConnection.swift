import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// One HTTP request to a Mesos API: always a POST of an encoded call.
public struct MesosHTTPRequest: Sendable {
    public var path: String
    public var headers: HTTPHeaders
    public var body: ByteBuffer

    public init(path: String, headers: HTTPHeaders, body: ByteBuffer) {
        self.path = path
        self.headers = headers
        self.body = body
    }
}

/// A whole response (status, headers and a body of bounded size).
public struct MesosHTTPResponse: Sendable {
    public var status: HTTPResponseStatus
    public var headers: HTTPHeaders
    public var body: ByteBuffer

    public var bodyText: String {
        String(buffer: body).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// A streamed response: the head, then the body's chunks as they arrive (an event stream).
/// Ending the iteration early (or cancelling its task) closes the connection.
public struct MesosHTTPStreamedResponse: Sendable {
    public var status: HTTPResponseStatus
    public var headers: HTTPHeaders
    public var body: AsyncThrowingStream<ByteBuffer, any Error>

    /// Up to `limit` bytes of the body as text (for error messages).
    public func bodyText(limit: Int = 64 << 10) async -> String {
        var collected = ByteBuffer()
        do {
            for try await chunk in body {
                var chunk = chunk
                collected.writeBuffer(&chunk)
                if collected.readableBytes >= limit { break }
            }
        } catch {}
        return String(buffer: collected).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// What the executor's agent client needs from an HTTP client: calls answered whole, and a
/// streamed answer (SUBSCRIBE). ``SocketHTTPConnection`` serves plain TCP and Unix sockets
/// without an event loop; ``MesosHTTPConnection`` serves TLS too, on SwiftNIO.
public protocol MesosHTTPTransport: Sendable {
    var endpoint: MesosEndpoint { get }
    func call(_ request: MesosHTTPRequest, timeout: Duration, maxBody: Int) async throws -> MesosHTTPResponse
    func stream(_ request: MesosHTTPRequest) async throws -> MesosHTTPStreamedResponse
    func close() async
}

extension SocketHTTPConnection: MesosHTTPTransport {}

extension MesosHTTPConnection: MesosHTTPTransport {
    public func call(_ request: MesosHTTPRequest, timeout: Duration, maxBody: Int) async throws -> MesosHTTPResponse {
        let nanoseconds = timeout.components.seconds * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000
        return try await call(request, timeout: .nanoseconds(nanoseconds), maxBody: maxBody)
    }
}

/// A small HTTP/1.1 client for one Mesos endpoint (TCP, TLS or a Unix socket), on SwiftNIO.
///
/// Calls go one at a time over one keep-alive connection, opened on first use and again
/// after the server closed it; a streamed request (SUBSCRIBE) gets a connection of its own
/// for as long as its stream is read. This is what the Mesos executor library does, and all
/// an executor needs: it replaces a general HTTP client (pools, redirects, decompression)
/// on the path every executor takes at start-up.
public final class MesosHTTPConnection: Sendable {
    public let endpoint: MesosEndpoint
    let group: any EventLoopGroup
    let connectTimeout: TimeAmount
    private let tlsContext: NIOLockedValueBox<NIOSSLContext?> = .init(nil)
    private let tlsConfiguration: TLSConfiguration
    private let callChannel: NIOLockedValueBox<EventLoopFuture<any Channel>?> = .init(nil)

    /// - Parameter tlsConfiguration: for `https` endpoints (default: full verification
    ///   against the system trust store; ``MesosTLS/clientConfiguration(caFile:)`` for a CA file).
    public init(endpoint: MesosEndpoint, group: any EventLoopGroup, connectTimeout: TimeAmount = .seconds(5),
                tlsConfiguration: TLSConfiguration = .makeClientConfiguration()) {
        self.endpoint = endpoint
        self.group = group
        self.connectTimeout = connectTimeout
        self.tlsConfiguration = tlsConfiguration
    }

    /// Sends a request over the shared call connection and returns the whole response
    /// (its body up to `maxBody` bytes). A reused connection that the server closed while it
    /// was idle is replaced once, before any byte of an answer came back.
    public func call(_ request: MesosHTTPRequest, timeout: TimeAmount = .seconds(30),
                     maxBody: Int = 1 << 20) async throws -> MesosHTTPResponse {
        var attempt = 0
        while true {
            attempt += 1
            let (future, reused) = sharedCallChannel()
            let channel: any Channel
            do {
                channel = try await future.get()
            } catch {
                dropCallChannel(future)
                throw MesosHTTPError(.transport, "cannot connect to \(endpoint): \(Self.describe(error))")
            }
            let promise = channel.eventLoop.makePromise(of: MesosHTTPResponse.self)
            let exchange = HTTPExchange(request: request, receiver: .whole(promise, limit: maxBody), timeout: timeout)
            channel.writeAndFlush(exchange).cascadeFailure(to: promise)
            do {
                return try await promise.futureResult.get()
            } catch {
                dropCallChannel(future)
                if reused, attempt == 1, Self.closedBeforeAnswer(error) { continue }
                throw MesosHTTPError(.transport, "\(endpoint): \(Self.describe(error))")
            }
        }
    }

    /// Sends a request on a new connection and returns once the response head arrived; the
    /// body is then read as a stream. The connection closes when the stream is finished
    /// with, by the server or by the reader.
    public func stream(_ request: MesosHTTPRequest) async throws -> MesosHTTPStreamedResponse {
        let channel: any Channel
        do {
            channel = try await connect().get()
        } catch {
            throw MesosHTTPError(.transport, "cannot connect to \(endpoint): \(Self.describe(error))")
        }
        let (body, continuation) = AsyncThrowingStream<ByteBuffer, any Error>.makeStream()
        continuation.onTermination = { _ in channel.close(promise: nil) }
        let head = channel.eventLoop.makePromise(of: HTTPResponseHead.self)
        let exchange = HTTPExchange(request: request, receiver: .streaming(head: head, body: continuation), timeout: nil)
        channel.writeAndFlush(exchange).cascadeFailure(to: head)
        do {
            let response = try await head.futureResult.get()
            return MesosHTTPStreamedResponse(status: response.status, headers: response.headers, body: body)
        } catch {
            channel.close(promise: nil)
            throw MesosHTTPError(.transport, "\(endpoint): \(Self.describe(error))")
        }
    }

    /// Closes the call connection (streams close with their readers).
    public func close() async {
        let current = callChannel.withLockedValue { value -> EventLoopFuture<any Channel>? in
            defer { value = nil }
            return value
        }
        if let channel = try? await current?.get() {
            try? await channel.close()
        }
    }

    // MARK: Connections

    private func sharedCallChannel() -> (EventLoopFuture<any Channel>, reused: Bool) {
        callChannel.withLockedValue { value in
            if let existing = value { return (existing, true) }
            let made = connect()
            value = made
            // Forget the connection once it closes, so the next call opens another.
            made.whenSuccess { [weak self] channel in
                channel.closeFuture.whenComplete { [weak self] _ in self?.dropCallChannel(made) }
            }
            return (made, false)
        }
    }

    private func dropCallChannel(_ future: EventLoopFuture<any Channel>) {
        callChannel.withLockedValue { value in
            if value === future { value = nil }
        }
        future.whenSuccess { $0.close(promise: nil) }
    }

    private func connect() -> EventLoopFuture<any Channel> {
        let host: String
        let tls: NIOSSLContext?
        switch endpoint.transport {
        case let .tcp(scheme, h, _):
            host = h
            if scheme == "https" {
                do {
                    tls = try tlsContextForHTTPS()
                } catch {
                    return group.next().makeFailedFuture(error)
                }
            } else {
                tls = nil
            }
        case .unixSocket:
            host = "localhost"
            tls = nil
        }
        let hostHeader = endpoint.hostHeader
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(connectTimeout)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        // Hostname verification needs a name; an address is checked against the certificate's IP SANs.
                        let serverName = host.first(where: { $0.isLetter }) != nil && !host.contains(":") ? host : nil
                        try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: tls, serverHostname: serverName))
                    }
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(HTTPExchangeHandler(hostHeader: hostHeader))
                }
            }
        switch endpoint.transport {
        case let .tcp(_, host, port):
            return bootstrap.connect(host: host, port: port)
        case .unixSocket(let path):
            return bootstrap.connect(unixDomainSocketPath: path)
        }
    }

    private func tlsContextForHTTPS() throws -> NIOSSLContext {
        try tlsContext.withLockedValue { value in
            if let value { return value }
            let made = try NIOSSLContext(configuration: tlsConfiguration)
            value = made
            return made
        }
    }

    /// Whether the request never reached a server that answered (the connection was
    /// already closed, or closed before any byte of the answer), so sending it again on a
    /// new connection cannot deliver it twice.
    static func closedBeforeAnswer(_ error: any Error) -> Bool {
        if let failure = error as? ExchangeFailure, case .closedBeforeAnswer = failure { return true }
        if let channelError = error as? ChannelError {
            switch channelError {
            case .ioOnClosedChannel, .alreadyClosed: return true
            default: return false
            }
        }
        return false
    }

    static func describe(_ error: any Error) -> String {
        if let failure = error as? ExchangeFailure { return failure.description }
        if let channelError = error as? ChannelError {
            switch channelError {
            case .connectTimeout(let t): return "connect timed out after \(t.nanoseconds / 1_000_000) ms"
            case .ioOnClosedChannel, .alreadyClosed, .eof: return "connection closed"
            default: return "\(channelError)"
            }
        }
        return "\(error)"
    }
}

extension MesosEndpoint {
    /// The `Host` header for requests to this endpoint.
    var hostHeader: String {
        switch transport {
        case let .tcp(_, host, port): return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        case .unixSocket: return "localhost"
        }
    }
}

/// Why an exchange ended without a (complete) response.
enum ExchangeFailure: Error, CustomStringConvertible {
    /// The connection closed before any byte of the answer: safe to send again.
    case closedBeforeAnswer
    case closedMidAnswer
    case timedOut(TimeAmount)
    case bodyTooLarge(Int)

    var description: String {
        switch self {
        case .closedBeforeAnswer: return "connection closed before an answer"
        case .closedMidAnswer: return "connection closed in the middle of the answer"
        case .timedOut(let t): return "no answer within \(t.nanoseconds / 1_000_000) ms"
        case .bodyTooLarge(let limit): return "answer larger than \(limit) bytes"
        }
    }
}

/// A request and where its answer goes, written into the channel.
struct HTTPExchange: Sendable {
    enum Receiver: Sendable {
        case whole(EventLoopPromise<MesosHTTPResponse>, limit: Int)
        case streaming(head: EventLoopPromise<HTTPResponseHead>, body: AsyncThrowingStream<ByteBuffer, any Error>.Continuation)
    }

    var request: MesosHTTPRequest
    var receiver: Receiver
    var timeout: TimeAmount?
}

/// Turns exchanges into HTTP/1.1 requests, one at a time (later ones wait their turn), and
/// hands each response to its receiver. A response that does not keep the connection alive
/// closes it after it ended; a closed connection fails every exchange still waiting.
final class HTTPExchangeHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = HTTPExchange
    typealias OutboundOut = HTTPClientRequestPart

    private let hostHeader: String
    private var waiting = CircularBuffer<HTTPExchange>()
    private var current: HTTPExchange?
    private var head: HTTPResponseHead?
    private var collected = ByteBuffer()
    private var timeout: Scheduled<Void>?
    private var closed = false

    init(hostHeader: String) {
        self.hostHeader = hostHeader
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let exchange = unwrapOutboundIn(data)
        promise?.succeed(())
        if closed {
            fail(exchange, ExchangeFailure.closedBeforeAnswer)
            return
        }
        waiting.append(exchange)
        startNext(context: context)
    }

    private func startNext(context: ChannelHandlerContext) {
        guard current == nil, let next = waiting.popFirst() else { return }
        current = next
        head = nil
        collected.clear()
        var requestHead = HTTPRequestHead(version: .http1_1, method: .POST, uri: next.request.path)
        requestHead.headers = next.request.headers
        requestHead.headers.replaceOrAdd(name: "Host", value: hostHeader)
        requestHead.headers.replaceOrAdd(name: "Content-Length", value: String(next.request.body.readableBytes))
        context.write(wrapOutboundOut(.head(requestHead)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(next.request.body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        if let t = next.timeout {
            timeout = context.eventLoop.assumeIsolated().scheduleTask(in: t) { [weak self] in
                self?.abort(context: context, ExchangeFailure.timedOut(t))
            }
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let exchange = current else { return }
        switch unwrapInboundIn(data) {
        case .head(let responseHead):
            head = responseHead
            if case .streaming(let headPromise, _) = exchange.receiver {
                headPromise.succeed(responseHead)
            }
        case .body(var chunk):
            switch exchange.receiver {
            case .whole(_, let limit):
                if collected.readableBytes + chunk.readableBytes > limit {
                    abort(context: context, ExchangeFailure.bodyTooLarge(limit))
                    return
                }
                collected.writeBuffer(&chunk)
            case .streaming(_, let body):
                body.yield(chunk)
            }
        case .end:
            timeout?.cancel()
            timeout = nil
            current = nil
            let keepAlive = head?.isKeepAlive ?? false
            switch exchange.receiver {
            case .whole(let promise, _):
                if let head {
                    promise.succeed(MesosHTTPResponse(status: head.status, headers: head.headers, body: collected))
                } else {
                    promise.fail(ExchangeFailure.closedMidAnswer)
                }
            case .streaming(_, let body):
                body.finish()
            }
            collected = ByteBuffer()
            if keepAlive {
                startNext(context: context)
            } else {
                abort(context: context, ExchangeFailure.closedBeforeAnswer)
            }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed = true
        failAll(head == nil ? ExchangeFailure.closedBeforeAnswer : ExchangeFailure.closedMidAnswer)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        abort(context: context, error)
    }

    /// Fails what is in flight and waiting, and closes the connection.
    private func abort(context: ChannelHandlerContext, _ error: any Error) {
        closed = true
        failAll(error)
        context.close(promise: nil)
    }

    private func failAll(_ error: any Error) {
        timeout?.cancel()
        timeout = nil
        if let exchange = current {
            current = nil
            // Once a byte of the answer came back, sending again is no longer safe.
            var failure = error
            if head != nil, let early = error as? ExchangeFailure, case .closedBeforeAnswer = early {
                failure = ExchangeFailure.closedMidAnswer
            }
            fail(exchange, failure)
        }
        while let exchange = waiting.popFirst() { fail(exchange, error) }
    }

    private func fail(_ exchange: HTTPExchange, _ error: any Error) {
        switch exchange.receiver {
        case .whole(let promise, _):
            promise.fail(error)
        case .streaming(let headPromise, let body):
            headPromise.fail(error)
            body.finish(throwing: error)
        }
    }
}
