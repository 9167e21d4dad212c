import Foundation
import HTTPTypes
import Hummingbird
import Logging
import PodSchedulerCore
import PodSpec
import Primitives

extension PodsAPI {
    /// `GET /v2/pods`: the pods the principal may view.
    func listPods() async -> Response {
        let pods = await service.pods().filter { may(.view, $0.id) }.sorted { $0.id < $1.id }
        return APIResponse.json(.array(pods.map { $0.renderJSONValue() }))
    }

    /// `POST /v2/pods`: 201 with the normalized pod, `Marathon-Deployment-Id` and a
    /// `Location` that is the pod id resolved against the base URL (Marathon's quirk).
    func createPod(_ request: Request, context: some RequestContext) async throws -> Response {
        try Self.requireJSON(request)
        let force = Self.flag("force", in: request)
        let body = try await Self.body(of: request, context: context)
        let pod: PodDefinition
        do {
            pod = try PodDefinition.parse(body, options: specOptions(force: force))
        } catch {
            throw APIError(error)
        }
        try authorize(.create, pod.id)
        let change: PodChange
        do {
            change = try await service.create(pod, force: force)
        } catch {
            throw APIError(error)
        }
        logger.info("pod created", metadata: [
            "pod.id": "\(pod.id.absolute)", "marathon.deployment_id": "\(change.deploymentID)",
        ])
        var headers = HTTPFields()
        headers[.marathonDeploymentId] = change.deploymentID
        headers[.location] = configuration.baseURL + change.pod.id.absolute
        publishPodEvent("pod_created_event", pod: pod.id, request: request, context: context)
        return APIResponse.json(Self.rendered(change, requestVersion: pod.version), status: .created, headers: headers)
    }

    /// `GET /v2/pods/…`: a pod, its status, its versions, or every pod's status.
    func getUnderPods(_ request: Request) async throws -> Response {
        guard let route = PodsRoute(path: request.uri.path) else { throw APIError.noRoute }
        switch route {
        case .collection:
            return await listPods()
        case .allStatus:
            let renderer = PodStatusRenderer(now: now())
            let snapshots = await service.statusSnapshots().filter { may(.view, $0.spec.id) }.sorted { $0.spec.id < $1.spec.id }
            return APIResponse.json(.array(snapshots.map(renderer.render)))
        case .pod(let text):
            let id = try Self.validatedId(text)
            guard let pod = await service.pod(id) else { throw APIError.unknownPodQuirk(id) }
            try authorize(.view, id)
            return APIResponse.json(pod.renderJSONValue())
        case .status(let text):
            let id = PodId(canonicalizing: text)
            // Marathon's status selector leaves out pods the principal may not view: 404.
            guard may(.view, id), let snapshot = await service.statusSnapshot(id) else { throw APIError.unknownPod(id) }
            return APIResponse.json(PodStatusRenderer(now: now()).render(snapshot))
        case .versions(let text):
            let id = PodId(canonicalizing: text)
            guard let versions = await service.versions(id) else { throw APIError.unknownPod(id) }
            try authorize(.view, id)
            return APIResponse.json(.array(versions.map { .string($0.description) }))
        case .version(let text, let versionText):
            let version: PodVersion
            do {
                version = try PodVersion.parse(versionText)
            } catch {
                throw APIError(error)
            }
            let id = PodId(canonicalizing: text)
            guard let pod = await service.pod(id, version: version) else { throw APIError.unknownPod(id) }
            try authorize(.view, id)
            return APIResponse.json(pod.renderJSONValue())
        case .instances, .instance:
            throw APIError.methodNotAllowed
        }
    }

    /// `PUT /v2/pods/{id}`: creates or replaces; 200 with the normalized pod (its version
    /// is the request time) and `Marathon-Deployment-Id`, no `Location`.
    func putUnderPods(_ request: Request, context: some RequestContext) async throws -> Response {
        guard let route = PodsRoute(path: request.uri.path) else { throw APIError.noRoute }
        guard case .pod(let text) = route else { throw APIError.methodNotAllowed }
        try Self.requireJSON(request)
        let force = Self.flag("force", in: request)
        let existing = await service.pod(PodId(canonicalizing: text))
        let body = try await Self.body(of: request, context: context)
        let pod: PodDefinition
        do {
            pod = try PodDefinition.parse(body, expectedId: text,
                                          options: specOptions(previousRole: existing?.role, force: force))
        } catch {
            throw APIError(error)
        }
        // Replacing a pod is an update; creating one with PUT needs the right to create.
        try authorize(existing == nil ? .create : .update, pod.id)
        let change: PodChange
        do {
            change = try await service.update(pod, force: force)
        } catch {
            throw APIError(error)
        }
        logger.info(change.created ? "pod created" : "pod updated", metadata: [
            "pod.id": "\(pod.id.absolute)", "marathon.deployment_id": "\(change.deploymentID)",
        ])
        var headers = HTTPFields()
        headers[.marathonDeploymentId] = change.deploymentID
        publishPodEvent(change.created ? "pod_created_event" : "pod_updated_event", pod: pod.id, request: request, context: context)
        return APIResponse.json(Self.rendered(change, requestVersion: pod.version), headers: headers)
    }

