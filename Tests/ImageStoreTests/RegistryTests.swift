import Foundation
import Synchronization
import PodTestFixtures
import Testing
@testable import ImageStore

/// Everything that needs the real docker-registry fixture. The fixture starts once for the
/// suite; tests run one at a time so the fixture's request logs can be read per test.
@Suite(.enabled(if: isRoot(), "needs root: umoci builds the test images keeping their files' owners"), .registryFixture, .serialized)
struct RegistryTests {}

extension RegistryTests {
    @Suite(.serialized) struct BasicAuth {
        @Test func pullPrivateImageWithCorrectCredentials() async throws {
            let harness = try StoreHarness()
            defer { Task { await harness.shutdown() } }
            let reference = try harness.reference(harness.fixture.basic, "test/busybox:latest")
            let events = Mutex<[PullProgress]>([])
            let image = try await harness.store.pull(reference, credentials: try harness.basicCredentials, policy: .ifNotPresent) {
                event in events.withLock { $0.append(event) }
            }
            #expect(image.layerDirectories.count == 1)
            let seen = events.withLock { $0 }
            #expect(seen.first == .resolved(manifest: image.manifestDigest, layers: 1, bytesToDownload: seen.compactMap {
                if case let .layerProgress(_, _, total) = $0 { return total } else { return nil } }.first ?? -1))
            #expect(seen.contains(.layerCommitted(diffID: image.diffIDs[0])))
            #expect(seen.last == .completed(manifest: image.manifestDigest))
            #expect(!image.fromCache)
            let layer = try #require(image.layerDirectories.first)
            #expect(FileManager.default.fileExists(atPath: layer + "/bin/busybox"))
            #expect(try String(contentsOfFile: layer + "/etc/motd", encoding: .utf8) == "hello\n")
            #expect(Unpack.lstat(layer + "/bin/sh")?.kind == .symlink)
            #expect(Unpack.lstat(layer + "/tmp")?.permissions == 0o1777)
            #expect(image.config.entrypoint == ["/bin/sh"])
            #expect(image.config.workingDir == "/root")
            #expect(image.config.env?.contains("GREETING=busybox") == true)
            #expect(image.layerDirectories.allSatisfy { $0.hasPrefix(harness.root + "/layers/sha256/") && $0.hasSuffix("/rootfs") })
            #expect(harness.entries("tmp").isEmpty)
            #expect(harness.entries("images").count == 1)
            // The image user resolves through the image's own files.
            #expect(try ImageUser.resolve("app", layerDirectories: image.layerDirectories).supplementaryGroups == [50, 63])
            let listed = try await harness.store.list()
            #expect(listed.map(\.reference) == [reference.description])
            #expect(listed.first?.pulledWithCredentials == true)
        }

        @Test func wrongCredentialsAreUnauthorizedWithoutLeakingSecrets() async throws {
            let harness = try StoreHarness()
            defer { Task { await harness.shutdown() } }
            let password = "wrong-Pa55word-XYZ"
            let config = harness.fixture.dockerConfig(password: password, registry: harness.fixture.basic)
            let credentials = try RegistryCredentials(dockerConfig: config)
            let reference = try harness.reference(harness.fixture.basic, "test/busybox:latest")
            do {
                _ = try await harness.store.pull(reference, credentials: credentials, policy: .always)
                Issue.record("pull with a wrong password succeeded")
            } catch {
                #expect(error.code == .unauthorized)
                #expect(error.message == "pull of \(reference) unauthorized: registry answered 401 Unauthorized for http://\(harness.fixture.basic)/v2/test/busybox/manifests/latest (UNAUTHORIZED: authentication required)")
                let secrets = [password, Data("testuser:\(password)".utf8).base64EncodedString(), String(decoding: config, as: UTF8.self),
                               config.base64EncodedString()]
                for text in [error.description, String(reflecting: error), "\(credentials)"] + harness.logs.all {
                    for secret in secrets { #expect(!text.contains(secret), "secret leaked in: \(text)") }
                }
            }
            #expect(harness.entries("images").isEmpty && harness.entries("layers/sha256").isEmpty)
        }

        @Test func missingCredentialsAreUnauthorized() async throws {
            let harness = try StoreHarness()
            defer { Task { await harness.shutdown() } }
            let reference = try harness.reference(harness.fixture.basic, "test/busybox:latest")
            do {
                _ = try await harness.store.pull(reference, credentials: nil, policy: .always)
                Issue.record("anonymous pull of a private image succeeded")
            } catch {
                #expect(error.code == .unauthorized)
                #expect(error.message.hasPrefix("pull of \(reference) unauthorized: registry answered 401 Unauthorized for "))
            }
        }

        @Test func unknownTagAndDigestAreNotFound() async throws {
            let harness = try StoreHarness()
            defer { Task { await harness.shutdown() } }
            let credentials = try harness.basicCredentials
            for rest in ["test/busybox:nope", "test/busybox@sha256:" + String(repeating: "0", count: 64)] {
                let reference = try harness.reference(harness.fixture.basic, rest)
                let error = await harness.pullError(reference, credentials: credentials)
                #expect(error?.code == .notFound, "\(String(describing: error))")
            }
        }
    }
}
