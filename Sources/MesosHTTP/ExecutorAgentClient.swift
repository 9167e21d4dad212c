import AsyncHTTPClient
import Logging
import MesosProtocol
import NIOCore
import NIOHTTP1

/// The executor side of the v1 executor HTTP API (`/api/v1/executor`): a long-lived
/// SUBSCRIBE stream and calls on a separate connection, as the reference library does.
public final class ExecutorAgentClient: Sendable {
    public let endpoint: MesosEndpoint
    public let encoding: MesosEncoding
    public let frameworkID: Mesos_V1_FrameworkID
    public let executorID: Mesos_V1_ExecutorID
    private let authorization: String?
    private let httpClient: HTTPClient
    private let path: String

    /// - Parameters:
    ///   - authenticationToken: `MESOS_EXECUTOR_AUTHENTICATION_TOKEN`, sent as a bearer
    ///     token; never logged.
    public init(endpoint: MesosEndpoint, encoding: MesosEncoding, frameworkID: Mesos_V1_FrameworkID,
                executorID: Mesos_V1_ExecutorID, authenticationToken: String?, httpClient: HTTPClient,
                path: String = "/api/v1/executor") {
        self.endpoint = endpoint
        self.encoding = encoding
        self.frameworkID = frameworkID
        self.executorID = executorID
        self.authorization = authenticationToken.map { "Bearer " + $0 }
        self.httpClient = httpClient
        self.path = path
    }

    /// A client configuration for executors: no redirects, no read timeout (the stream may
    /// be idle for 30 minutes between heartbeats), short connect timeout.
    public static func makeHTTPClient(eventLoopGroup: any EventLoopGroup = HTTPClient.defaultEventLoopGroup) -> HTTPClient {
        var config = HTTPClient.Configuration()
        config.redirectConfiguration = .disallow
        config.timeout = .init(connect: .seconds(5), read: nil)
        config.decompression = .disabled
        config.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 4)
        // Fail at once when the agent is down: the executor owns the retry policy, and a
        // SUBSCRIBE held back inside the pool would go out later with a stale payload.
        config.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroupProvider: .shared(eventLoopGroup), configuration: config)
    }

    private func request(for call: Mesos_V1_Executor_Call, accept: Bool) throws -> HTTPClientRequest {
        var request = HTTPClientRequest(url: endpoint.url(path))
        request.method = .POST
        request.headers.add(name: "Content-Type", value: encoding.mediaType)
        if accept { request.headers.add(name: "Accept", value: encoding.mediaType) }
        if let authorization { request.headers.add(name: "Authorization", value: authorization) }
        let body: [UInt8]
        do {
            body = try encoding.encode(call)
        } catch {
            throw MesosHTTPError(.protocolViolation, "cannot encode \(call.type) call: \(error)")
        }
        request.body = .bytes(ByteBuffer(bytes: body))
        return request
    }

    /// Sends SUBSCRIBE and returns the event stream once the agent answered 200.
    public func subscribe(_ subscribe: Mesos_V1_Executor_Call.Subscribe) async throws -> EventStream<Mesos_V1_Executor_Event> {
        var call = baseCall(.subscribe)
        call.subscribe = subscribe
        let request = try request(for: call, accept: true)
        let response: HTTPClientResponse
        do {
            response = try await httpClient.execute(request, deadline: .distantFuture)
        } catch {
            throw MesosHTTPError(.transport, "SUBSCRIBE to \(endpoint) failed: \(error)")
        }
        guard response.status == .ok else {
            let text = await Self.bodyText(response)
            throw MesosHTTPError(.status(Int(response.status.code)), "SUBSCRIBE rejected by \(endpoint): \(text)")
        }
        let contentType = response.headers.first(name: "Content-Type") ?? ""
        let streamEncoding = MesosEncoding(mediaType: contentType) ?? encoding
        return EventStream(body: response.body, encoding: streamEncoding)
    }

    /// Sends a call that the agent answers with 202 (UPDATE, MESSAGE, HEARTBEAT).
    public func send(_ call: Mesos_V1_Executor_Call, timeout: TimeAmount = .seconds(30)) async throws {
        let request = try request(for: call, accept: false)
        let response: HTTPClientResponse
        do {
            response = try await httpClient.execute(request, timeout: timeout)
        } catch {
            throw MesosHTTPError(.transport, "\(call.type) to \(endpoint) failed: \(error)")
        }
        guard response.status == .accepted else {
            let text = await Self.bodyText(response)
            throw MesosHTTPError(.status(Int(response.status.code)), "\(call.type) rejected by \(endpoint): \(text)")
        }
        // Drain so the connection can be reused.
        _ = try? await response.body.collect(upTo: 1 << 16)
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

    static func bodyText(_ response: HTTPClientResponse) async -> String {
        guard let buffer = try? await response.body.collect(upTo: 64 << 10) else { return "" }
        return String(buffer: buffer).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
