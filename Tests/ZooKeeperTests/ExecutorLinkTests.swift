import Foundation
import Testing

/// pod-executor starts for every pod: it must not carry ZooKeeper (neither our module nor the
/// C client).
@Suite struct ExecutorLinkTests {
    static var executor: String? {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("pod-executor").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return nil
    }

    @Test(.enabled(if: executor != nil, "needs the built pod-executor (swift build --build-tests)"))
    func podExecutorDoesNotLinkZooKeeper() throws {
        let binary = try Data(contentsOf: URL(fileURLWithPath: try #require(Self.executor)))
        // The Swift module's mangled names, the C client's entry point and its library name.
        for marker in ["9ZooKeeper", "zookeeper_init", "libzookeeper"] {
            #expect(binary.range(of: Data(marker.utf8)) == nil, "pod-executor contains \(marker)")
        }
    }
}
