/// The answer to a create or update: the deployment it started and the normalized pod.
public struct PodChangeAnswer: Sendable, Equatable {
    /// `Marathon-Deployment-Id`.
    public var deploymentID: String
    /// The normalized pod the server stored.
    public var pod: PodDocument

    /// A change answer.
    public init(deploymentID: String, pod: PodDocument) {
        self.deploymentID = deploymentID
        self.pod = pod
    }
}
