import PodTestFixtures
import Foundation
import MesosProtocol
import Testing

@Suite("podctl agent images, prune and pull", .serialized, .enabled(if: isRoot(), "needs root: overlay mounts and namespaces"))
struct AgentImageTests {
    @Test("images lists the store with the containers using it; pull warms it with progress; prune removes only unused images")
    func imagesPullPrune() async throws {
        let registry = try await RegistryFixture.shared()
        let cluster = try await TestCluster.start()
        let store = cluster.workDirectory + "/images"
        let busybox = "\(registry.basic)/test/busybox:latest"
        await cluster.launch(cluster.executorInfo("e-img"), [imageTask("box", image: busybox, config: registry.dockerConfig(), command: "sleep 1000")])
        _ = try await cluster.waitForRunning(1, timeout: .seconds(90))

        let listed = await AgentCLI.run(["images", "--json", "--image-store", store])
        #expect(listed.code == 0, "\(listed)")
        let images = try #require(try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]])
        let box = try #require(images.first { ($0["reference"] as? String) == busybox }, "\(listed)")
        #expect((box["holders"] as? [String])?.count == 1, "the running container holds it: \(box)")
        #expect((box["manifestDigest"] as? String)?.hasPrefix("sha256:") == true)
        let table = await AgentCLI.run(["images", "list", "--image-store", store])
        #expect(table.stdout.contains("REFERENCE") && table.stdout.contains(busybox), "\(table)")

        // Pull another image with the registry's credentials from a config file.
        let config = cluster.workDirectory + "/config.json"
        try registry.dockerConfig().write(to: URL(fileURLWithPath: config))
        let noshell = "\(registry.basic)/test/noshell:latest"
        let pulled = await AgentCLI.run(["pull", noshell, "--config", config, "--image-store", store])
        #expect(pulled.code == 0, "\(pulled)")
        #expect(pulled.stdout.hasPrefix("Pulled \(noshell) sha256:"), "\(pulled)")
        #expect(pulled.stderr.contains("resolved sha256:") && pulled.stderr.contains("layers"), "progress: \(pulled)")
        #expect(pulled.stderr.contains("(1/1)") && pulled.stderr.contains("/s"), "layers, bytes and rate: \(pulled)")
        for text in [pulled.stdout, pulled.stderr] {
            #expect(!text.contains("testpass") && !text.contains(Data("testuser:testpass".utf8).base64EncodedString()))
        }
        let again = await AgentCLI.run(["pull", noshell, "--config", config, "--image-store", store])
        #expect(again.code == 0)
        #expect(again.stdout.contains("is in the store"), "\(again)")
        let unauthorized = await AgentCLI.run(["pull", "\(registry.basic)/test/busybox:oci", "--image-store", store])
        #expect(unauthorized.code == 3, "no credentials: \(unauthorized)")

        let dryRun = await AgentCLI.run(["images", "prune", "--dry-run", "--grace", "0", "--image-store", store])
        #expect(dryRun.code == 0, "\(dryRun)")
        #expect(dryRun.stdout.contains("Would remove image \(noshell)"), "\(dryRun)")
        #expect(!dryRun.stdout.contains("image \(busybox)"), "an image in use is kept: \(dryRun)")
        let stillThere = await AgentCLI.run(["images", "--json", "--image-store", store])
        #expect(stillThere.stdout.contains(noshell), "a dry run removes nothing")

        let pruned = await AgentCLI.run(["images", "prune", "--grace", "0", "--image-store", store])
        #expect(pruned.code == 0, "\(pruned)")
        #expect(pruned.stdout.contains("Removed image \(noshell)"), "\(pruned)")
        let after = await AgentCLI.run(["images", "--json", "--image-store", store])
        #expect(!after.stdout.contains(noshell))
        #expect(after.stdout.contains(busybox))

        let noStore = await AgentCLI.run(["images", "--image-store", cluster.workDirectory + "/none"])
        #expect(noStore.code == 3)
        #expect(await cluster.stop() == [])
    }
}
