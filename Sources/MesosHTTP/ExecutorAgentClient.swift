import Logging
import MesosProtocol
import NIOCore
import NIOHTTP1

/// The executor side of the v1 executor HTTP API (`/api/v1/executor`): a long-lived
/// SUBSCRIBE stream and calls on a separate keep-alive connection, as the reference
/// library does, over a small HTTP/1.1 client (``transport(for:makeEventLoopGroup:)``).
public final class ExecutorAgentClient: Sendable {
    public let endpoint: MesosEndpoint
    public let encoding: MesosEncoding
    public let frameworkID: Mesos_V1_FrameworkID
    public let executorID: Mesos_V1_ExecutorID
    private let authorization: String?
    private let connection: any MesosHTTPTransport
    private let path: String

    /// - Parameters:
    ///   - authenticationToken: `MESOS_EXECUTOR_AUTHENTICATION_TOKEN`, sent as a bearer
    ///     token; never logged.
    ///   - transport: the HTTP client, usually ``transport(for:makeEventLoopGroup:)``.
    public init(endpoint: MesosEndpoint, encoding: MesosEncoding, frameworkID: Mesos_V1_FrameworkID,
                executorID: Mesos_V1_ExecutorID, authenticationToken: String?, transport: any MesosHTTPTransport,
                path: String = "/api/v1/executor") {
        self.endpoint = endpoint
        self.encoding = encoding
        self.frameworkID = frameworkID
        self.executorID = executorID
        self.authorization = authenticationToken.map { "Bearer " + $0 }
        self.connection = transport
        self.path = path
    }

    /// The HTTP client for an agent endpoint: plain sockets for `http` and Unix sockets,
    /// SwiftNIO (on the group `makeEventLoopGroup` returns, asked only then) for `https`.
    /// Both: no redirects, no read timeout on the stream (it may be idle for 30 minutes
    /// between heartbeats), a 5 s connect timeout, and a refused connection fails at once
    /// (the executor owns the retry policy: a SUBSCRIBE held back would go out later with
    /// a stale payload).
    public static func transport(for endpoint: MesosEndpoint,
                                 makeEventLoopGroup: () -> any EventLoopGroup) -> any MesosHTTPTransport {
        if case .tcp("https", _, _) = endpoint.transport {
            return MesosHTTPConnection(endpoint: endpoint, group: makeEventLoopGroup(), connectTimeout: .seconds(5))
        }
        return SocketHTTPConnection(endpoint: endpoint, connectTimeout: .seconds(5))
    }

    private func request(for call: Mesos_V1_Executor_Call, accept: Bool) throws -> MesosHTTPRequest {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: encoding.mediaType)
        if accept { headers.add(name: "Accept", value: encoding.mediaType) }
        if let authorization { headers.add(name: "Authorization", value: authorization) }
        let body: [UInt8]
        do {
            body = try encoding.encode(call)
        } catch {
            throw MesosHTTPError(.protocolViolation, "cannot encode \(call.type) call: \(error)")
        }
        return MesosHTTPRequest(path: path, headers: headers, body: ByteBuffer(bytes: body))
    }

    /// Sends SUBSCRIBE and returns the event stream once the agent answered 200. The
    /// connection closes when the stream ends or its reader stops.
    public func subscribe(_ subscribe: Mesos_V1_Executor_Call.Subscribe) async throws
        -> EventStream<Mesos_V1_Executor_Event, AsyncThrowingStream<ByteBuffer, any Error>> {
        var call = baseCall(.subscribe)
        call.subscribe = subscribe
        let response: MesosHTTPStreamedResponse
        do {
            response = try await connection.stream(try request(for: call, accept: true))
        } catch let error as MesosHTTPError where error.kind == .transport {
            throw MesosHTTPError(.transport, "SUBSCRIBE to \(endpoint) failed: \(error.message)")
        }
        guard response.status == .ok else {
            let text = await response.bodyText()
            throw MesosHTTPError(.status(Int(response.status.code)), "SUBSCRIBE rejected by \(endpoint): \(text)")
        }
        let contentType = response.headers.first(name: "Content-Type") ?? ""
        let streamEncoding = MesosEncoding(mediaType: contentType) ?? encoding
        return EventStream(body: response.body, encoding: streamEncoding)
    }

    /// Sends a call that the agent answers with 202 (UPDATE, MESSAGE, HEARTBEAT).
    public func send(_ call: Mesos_V1_Executor_Call, timeout: Duration = .seconds(30)) async throws {
        let response: MesosHTTPResponse
        do {
            response = try await connection.call(try request(for: call, accept: false), timeout: timeout, maxBody: 64 << 10)
        } catch let error as MesosHTTPError where error.kind == .transport {
            throw MesosHTTPError(.transport, "\(call.type) to \(endpoint) failed: \(error.message)")
        }
        guard response.status == .accepted else {
            throw MesosHTTPError(.status(Int(response.status.code)), "\(call.type) rejected by \(endpoint): \(response.bodyText)")
        }
    }

    /// An UPDATE call for a status.
    public func update(_ update: Mesos_V1_Executor_Call.Update) async throws {
        var call = baseCall(.update)
        call.update = update
        try await send(call)
    }

    /// A MESSAGE call (unreliable bytes to the scheduler).
    public func message(_ data: [UInt8]) async throws {
        var call = baseCall(.message)
        call.message.data = .init(data)
        try await send(call)
    }

    public func baseCall(_ type: Mesos_V1_Executor_Call.TypeEnum) -> Mesos_V1_Executor_Call {
        var call = Mesos_V1_Executor_Call()
        call.type = type
        call.frameworkID = frameworkID
        call.executorID = executorID
        return call
    }

    /// Closes the call connection.
    public func shutdown() async {
        await connection.close()
    }
}
