import Hummingbird
import NIOCore

/// The request context of the API: Hummingbird's basics plus the client's address (the
/// `clientIp` and `remoteAddress` of Marathon's events).
public struct PodsRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}

extension RequestContext {
    /// The client's IP address, or "" when the transport has none.
    var clientIP: String {
        (self as? any RemoteAddressRequestContext)?.remoteAddress?.ipAddress ?? ""
    }
}
