import ImageStore

/// Extension points the executor wires in: images, CNI networking, state publishing.
public struct PodHooks: Sendable {
    /// Where images are pulled to and unpacked (nil: containers cannot name an image).
    public var imageStore: ImageStore?
    public var stateChanged: (@Sendable (PodStateSnapshot) async -> Void)?

    public init() {}
}
