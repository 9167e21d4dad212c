import Foundation
import ImageStore
import Synchronization

/// The state of one pull as its progress events tell it, and the progress bar drawn
/// from it: bytes, layers and rate.
struct PullProgressState: Sendable, Equatable {
    var layers = 0
    var layersDone = 0
    var bytesToDownload: Int64 = 0
    var received: [String: Int64] = [:]
    var cached = false
    var manifest: String?

    var bytesReceived: Int64 { received.values.reduce(0, +) }

    mutating func apply(_ event: PullProgress) {
        switch event {
        case .cached(let digest):
            cached = true
            manifest = "\(digest)"
        case let .resolved(digest, layers, bytes):
            manifest = "\(digest)"
            self.layers = layers
            bytesToDownload = bytes
        case .layerPresent, .layerCommitted:
            layersDone = min(layers, layersDone + 1)
        case let .layerProgress(digest, received, _):
            self.received["\(digest)"] = received
        case .completed(let digest):
            manifest = "\(digest)"
            layersDone = layers
        }
    }

    /// `[#########---------------]  37%  12.0MiB/32.0MiB  1/3 layers  4.0MiB/s`.
    func bar(elapsed: Double, width: Int = 24) -> String {
        let total = max(bytesToDownload, 1)
        let fraction = bytesToDownload > 0 ? min(1, Double(bytesReceived) / Double(total)) : (layers > 0 ? Double(layersDone) / Double(layers) : 0)
        let filled = Int((fraction * Double(width)).rounded(.down))
        let rate = elapsed > 0 ? Double(bytesReceived) / elapsed : 0
        return "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled) + "] "
            + String(format: "%3d%%", Int((fraction * 100).rounded(.down))) + "  "
            + Formatting.bytes(UInt64(max(0, bytesReceived))) + "/" + Formatting.bytes(UInt64(max(0, bytesToDownload)))
            + "  \(layersDone)/\(layers) layers  " + Formatting.bytes(UInt64(rate)) + "/s"
    }
}
