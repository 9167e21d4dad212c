import HTTPTypes
import Hummingbird
import NIOCore
import PodSchedulerCore

/// In front of the API on every instance of a highly available scheduler: the leader serves
/// requests itself; a follower proxies them to the leader (reference §3.3), except `/v2/events`,
/// which is redirected there (302), and `/ping` and `/metrics`, which each instance answers
/// for itself (a load balancer's health check, and this process's metrics).
///
/// A request names every proxy it passed in `X-Marathon-Via`; one that passed this instance
/// already is refused (502 `Detected proxying loop.`). While no leader serves (an election is
/// under way, the leader is loading, or the known leader cannot be reached and may be gone),
/// the request waits up to `leaderWait`, then gets 502. With no leader, `/v2/leader` answers
/// 404 `There is no leader` and `/v2/info` is answered here (`elected: false`).
struct LeaderProxyMiddleware<Context: RequestContext>: RouterMiddleware {
    let proxy: LeaderProxy

    static var localPaths: Set<String> { ["/ping", "/metrics"] }
    /// Methods whose request may be sent again when an exchange broke.
    static var safeMethods: Set<HTTPRequest.Method> { [.get, .head, .options] }

    private enum Target {
        case local
        case leader(LeaderAddress)
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = APIMiddleware<Context>.normalized(request.uri.path)
        if Self.localPaths.contains(path) { return try await next(request, context) }
        let leadership = proxy.leadership
        let own = LeaderProxy.via(leadership.ownAddress)
        if request.headers[values: HTTPField.Name.marathonVia].contains(where: { $0.split(separator: ",").contains { $0.trimmingCharacters(in: .whitespaces) == own } }) {
            return Self.error(.badGateway, "Detected proxying loop.")
        }
        var body: ByteBuffer?
        let start = ContinuousClock.now
        var unreachable: LeaderAddress?
        while true {
            let wait = unreachable == nil ? proxy.settings.leaderWait : max(proxy.settings.leaderWait, proxy.settings.unreachableLeaderWait)
            switch await target(until: start + wait, avoiding: unreachable) {
            case .local?:
                return try await serve(request, context: context, next: next)
            case nil:
                if unreachable != nil { return Self.error(.badGateway, "Connection to leader refused.") }
                if path == "/v2/leader" { return Self.error(.notFound, "There is no leader") }
                if path == "/v2/info" && request.method == .get { return try await next(request, context) }
                return Self.error(.badGateway, "Could not determine the current leader")
            case .leader(let leader)?:
                if path == "/v2/events" {
                    var headers = HTTPFields()
                    headers[.location] = leader.url + request.uri.description
                    return Response(status: .found, headers: headers)
                }
                if body == nil {
                    var copy = request
                    body = try await copy.collectBody(upTo: context.maxUploadSize)
                }
                do {
                    return try await proxy.forward(request, body: body ?? ByteBuffer(), to: leader, clientIP: context.clientIP)
                } catch .unreachable(let reason) {
                    proxy.logger.info("leader unreachable; waiting for another", metadata: ["ha.leader": "\(leader)", "error": "\(reason)"])
                    unreachable = leader
                } catch .untrusted(let reason) {
                    // A configuration error, not a leader going away: say so, and answer now.
                    proxy.logger.warning("TLS with the leader failed; check --ca-file and its certificate",
                                         metadata: ["ha.leader": "\(leader)", "error": "\(reason)"])
                    return Self.error(.badGateway, "Connection to leader refused.")
                } catch .broken(let reason) where Self.safeMethods.contains(request.method) {
                    // A request without effects may have met a leader dying: try the next.
                    proxy.logger.info("proxying to the leader broke; waiting for another", metadata: ["ha.leader": "\(leader)", "error": "\(reason)"])
                    unreachable = leader
                } catch .broken(let reason) {
                    proxy.logger.warning("proxying to the leader failed", metadata: ["ha.leader": "\(leader)", "error": "\(reason)"])
                    return Self.error(.badGateway, "Connection to leader refused.")
                }
            }
        }
    }

    /// Serves here as the leader; an answer given while leadership changed (the scheduler
    /// may have been torn down under it) becomes a 503 to retry.
    private func serve(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let term = proxy.leadership.snapshot.term
        let response = try await next(request, context)
        guard proxy.leadership.snapshot.term == term else {
            return Self.error(.serviceUnavailable, "Leadership changed during the request; retry it")
        }
        return response
    }

    /// Where the request goes: here (this instance leads and serves), the leader, or nowhere
    /// (nil) when no leader other than `avoiding` serves before the deadline.
    private func target(until deadline: ContinuousClock.Instant, avoiding unreachable: LeaderAddress?) async -> Target? {
        let leadership = proxy.leadership
        while true {
            let now = leadership.snapshot
            if now.isLeader { return .local }
            if let leader = now.leader, leader != leadership.ownAddress, leader != unreachable { return .leader(leader) }
            guard ContinuousClock.now < deadline else { return nil }
            try? await Task.sleep(for: .milliseconds(25))
            if Task.isCancelled { return nil }
        }
    }

    static func error(_ status: HTTPResponse.Status, _ message: String) -> Response {
        var response = APIResponse.error(.message(status, message))
        response.headers[.cacheControl] = "no-cache, no-store, must-revalidate"
        return response
    }
}

extension HTTPField.Name {
    /// `X-Marathon-Via`: the proxies a request passed.
    static let marathonVia = HTTPField.Name("X-Marathon-Via")!
}
