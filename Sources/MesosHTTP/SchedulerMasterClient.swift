import AsyncHTTPClient
import Foundation
import Logging
import MesosProtocol
import NIOCore
import NIOHTTP1
import NIOSSL

/// The scheduler side of the v1 scheduler HTTP API (`/api/v1/scheduler`): SUBSCRIBE
/// against one of several masters, following 307 redirects to the leader (protocol-
/// relative `Location`), or against the one leader a detector reported; and calls carrying
/// `Mesos-Stream-Id`.
public final class SchedulerMasterClient: Sendable {
    /// An open subscription.
    public struct Subscription: Sendable {
        /// `Mesos-Stream-Id` of the stream; every later call carries it.
        public var streamID: String
        /// The master that holds the subscription (the leader).
        public var leader: MesosEndpoint
        public var events: EventStream<Mesos_V1_Scheduler_Event, HTTPClientResponse.Body>
    }

    public let masters: [MesosEndpoint]
    public let encoding: MesosEncoding
    private let httpClient: HTTPClient
    /// Sent as HTTP basic credentials on every call (masters with HTTP framework
    /// authentication); its secret is never logged.
    public let credential: FrameworkCredential?

    public init(masters: [MesosEndpoint], encoding: MesosEncoding = .protobuf, httpClient: HTTPClient,
                credential: FrameworkCredential? = nil) {
        self.masters = masters
        self.encoding = encoding
        self.httpClient = httpClient
        self.credential = credential
    }

