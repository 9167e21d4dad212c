import AsyncHTTPClient
import Foundation
import Logging
import PodSystem
import PodTestFixtures
@testable import ImageStore

/// One image store on a fresh directory, with its HTTP client and a log capture.
final class StoreHarness: Sendable {
    let store: ImageStore
    let client: HTTPClient
    let logs = LogCapture()
    let root: String
    let fixture: RegistryFixture

    init(_ configure: (inout ImageStoreConfiguration) -> Void = { _ in }, root: String? = nil) throws {
        guard let fixture = SuiteRegistry.current else {
            throw FixtureFailure("registry fixture not running")
        }
        self.fixture = fixture
        let root = try root ?? Host.temporaryDirectory("store")
        self.root = root
        var configuration = ImageStoreConfiguration(rootDirectory: root)
        configuration.maxLayerUncompressedBytes = 64 << 20
        configuration.maxImageUncompressedBytes = 128 << 20
        configure(&configuration)
        client = HTTPClient(eventLoopGroupProvider: .singleton,
                            configuration: HTTPClient.Configuration(redirectConfiguration: .disallow))
        do {
            store = try ImageStore(configuration: configuration, httpClient: client, logger: logs.logger())
        } catch {
            try? client.syncShutdown()
            throw error
        }
    }

    /// Shuts the HTTP client down and removes the store directory (unless another harness
    /// shares it and removes it later).
    func shutdown(removingRoot: Bool = true) async {
        try? await client.shutdown()
        if removingRoot { try? FileManager.default.removeItem(atPath: root) }
    }

    func reference(_ registry: String, _ rest: String) throws -> ImageReference {
        try ImageReference.parse("\(registry)/\(rest)")
    }

    var basicCredentials: RegistryCredentials {
        get throws {
            try RegistryCredentials(dockerConfig: fixture.dockerConfig(registry: fixture.basic))
        }
    }

    func credentials(for registry: String, username: String = "testuser", password: String = "testpass",
                     extra: [String: String] = [:]) throws -> RegistryCredentials {
        try RegistryCredentials(dockerConfig: fixture.dockerConfig(user: username, password: password, registry: registry,
                                                                   extra: extra))
    }

    /// Entries directly under a store directory (for "nothing committed" checks).
    func entries(_ relative: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: root + "/" + relative)) ?? []).sorted()
    }
}

extension StoreHarness {
    /// The error a pull fails with, or `nil` (recording an issue) if it succeeds.
    func pullError(_ reference: ImageReference, credentials: RegistryCredentials?, policy: PullPolicy = .always)
        async -> ImageStoreError?
    {
        do {
            let image = try await store.pull(reference, credentials: credentials, policy: policy)
            _ = image
            return nil
        } catch {
            return error
        }
    }
}
