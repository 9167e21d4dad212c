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

/// Draws a pull's progress on the error stream: one line redrawn in place on a
/// terminal (at most ten times a second), else a line per resolved manifest and layer.
final class PullProgressDisplay: Sendable {
    private struct State {
        var progress = PullProgressState()
        var lastDraw: Double = 0
        var drawn = false
    }

    private let state = Mutex(State())
    private let out: ByteOutput
    private let inPlace: Bool
    private let start = Date().timeIntervalSince1970

    init(out: ByteOutput, inPlace: Bool) {
        self.out = out
        self.inPlace = inPlace
    }

    /// The pull's progress callback.
    func handle(_ event: PullProgress) {
        let now = Date().timeIntervalSince1970
        let line: String? = state.withLock { s in
            s.progress.apply(event)
            if inPlace {
                let final: Bool
                if case .completed = event { final = true } else { final = false }
                guard final || now - s.lastDraw >= 0.1 else { return nil }
                s.lastDraw = now
                s.drawn = true
                return "\r\u{1B}[2K" + s.progress.bar(elapsed: now - start)
            }
            switch event {
            case let .resolved(digest, layers, bytes):
                return "resolved \(digest): \(layers) layers, \(Formatting.bytes(UInt64(max(0, bytes)))) to download\n"
            case .layerCommitted(let diffID):
                return "layer \(Formatting.shortDigest("\(diffID)")) done (\(s.progress.layersDone)/\(s.progress.layers)) "
                    + s.progress.bar(elapsed: now - start) + "\n"
            case .layerPresent(let diffID):
                return "layer \(Formatting.shortDigest("\(diffID)")) already present (\(s.progress.layersDone)/\(s.progress.layers))\n"
            default:
                return nil
            }
        }
        if let line { out.write(Array(line.utf8)) }
    }

    /// Ends the in-place line.
    func finish() {
        if state.withLock({ $0.drawn }) { out.write(Array("\n".utf8)) }
        out.finish()
    }

    /// What the pull transferred.
    var progress: PullProgressState { state.withLock { $0.progress } }

    /// Seconds since the display was made.
    var elapsed: Double { Date().timeIntervalSince1970 - start }
}
