import Foundation
import PodSystem
import Testing
@testable import ImageStore

extension RegistryTests {
    @Suite(.serialized) struct Content {
        @Test func tamperedBlobIsRejectedAndNothingIsCommitted() async throws {
            let harness = try StoreHarness()
            defer { Task { await harness.shutdown() } }
            let storage = harness.fixture.storage + "/docker/registry/v2"
            let links = try FileManager.default.contentsOfDirectory(atPath: storage + "/repositories/test/tamper/_layers/sha256")
            // The layer is the larger of the two blobs (config and layer) linked into the repository.
            let blobs = try links.map { hex -> (String, Int) in
                let path = storage + "/blobs/sha256/\(hex.prefix(2))/\(hex)/data"
                return (path, (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0)
            }
            let layerPath = try #require(blobs.max { $0.1 < $1.1 }?.0)
            let original = try Data(contentsOf: URL(fileURLWithPath: layerPath))
            var tampered = original
            tampered[tampered.count / 2] ^= 0xff
            try tampered.write(to: URL(fileURLWithPath: layerPath))
            defer { try? original.write(to: URL(fileURLWithPath: layerPath)) }

            let reference = try harness.reference(harness.fixture.basic, "test/tamper:latest")
            let error = try #require(await harness.pullError(reference, credentials: try harness.basicCredentials))
            #expect(error.code == .digestMismatch || error.code == .unsafeLayer, "\(error)")
            #expect(harness.entries("layers/sha256").isEmpty)
            #expect(harness.entries("images").isEmpty)
            #expect(harness.entries("tmp").isEmpty)
        }

        @Test func diffIDMismatchIsRejected() async throws {
            let harness = try StoreHarness()
            defer { Task { await harness.shutdown() } }
            let error = try #require(await harness.pullError(try harness.reference(harness.fixture.basic, "test/bad:diffid"),
                                                             credentials: try harness.basicCredentials))
            #expect(error.code == .digestMismatch)
            #expect(error.message.contains("diff_id mismatch"))
            #expect(harness.entries("layers/sha256").isEmpty && harness.entries("tmp").isEmpty)
        }

        @Test(arguments: ["multi-v2", "multi-oci"])
        func indexesPickLinuxAmd64(_ tag: String) async throws {
            let harness = try StoreHarness()
            defer { Task { await harness.shutdown() } }
            let image = try await harness.store.pull(try harness.reference(harness.fixture.basic, "test/busybox:\(tag)"),
                                                     credentials: try harness.basicCredentials, policy: .always)
            #expect(image.indexDigest != nil)
            #expect(image.indexDigest != image.manifestDigest)
            // The config says amd64 (an arm64 pick would have failed the platform check).
            let config = try #require(try harness.store.store.readBlob(image.configDigest, limit: 1 << 20))
            #expect(String(decoding: config, as: UTF8.self).contains(#""architecture":"amd64""#))
        }

        @Test func pullByDigestVerifiesTheManifest() async throws {
            let harness = try StoreHarness()
            defer { Task { await harness.shutdown() } }
            let credentials = try harness.basicCredentials
            let byTag = try await harness.store.pull(try harness.reference(harness.fixture.basic, "test/busybox:oci"),
                                                     credentials: credentials, policy: .always)
            let byDigest = try await harness.store.pull(
                try harness.reference(harness.fixture.basic, "test/busybox@\(byTag.manifestDigest)"), credentials: credentials,
                policy: .always)
            #expect(byDigest.manifestDigest == byTag.manifestDigest)
            #expect(byDigest.layerDirectories == byTag.layerDirectories)
        }

        @Test func uncompressedOCILayer() async throws {
            let harness = try StoreHarness()
            defer { Task { await harness.shutdown() } }
            let image = try await harness.store.pull(try harness.reference(harness.fixture.basic, "test/bad:oci-tar"),
                                                     credentials: try harness.basicCredentials, policy: .always)
            #expect(Unpack.lstat((image.layerDirectories.first ?? "") + "/payload")?.size == 200_000)
        }

        @Test func redirectsToAnotherOriginCarryNoCredentials() async throws {
            let harness = try StoreHarness()
            defer { Task { await harness.shutdown() } }
            let before = harness.fixture.logLines("redirect-requests.jsonl").count
            let image = try await harness.store.pull(try harness.reference(harness.fixture.redirect, "test/busybox:latest"),
                                                     credentials: try harness.credentials(for: harness.fixture.redirect),
                                                     policy: .always)
            #expect(image.layerDirectories.count == 1)
            let requests = harness.fixture.logLines("redirect-requests.jsonl").dropFirst(before)
            let blobOrigin = requests.filter { $0["origin"] as? String == "blob" }
            #expect(blobOrigin.count >= 2)  // config and layer
            #expect(blobOrigin.allSatisfy { $0["authorization"] as? Bool == false })
            #expect(requests.contains { $0["origin"] as? String == "front" && $0["authorization"] as? Bool == true })
        }

        @Test func foreignLayerURLsAreRefusedUnlessAllowedAndNeverGetCredentials() async throws {
            let refused = try StoreHarness()
            defer { Task { await refused.shutdown() } }
            let reference = try refused.reference(refused.fixture.basic, "test/bad:foreign")
            let error = try #require(await refused.pullError(reference, credentials: try refused.basicCredentials))
            #expect(error.code == .policy)

            let allowed = try StoreHarness { $0.allowForeignLayerURLs = true }
            defer { Task { await allowed.shutdown() } }
            let before = allowed.fixture.logLines("redirect-requests.jsonl").count
            let image = try await allowed.store.pull(reference, credentials: try allowed.basicCredentials, policy: .always)
            #expect(image.layerDirectories.count == 1)
            let foreign = allowed.fixture.logLines("redirect-requests.jsonl").dropFirst(before)
                .filter { ($0["path"] as? String)?.hasPrefix("/blob/test/foreign-src/") == true }
            #expect(foreign.count == 1)
            #expect(foreign.allSatisfy { $0["authorization"] as? Bool == false })
        }
    }
}
