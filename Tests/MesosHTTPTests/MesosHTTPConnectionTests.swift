import Foundation
import MesosHTTP
import MesosProtocol
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import PodTestFixtures
import Testing

/// The executor's two HTTP/1.1 clients (blocking sockets, and SwiftNIO for TLS agents)
/// against a loopback server that answers with scripted raw bytes: keep-alive reuse, a
/// connection the server dropped while idle, `Connection: close`, timeouts, oversized
/// answers, refused connections, Unix sockets, and event streams split at arbitrary places
/// or broken in the middle.
@Suite struct MesosHTTPConnectionTests {
    static let group = MultiThreadedEventLoopGroup.singleton

    enum Client: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case sockets, nio
        var testDescription: String { rawValue }

        func connect(_ endpoint: MesosEndpoint) -> any MesosHTTPTransport {
            switch self {
            case .sockets: return SocketHTTPConnection(endpoint: endpoint)
            case .nio: return MesosHTTPConnection(endpoint: endpoint, group: MesosHTTPConnectionTests.group)
            }
        }

        func agentClient(_ endpoint: MesosEndpoint, encoding: MesosEncoding, token: String?) -> ExecutorAgentClient {
            ExecutorAgentClient(endpoint: endpoint, encoding: encoding, frameworkID: .init("fw"), executorID: .init("ex"),
                                authenticationToken: token, transport: connect(endpoint))
        }
    }

    /// What the server does with the n-th request (0-based) of the whole run.
    enum Reply: Sendable {
        /// Writes the chunks (with a flush after each), then closes if asked.
        case raw([String], close: Bool)
        /// Says nothing and keeps the connection open.
        case silence
    }

    /// A loopback server that parses requests just enough (head, Content-Length body)
    /// and records them.
    final class ScriptedServer: Sendable {
        let channel: any Channel
        let connections = NIOLockedValueBox(0)
        let closedConnections = NIOLockedValueBox(0)
        let requests = NIOLockedValueBox<[(head: String, body: [UInt8])]>([])

        init(unixSocket: String? = nil, reply: @escaping @Sendable (Int, String) -> Reply) async throws {
            let box = NIOLockedValueBox<ScriptedServer?>(nil)
            let bootstrap = ServerBootstrap(group: MesosHTTPConnectionTests.group)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(ServerHandler(reply: reply, server: { box.withLockedValue { $0 } }))
                    }
                }
            if let unixSocket {
                channel = try await bootstrap.bind(unixDomainSocketPath: unixSocket, cleanupExistingSocketFile: true).get()
            } else {
                channel = try await bootstrap.bind(host: "127.0.0.1", port: 0).get()
            }
            box.withLockedValue { $0 = self }
        }

        var port: Int { channel.localAddress?.port ?? 0 }
        var endpoint: MesosEndpoint { MesosEndpoint(host: "127.0.0.1", port: port) }

        func stop() async { try? await channel.close() }
    }

    final class ServerHandler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let reply: @Sendable (Int, String) -> Reply
        let server: @Sendable () -> ScriptedServer?
        var buffer = ByteBuffer()

        init(reply: @escaping @Sendable (Int, String) -> Reply, server: @escaping @Sendable () -> ScriptedServer?) {
            self.reply = reply
            self.server = server
        }

        func channelActive(context: ChannelHandlerContext) {
            server()?.connections.withLockedValue { $0 += 1 }
        }

        func channelInactive(context: ChannelHandlerContext) {
            server()?.closedConnections.withLockedValue { $0 += 1 }
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var chunk = unwrapInboundIn(data)
            buffer.writeBuffer(&chunk)
            while let text = buffer.getString(at: buffer.readerIndex, length: buffer.readableBytes),
                  let end = text.range(of: "\r\n\r\n") {
                let head = String(text[..<end.lowerBound])
                let headLength = text.utf8.distance(from: text.utf8.startIndex, to: end.upperBound)
                let length = head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
                    .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? 0
                guard buffer.readableBytes >= headLength + length else { return }
                buffer.moveReaderIndex(forwardBy: headLength)
                let body = buffer.readBytes(length: length) ?? []
                let index = server()?.requests.withLockedValue { list -> Int in
                    list.append((head, body))
                    return list.count - 1
                } ?? 0
                switch reply(index, head) {
                case .raw(let chunks, let close):
                    for c in chunks { context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: c)), promise: nil) }
                    if close { context.close(promise: nil) }
                case .silence:
                    break
                }
            }
        }
    }

    static let accepted = "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n"

    static func request(_ text: String = "{}") -> MesosHTTPRequest {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        return MesosHTTPRequest(path: "/api/v1/executor", headers: headers, body: ByteBuffer(string: text))
    }

    @Test(arguments: Client.allCases) func callsShareOneKeepAliveConnection(kind: Client) async throws {
        let server = try await ScriptedServer { _, _ in .raw([Self.accepted], close: false) }
        let client = kind.connect(server.endpoint)
        for i in 0..<3 {
            let response = try await client.call(Self.request("{\"n\":\(i)}"), timeout: .seconds(30), maxBody: 1 << 20)
            #expect(response.status == .accepted)
        }
        #expect(server.connections.withLockedValue { $0 } == 1)
        let requests = server.requests.withLockedValue { $0 }
        #expect(requests.count == 3)
        #expect(requests.map { String(decoding: $0.body, as: UTF8.self) } == ["{\"n\":0}", "{\"n\":1}", "{\"n\":2}"])
        let head = requests[0].head.lowercased()
        #expect(head.hasPrefix("post /api/v1/executor http/1.1"))
        #expect(head.contains("host: 127.0.0.1:\(server.port)"))
        #expect(head.contains("content-length: 7"))
        #expect(head.contains("content-type: application/json"))
        await client.close()
        await server.stop()
    }

    @Test(arguments: Client.allCases) func aConnectionDroppedWhileIdleIsReplaced(kind: Client) async throws {
        // The server answers and then drops the connection without saying so (an agent
        // restart, an idle timeout): the next call goes out on a new connection.
        let server = try await ScriptedServer { _, _ in .raw([Self.accepted], close: true) }
        let client = kind.connect(server.endpoint)
        _ = try await client.call(Self.request(), timeout: .seconds(30), maxBody: 1 << 20)
        try await waitUntil("the server to close") { server.closedConnections.withLockedValue { $0 } == 1 }
        let second = try await client.call(Self.request(), timeout: .seconds(30), maxBody: 1 << 20)
        #expect(second.status == .accepted)
        #expect(server.connections.withLockedValue { $0 } == 2)
        #expect(server.requests.withLockedValue { $0.count } == 2)
        await client.close()
        await server.stop()
    }

    @Test(arguments: Client.allCases) func connectionCloseIsHonoured(kind: Client) async throws {
        let server = try await ScriptedServer { _, _ in
            .raw(["HTTP/1.1 202 Accepted\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"], close: false)
        }
        let client = kind.connect(server.endpoint)
        _ = try await client.call(Self.request(), timeout: .seconds(30), maxBody: 1 << 20)
        _ = try await client.call(Self.request(), timeout: .seconds(30), maxBody: 1 << 20)
        #expect(server.connections.withLockedValue { $0 } == 2)
        await client.close()
        await server.stop()
    }

    // A call that never timed out would hang: the time limit ends the test then.
    @Test(.timeLimit(.minutes(1)), arguments: Client.allCases)
    func aSilentServerTimesOutAndTheNextCallUsesANewConnection(kind: Client) async throws {
        let server = try await ScriptedServer { index, _ in index == 0 ? .silence : .raw([Self.accepted], close: false) }
        let client = kind.connect(server.endpoint)
        await #expect {
            _ = try await client.call(Self.request(), timeout: .milliseconds(200), maxBody: 1 << 20)
        } throws: { error in
            "\(error)".contains("no answer within 200 ms") && (error as? MesosHTTPError)?.kind == .transport
        }
        let next = try await client.call(Self.request(), timeout: .seconds(30), maxBody: 1 << 20)
        #expect(next.status == .accepted)
        #expect(server.connections.withLockedValue { $0 } == 2)
        await client.close()
        await server.stop()
    }

    @Test(arguments: Client.allCases) func anOversizedAnswerIsRefused(kind: Client) async throws {
        let big = String(repeating: "x", count: 5000)
        let server = try await ScriptedServer { _, _ in
            .raw(["HTTP/1.1 400 Bad Request\r\nContent-Length: \(big.utf8.count)\r\n\r\n", big], close: false)
        }
        let client = kind.connect(server.endpoint)
        await #expect {
            _ = try await client.call(Self.request(), timeout: .seconds(30), maxBody: 1024)
        } throws: { "\($0)".contains("answer larger than 1024 bytes") }
        await client.close()
        await server.stop()
    }

    /// Broken answers end the call with a transport error, never a crash or a hang.
    static let brokenAnswers: [String] = [
        "garbage\r\n\r\n",
        "HTTP/1.1 abc OK\r\n\r\n",
        "HTTP/1.1 202 Accepted\r\nContent-Length: 10\r\n\r\nshort",
        "HTTP/1.1 202 Accepted\r\nContent-Length: -4\r\n\r\n",
        "HTTP/1.1 202 Accepted\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
        "HTTP/1.1 202 Accepted\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello!!\r\n0\r\n\r\n",
        "HTTP/1.1 202 Accepted\r\nX-Big: " + String(repeating: "a", count: 100_000) + "\r\n\r\n",
        "HTTP/1.1 202 Acc",
        "HTTP/1.1 202 Accepted\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
    ]

    @Test(arguments: Client.allCases) func brokenAnswersFailCleanly(kind: Client) async throws {
        for (index, answer) in Self.brokenAnswers.enumerated() {
            let server = try await ScriptedServer { _, _ in .raw([answer], close: true) }
            let client = kind.connect(server.endpoint)
            await #expect(Comment(rawValue: "answer \(index)")) {
                _ = try await client.call(Self.request(), timeout: .seconds(5), maxBody: 1 << 20)
            } throws: { ($0 as? MesosHTTPError)?.kind == .transport }
            await client.close()
            await server.stop()
        }
    }

    @Test(arguments: Client.allCases) func anHTTP10AnswerClosesTheConnection(kind: Client) async throws {
        let server = try await ScriptedServer { _, _ in .raw(["HTTP/1.0 202 Accepted\r\nContent-Length: 0\r\n\r\n"], close: false) }
        let client = kind.connect(server.endpoint)
        _ = try await client.call(Self.request(), timeout: .seconds(5), maxBody: 1 << 20)
        _ = try await client.call(Self.request(), timeout: .seconds(5), maxBody: 1 << 20)
        #expect(server.connections.withLockedValue { $0 } == 2)
        await client.close()
        await server.stop()
    }

    @Test(arguments: Client.allCases) func anInterimContinueIsSkipped(kind: Client) async throws {
        let server = try await ScriptedServer { _, _ in
            .raw(["HTTP/1.1 100 Continue\r\n\r\n", Self.accepted], close: false)
        }
        let client = kind.connect(server.endpoint)
        let response = try await client.call(Self.request(), timeout: .seconds(5), maxBody: 1 << 20)
        #expect(response.status == .accepted)
        await client.close()
        await server.stop()
    }

    @Test(arguments: Client.allCases) func aRefusedConnectionFailsAtOnce(kind: Client) async throws {
        let server = try await ScriptedServer { _, _ in .silence }
        let endpoint = server.endpoint
        await server.stop()
        let client = kind.connect(endpoint)
        await #expect {
            _ = try await client.call(Self.request(), timeout: .seconds(30), maxBody: 1 << 20)
        } throws: { error in
            (error as? MesosHTTPError)?.kind == .transport && "\(error)".contains("cannot connect to http://127.0.0.1:\(endpoint.port)")
        }
    }

    @Test(arguments: Client.allCases) func callsOverAUnixSocket(kind: Client) async throws {
        let path = NSTemporaryDirectory() + "mesos-http-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sock"
        defer { unlink(path) }
        let server = try await ScriptedServer(unixSocket: path) { _, _ in .raw([Self.accepted], close: false) }
        let client = kind.connect(MesosEndpoint(unixSocket: path))
        let response = try await client.call(Self.request(), timeout: .seconds(30), maxBody: 1 << 20)
        #expect(response.status == .accepted)
        #expect(server.requests.withLockedValue { $0.first?.head.lowercased().contains("host: localhost") } == true)
        await client.close()
        await server.stop()
    }

    /// RecordIO records of executor events in JSON, as an agent streams them.
    static func record(_ event: Mesos_V1_Executor_Event) throws -> String {
        let json = String(decoding: try MesosEncoding.json.encode(event), as: UTF8.self)
        return "\(json.utf8.count)\n\(json)"
    }

    static func chunked(_ pieces: [String]) -> [String] {
        pieces.map { String($0.utf8.count, radix: 16) + "\r\n" + $0 + "\r\n" }
    }

    @Test(arguments: Client.allCases) func anEventStreamSplitAnywhereIsDecoded(kind: Client) async throws {
        var message = Mesos_V1_Executor_Event()
        message.type = .message
        message.message.data = Data("hello from the scheduler".utf8)
        var heartbeat = Mesos_V1_Executor_Event()
        heartbeat.type = .heartbeat
        let stream = try Self.record(message) + Self.record(heartbeat) + Self.record(heartbeat)
        // Chunks of 7 bytes: records and even their length prefixes straddle chunks.
        let bytes = Array(stream.utf8)
        let pieces = stride(from: 0, to: bytes.count, by: 7).map { String(decoding: bytes[$0..<min($0 + 7, bytes.count)], as: UTF8.self) }
        let server = try await ScriptedServer { _, _ in
            .raw(["HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"]
                 + Self.chunked(pieces) + ["0\r\n\r\n"], close: false)
        }
        let client = kind.agentClient(server.endpoint, encoding: .json, token: "secret-token")
        var events: [Mesos_V1_Executor_Event] = []
        for try await item in try await client.subscribe(.init()) {
            events.append(try item.get())
        }
        #expect(events.map(\.type) == [.message, .heartbeat, .heartbeat])
        #expect(events.first?.message.data == Data("hello from the scheduler".utf8))
        let head = server.requests.withLockedValue { $0[0].head }
        #expect(head.contains("Authorization: Bearer secret-token"))
        #expect(head.lowercased().contains("accept: application/json"))
        try await waitUntil("the stream's connection to close") { server.closedConnections.withLockedValue { $0 } == 1 }
        await client.shutdown()
        await server.stop()
    }

    @Test(arguments: Client.allCases) func aStreamBrokenMidRecordEndsWithAnError(kind: Client) async throws {
        var heartbeat = Mesos_V1_Executor_Event()
        heartbeat.type = .heartbeat
        let record = try Self.record(heartbeat)
        let half = String(record.prefix(record.count / 2))
        let server = try await ScriptedServer { _, _ in
            .raw(["HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"]
                 + Self.chunked([record, half]), close: true)
        }
        let client = kind.agentClient(server.endpoint, encoding: .json, token: nil)
        var seen = 0
        await #expect {
            for try await item in try await client.subscribe(.init()) {
                _ = try item.get()
                seen += 1
            }
        } throws: { error in
            (error as? MesosHTTPError)?.kind == .transport && "\(error)".contains("event stream broke")
        }
        #expect(seen == 1)
        await server.stop()
    }

    @Test(arguments: Client.allCases) func aRejectedSubscribeReportsTheAgentsWords(kind: Client) async throws {
        let server = try await ScriptedServer { _, _ in
            .raw(["HTTP/1.1 400 Bad Request\r\nContent-Length: 26\r\n\r\nFailed to validate call\r\n\r\n"], close: false)
        }
        let client = kind.agentClient(server.endpoint, encoding: .protobuf, token: "secret-token")
        await #expect {
            _ = try await client.subscribe(.init())
        } throws: { error in
            guard let e = error as? MesosHTTPError, e.kind == .status(400) else { return false }
            return e.message.contains("Failed to validate call") && !e.message.contains("secret-token")
        }
        let head = server.requests.withLockedValue { $0[0].head }
        #expect(head.contains("Content-Type: application/x-protobuf"))
        await server.stop()
    }

    @Test(arguments: Client.allCases) func stoppingTheReaderClosesTheStreamsConnection(kind: Client) async throws {
        var heartbeat = Mesos_V1_Executor_Event()
        heartbeat.type = .heartbeat
        let record = try Self.record(heartbeat)
        let server = try await ScriptedServer { _, _ in
            .raw(["HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"]
                 + Self.chunked([record]), close: false)
        }
        let client = kind.agentClient(server.endpoint, encoding: .json, token: nil)
        let reader = Task {
            var count = 0
            for try await _ in try await client.subscribe(.init()) { count += 1 }
            return count
        }
        try await waitUntil("the first event to be sent") { server.requests.withLockedValue { $0.count } == 1 }
        reader.cancel()
        _ = try? await reader.value
        try await waitUntil("the stream's connection to close") { server.closedConnections.withLockedValue { $0 } == 1 }
        await server.stop()
    }
}

extension MesosEndpoint {
    var port: Int {
        if case let .tcp(_, _, port) = transport { return port }
        return 0
    }
}
