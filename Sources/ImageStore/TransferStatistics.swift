import Synchronization

/// Counters of registry traffic since the store was created, for metrics and tests.
public struct TransferStatistics: Sendable, Equatable {
    /// HTTP requests sent (pings, tokens, manifests, blobs, redirects followed).
    public var requests = 0
    /// Blob requests (config and layers).
    public var blobRequests = 0
    /// Body bytes of layer blobs received.
    public var layerBytes: Int64 = 0
    /// Layers downloaded and unpacked.
    public var layersUnpacked = 0
}

/// Thread-safe holder for ``TransferStatistics``.
final class TransferCounters: Sendable {
    private let state = Mutex(TransferStatistics())

    func update(_ body: (inout TransferStatistics) -> Void) {
        state.withLock { body(&$0) }
    }

    var snapshot: TransferStatistics { state.withLock { $0 } }
}
