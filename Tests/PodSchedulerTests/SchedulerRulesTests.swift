import Foundation
@testable import PodSchedulerCore
import PodSpec
import PodTestFixtures
import Testing

/// Rules that need the stored pods (docs/reference/marathon-pods-api.md §3.2 step 8 and §7): checked by the scheduler,
/// answered as 422 `Object is not valid`.
@Suite(.serialized, .enabled(if: isRoot(), "needs root: the embedded agent runs pods in namespaces and cgroups"))
struct SchedulerRulesTests {
    static func pod(_ id: String, instances: Int = 0, extra: String = "", mounts: String = "") -> String {
        """
        {"id": "\(id)", "scaling": {"kind": "fixed", "instances": \(instances)}\(extra),
         "containers": [{"name": "c", "exec": {"command": {"shell": "sleep 1000"}}, "resources": {"cpus": 0.01, "mem": 16}\(mounts)}]}
        """
    }

    static func violations(_ body: () async throws -> Void) async -> [ErrorDetail]? {
        do {
            try await body()
            return nil
        } catch let error as PodServiceError {
            if case .notValid(let details) = error { return details }
            return [ErrorDetail(path: "unexpected", errors: ["\(error)"])]
        } catch {
            return [ErrorDetail(path: "unexpected", errors: ["\(error)"])]
        }
    }

    @Test("a pod cannot take a group's id, nor live below another pod")
    func groupClash() async throws {
        let cluster = try await EmbeddedCluster.start()
        _ = try await cluster.scheduler.create(try cluster.pod(Self.pod("/g1/a")), force: false)
        let clash = [ErrorDetail(path: "/", errors: ["Groups and Pods may not have the same identifier."])]
        #expect(await Self.violations { _ = try await cluster.scheduler.create(try cluster.pod(Self.pod("/g1")), force: false) } == clash)
        #expect(await Self.violations { _ = try await cluster.scheduler.create(try cluster.pod(Self.pod("/g1/a/b")), force: false) } == clash)
        // PUT of an unknown id creates, under the same rule.
        #expect(await Self.violations { _ = try await cluster.scheduler.update(try cluster.pod(Self.pod("/g1")), force: false) } == clash)
        // Nothing was stored; a sibling is fine.
        #expect(await cluster.scheduler.pod(PodId(canonicalizing: "/g1")) == nil)
        _ = try await cluster.scheduler.create(try cluster.pod(Self.pod("/g1/b")), force: false)
        #expect(await cluster.scheduler.pods().count == 2)
        await cluster.stop()
    }

    @Test("a resident pod keeps its reservations: volumes, resources and host ports cannot change")
    func residentUpdate() async throws {
        let cluster = try await EmbeddedCluster.start()
        let resident = """
            , "role": "g1", "volumes": [{"name": "pst", "persistent": {"size": 10}}],
            "scheduling": {"upgrade": {"minimumHealthCapacity": 0.5, "maximumOverCapacity": 0}, "unreachableStrategy": "disabled"}
            """
        let mounts = #", "volumeMounts": [{"name": "pst", "mountPath": "data"}]"#
        let original = try cluster.pod(Self.pod("/g1/res", extra: resident, mounts: mounts))
        _ = try await cluster.scheduler.create(original, force: false)

        var bigger = original
        bigger.containers[0].resources.cpus = 0.02
        bigger.containers[0].resources.mem = 17
        let grown = await Self.violations { _ = try await cluster.scheduler.update(bigger, force: false) }
        #expect(grown == [ErrorDetail(path: "/", errors: ["cpus cannot be updated if a pod has persistent volumes",
                                                          "mem cannot be updated if a pod has persistent volumes"])])

        let resized = try cluster.pod(Self.pod("/g1/res", extra: resident.replacingOccurrences(of: "\"size\": 10", with: "\"size\": 11"), mounts: mounts))
        #expect(await Self.violations { _ = try await cluster.scheduler.update(resized, force: false) }
                == [ErrorDetail(path: "/", errors: ["persistent volumes cannot be updated"])])

        var overCapacity = original
        overCapacity.scheduling.upgrade.maximumOverCapacity = 1
        #expect(await Self.violations { _ = try await cluster.scheduler.update(overCapacity, force: false) }
                == [ErrorDetail(path: "/upgradeStrategy/maximumOverCapacity", errors: ["got 1.0, expected 0.0"])])

        // Nothing of the refused changes was stored; a scale change is allowed.
        #expect(await cluster.scheduler.pod(original.id)?.containers[0].resources.cpus == 0.01)
        var scaled = original
        scaled.instances = 0
        scaled.labels = ["team": "a"]
        #expect(await Self.violations { _ = try await cluster.scheduler.update(scaled, force: false) } == nil)
        await cluster.stop()
    }
}
