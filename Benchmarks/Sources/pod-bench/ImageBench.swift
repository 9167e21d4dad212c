import AsyncHTTPClient
import Foundation
import ImageStore
import Logging
import PodRuntime
import PodSystem

/// Image pulls and container starts, side by side with what an operator would otherwise
/// run: `skopeo copy` + `umoci unpack` for a ready root filesystem, `crun run` for a start.
enum ImageBench {
    static func run(registry: String, image: String, runs: Int, cachedRuns: Int, startRuns: Int) async throws {
        let base = "/tmp/pod-bench-image-\(getpid())"
        try Directory.create(base, mode: 0o755)
        defer { try? FileManager.default.removeItem(atPath: base) }
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        let reference = try ImageReference.parse("\(registry)/\(image)")

        // 1. Cold pulls to a ready root filesystem (layers unpacked + overlay mounted).
        var ours = Samples()
        var bytes = 0.0
        for i in 0..<runs {
            let root = base + "/store-\(i)"
            let store = try ImageStore(configuration: ImageStoreConfiguration(rootDirectory: root), httpClient: http, logger: logger)
            let target = base + "/rootfs-\(i)"
            let before = store.transferStatistics
            let ms = try await Clock.time {
                let pulled = try await store.pull(reference, credentials: nil, policy: .ifNotPresent)
                try mountOverlay(layers: pulled.layerDirectories, at: target, scratch: base + "/ov-\(i)")
            }
            bytes = Double(store.transferStatistics.layerBytes - before.layerBytes)
            ours.add(ms)
            guard FileManager.default.fileExists(atPath: target + "/bin/busybox") else { throw BenchFailure("rootfs incomplete") }
            umount2(target, Int32(MNT_DETACH))
            if i < runs - 1 { try? FileManager.default.removeItem(atPath: root) }
        }
        var skopeo = Samples()
        for i in 0..<runs {
            let oci = base + "/oci-\(i)"
            let bundle = base + "/bundle-\(i)"
            let ms = try await Clock.time {
                try await sh("skopeo copy --quiet --src-tls-verify=false docker://\(registry)/\(image) oci:\(oci):bench")
                try await sh("umoci unpack --image \(oci):bench \(bundle) >/dev/null")
            }
            skopeo.add(ms)
            guard FileManager.default.fileExists(atPath: bundle + "/rootfs/bin/busybox") else { throw BenchFailure("umoci bundle incomplete") }
            if i < runs - 1 { try? FileManager.default.removeItem(atPath: oci); try? FileManager.default.removeItem(atPath: bundle) }
        }

        // 2. Pulling it again when it is in the store.
        let store = try ImageStore(configuration: ImageStoreConfiguration(rootDirectory: base + "/store-\(runs - 1)"), httpClient: http, logger: logger)
        var cached = Samples()
        for _ in 0..<cachedRuns {
            cached.add(try await Clock.time { _ = try await store.pull(reference, credentials: nil, policy: .ifNotPresent) })
        }

        // 3. Starting a container from the cached image (`/bin/true`, waited for) versus
        //    `crun run` of the same command on the umoci bundle.
        let parent = try? Cgroup.ofCurrentProcess().child("pod-bench-\(getpid())")
        var start = Samples()
        for i in 0..<(startRuns + 3) {
            var config = PodConfiguration(executorID: "bench-start-\(i)", sandbox: base + "/sandbox-\(i)",
                                          runtimeDirectory: base + "/run", networkNamespaceDirectory: base + "/netns",
                                          network: .host, hostname: "bench", cgroupParent: parent)
            config.defaultUser = "root"
            try Directory.create(config.sandbox, mode: 0o755)
            var hooks = PodHooks()
            hooks.imageStore = store
            let pod = Pod(configuration: config, logger: logger, hooks: hooks)
            let spec = ContainerSpec(taskID: "t\(i)", name: "c", containerID: "c\(i)",
                                     command: .init(shell: false, value: "/bin/true", arguments: ["true"]),
                                     image: .init(reference: reference.description))
            let began = ContinuousClock.now
            let results = await pod.launch([spec])
            if case .failure(let error)? = results["t\(i)"] { throw BenchFailure("launch failed: \(error)") }
            var iterator = pod.exits.makeAsyncIterator()
            guard let exit = await iterator.next() else { throw BenchFailure("no exit") }
            let ms = Clock.ms(ContinuousClock.now - began)
            guard exit.termination == .exited(0) else { throw BenchFailure("container ended \(exit.termination)") }
            if i >= 3 { start.add(ms) }
            await pod.destroy()
            try? FileManager.default.removeItem(atPath: config.sandbox)
        }
        try? parent?.remove()
        let bundle = base + "/bundle-\(runs - 1)"
        try await sh("""
            python3 - \(bundle)/config.json <<'PY'
            import json, sys
            p = sys.argv[1]; c = json.load(open(p))
            c["process"]["args"] = ["/bin/true"]; c["process"]["terminal"] = False
            json.dump(c, open(p, "w"))
            PY
            """)
        let crun = samples(from: try await crunScript("""
            cd \(bundle)
            for i in $(seq 1 \(startRuns + 3)); do
              s=$(date +%s%N); crun run r$i </dev/null >/dev/null || exit 1; e=$(date +%s%N)
              [ $i -gt 3 ] && echo $(( (e - s) / 1000 ))
            done
            """))

        print("\n### Image pull: \(image), \(fmt(bytes / 1_048_576)) MiB compressed in 5 layers, loopback registry (\(runs) runs)\n")
        var report = Report(["what", "median ms", "min ms", "max ms"])
        report.printHeader()
        report.row("pod-executor image store: pull + unpack + overlay rootfs", fmt(ours.median), fmt(ours.min), fmt(ours.max))
        report.row("skopeo copy → OCI dir, then umoci unpack", fmt(skopeo.median), fmt(skopeo.min), fmt(skopeo.max))
        report.row("speed-up (median)", fmt(skopeo.median / ours.median, 2) + "×", "", "")
        print("\n### Pulling the same image again, cached (\(cachedRuns) runs)\n")
        var c = Report(["what", "median ms", "p99 ms"])
        c.printHeader()
        c.row("pod-executor image store, image present", fmt(cached.median, 2), fmt(cached.p99, 2))
        print("\n### Container start from the cached image: `/bin/true`, start to exit (\(startRuns) runs)\n")
        var s = Report(["what", "median ms", "p99 ms", "min ms"])
        s.printHeader()
        s.row("pod-executor runtime (store lookup, overlay, namespaces, cgroup, pivot_root, exec, wait)", fmt(start.median), fmt(start.p99), fmt(start.min))
        s.row("crun run on the umoci bundle", fmt(crun.median), fmt(crun.p99), fmt(crun.min))
        try await http.shutdown()
    }

    /// Stacks the layers (top first) with overlayfs at `target`, as a container rootfs.
    static func mountOverlay(layers: [String], at target: String, scratch: String) throws {
        for dir in [target, scratch + "/upper", scratch + "/work"] { try Directory.create(dir, mode: 0o755) }
        let options = "lowerdir=\(layers.reversed().joined(separator: ":")),upperdir=\(scratch)/upper,workdir=\(scratch)/work"
        guard mount("overlay", target, "overlay", 0, options) == 0 else { throw BenchFailure("overlay mount failed: errno \(errno)") }
    }
}
