/// One endpoint that needs a port from the offer's `ports` ranges.
public struct HostPortRequest: Sendable, Hashable {
    /// The container that declares the endpoint.
    public var containerName: String
    /// The endpoint name (unique within the pod).
    public var endpointName: String
    /// The wanted port; `0` for any.
    public var port: Int

    /// A host port request.
    public init(containerName: String, endpointName: String, port: Int) {
        self.containerName = containerName
        self.endpointName = endpointName
        self.port = port
    }
}
