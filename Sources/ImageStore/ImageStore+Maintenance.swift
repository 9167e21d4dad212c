import Foundation
import PodSystem

extension ImageStore {
    /// Records that `holder` (a container) uses `image`, so ``prune(dryRun:)`` keeps it. The
    /// record is a file under `refs/`, shared by every process using this store.
    public func retain(_ image: PulledImage, holder: String) throws(ImageStoreError) {
        let store = self.store
        let lock = try store.refsLock()
        defer { withExtendedLifetime(lock) {} }
        let key = ContentStore.imageKey(image.reference.description)
        let path = ContentStore.holderPath(holder)
        var record = store.readJSON(HolderRecord.self, at: path) ?? HolderRecord(holder: holder, images: [])
        if !record.images.contains(key) { record.images.append(key) }
        try store.writeJSON(record, at: path)
    }

    /// Drops every image reference held by `holder`.
    public func release(holder: String) throws(ImageStoreError) {
        let lock = try store.refsLock()
        defer { withExtendedLifetime(lock) {} }
        store.remove(ContentStore.holderPath(holder))
    }

    /// The images in the store, with their holders.
    public func list() throws(ImageStoreError) -> [CachedImage] {
        let holders = store.allHolders()
        return store.allImages().map { key, record in
            CachedImage(reference: record.reference, manifestDigest: record.manifestDigest, configDigest: record.configDigest,
                        diffIDs: record.diffIDs, pulledWithCredentials: record.pulledWithCredentials,
                        pulledAt: record.pulledAt, lastUsed: record.lastUsed,
                        holders: holders.filter { $0.images.contains(key) }.map(\.holder).sorted())
        }
    }

    /// Garbage collection: removes images no holder retains (and not used within
    /// `graceSeconds`, so an image between its pull and its container's `retain` survives),
    /// then layers and blobs no remaining image references, then leftovers in `tmp/`.
    ///
    /// Takes the store's GC lock exclusively without waiting: while any process is pulling,
    /// this fails with ``ImageStoreError/Code/busy``.
    public func prune(dryRun: Bool, graceSeconds: Double = 300) throws(ImageStoreError) -> PruneReport {
        let store = self.store
        guard let lock = try store.gcLock(exclusive: true, wait: false) else {
            throw ImageStoreError(.busy, "image store is busy (a pull is running); prune skipped")
        }
        defer { withExtendedLifetime(lock) {} }
        var report = PruneReport(dryRun: dryRun)
        let retained = Set(store.allHolders().flatMap(\.images))
        let now = Date().timeIntervalSince1970
        var kept: [ImageRecord] = []
        for (key, record) in store.allImages() {
            if retained.contains(key) || now - record.lastUsed < graceSeconds {
                kept.append(record)
                continue
            }
            report.removedImages.append(record.reference)
            if !dryRun { store.remove(ContentStore.imagePath(key: key)) }
        }
        let liveLayers = Set(kept.flatMap(\.diffIDs))
        var liveBlobs = Set(kept.flatMap { [$0.manifestDigest, $0.configDigest] + $0.layerBlobs })
        liveBlobs.formUnion(kept.compactMap(\.indexDigest))
        for name in (try? store.root.entries("layers/sha256")) ?? [] {
            guard let diffID = Digest(hex: name) else {
                // Not ours (or a corrupt name): never follow, just remove.
                if !dryRun { store.remove("layers/sha256/" + name) }
                continue
            }
            if liveLayers.contains(diffID) { continue }
            report.removedLayers.append(diffID)
            if !dryRun { store.remove(ContentStore.layerPath(diffID)) }
        }
        for name in (try? store.root.entries("blobs/sha256")) ?? [] {
            guard let digest = Digest(hex: name) else {
                if !dryRun { store.remove("blobs/sha256/" + name) }
                continue
            }
            if liveBlobs.contains(digest) { continue }
            report.removedBlobs.append(digest)
            if !dryRun { store.remove(ContentStore.blobPath(digest)) }
        }
        for name in (try? store.root.entries("tmp")) ?? [] {
            report.removedTemporaryEntries += 1
            if !dryRun { store.remove("tmp/" + name) }
        }
        report.removedLayers.sort()
        report.removedBlobs.sort()
        logger.info("store pruned", metadata: [
            "store.dry_run": "\(dryRun)", "store.removed_images": "\(report.removedImages.count)",
            "store.removed_layers": "\(report.removedLayers.count)", "store.removed_blobs": "\(report.removedBlobs.count)",
        ])
        return report
    }
}
