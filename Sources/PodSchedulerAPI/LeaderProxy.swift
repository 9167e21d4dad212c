import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import PodSchedulerCore

/// How a follower reaches the leader (Marathon's `LeaderProxyFilter` and request forwarder,
/// reference §3.3): the request goes to `<scheme>://<leader host:port><uri>` with the same
/// method, headers (but hop-by-hop ones, `Host` and `Content-Length`) and body, plus
/// `X-Marathon-Via` and `X-Forwarded-For`; the leader's status, headers and body come back.
/// The leader's certificate is verified (pod-scheduler's `--ca-file`, else the system's roots),
/// and the client's `Authorization` header goes through unchanged: the leader authenticates.
public final class LeaderProxy: Sendable {
    public struct Configuration: Sendable {
        /// TLS towards leaders that serve HTTPS only.
        public var tls: TLSConfiguration
        /// Marathon's `--leader_proxy_connection_timeout` (5 s).
        public var connectTimeout: Duration = .seconds(5)
        /// Marathon's `--leader_proxy_read_timeout` (10 s).
        public var readTimeout: Duration = .seconds(10)
        /// How long a request waits for a leader that serves: while none is elected, or while
        /// the known one cannot be reached (it may be gone, and not yet replaced).
        public var leaderWait: Duration = .milliseconds(2750)
        /// How long a request waits for another leader when the known one cannot be
        /// reached: a leader that died is replaced within the ZooKeeper session timeout, so
        /// the executable sets this to that timeout plus `leaderWait`.
        public var unreachableLeaderWait: Duration = .milliseconds(2750)
        /// The largest answer relayed.
        public var maxBody = 256 << 20

        public init(tls: TLSConfiguration = TLSConfiguration.makeClientConfiguration()) {
            self.tls = tls
        }
    }

    public let settings: Configuration
    let leadership: any LeadershipView
    let client: HTTPClient
    let logger: Logger

    public init(leadership: any LeadershipView, settings: Configuration, logger: Logger) {
        self.leadership = leadership
        self.settings = settings
        self.logger = logger
        var configuration = HTTPClient.Configuration(tlsConfiguration: settings.tls, redirectConfiguration: .disallow,
                                                     timeout: .init(connect: .init(settings.connectTimeout),
                                                                    read: .init(settings.readTimeout)),
                                                     decompression: .disabled)
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 64)
        // A refused connection fails at once (the client's default retries it until the
        // connect timeout): the middleware then waits for the next leader itself.
        configuration.connectionPool.retryConnectionEstablishment = false
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    public func shutdown() async {
        try? await client.shutdown()
    }

    /// Headers not forwarded in either direction: hop-by-hop ones, and those the forwarding
    /// sets itself.
    static let dropped: Set<String> = ["connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
                                       "transfer-encoding", "upgrade", "host", "content-length"]

    enum Failure: Error {
        /// Nothing reached the leader (refused, unreachable, connect timeout): safe to try
        /// another leader.
        case unreachable(String)
        /// The exchange broke or timed out after the request may have reached the leader.
        case broken(String)
        /// TLS with the leader failed for good: its certificate is not trusted (another CA
        /// than `--ca-file`, a host name it does not name) or the handshake was refused. No
        /// request went out, and waiting for another leader would not help.
        case untrusted(String)
    }

    /// Sends the request to `leader` and returns its answer.
    func forward(_ request: Request, body: ByteBuffer, to leader: LeaderAddress, clientIP: String) async throws(Failure) -> Response {
        var outgoing = HTTPClientRequest(url: leader.url + request.uri.description)
        outgoing.method = HTTPMethod(rawValue: request.method.rawValue)
        var forwardedFor: String?
        for field in request.headers {
            let name = field.name.canonicalName
            if Self.dropped.contains(name) { continue }
            if name == "x-forwarded-for" {
                forwardedFor = forwardedFor.map { $0 + "," + field.value } ?? field.value
                continue
            }
            outgoing.headers.add(name: field.name.rawName, value: field.value)
        }
        outgoing.headers.add(name: "X-Forwarded-For", value: (forwardedFor.map { $0 + "," } ?? "") + clientIP)
        outgoing.headers.add(name: "X-Marathon-Via", value: Self.via(leadership.ownAddress))
        if body.readableBytes > 0 || request.method == .post || request.method == .put || request.method == .patch {
            outgoing.body = .bytes(body)
        }
        let answer: HTTPClientResponse
        let data: ByteBuffer
        do {
            answer = try await client.execute(outgoing, timeout: .init(settings.connectTimeout + settings.readTimeout + .seconds(50)))
            data = try await answer.body.collect(upTo: settings.maxBody)
        } catch {
            throw Self.classify(error)
        }
        var headers = HTTPFields()
        for header in answer.headers where !Self.dropped.contains(header.name.lowercased()) {
            if let name = HTTPField.Name(header.name) { headers.append(HTTPField(name: name, value: header.value)) }
        }
        if let name = HTTPField.Name("X-Marathon-Via") { headers.append(HTTPField(name: name, value: Self.via(leadership.ownAddress))) }
        return Response(status: HTTPResponse.Status(code: Int(answer.status.code), reasonPhrase: answer.status.reasonPhrase),
                        headers: headers, body: ResponseBody(byteBuffer: data))
    }

    /// `1.1 <host:port>`: what each proxy adds to `X-Marathon-Via`.
    static func via(_ address: LeaderAddress) -> String { "1.1 \(address.hostPort)" }

    /// Whether an error left the request unsent, and whether trying again could help.
    static func classify(_ error: any Error) -> Failure {
        let text = String(describing: error)
        if isTLSRefusal(error) { return .untrusted(text) }
        if let client = error as? HTTPClientError, client == .connectTimeout {
            return .unreachable("connect timeout")
        }
        if error is NIOConnectionError || text.contains("connectionRefused") || text.contains("Connection refused")
            || text.contains("connectTimeout") || text.contains("ECONNREFUSED") || text.contains("No route to host") {
            return .unreachable(text)
        }
        if let io = error as? IOError, [ECONNREFUSED, EHOSTUNREACH, ENETUNREACH].contains(io.errnoCode) {
            return .unreachable(text)
        }
        return .broken(text)
    }

    /// A TLS failure that the same leader would give again: the handshake failed with a TLS
    /// error (certificate verification, protocol), or the certificate does not name the host.
    /// A connection cut during the handshake (a leader dying) is not one.
    static func isTLSRefusal(_ error: any Error) -> Bool {
        switch error as? NIOSSLError {
        case .handshakeFailed(.sslError)?, .unableToValidateCertificate?, .noCertificateToValidate?, .cannotMatchULabel?:
            return true
        default:
            break
        }
        if let extra = error as? NIOSSLExtraError, extra == .failedToValidateHostname { return true }
        let text = String(describing: error)
        return text.contains("CERTIFICATE_VERIFY_FAILED") || text.contains("failedToValidateHostname")
    }
}
