import Hummingbird
import NIOCore
import Synchronization

/// Tells when the client's side of a connection has ended, so that an event stream to it
/// ends at once: Mesos notices a closed scheduler connection immediately (the framework is
/// disconnected, its offers rescinded, its failover timer started), not at the next write
/// that fails. The server allows half-closure, so a client's EOF is an `inputClosed` event
/// rather than a closed channel; both count.
final class ConnectionWatch: Sendable {
    private let state = Mutex<(ended: Bool, actions: [@Sendable () -> Void])>((false, []))

    /// Starts watching a connection (a handler at the front of its pipeline).
    static func watching(_ channel: any Channel) async -> ConnectionWatch {
        let watch = ConnectionWatch()
        channel.closeFuture.whenComplete { _ in watch.end() }
        do {
            try await channel.pipeline.addHandler(EndHandler(watch: watch), position: .first).get()
        } catch {
            watch.end()  // the channel is already gone
        }
        return watch
    }

    /// Runs `action` once the connection has ended (at once if it has).
    func onEnd(_ action: @escaping @Sendable () -> Void) {
        let ended = state.withLock { s -> Bool in
            if !s.ended { s.actions.append(action) }
            return s.ended
        }
        if ended { action() }
    }

    private func end() {
        let actions = state.withLock { s -> [@Sendable () -> Void] in
            guard !s.ended else { return [] }
            s.ended = true
            defer { s.actions = [] }
            return s.actions
        }
        for action in actions { action() }
    }

    private final class EndHandler: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let watch: ConnectionWatch

        init(watch: ConnectionWatch) { self.watch = watch }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if let event = event as? ChannelEvent, event == .inputClosed { watch.end() }
            context.fireUserInboundEventTriggered(event)
        }

        func channelInactive(context: ChannelHandlerContext) {
            watch.end()
            context.fireChannelInactive()
        }
    }
}

/// The request context of the Mesos servers: it keeps the connection, so that an event
/// stream can be watched for its client going away.
struct MesosRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}
