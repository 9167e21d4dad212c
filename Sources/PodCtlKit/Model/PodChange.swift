/// The answer to a create or update: the deployment it started and the normalized pod.
public struct PodChange: Sendable, Equatable {
    /// `Marathon-Deployment-Id`.
    public var deploymentID: String
    /// The normalized pod the server stored.
    public var pod: PodDefinition

    /// A change answer.
    public init(deploymentID: String, pod: PodDefinition) {
        self.deploymentID = deploymentID
        self.pod = pod
    }
}
