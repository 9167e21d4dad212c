import PodTestFixtures
import Testing

/// The registry of the ``RegistryTests`` suite: PodTestFixtures' `RegistryFixture` (one per
/// test process), made available to the suite's tests as ``current``.
enum SuiteRegistry {
    @TaskLocal static var current: RegistryFixture?
}

/// Provides the shared registry fixture to a suite (started on first use; a missing tool
/// fails the suite loudly).
struct RegistryFixtureTrait: SuiteTrait, TestScoping {
    var isRecursive: Bool { false }

    func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void)
        async throws
    {
        let fixture = try await RegistryFixture.shared()
        try await SuiteRegistry.$current.withValue(fixture) {
            try await function()
        }
    }
}

extension Trait where Self == RegistryFixtureTrait {
    static var registryFixture: Self { Self() }
}
