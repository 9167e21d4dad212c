import Foundation
import PodSystem
import PodTestFixtures
import Testing
@testable import ImageStore

extension RegistryTests {
    /// Every class of image-pull.md §3.1, pulled through the real registry: each is rejected
    /// (and nothing is committed) or neutralised inside the layer, and nothing outside the store
    /// changes: the canary directory the escapes aim at stays as it was, and /etc/passwd keeps
    /// its link count.
    @Suite(.serialized) struct Hostile {
        struct Case: Decodable {
            var expect: String
            var note: String?
        }

        @Test func everyHostileLayerIsRejectedOrNeutralised() async throws {
            let harness = try StoreHarness()
            defer { Task { await harness.shutdown() } }
            let fixture = harness.fixture
            let cases = try JSONDecoder().decode([String: Case].self,
                                                 from: Data(contentsOf: URL(fileURLWithPath: fixture.directory + "/hostile/cases.json")))
            #expect(cases.count >= 25)
            let canary = fixture.directory + "/canary"
            let canaryBefore = try FileManager.default.contentsOfDirectory(atPath: canary)
            let passwdLinks = Unpack.lstat("/etc/passwd")?.linkCount
            let credentials = try harness.basicCredentials
            var contained: [String: PulledImage] = [:]
            for (name, testCase) in cases.sorted(by: { $0.key < $1.key }) {
                let reference = try harness.reference(fixture.basic, "test/hostile:\(name)")
                do {
                    let image = try await harness.store.pull(reference, credentials: credentials, policy: .always)
                    #expect(testCase.expect == "contain", "\(name) was accepted: \(testCase.note ?? "")")
                    contained[name] = image
                } catch {
                    #expect(testCase.expect == "reject", "\(name) failed: \(error)")
                    #expect([.unsafeLayer, .sizeLimit, .unsupportedMediaType].contains(error.code), "\(name): \(error)")
                }
                #expect(harness.entries("tmp").isEmpty, "\(name) left temporary files")
            }
            #expect(try FileManager.default.contentsOfDirectory(atPath: canary) == canaryBefore)
            #expect(try String(contentsOfFile: canary + "/untouched", encoding: .utf8) == "canary\n")
            #expect(Unpack.lstat("/etc/passwd")?.linkCount == passwdLinks)
            #expect(!FileManager.default.fileExists(atPath: "/tmp/evil-target"))

            // What the contained cases left, inside their own layers.
            func layer(_ name: String, _ index: Int = 0) -> String { contained[name]?.layerDirectories[index] ?? "/nonexistent" }
            let canaryRelative = String(canary.drop { $0 == "/" })
            #expect(FileManager.default.fileExists(atPath: layer("absolute") + "/" + canaryRelative + "/absolute"))
            #expect(Unpack.lstat(layer("symlink-then-file") + "/victim")?.kind == .regular)
            #expect(Unpack.lstat(layer("hardlink-to-outward-symlink") + "/hl2")?.kind == .symlink)
            #expect(try FileManager.default.contentsOfDirectory(atPath: layer("devices") + "/dev") == ["fifo"])
            #expect(Unpack.lstat(layer("devices") + "/dev/fifo")?.kind == .fifo)
            #expect(Unpack.lstat(layer("modes") + "/suid")?.permissions == 0o4755)
            #expect(Unpack.lstat(layer("modes") + "/sgid-dir")?.permissions == 0o2777)
            #expect(Unpack.lstat(layer("modes") + "/sticky")?.permissions == 0o1777)
            #expect(Unpack.lstat(layer("modes") + "/world")?.permissions == 0o777)
            #expect(try String(contentsOfFile: layer("duplicates") + "/dup", encoding: .utf8) == "second")
            #expect(Unpack.lstat(layer("duplicates") + "/dupdir")?.permissions == 0o755)
            #expect(FileManager.default.fileExists(atPath: layer("pax-long-name") + "/" + String(repeating: "d", count: 200) + "/"
                + String(repeating: "f", count: 200)))
            #expect(FileManager.default.fileExists(atPath: layer("gnu-long-names") + "/" + String(repeating: "g", count: 150) + "/"
                + String(repeating: "h", count: 150)))
            let attributes = Unpack.xattrs(layer("xattrs") + "/xattr-file")
            #expect(attributes["user.test"] == "hello")
            #expect(attributes["trusted.overlay.opaque"] == nil)
            #expect(attributes["security.capability"] != nil)
            // Cross-layer: layer B has its own etc2 directory; layer A keeps its (harmless) symlink.
            #expect(Unpack.lstat(layer("cross-layer", 0) + "/etc2")?.kind == .symlink)
            #expect(Unpack.lstat(layer("cross-layer", 1) + "/etc2")?.kind == .directory)
            #expect(FileManager.default.fileExists(atPath: layer("cross-layer", 1) + "/etc2/cross-layer"))
            if let crossLayer = contained["cross-layer"] {
                let copy = try Host.temporaryDirectory("cross")
                try copyRootfs(layers: crossLayer.layerDirectories, into: try RootedDirectory.open(path: copy))
                #expect(Unpack.lstat(copy + "/etc2")?.kind == .directory)
                #expect(FileManager.default.fileExists(atPath: copy + "/etc2/cross-layer"))
            }
            #expect(try FileManager.default.contentsOfDirectory(atPath: canary) == canaryBefore)
        }
    }
}
