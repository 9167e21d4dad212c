import Foundation
import HTTPTypes
import Hummingbird
import Logging
import PodSchedulerCore
import PodSpec
import Primitives

extension PodsAPI {
    /// `GET /v2/deployments`: the running deployments that touch a pod the principal may view.
    func listDeployments() async -> Response {
        let deployments = await service.deployments().filter { $0.affectedPods.contains { may(.view, $0) } }
        return APIResponse.json(.array(deployments.map(DeploymentDocument.render)))
    }

    /// `DELETE /v2/deployments/{id}`: without `force`, 200 with the rollback deployment
    /// (`{"version", "deploymentId"}` and `Marathon-Deployment-Id`); with `force`, 202 and
    /// no body (cancelled without rollback).
    /// A deployment the principal may not view is unknown to it (404); cancelling changes
    /// every pod it touches (`update` on each).
    func cancelDeployment(_ id: String, request: Request) async throws(APIError) -> Response {
        let force = Self.flag("force", in: request)
        if let deployment = await service.deployments().first(where: { $0.id == id }) {
            guard deployment.affectedPods.contains(where: { may(.view, $0) }) else {
                throw APIError(PodServiceError.deploymentNotFound(id))
            }
            for pod in deployment.affectedPods { try authorize(.update, pod) }
        }
        let rollback: PodChange?
        do {
            rollback = try await service.cancelDeployment(id, force: force)
        } catch {
            throw APIError(error)
        }
        guard let rollback else {
            logger.info("deployment cancelled", metadata: ["marathon.deployment_id": "\(id)"])
            return APIResponse.empty(status: .accepted)
        }
        logger.info("deployment rolled back", metadata: [
            "marathon.deployment_id": "\(id)", "marathon.rollback_deployment_id": "\(rollback.deploymentID)",
            "pod.id": "\(rollback.pod.id.absolute)",
        ])
        var headers = HTTPFields()
        headers[.marathonDeploymentId] = rollback.deploymentID
        return APIResponse.json([
            "version": .string(rollback.version.description), "deploymentId": .string(rollback.deploymentID),
        ], headers: headers)
    }

    /// `GET /v2/info`: Marathon's info document: the leader, whether this instance is the
    /// elected and ready one, and the ZooKeeper settings (`null` values without `--zk`;
    /// credentials never). `marathon_config.master` is `--master` with credentials redacted;
    /// `mesos_leader_ui_url` the leading master the framework is subscribed to (null while it
    /// is not).
    func info() async -> Response {
        let info = await service.info()
        let leadership = leadership.snapshot
        let ha = configuration.highAvailability
        var marathonConfig = JSONObject()
        marathonConfig["master"] = .string(info.masterURL)
        marathonConfig["mesos_leader_ui_url"] = info.mesosLeaderURL.map(JSONValue.string) ?? .null
        marathonConfig["framework_name"] = .string(info.name)
        marathonConfig["mesos_role"] = .string(configuration.specOptions.mesosRole)
        marathonConfig["max_running_deployments"] = .int(configuration.maxRunningDeployments)
        marathonConfig["features"] = configuration.specOptions.secretsEnabled ? ["secrets"] : []
        if let network = configuration.specOptions.defaultNetworkName {
            marathonConfig["default_network_name"] = .string(network)
        }
        marathonConfig["ha"] = .bool(ha != nil)
        marathonConfig["hostname"] = .string(Self.host(of: self.leadership.ownAddress.hostPort))
        marathonConfig["leader_proxy_connection_timeout_ms"] = ha.map { .int($0.proxyConnectionTimeoutMilliseconds) } ?? .null
        marathonConfig["leader_proxy_read_timeout_ms"] = ha.map { .int($0.proxyReadTimeoutMilliseconds) } ?? .null
        var object = JSONObject()
        object["name"] = .string(info.name)
        object["version"] = .string(info.version)
        object["elected"] = .bool(leadership.isLeader && info.elected)
        object["leader"] = leadership.leader.map { .string($0.hostPort) } ?? .null
        object["frameworkId"] = info.frameworkID.map(JSONValue.string) ?? .null
        object["marathon_config"] = .object(marathonConfig)
        object["zookeeper_config"] = [
            "zk": ha.map { .string($0.zooKeeperURL) } ?? .null,
            "zk_session_timeout": ha.map { .int($0.sessionTimeoutMilliseconds) } ?? .null,
            "zk_connection_timeout": ha.map { .int($0.connectionTimeoutMilliseconds) } ?? .null,
            "zk_timeout": ha.map { .int($0.connectionTimeoutMilliseconds) } ?? .null,
            "zk_max_node_size": ha.map { .int($0.maxNodeSize) } ?? .null,
            "zk_compression": ha.map { _ in .bool(false) } ?? .null,
            "zk_compression_threshold": .null,
            "zk_max_versions": .null,
        ]
        var election = JSONObject()
        election["state"] = .string(leadership.state)
        election["refusal"] = leadership.refusal.map(JSONValue.string) ?? .null
        object["leader_election"] = .object(election)
        let listeners = configuration.listeners ?? .init(httpPort: info.httpPort, httpsPort: nil)
        object["http_config"] = ["http_port": listeners.httpPort.map(JSONValue.int) ?? .null,
                                 "https_port": listeners.httpsPort.map(JSONValue.int) ?? .null]
        return APIResponse.json(.object(object))
    }

    /// The host of `host:port` (`[v6]:port` too).
    static func host(of hostPort: String) -> String {
        guard let colon = hostPort.lastIndex(of: ":") else { return hostPort }
        let host = String(hostPort[..<colon])
        return host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
    }
}
