import Foundation
import PodSystem
import PodTestFixtures
import Testing
@testable import ImageStore

extension RegistryTests {
    @Suite(.serialized) struct Layers {
        /// The merged view of test/busybox:wh (image-pull.md §2.3): motd deleted, opt/data opaque
        /// with only `new`, the hard link whited out, setuid and the xattr kept.
        static func checkMergedView(_ root: String) throws {
            let etc = try FileManager.default.contentsOfDirectory(atPath: root + "/etc").sorted()
            #expect(etc == ["group", "passwd"])
            #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/opt/data") == ["new"])
            #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/opt").sorted() == ["data", "file", "suid"])
            #expect(Unpack.lstat(root + "/opt/suid")?.permissions == 0o4755)
            #expect(Unpack.xattrs(root + "/opt/file")["user.test"] == "hello")
            #expect(FileManager.default.fileExists(atPath: root + "/bin/busybox"))
        }

        @Test func whiteoutsAndOpaqueDirectoriesMergeCorrectly() async throws {
            let harness = try StoreHarness()
            defer { Task { await harness.shutdown() } }
            let image = try await harness.store.pull(try harness.reference(harness.fixture.basic, "test/busybox:wh"),
                                                     credentials: try harness.basicCredentials, policy: .always)
            #expect(image.layerDirectories.count == 3)
            let top = try #require(image.layerDirectories.last)
            #expect(Unpack.xattrs(top + "/opt/data")["trusted.overlay.opaque"] == "y")
            #expect(Unpack.lstat(top + "/opt/file.hardlink")?.isOverlayWhiteout == true)
            #expect(Unpack.lstat(image.layerDirectories[1] + "/etc/motd")?.isOverlayWhiteout == true)
            #expect(Unpack.lstat(image.layerDirectories[1] + "/opt/file.hardlink")?.inode
                == Unpack.lstat(image.layerDirectories[1] + "/opt/file")?.inode)

            // Copy backend.
            let copy = try Host.temporaryDirectory("copy")
            try copyRootfs(layers: image.layerDirectories, into: try RootedDirectory.open(path: copy))
            try Self.checkMergedView(copy)

            // overlayfs with the layer directories as lowerdirs (top first), when we may mount.
            let merged = try Host.temporaryDirectory("overlay")
            let lower = image.layerDirectories.reversed().joined(separator: ":")
            let log = merged + ".log"
            let status = try Subprocess.run(["/bin/mount", "-t", "overlay", "overlay", "-o", "lowerdir=\(lower)", merged],
                                            outputPath: log)
            guard status == 0 else {
                print("overlay check skipped: mount -t overlay failed (\(status)): \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
                return
            }
            defer { _ = try? Subprocess.run(["/bin/umount", merged], outputPath: log) }
            try Self.checkMergedView(merged)
        }

        @Test func secondPullSharesLayersAndDownloadsNothing() async throws {
            let harness = try StoreHarness()
            defer { Task { await harness.shutdown() } }
            let credentials = try harness.basicCredentials
            let first = try await harness.store.pull(try harness.reference(harness.fixture.basic, "test/busybox:latest"),
                                                     credentials: credentials, policy: .ifNotPresent)
            let afterFirst = harness.store.transferStatistics
            #expect(afterFirst.layersUnpacked == 1 && afterFirst.layerBytes > 1_000_000)
            // Same layer, other manifest format: layer shared, no layer download.
            let oci = try await harness.store.pull(try harness.reference(harness.fixture.basic, "test/busybox:oci"),
                                                   credentials: credentials, policy: .ifNotPresent)
            #expect(oci.layerDirectories == first.layerDirectories)
            #expect(oci.fromCache)
            let afterSecond = harness.store.transferStatistics
            #expect(afterSecond.layerBytes == afterFirst.layerBytes)
            #expect(afterSecond.layersUnpacked == 1)
            // Cached pull of the first reference: one access check (manifest HEAD), no blob request.
            let cached = try await harness.store.pull(try harness.reference(harness.fixture.basic, "test/busybox:latest"),
                                                      credentials: credentials, policy: .ifNotPresent)
            #expect(cached.fromCache)
            let afterThird = harness.store.transferStatistics
            #expect(afterThird.blobRequests == afterSecond.blobRequests)
            #expect(afterThird.requests - afterSecond.requests <= 1)
            // Forced pull re-resolves the manifest but skips the present layer.
            let forced = try await harness.store.pull(try harness.reference(harness.fixture.basic, "test/busybox:latest"),
                                                      credentials: credentials, policy: .always)
            #expect(forced.layerDirectories == first.layerDirectories)
            let afterForced = harness.store.transferStatistics
            #expect(afterForced.requests > afterThird.requests)
            #expect(afterForced.layerBytes == afterFirst.layerBytes)
            #expect(harness.entries("layers/sha256").count == 1)
        }

