import Foundation
@testable import pod_scheduler
import PodSpec
import Testing

/// `--log-rotation-max-size-mb` and `--log-rotation-max-files`, checked before anything starts.
@Suite("pod-scheduler's log rotation flags")
struct LogRotationSettingsTests {
    typealias Scratch = SecuritySettingsTests.Scratch

    @Test("defaults 10 MiB × 5 files; both 0 turn rotation off; anything else out of range is refused")
    func flags() throws {
        let scratch = try Scratch()
        #expect(try SecuritySettingsTests.settings([], in: scratch).logRotation == PodLogRotation(maxSizeMB: 10, maxFiles: 5))
        #expect(try SecuritySettingsTests.settings(["--log-rotation-max-size-mb", "1", "--log-rotation-max-files", "3"], in: scratch)
            .logRotation == PodLogRotation(maxSizeMB: 1, maxFiles: 3))
        #expect(try SecuritySettingsTests.settings(["--log-rotation-max-size-mb", "0", "--log-rotation-max-files", "0"], in: scratch)
            .logRotation == nil)
        #expect(try SecuritySettingsTests.problems(["--log-rotation-max-files", "0"], in: scratch)
            == ["--log-rotation-max-files must be 1-100 (or 0 with --log-rotation-max-size-mb 0 to turn rotation off), got 0"])
        #expect(try SecuritySettingsTests.problems(["--log-rotation-max-size-mb", "102401"], in: scratch)
            == ["--log-rotation-max-size-mb must be 1-102400 (or 0 with --log-rotation-max-files 0 to turn rotation off), got 102401"])
    }
}
