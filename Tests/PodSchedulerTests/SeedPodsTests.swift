import Foundation
import PodSystem
import PodTestFixtures
import Testing

/// Every example pod of the seed documentation (seeds/marathon-pods.md), POSTed verbatim
/// to the real `pod-scheduler` binary: the ones that can run here reach STABLE; the
/// health-checked one runs but is DEGRADED (its `sleep` serves no /ping, as in the
/// seed); the comprehensive one is not valid JSON (a trailing comma) and gets Marathon's
/// 400; the multi-container one has a non-string label and gets Marathon's 422, and runs
/// once that label is a string.
/// Docker Hub images come from the loopback registry fixture with token auth, like Docker
/// Hub (`--docker-registry`): `library/nginx` anonymously, `company/private-image` only with
/// the pull secret. The named network is a CNI bridge the test writes.
@Suite(.serialized, .enabled(if: isRoot(), "needs root: pods run in namespaces, cgroups and CNI networks"))
struct SeedPodsTests {
    /// The seed's comprehensive pod, as printed (with its trailing comma after `protocol`).
    static let completePod = """
    {
      "id": "/complete-pod",
      "labels": { "owner": "zeus", "note": "Away from olympus" },
      "environment": { "XPS1": "Test" },
      "volumes": [ { "name": "etc", "host": "/hdd/tools/docker/registry" } ],
      "networks": [ { "mode": "host" } ],
      "scaling": { "kind": "fixed", "instances": 1 },
      "containers": [
        {
          "name": "container1",
          "exec": { "command": { "shell": "sleep 100" }, "overrideEntrypoint": false },
          "resources": { "cpus": 1, "mem": 128, "disk": 0, "gpus": 0 },
          "endpoints": [
            {
              "name": "http-endpoint",
              "containerPort": 80,
              "hostPort": 0,
              "protocol": [ "http" ],
            }
          ],
          "image": { "id": "mesosphere/marathon:latest", "kind": "DOCKER", "forcePull": false }
        }
      ]
    }
    """

    static func instances(_ status: [String: Any]) -> [[String: Any]] { status["instances"] as? [[String: Any]] ?? [] }

