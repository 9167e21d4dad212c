import Foundation
import PodTestFixtures
import Testing
@testable import ImageStore

extension RegistryTests {
    @Suite(.serialized) struct BearerAuth {
        func tokenRequests(_ fixture: RegistryFixture) -> [[String: Any]] { fixture.logLines("token-requests.jsonl") }

        @Test func pullWithBasicCredentialsAtTheRealmAndReuseTheToken() async throws {
            let harness = try StoreHarness()
            defer { Task { await harness.shutdown() } }
            let credentials = try harness.credentials(for: harness.fixture.bearer)
            let reference = try harness.reference(harness.fixture.bearer, "test/busybox:oci")
            let before = tokenRequests(harness.fixture).count
            let image = try await harness.store.pull(reference, credentials: credentials, policy: .always)
            #expect(FileManager.default.fileExists(atPath: (image.layerDirectories.first ?? "") + "/bin/busybox"))
            let issued = tokenRequests(harness.fixture).dropFirst(before)
            #expect(issued.count == 1, "one token for repository:test/busybox:pull, got \(issued.count)")
            #expect(issued.allSatisfy { $0["authorization"] as? Bool == true && $0["method"] as? String == "GET" })
            // A forced re-pull re-resolves the manifest with the cached token: no new token, no blob.
            let blobBytes = harness.store.transferStatistics.layerBytes
            let again = try await harness.store.pull(reference, credentials: credentials, policy: .always)
            #expect(again.manifestDigest == image.manifestDigest)
            #expect(tokenRequests(harness.fixture).count == before + 1)
            #expect(harness.store.transferStatistics.layerBytes == blobBytes)
        }

        @Test func identityTokenUsesTheOAuth2RefreshFlow() async throws {
            let harness = try StoreHarness()
            defer { Task { await harness.shutdown() } }
            let config = try JSONSerialization.data(withJSONObject: ["auths": [harness.fixture.bearer: [
                "auth": Data("<token>:".utf8).base64EncodedString(), "identitytoken": "test-refresh-token"]]])
            let credentials = try RegistryCredentials(dockerConfig: config)
            let before = tokenRequests(harness.fixture).count
            _ = try await harness.store.pull(try harness.reference(harness.fixture.bearer, "test/busybox:latest"),
                                             credentials: credentials, policy: .always)
            let issued = tokenRequests(harness.fixture).dropFirst(before)
            #expect(issued.contains { $0["method"] as? String == "POST" && $0["grant_type"] as? String == "refresh_token" })
            #expect(!issued.contains { $0["method"] as? String == "GET" })
            #expect(!harness.logs.all.contains { $0.contains("test-refresh-token") })
        }

        @Test func wrongCredentialsAtTheRealmAreUnauthorizedWithoutSecrets() async throws {
            let harness = try StoreHarness()
            defer { Task { await harness.shutdown() } }
            let password = "bearer-Wr0ng-pass"
            let credentials = try harness.credentials(for: harness.fixture.bearer, password: password)
            let reference = try harness.reference(harness.fixture.bearer, "test/busybox:latest")
            let error = try #require(await harness.pullError(reference, credentials: credentials))
            #expect(error.code == .unauthorized)
            #expect(error.message.hasPrefix("pull of \(reference) unauthorized: token server answered 401 Unauthorized for \(harness.fixture.realm)"))
            let secrets = [password, Data("testuser:\(password)".utf8).base64EncodedString()]
            for text in [error.description] + harness.logs.all {
                for secret in secrets { #expect(!text.contains(secret)) }
            }
        }

        @Test func anonymousTokensReadPublicButNotPrivateRepositories() async throws {
            let harness = try StoreHarness()
            defer { Task { await harness.shutdown() } }
            let privateImage = try harness.reference(harness.fixture.bearer, "test/busybox:latest")
            let error = try #require(await harness.pullError(privateImage, credentials: nil))
            #expect(error.code == .unauthorized)
            #expect(error.message.contains("registry answered 401 Unauthorized for http://\(harness.fixture.bearer)/v2/test/busybox/manifests/latest"))
            let publicImage = try await harness.store.pull(try harness.reference(harness.fixture.bearer, "public/busybox:latest"),
                                                           credentials: nil, policy: .always)
            #expect(publicImage.layerDirectories.count == 1)
            let list = try await harness.store.list()
            #expect(list.first?.pulledWithCredentials == false)
        }
    }
}