    /// `DELETE /v2/pods/…`: a pod, one instance, or a list of instances.
    func deleteUnderPods(_ request: Request, context: some RequestContext) async throws -> Response {
        guard let route = PodsRoute(path: request.uri.path) else { throw APIError.noRoute }
        switch route {
        case .pod(let text):
            let id = try Self.validatedId(text)
            if await service.pod(id) != nil { try authorize(.delete, id) }
            let response = try await deletePod(id, force: Self.flag("force", in: request))
            publishPodEvent("pod_deleted_event", pod: id, request: request, context: context)
            return response
        case .instance(let text, let instanceText):
            let id = try Self.validatedId(text)
            do {
                _ = try InstanceId.parse(instanceText)
            } catch {
                throw APIError(error)
            }
            let killed = try await killInstances(id, instanceIds: [instanceText], wipe: Self.flag("wipe", in: request))
            guard let instance = killed.first else { throw APIError.unknownInstance(instanceText) }
            return APIResponse.json(InstanceDocument.render(instance))
        case .instances(let text):
            let id = try Self.validatedId(text)
            try Self.requireJSON(request)
            let instanceIds = try await Self.instanceIds(from: Self.body(of: request, context: context))
            let killed = try await killInstances(id, instanceIds: instanceIds, wipe: Self.flag("wipe", in: request))
            return APIResponse.json(.array(killed.map(InstanceDocument.render)))
        case .collection, .allStatus, .status, .versions, .version:
            throw APIError.methodNotAllowed
        }
    }

    /// 202 without a body; `Location` is the deployment id resolved against the base URL
    /// (Marathon's quirk).
    private func deletePod(_ id: PodId, force: Bool) async throws(APIError) -> Response {
        let deploymentID: String
        do {
            deploymentID = try await service.delete(id, force: force)
        } catch {
            throw APIError(error)
        }
        logger.info("pod deleted", metadata: ["pod.id": "\(id.absolute)", "marathon.deployment_id": "\(deploymentID)"])
        var headers = HTTPFields()
        headers[.marathonDeploymentId] = deploymentID
        headers[.location] = configuration.baseURL + "/" + deploymentID
        return APIResponse.empty(status: .accepted, headers: headers)
    }

    /// Killing instances changes the pod: `update` (Marathon's `TaskKiller`).
    private func killInstances(_ id: PodId, instanceIds: [String], wipe: Bool) async throws(APIError)
        -> [InstanceSnapshot] {
        if await service.pod(id) != nil { try authorize(.update, id) }
        let killed: [InstanceSnapshot]
        do {
            killed = try await service.killInstances(id, instanceIds: instanceIds, wipe: wipe)
        } catch {
            throw APIError(error)
        }
        logger.info("pod instances killed", metadata: [
            "pod.id": "\(id.absolute)", "pod.instance_count": "\(killed.count)", "pod.wipe": "\(wipe)",
        ])
        return killed
    }

    /// The body of `DELETE …::instances`: a JSON array of instance id strings, duplicates
    /// dropped; each must be a valid instance id.
    static func instanceIds(from body: Data) throws(APIError) -> [String] {
        let json: JSONValue
        do {
            json = try PodDefinition.parseJSONBody(body)
        } catch {
            throw APIError(error)
        }
        guard let array = json.arrayValue else {
            throw APIError(.invalidJSON([ErrorDetail(path: "", errors: ["error.expected.jsarray"])]))
        }
        var ids: [String] = []
        var errors: [ErrorDetail] = []
        for (index, element) in array.enumerated() {
            guard let text = element.stringValue else {
                errors.append(ErrorDetail(path: "(\(index))", errors: ["error.expected.jsstring"]))
                continue
            }
            if !ids.contains(text) { ids.append(text) }
        }
        if !errors.isEmpty { throw APIError(.invalidJSON(errors)) }
        for text in ids {
            do {
                _ = try InstanceId.parse(text)
            } catch {
                throw APIError(error)
            }
        }
        return ids
    }

    /// The body of a create/update answer: the stored pod with the request's version.
    static func rendered(_ change: PodChange, requestVersion: PodVersion) -> JSONValue {
        var pod = change.pod
        pod.version = requestVersion
        return pod.renderJSONValue()
    }
}
