import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// A loopback HTTP/1.1 server for the embedded agent and master: every request on the
/// given paths goes to one handler; 200 answers with a stream are sent chunked, one
/// RecordIO record per chunk (as Mesos 1.12 does).
final class MesosHTTPServer: Sendable {
    typealias Handler = @Sendable (_ method: String, _ path: String, _ headers: [String: String], _ body: [UInt8]) async -> MesosHTTPAnswer

    private let host: String
    private let port: Int
    private let paths: [String]
    private let tls: TLSConfiguration?
    private let handler: Handler
    private let logger: Logger
    private let task = Mutex<(runner: Task<Void, Never>, group: ServiceGroup)?>(nil)

    init(host: String, port: Int, paths: [String], tls: TLSConfiguration? = nil, logger: Logger, handler: @escaping Handler) {
        self.host = host
        self.port = port
        self.paths = paths
        self.tls = tls
        self.handler = handler
        self.logger = logger
    }

    /// Starts listening; returns the bound port. A port just released by `stop()` can
    /// take a moment to be free again (the listening channel closes on its event loop),
    /// so "address in use" is retried for a few seconds.
    func start() async throws -> Int {
        var attempt = 0
        while true {
            do {
                return try await startOnce()
            } catch let error as MesosServerError where error.addressInUse && port != 0 && attempt < 50 {
                attempt += 1
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    private func startOnce() async throws -> Int {
        let router = Router(context: MesosRequestContext.self)
        let handler = self.handler
        for path in paths {
            for method in [HTTPRequest.Method.post, .get, .put, .delete, .patch, .head, .options] {
                router.on(RouterPath(path), method: method) { request, context -> Response in
                    var request = request
                    var headers: [String: String] = [:]
                    for field in request.headers { headers[field.name.canonicalName] = field.value }
                    let body = (try? await request.collectBody(upTo: 64 << 20)).map { Array($0.readableBytesView) } ?? []
                    let answer = await handler(request.method.rawValue, request.uri.path, headers, body)
                    let watch = answer.stream == nil ? nil : await ConnectionWatch.watching(context.channel)
                    return Self.response(answer, connection: watch)
                }
            }
        }
        let (portStream, portContinuation) = AsyncStream.makeStream(of: Int.self)
        var hbLogger = logger
        hbLogger.logLevel = .warning
        let server: HTTPServerBuilder
        do {
            server = try tls.map { try .tls(.http1(), tlsConfiguration: $0) } ?? .http1()
        } catch {
            throw MesosServerError(message: "cannot serve TLS on \(host):\(port): \(error)")
        }
        let app = Application(router: router, server: server,
                              configuration: .init(address: .hostname(host, port: port), serverName: nil, reuseAddress: true),
                              onServerRunning: { channel in
                                  portContinuation.yield(channel.localAddress?.port ?? 0)
                                  portContinuation.finish()
                              },
                              logger: hbLogger)
        // Run as a service so that stop() can shut it down gracefully: cancelling the
        // server's task while a connection is being accepted traps in NIO (the accepted
        // channel's writer is dropped unfinished, apple/swift-nio#3481).
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: hbLogger))
        let failure = Mutex<String?>(nil)
        let runner = Task {
            do {
                try await group.run()
            } catch {
                failure.withLock { $0 = "\(error)" }
                portContinuation.finish()
            }
        }
        task.withLock { $0 = (runner, group) }
        var iterator = portStream.makeAsyncIterator()
        guard let bound = await iterator.next(), bound > 0 else {
            runner.cancel()
            let reason = failure.withLock { $0 } ?? "server stopped"
            throw MesosServerError(message: "cannot listen on \(host):\(port): \(reason)", addressInUse: reason.contains("Address already in use"))
        }
        return bound
    }

    /// Stops listening and ends every connection: a graceful shutdown (no new
    /// connections, event streams end), then, after a grace of two seconds, cancellation
    /// of whatever is still running.
    func stop() async {
        guard let (runner, group) = task.withLock({ t -> (Task<Void, Never>, ServiceGroup)? in
            let r = t
            t = nil
            return r.map { ($0.runner, $0.group) }
        }) else { return }
        await group.triggerGracefulShutdown()
        await withTaskGroup(of: Void.self) { race in
            race.addTask { await runner.value }
            race.addTask {
                try? await Task.sleep(for: .seconds(2))
                runner.cancel()
            }
            await race.next()
            race.cancelAll()
        }
        await runner.value
    }

    private static func response(_ answer: MesosHTTPAnswer, connection: ConnectionWatch?) -> Response {
        var fields = HTTPFields()
        for (name, value) in answer.headers {
            if let n = HTTPField.Name(name) { fields.append(HTTPField(name: n, value: value)) }
        }
        let status = HTTPResponse.Status(code: answer.status)
        if let stream = answer.stream {
            let onClose = answer.onClose
            return Response(status: status, headers: fields, body: ResponseBody { writer in
                do {
                    // A graceful shutdown of the server ends the stream: chunks go through a
                    // relay that the shutdown handler can finish.
                    let (relay, relayInput) = AsyncStream.makeStream(of: ByteBuffer.self)
                    let pump = Task {
                        for await chunk in stream { relayInput.yield(chunk) }
                        relayInput.finish()
                    }
                    defer { pump.cancel() }
                    // The client went away (a killed scheduler): the stream ends now, not at
                    // the next failed write, as Mesos notices a closed connection at once.
                    connection?.onEnd { relayInput.finish() }
                    try await withGracefulShutdownHandler {
                        for await chunk in relay {
                            try await writer.write(chunk)
                        }
                    } onGracefulShutdown: {
                        relayInput.finish()
                    }
                    try await writer.finish(nil)
                } catch {
                    await onClose?()
                    throw error
                }
                await onClose?()
            })
        }
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: answer.body)))
    }
}

struct MesosServerError: Error, CustomStringConvertible {
    var message: String
    var addressInUse = false
    var description: String { message }
}

/// The agent's server: `/api/v1/executor` and its libprocess alias.
final class AgentHTTPServer: Sendable {
    let server: MesosHTTPServer

    init(agent: LocalAgent, host: String, port: Int, logger: Logger) {
        server = MesosHTTPServer(host: host, port: port, paths: ["/api/v1/executor", "/slave(1)/api/v1/executor"], logger: logger) {
            method, _, headers, body in
            await agent.executorAPI(method: method, contentType: headers["content-type"], accept: headers["accept"], body: body)
        }
    }

    func start() async throws -> Int { try await server.start() }
    func stop() async { await server.stop() }
}
