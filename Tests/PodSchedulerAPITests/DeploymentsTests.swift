import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PodSchedulerAPI
import PodSchedulerCore
import PodSpec
import Testing

@Suite("/v2/deployments")
struct DeploymentsTests {
    @Test("GET lists running plans with pod actions")
    func list() async throws {
        let service = FakePodService()
        try await Fixture.application(Fixture.api(service)).test(.router) { client in
            let empty = try await client.send(.get, "/v2/deployments")
            #expect(empty.status == .ok)
            #expect(empty.text == "[]")

            let created = try await client.send(.post, "/v2/pods", body: Fixture.simplePod)
            let list = try await client.send(.get, "/v2/deployments")
            #expect(list.status == .ok)
            expectCacheHeaders(list)
            #expect(list.json == [[
                "id": .string(created.headers[.deploymentId] ?? ""),
                "version": "2020-04-01T12:00:00.000Z",
                "affectedApps": [],
                "affectedPods": ["/simplepod"],
                "steps": [
                    ["actions": [["action": "StartPod", "pod": "/simplepod"]]],
                    ["actions": [["action": "ScalePod", "pod": "/simplepod"]]],
                ],
                "currentActions": [["action": "StartPod", "pod": "/simplepod", "readinessCheckResults": []]],
                "currentStep": 1,
                "totalSteps": 2,
            ]])
        }
    }

    @Test("DELETE without force rolls back: 200, new deployment id; the created pod is gone")
    func rollback() async throws {
        let service = FakePodService()
        try await Fixture.application(Fixture.api(service)).test(.router) { client in
            let created = try await client.send(.post, "/v2/pods", body: Fixture.simplePod)
            let id = try #require(created.headers[.deploymentId])
            let response = try await client.send(.delete, "/v2/deployments/\(id)", headers: [:])
            #expect(response.status == .ok)
            let rollbackId = try #require(response.headers[.deploymentId])
            #expect(rollbackId != id)
            #expect(response.json == ["version": "2020-04-01T12:01:40.000Z", "deploymentId": .string(rollbackId)])
            let pod = try await client.send(.get, "/v2/pods/simplepod")
            #expect(pod.status == .notFound)
        }
        #expect(await service.lastForce == false)
    }

    @Test("DELETE with force cancels: 202 without body; the pod stays")
    func forceCancel() async throws {
        let service = FakePodService()
        try await Fixture.application(Fixture.api(service)).test(.router) { client in
            let created = try await client.send(.post, "/v2/pods", body: Fixture.simplePod)
            let id = try #require(created.headers[.deploymentId])
            let response = try await client.send(.delete, "/v2/deployments/\(id)?force=true", headers: [:])
            #expect(response.status == .accepted)
            #expect(response.body.readableBytes == 0)
            #expect(response.headers[.deploymentId] == nil)
            expectCacheHeaders(response)
            let pod = try await client.send(.get, "/v2/pods/simplepod")
            #expect(pod.status == .ok)
            let list = try await client.send(.get, "/v2/deployments")
            #expect(list.text == "[]")
        }
        #expect(await service.lastForce == true)
    }

    @Test("DELETE of an unknown deployment: 404 DeploymentPlan … does not exist")
    func unknown() async throws {
        try await Fixture.application(Fixture.api(FakePodService())).test(.router) { client in
            let response = try await client.send(.delete, "/v2/deployments/abc", headers: [:])
            #expect(response.status == .notFound)
            #expect(response.json == ["message": "DeploymentPlan abc does not exist", "details": []])
        }
    }
}
