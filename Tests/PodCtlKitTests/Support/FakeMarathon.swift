import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A small Marathon stand-in on 127.0.0.1: canned answers per method and path (query
/// included when a route names one), and a record of every request.
///
/// Each route holds a queue of answers; the last one repeats, so a poll can see a
/// deployment a few times and then not. Unknown routes get Marathon's 404. Every answer
/// closes its connection, so no pooled connection outlives a test's server.
final class FakeMarathon: Sendable {
    /// One canned answer.
    struct Answer: Sendable {
        var status: Int
        var headers: [String: String] = [:]
        var body: String = ""

        static func json(_ status: Int, _ body: String, headers: [String: String] = [:]) -> Answer {
            var headers = headers
            headers["Content-Type"] = "application/json"
            return Answer(status: status, headers: headers, body: body)
        }
    }

    /// One request as received.
    struct Request: Sendable {
        var method: String
        /// The path with its query, as sent.
        var uri: String
        var headers: [(name: String, value: String)]
        var body: Data

        var path: String { String(uri.split(separator: "?", maxSplits: 1).first ?? "") }
        var query: String? { uri.split(separator: "?", maxSplits: 1).dropFirst().first.map(String.init) }
        var bodyText: String { String(decoding: body, as: UTF8.self) }

        func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name.lowercased() }?.value
        }
    }

    private struct State {
        var routes: [String: [Answer]] = [:]
        var requests: [Request] = []
    }

    private let state = Mutex(State())
    private let channel: any Channel
    let port: Int

    var url: String { "http://127.0.0.1:\(port)" }

    private init(channel: any Channel, port: Int) {
        self.channel = channel
        self.port = port
    }

    /// Starts a server on an ephemeral port.
    static func start() async throws -> FakeMarathon {
        let box = Mutex<FakeMarathon?>(nil)
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    guard let server = box.withLock({ $0 }) else { throw ChannelError.ioOnClosedChannel }
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(Handler(server: server))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        guard let port = channel.localAddress?.port else { throw ChannelError.ioOnClosedChannel }
        let server = FakeMarathon(channel: channel, port: port)
        box.withLock { $0 = server }
        return server
    }

    /// A URL where nothing listens: a port that was bound and closed again.
    static func closedPortURL() async throws -> String {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress?.port ?? 1
        try await channel.close()
        return "http://127.0.0.1:\(port)"
    }

    /// Answers `method path` with `answers` in turn (the last repeats).
    func on(_ method: String, _ path: String, _ answers: Answer...) {
        state.withLock { $0.routes["\(method) \(path)"] = answers }
    }

    /// Every request so far.
    var requests: [Request] {
        state.withLock { $0.requests }
    }

    /// The requests for `method path` (path without query).
    func requests(_ method: String, _ path: String) -> [Request] {
        requests.filter { $0.method == method && $0.path == path }
    }

    func shutdown() async {
        try? await channel.close()
    }

    /// Records `request` and picks its answer: a route with the query, else without.
    fileprivate func answer(_ request: Request) -> Answer {
        state.withLock { state in
            state.requests.append(request)
            for key in ["\(request.method) \(request.uri)", "\(request.method) \(request.path)"] {
                guard var queue = state.routes[key], let first = queue.first else { continue }
                if queue.count > 1 {
                    queue.removeFirst()
                    state.routes[key] = queue
                }
                return first
            }
            return .json(404, #"{"message":"HTTP 404 Not Found"}"#)
        }
    }

    /// Collects one request and writes its answer.
    private final class Handler: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        private let server: FakeMarathon
        private var head: HTTPRequestHead?
        private var body = Data()

        init(server: FakeMarathon) {
            self.server = server
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                self.head = head
                body = Data()
            case .body(let buffer):
                body.append(contentsOf: buffer.readableBytesView)
            case .end:
                guard let head else { return }
                let request = Request(method: head.method.rawValue, uri: head.uri,
                                      headers: head.headers.map { ($0.name, $0.value) }, body: body)
                respond(server.answer(request), context: context)
            }
        }

        private func respond(_ answer: Answer, context: ChannelHandlerContext) {
            var headers = HTTPHeaders()
            for (name, value) in answer.headers { headers.add(name: name, value: value) }
            headers.replaceOrAdd(name: "Content-Length", value: String(answer.body.utf8.count))
            headers.replaceOrAdd(name: "Connection", value: "close")
            let head = HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: answer.status),
                                        headers: headers)
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            if !answer.body.isEmpty {
                context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: answer.body)))), promise: nil)
            }
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
        }
    }
}
