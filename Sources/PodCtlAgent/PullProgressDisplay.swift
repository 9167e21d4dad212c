import Foundation
import ImageStore
import Synchronization

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
