import HTTPTypes
import Hummingbird
import PodSchedulerCore

extension PodsAPI {
    /// Who leads: the configured view, or this server alone.
    var leadership: any LeadershipView {
        configuration.leadership ?? SingleInstanceLeadership(ownAddress: Self.address(of: configuration.baseURL))
    }

    /// `scheme://host:port` as a leader address.
    static func address(of baseURL: String) -> LeaderAddress {
        let parts = baseURL.split(separator: "://", maxSplits: 1).map(String.init)
        return parts.count == 2 ? LeaderAddress(hostPort: parts[1], scheme: parts[0]) : LeaderAddress(hostPort: baseURL, scheme: "http")
    }

    /// `GET /v2/leader`: `{"leader": "host:port"}`, or 404 `There is no leader`.
    func leader() -> Response {
        guard let leader = leadership.snapshot.leader else {
            return APIResponse.error(.message(.notFound, "There is no leader"))
        }
        return APIResponse.json(["leader": .string(leader.hostPort)])
    }

    /// `DELETE /v2/leader`: 200 `{"message": "Leadership abdicated"}`, then this instance
    /// gives up leadership (half a second later) and rejoins the election as a follower.
    /// Marathon's `backup`/`restore` parameters are refused (not supported).
    func abdicate(_ request: Request) async throws(APIError) -> Response {
        for name in ["backup", "restore"] where request.uri.queryParameters[name[...]] != nil {
            throw .message(.badRequest, "'\(name)' is not supported: pod-scheduler keeps no backups of its own (back up ZooKeeper)")
        }
        guard leadership.snapshot.isLeader else { throw .message(.notFound, "There is no leader") }
        guard configuration.leadership != nil, await leadership.abdicate() else {
            throw .message(.badRequest, "This pod-scheduler is the only instance (no --zk): there is nobody to hand leadership to")
        }
        logger.notice("leadership abdicated on request")
        return APIResponse.json(["message": "Leadership abdicated"])
    }
}
