import PodSchedulerCore
import PodSpec
import Primitives

/// Marathon's rendering of a running deployment plan for `GET /v2/deployments`
/// (docs/reference/marathon-pods-api.md §11.1): pods appear under `affectedPods` and `"pod"` action keys.
enum DeploymentDocument {
    static func render(_ deployment: DeploymentSnapshot) -> JSONValue {
        var object = JSONObject()
        object["id"] = .string(deployment.id)
        object["version"] = .string(deployment.version.description)
        object["affectedApps"] = []
        object["affectedPods"] = .array(deployment.affectedPods.map { .string($0.absolute) })
        object["steps"] = .array(deployment.steps.map { step in
            ["actions": .array(step.map { action($0, current: false) })]
        })
        object["currentActions"] = .array(deployment.currentActions.map { action($0, current: true) })
        object["currentStep"] = .int(deployment.currentStep)
        object["totalSteps"] = .int(deployment.steps.count)
        return .object(object)
    }

    /// `{"action": "ScalePod", "pod": "/p"}`; current actions also list their (for pods
    /// always empty) readiness check results.
    private static func action(_ action: DeploymentSnapshot.Action, current: Bool) -> JSONValue {
        var object = JSONObject()
        object["action"] = .string(action.action)
        object["pod"] = .string(action.pod.absolute)
        if current { object["readinessCheckResults"] = [] }
        return .object(object)
    }
}
