import AsyncHTTPClient
import PodSystem
import Primitives

/// The HTTP client an image store pulls with: a given one, or one made on the first pull
/// and shut down by its owner. An executor whose pod has no image then never builds an
/// HTTP client (its pool, its configuration, the runtime's first-time lookups of their
/// types: ~0.3 ms of every executor's start).
public final class RegistryHTTPClient: Sendable {
    private let holder: OnFirstUse<HTTPClient>

    /// A client made on first use by `make`.
    public init(makingOnFirstUse make: @escaping @Sendable () -> HTTPClient) {
        holder = OnFirstUse(make)
    }

    /// An existing client (its owner shuts it down).
    public init(_ client: HTTPClient) {
        holder = OnFirstUse(made: client)
    }

    var client: HTTPClient { holder.value }

    /// Shuts down a client this object made; nothing if none was made.
    public func shutdownIfMade() async {
        guard let client = holder.ifMade else { return }
        try? await client.shutdown()
    }
}
