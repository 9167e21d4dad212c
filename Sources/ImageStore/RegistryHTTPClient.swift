import AsyncHTTPClient
import NIOConcurrencyHelpers

/// The HTTP client an image store pulls with: a given one, or one made on the first pull
/// and shut down by its owner. An executor whose pod has no image then never builds an
/// HTTP client (its pool, its configuration, the runtime's first-time lookups of their
/// types: ~0.3 ms of every executor's start).
public final class RegistryHTTPClient: Sendable {
    private let make: @Sendable () -> HTTPClient
    private let made: NIOLockedValueBox<HTTPClient?>

    /// A client made on first use by `make`.
    public init(makingOnFirstUse make: @escaping @Sendable () -> HTTPClient) {
        self.make = make
        self.made = .init(nil)
    }

    /// An existing client (its owner shuts it down).
    public init(_ client: HTTPClient) {
        self.make = { client }
        self.made = .init(client)
    }

    var client: HTTPClient {
        made.withLockedValue { value in
            if let value { return value }
            let client = make()
            value = client
            return client
        }
    }

    /// Shuts down a client this object made; nothing if none was made.
    public func shutdownIfMade() async {
        guard let client = made.withLockedValue({ $0 }) else { return }
        try? await client.shutdown()
    }
}