        @Test func cachedPrivateImageIsOnlyHandedToCallersWhoCanReadIt() async throws {
            let harness = try StoreHarness()
            defer { Task { await harness.shutdown() } }
            let reference = try harness.reference(harness.fixture.basic, "test/busybox:latest")
            let good = try harness.basicCredentials
            _ = try await harness.store.pull(reference, credentials: good, policy: .ifNotPresent)
            let downloaded = harness.store.transferStatistics

            let wrong = try harness.credentials(for: harness.fixture.basic, password: "tenant-B-guess")
            let wrongError = try #require(await harness.pullError(reference, credentials: wrong, policy: .ifNotPresent))
            #expect(wrongError.code == .unauthorized)
            #expect(wrongError.message.hasPrefix("pull of \(reference) unauthorized: registry answered 401 Unauthorized for "))
            let anonymousError = try #require(await harness.pullError(reference, credentials: nil, policy: .ifNotPresent))
            #expect(anonymousError.code == .unauthorized)

            let cached = try await harness.store.pull(reference, credentials: good, policy: .ifNotPresent)
            #expect(cached.fromCache)
            #expect(harness.store.transferStatistics.layerBytes == downloaded.layerBytes)
            #expect(harness.store.transferStatistics.blobRequests == downloaded.blobRequests)
            #expect(!harness.logs.all.contains { $0.contains("tenant-B-guess") })
        }

        @Test func concurrentPullsIntoOneStoreAreSafe() async throws {
            let one = try StoreHarness()
            defer { Task { await one.shutdown() } }
            // A second store object on the same directory stands for a second executor process.
            let two = try StoreHarness(root: one.root)
            defer { Task { await two.shutdown(removingRoot: false) } }
            let reference = try one.reference(one.fixture.basic, "test/busybox:wh")
            let credentials = try one.basicCredentials
            async let first = one.store.pull(reference, credentials: credentials, policy: .always)
            async let second = two.store.pull(reference, credentials: credentials, policy: .always)
            async let third = one.store.pull(reference, credentials: credentials, policy: .always)
            let images = try await [first, second, third]
            #expect(Set(images.map(\.layerDirectories)).count == 1)
            #expect(one.entries("layers/sha256").count == 3)
            #expect(one.entries("tmp").isEmpty)
            // In one process the same layer is downloaded once even when asked for twice.
            #expect(one.store.transferStatistics.layersUnpacked <= 3)
            try Self.checkMergedViewByCopy(images[0].layerDirectories)
        }

        static func checkMergedViewByCopy(_ layers: [String]) throws {
            let copy = try Host.temporaryDirectory("copy")
            try copyRootfs(layers: layers, into: try RootedDirectory.open(path: copy))
            try checkMergedView(copy)
        }

        @Test func pruneRemovesUnreferencedImagesAndKeepsRetainedOnes() async throws {
            let harness = try StoreHarness()
            defer { Task { await harness.shutdown() } }
            let credentials = try harness.basicCredentials
            let kept = try await harness.store.pull(try harness.reference(harness.fixture.basic, "test/busybox:latest"),
                                                    credentials: credentials, policy: .always)
            let dropped = try await harness.store.pull(try harness.reference(harness.fixture.basic, "test/tamper:latest"),
                                                       credentials: credentials, policy: .always)
            try await harness.store.retain(kept, holder: "container-1")
            #expect(try await harness.store.list().first { $0.reference == kept.reference.description }?.holders == ["container-1"])

            let dry = try await harness.store.prune(dryRun: true, graceSeconds: 0)
            #expect(dry.removedImages == [dropped.reference.description])
            #expect(dry.removedLayers == dropped.diffIDs)
            #expect(harness.entries("images").count == 2)

            let report = try await harness.store.prune(dryRun: false, graceSeconds: 0)
            #expect(report.removedImages == [dropped.reference.description])
            #expect(report.removedBlobs.contains(dropped.configDigest))
            #expect(!report.removedBlobs.contains(kept.configDigest))
            #expect(FileManager.default.fileExists(atPath: kept.layerDirectories[0]))
            #expect(!FileManager.default.fileExists(atPath: dropped.layerDirectories[0]))
            #expect(try await harness.store.list().map(\.reference) == [kept.reference.description])

            // Within the grace period nothing unretained is removed; after release everything goes.
            try await harness.store.release(holder: "container-1")
            #expect(try await harness.store.prune(dryRun: false, graceSeconds: 3600).removedImages.isEmpty)
            let final = try await harness.store.prune(dryRun: false, graceSeconds: 0)
            #expect(final.removedImages == [kept.reference.description])
            #expect(harness.entries("layers/sha256").isEmpty && harness.entries("blobs/sha256").isEmpty)
        }
    }
}
