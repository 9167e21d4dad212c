import Foundation
import PodSpec

/// A deployment plan for one pod (Marathon's StartPod/ScalePod/RestartPod/StopPod).
struct DeploymentRecord: Codable, Sendable, Equatable {
    enum Action: String, Codable, Sendable {
        case startPod = "StartPod", scalePod = "ScalePod", restartPod = "RestartPod", stopPod = "StopPod"
    }

    var id: String
    var version: PodVersion
    var podID: PodId
    var steps: [Action]
    var currentStep: Int
    /// The pod before the deployment (for rollback); nil for a creation.
    var original: PodDefinition?
    /// The spec being deployed (nil for StopPod).
    var target: PodDefinition?
    var startedAt: Date

    var currentAction: Action? { currentStep < steps.count ? steps[currentStep] : nil }

    var snapshot: DeploymentSnapshot {
        let actions = steps.map { [DeploymentSnapshot.Action(action: $0.rawValue, pod: podID)] }
        return DeploymentSnapshot(id: id, version: version, affectedPods: [podID], steps: actions,
                                  currentStep: min(currentStep + 1, steps.count),
                                  currentActions: currentAction.map { [DeploymentSnapshot.Action(action: $0.rawValue, pod: podID)] } ?? [],
                                  instancesStarted: 0, instancesTarget: target?.instances ?? 0)
    }
}
