import HummingbirdCore
import Logging
import NIOCore
import NIOSSL

/// A server child channel that puts TLS in front of another one with the context that is
/// current when the connection is accepted (``ServerTLSIdentity``), so a reloaded
/// certificate serves every connection made after the reload.
public struct ReloadableTLSChannel<Base: ServerChildChannel>: ServerChildChannel {
    public typealias Value = Base.Value

    let base: Base
    let identity: ServerTLSIdentity

    public init(_ base: Base, identity: ServerTLSIdentity) {
        self.base = base
        self.identity = identity
    }

    public func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let context = identity.context
        return channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context))
        }.flatMap {
            base.setup(channel: channel, logger: logger)
        }
    }

    public func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}

extension ReloadableTLSChannel: HTTPChannelHandler where Base: HTTPChannelHandler {
    public var responder: HTTPChannelHandler.Responder { base.responder }
}

extension HTTPServerBuilder {
    /// HTTP/1.1 over TLS with the identity's current certificate for each new connection.
    public static func http1(tls identity: ServerTLSIdentity,
                             configuration: HTTP1Channel.Configuration = .init()) -> HTTPServerBuilder {
        .init { responder in
            ReloadableTLSChannel(HTTP1Channel(responder: responder, configuration: configuration), identity: identity)
        }
    }
}