    /// An HTTP client for schedulers: redirects handled here, no read timeout on the stream
    /// (heartbeats are checked by the caller), fast failure when a master is down.
    /// `https://` masters are verified with `tlsConfiguration` (``MesosTLS``; default: the
    /// system trust store).
    public static func makeHTTPClient(eventLoopGroup: any EventLoopGroup = HTTPClient.defaultEventLoopGroup,
                                      tlsConfiguration: TLSConfiguration? = nil) -> HTTPClient {
        var config = HTTPClient.Configuration()
        config.tlsConfiguration = tlsConfiguration
        config.redirectConfiguration = .disallow
        config.timeout = .init(connect: .seconds(5), read: nil)
        config.decompression = .disabled
        config.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 8)
        config.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroupProvider: .shared(eventLoopGroup), configuration: config)
    }

    private func request(_ call: Mesos_V1_Scheduler_Call, to endpoint: MesosEndpoint, streamID: String?) throws -> HTTPClientRequest {
        var request = HTTPClientRequest(url: endpoint.url("/api/v1/scheduler"))
        request.method = .POST
        request.headers.add(name: "Content-Type", value: encoding.mediaType)
        request.headers.add(name: "Accept", value: encoding.mediaType)
        if let streamID { request.headers.add(name: "Mesos-Stream-Id", value: streamID) }
        if let credential { request.headers.add(name: "Authorization", value: credential.authorization) }
        do {
            request.body = .bytes(ByteBuffer(bytes: try encoding.encode(call)))
        } catch {
            throw MesosHTTPError(.protocolViolation, "cannot encode \(call.type) call: \(error)")
        }
        return request
    }

    /// Subscribes: tries each master in turn, follows up to 3 redirects to the leader.
    public func subscribe(_ call: Mesos_V1_Scheduler_Call) async throws -> Subscription {
        var lastError: MesosHTTPError = MesosHTTPError(.transport, "no master configured")
        for master in masters {
            var target = master
            attempts: for _ in 0..<4 {
                switch try await attempt(call, to: target) {
                case .subscribed(let subscription):
                    return subscription
                case .redirected(let leader?, let error):
                    lastError = error
                    target = leader
                case .redirected(nil, let error):
                    lastError = error
                    break attempts
                case .unavailable(let error):
                    lastError = error
                    break attempts
                }
            }
        }
        throw lastError
    }

    /// Subscribes to `master` alone: the leader a detector reported (`--master zk://…`).
    /// A 307 (it is not, or no longer, the leader) is thrown as a `.redirect` error and a 503
    /// (`No leader elected`, `Master has not finished recovery`) or 404 as that status, not
    /// followed: like Mesos' scheduler library, the caller waits for the detector to report
    /// the leader instead.
    public func subscribe(_ call: Mesos_V1_Scheduler_Call, to master: MesosEndpoint) async throws -> Subscription {
        switch try await attempt(call, to: master) {
        case .subscribed(let subscription): return subscription
        case .redirected(_, let error), .unavailable(let error): throw error
        }
    }

    /// What one SUBSCRIBE to one master gave.
    private enum Attempt {
        case subscribed(Subscription)
        /// A 307: the leader it names (nil when the Location cannot be used).
        case redirected(MesosEndpoint?, MesosHTTPError)
        /// No answer, or a 503/404: another master may do better.
        case unavailable(MesosHTTPError)
    }

    /// One SUBSCRIBE; refusals (400, 401, …) and protocol violations are thrown.
    private func attempt(_ call: Mesos_V1_Scheduler_Call, to target: MesosEndpoint) async throws -> Attempt {
        let response: HTTPClientResponse
        do {
            response = try await httpClient.execute(try request(call, to: target, streamID: nil), deadline: .distantFuture)
        } catch let error as MesosHTTPError {
            throw error
        } catch {
            return .unavailable(MesosHTTPError(.transport, "SUBSCRIBE to \(target) failed: \(Self.reason(error, endpoint: target))"))
        }
        if response.status == .temporaryRedirect {
            let location = response.headers.first(name: "Location") ?? ""
            _ = try? await response.body.collect(upTo: 1 << 16)
            let error = MesosHTTPError(.redirect(location: location), "\(target) is not the leading master (307 to '\(location)')")
            return .redirected(Self.redirectTarget(location, scheme: target.scheme), error)
        }
        guard response.status == .ok else {
            let error = await refusal(response, call: .subscribe, master: target)
            if response.status == .serviceUnavailable || response.status == .notFound { return .unavailable(error) }
            throw error
        }
        guard let streamID = response.headers.first(name: "Mesos-Stream-Id"), !streamID.isEmpty else {
            throw MesosHTTPError(.protocolViolation, "SUBSCRIBE answer from \(target) has no Mesos-Stream-Id")
        }
        let streamEncoding = MesosEncoding(mediaType: response.headers.first(name: "Content-Type") ?? "") ?? encoding
        return .subscribed(Subscription(streamID: streamID, leader: target, events: EventStream(body: response.body, encoding: streamEncoding)))
    }

    /// Sends a call on a subscription (202, or 200 for UPDATE_FRAMEWORK).
    public func send(_ call: Mesos_V1_Scheduler_Call, streamID: String, leader: MesosEndpoint,
                     timeout: TimeAmount = .seconds(30)) async throws {
        let response: HTTPClientResponse
        do {
            response = try await httpClient.execute(try request(call, to: leader, streamID: streamID), timeout: timeout)
        } catch let error as MesosHTTPError {
            throw error
        } catch {
            throw MesosHTTPError(.transport, "\(call.type) to \(leader) failed: \(Self.reason(error, endpoint: leader))")
        }
        guard response.status == .accepted || response.status == .ok else {
            if response.status == .temporaryRedirect {
                _ = await Self.bodyText(response)
                throw MesosHTTPError(.redirect(location: response.headers.first(name: "Location") ?? ""), "master is no longer the leader")
            }
            throw await refusal(response, call: call.type, master: leader)
        }
        _ = try? await response.body.collect(upTo: 1 << 16)
    }

    /// `//host:port/path` (or a full URL) → the endpoint.
    static func redirectTarget(_ location: String, scheme: String) -> MesosEndpoint? {
        var text = location
        if text.hasPrefix("//") { text = scheme + ":" + text }
        return MesosEndpoint(parsing: text, defaultPort: 5050)
    }

    /// The error for a call the master answered with an error status. A 401 says whether
    /// credentials were missing or not accepted (never the secret).
    private func refusal(_ response: HTTPClientResponse, call: Mesos_V1_Scheduler_Call.TypeEnum,
                         master: MesosEndpoint) async -> MesosHTTPError {
        let text = await Self.bodyText(response)
        let code = Int(response.status.code)
        let name = call == .subscribe ? "SUBSCRIBE" : "\(call)"
        guard response.status == .unauthorized else {
            return MesosHTTPError(.status(code), "\(name) rejected by \(master): \(text)")
        }
        let challenge = response.headers.first(name: "WWW-Authenticate").map { ", \($0)" } ?? ""
        let why = credential.map { "the master did not accept the credentials of \($0) (wrong principal or secret)" }
            ?? "the master requires framework authentication and no credentials were sent"
        return MesosHTTPError(.status(code), "\(name) refused by \(master) (401 Unauthorized\(challenge)): \(why)")
    }

    /// A transport failure in a line: TLS failures explained (``MesosTLS/failure(_:host:)``).
    static func reason(_ error: any Error, endpoint: MesosEndpoint) -> String {
        if case .tcp(_, let host, _) = endpoint.transport, let tls = MesosTLS.failure(error, host: host) { return tls }
        return "\(error)"
    }

    static func bodyText(_ response: HTTPClientResponse) async -> String {
        guard let buffer = try? await response.body.collect(upTo: 64 << 10) else { return "" }
        return String(buffer: buffer).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

extension MesosEndpoint {
    /// `http` or `https` (Unix sockets are plain HTTP).
    public var scheme: String {
        if case .tcp(let scheme, _, _) = transport { return scheme }
        return "http"
    }
}