    @Test("the seed's example pods: accepted, running, STABLE (the health-checked one DEGRADED), the broken one 400")
    func seedPods() async throws {
        let registry = try await RegistryFixture.shared()
        try await registry.copy("test/busybox:latest", to: "company/private-image:latest")
        try await registry.copy("test/busybox:latest", to: "library/nginx:latest")
        let daemon = try SchedulerDaemon(extraArguments: ["--docker-registry", registry.bearer])
        let bridge = "tseed\(UInt32.random(in: 100...999))"
        do {
            // The secret store: /config is the Docker config.json with the registry's credentials.
            let secrets = daemon.workDirectory + "/secrets"
            try FileManager.default.createDirectory(atPath: secrets, withIntermediateDirectories: true)
            try registry.dockerConfig(registry: registry.bearer).write(to: URL(fileURLWithPath: secrets + "/config"))
            let cni = daemon.workDirectory + "/cni"
            try FileManager.default.createDirectory(atPath: cni, withIntermediateDirectories: true)
            try """
            {"cniVersion": "0.4.0", "name": "my-virtual-network-name", "plugins": [
              {"type": "bridge", "bridge": "\(bridge)", "isGateway": true, "ipMasq": false,
               "ipam": {"type": "host-local", "subnet": "10.199.78.0/24", "dataDir": "\(daemon.workDirectory)/ipam"}}]}
            """.write(toFile: cni + "/my-virtual-network-name.conflist", atomically: true, encoding: .utf8)
            try await daemon.start()

            let runnable = [("/simplepod", SeedPods.quickStart), ("/simple-pod", SeedPods.privateImage), ("/with-ephemeral-vol", SeedPods.ephemeralVolume),
                            ("/pod-with-virtual-network", SeedPods.virtualNetwork), ("/pod-with-endpoint", SeedPods.endpoint),
                            ("/pod-with-healthcheck", SeedPods.healthCheck)]
            for (id, json) in runnable {
                let created = try await daemon.request(.POST, "/v2/pods", body: json)
                #expect(created.status == 201, "\(id): \(created.text)")
            }
            // The seed's multi-container pod as printed has `"labels": {"values": {}}`: pod
            // labels are a string map in Marathon's schema, so Marathon 1.6+ answers 422.
            let verbatim = try await daemon.request(.POST, "/v2/pods", body: SeedPods.multipleContainers)
            #expect(verbatim.status == 422)
            #expect(verbatim.object["message"] as? String == "Invalid JSON")
            let detail = (verbatim.object["details"] as? [[String: Any]])?.first
            #expect(detail?["path"] as? String == "/labels/values")
            #expect(detail?["errors"] as? [String] == ["error.expected.jsstring"])
            let fixed = SeedPods.multipleContainers.replacingOccurrences(of: "\"values\": {}", with: "\"seed\": \"multiple-containers\"")
            let created = try await daemon.request(.POST, "/v2/pods", body: fixed)
            #expect(created.status == 201, "\(created.text)")

            let broken = try await daemon.request(.POST, "/v2/pods", body: Self.completePod)
            #expect(broken.status == 400)
            #expect(broken.object["message"] as? String == "Invalid JSON")

            for id in runnable.map(\.0).filter({ $0 != "/pod-with-healthcheck" }) + ["/pod-with-multiple-containers"] {
                try await daemon.wait("\(id) STABLE", timeout: .seconds(180)) {
                    let s = try await daemon.status(id)
                    let want = (s["spec"] as? [String: Any]).flatMap { ($0["scaling"] as? [String: Any])?["instances"] as? Int } ?? 1
                    return s["status"] as? String == "STABLE" && Self.instances(s).filter { $0["status"] as? String == "STABLE" }.count == want
                }
            }
            // IP per pod: both pods on the named network have an address in its subnet.
            for id in ["/pod-with-virtual-network", "/pod-with-endpoint"] {
                let s = try await daemon.status(id)
                let networks = Self.instances(s).first?["networks"] as? [[String: Any]] ?? []
                let addresses = networks.flatMap { $0["addresses"] as? [String] ?? [] }
                #expect(networks.first?["name"] as? String == "my-virtual-network-name", "\(id): \(networks)")
                #expect(addresses.contains { $0.hasPrefix("10.199.78.") }, "\(id): \(addresses)")
            }
            // The ephemeral volume is shared: ct2 prints what ct1 writes.
            try await daemon.wait("ct2 printing ct1's clock") {
                Self.sandboxFiles(under: daemon.workDirectory, named: "stdout", containing: "with-ephemeral-vol")
                    .contains { (try? String(contentsOfFile: $0, encoding: .utf8))?.contains("the current time is") == true }
            }
            // The health check of the seed hits /ping on a container running `sleep`: it
            // runs, its health is reported false, so the instance is DEGRADED, not STABLE.
            try await daemon.wait("pod-with-healthcheck running and unhealthy", timeout: .seconds(120)) {
                let s = try await daemon.status("/pod-with-healthcheck")
                guard let instance = Self.instances(s).first,
                      let container = (instance["containers"] as? [[String: Any]])?.first,
                      container["status"] as? String == "TASK_RUNNING" else { return false }
                return instance["status"] as? String == "DEGRADED"
                    && instance["message"] as? String == "at least one container is not healthy"
            }
            // 10 + 6 instances, one executor each.
            #expect(daemon.executorPIDs().count == 16)
        } catch {
            await daemon.tearDown()
            _ = try? await Subprocess.run("/sbin/ip", arguments: ["ip", "link", "delete", bridge], environment: [], timeout: .seconds(10))
            throw error
        }
        await daemon.tearDown()
        _ = try? await Subprocess.run("/sbin/ip", arguments: ["ip", "link", "delete", bridge], environment: [], timeout: .seconds(10))
    }

    /// Files named `name` in executor sandboxes (and the containers' own sandboxes below
    /// them) whose path contains `marker`.
    static func sandboxFiles(under root: String, named name: String, containing marker: String) -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: root + "/agent/slaves") else { return [] }
        var out: [String] = []
        while let path = walker.nextObject() as? String {
            if path.contains(marker), (path as NSString).lastPathComponent == name { out.append(root + "/agent/slaves/" + path) }
            if path.hasSuffix(".rootfs") { walker.skipDescendants() }
        }
        return out
    }
}
