import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import PodSystem

extension ImageStore {
    /// Downloads and unpacks `layers` with at most `parallelDownloads` at once. Layers are
    /// independent of each other (no symlink or hard link crosses a layer), so they can be
    /// unpacked in parallel and in any order.
    func ingestLayers(_ reference: ImageReference, layers: [(ContentDescriptor, Digest)],
                      entry: RegistryCredentials.Entry?, progress: (@Sendable (PullProgress) -> Void)?, logger: Logger)
        async throws(ImageStoreError)
    {
        if layers.isEmpty { return }
        let budget = ByteBudget(configuration.maxImageUncompressedBytes)
        let width = max(1, configuration.parallelDownloads)
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                var iterator = layers.makeIterator()
                var running = 0
                while running < width, let (descriptor, diffID) = iterator.next() {
                    group.addTask { try await self.ingestShared(reference, descriptor: descriptor, diffID: diffID, entry: entry,
                                                                budget: budget, progress: progress, logger: logger) }
                    running += 1
                }
                while try await group.next() != nil {
                    if let (descriptor, diffID) = iterator.next() {
                        group.addTask { try await self.ingestShared(reference, descriptor: descriptor, diffID: diffID, entry: entry,
                                                                    budget: budget, progress: progress, logger: logger) }
                    }
                }
            }
        } catch let error as ImageStoreError {
            throw error
        } catch {
            throw ImageStoreError(.network, "pull of \(reference) failed", underlying: SendableErrorDescription(error))
        }
    }

    /// Joins an ingest of the same layer already running in this process, or starts one.
    private func ingestShared(_ reference: ImageReference, descriptor: ContentDescriptor, diffID: Digest,
                              entry: RegistryCredentials.Entry?, budget: ByteBudget,
                              progress: (@Sendable (PullProgress) -> Void)?, logger: Logger) async throws
    {
        if let running = inFlightLayers[diffID] {
            try await running.value
            return
        }
        let task = Task {
            try await self.ingestLayer(reference, descriptor: descriptor, diffID: diffID, entry: entry, budget: budget,
                                       progress: progress, logger: logger)
        }
        inFlightLayers[diffID] = task
        defer { inFlightLayers[diffID] = nil }
        try await task.value
    }

    /// One layer: stream → verify → unpack into `tmp/`, then rename into `layers/`.
    private func ingestLayer(_ reference: ImageReference, descriptor: ContentDescriptor, diffID: Digest,
                             entry: RegistryCredentials.Entry?, budget: ByteBudget,
                             progress: (@Sendable (PullProgress) -> Void)?, logger: Logger) async throws(ImageStoreError)
    {
        let store = self.store
        if store.hasLayer(diffID) { return }
        let context = "pull of \(reference): layer \(descriptor.digest.short)"
        guard let (compression, foreign) = MediaType.layerCompression(descriptor.mediaType) else {
            throw ImageStoreError(.unsupportedMediaType, "\(context): unsupported media type \(descriptor.mediaType)")
        }
        let temporary = store.temporaryName("layer-" + diffID.hex.prefix(12))
        var limits = TarLimits()
        limits.maxEntries = configuration.maxEntriesPerLayer
        limits.maxEntrySize = configuration.maxLayerUncompressedBytes
        let tarLimits = limits
        let layerLimit = configuration.maxLayerUncompressedBytes
        let keepBlob = configuration.keepLayerBlobs
        var layerLogger = logger
        layerLogger[metadataKey: "image.layer"] = "\(descriptor.digest)"
        let unpackLogger = layerLogger
        let ingest = try await Blocking.run { () throws(ImageStoreError) in
            do {
                try store.root.makeDirectory(temporary + "/rootfs", permissions: 0o755)
                let layerRoot = try store.root.openDirectory(temporary + "/rootfs")
                let blobFile = keepBlob ? try store.root.createFile(temporary + "/blob") : nil
                let unpacker = LayerUnpacker(root: layerRoot, context: context, logger: unpackLogger)
                return UncheckedSendable(try LayerIngest(descriptor: descriptor, diffID: diffID, compression: compression,
                                                         unpacker: unpacker, blobFile: blobFile, layerLimit: layerLimit,
                                                         imageBudget: budget, tarLimits: tarLimits, context: context))
            } catch let error as ImageStoreError {
                throw error
            } catch {
                throw ImageStoreError(.storage, "\(context): preparing \(temporary) failed",
                                      underlying: SendableErrorDescription(error))
            }
        }
        do {
            let response = try await openLayer(reference, descriptor: descriptor, foreign: foreign, entry: entry)
            try await stream(response, into: ingest, descriptor: descriptor, progress: progress, context: context)
            let committed = try await Blocking.run { () throws(ImageStoreError) -> Bool in
                let result = try ingest.value.finish()
                let record = LayerRecord(diffID: diffID, blobDigest: descriptor.digest, mediaType: descriptor.mediaType,
                                         compressedSize: descriptor.size, uncompressedSize: result.uncompressedSize,
                                         skippedDevices: result.skippedDevices, unpackedAt: Date().timeIntervalSince1970)
                try store.writeJSON(record, at: temporary + "/layer.json")
                if keepBlob, !store.hasBlob(descriptor.digest) {
                    do {
                        try store.root.rename(temporary + "/blob", to: ContentStore.blobPath(descriptor.digest))
                    } catch {
                        throw ImageStoreError(.storage, "\(context): storing blob failed", underlying: error)
                    }
                } else {
                    store.remove(temporary + "/blob")
                }
                return try store.commitLayer(temporary: temporary, diffID: diffID)
            }
            counters.update { $0.layersUnpacked += 1 }
            layerLogger.info("layer unpacked", metadata: ["image.diff_id": "\(diffID)", "layer.committed": "\(committed)"])
            progress?(.layerCommitted(diffID: diffID))
        } catch {
            layerLogger.warning("layer rejected", metadata: ["error.code": "\(error.code)", "error.message": "\(error.message)"])
            _ = try? await Blocking.run { () throws(ImageStoreError) in store.remove(temporary) }
            throw error
        }
    }

    /// The layer's HTTP response: from the registry, or, for a foreign layer the registry does
    /// not have, from its `urls` when policy allows (never with credentials).
    private func openLayer(_ reference: ImageReference, descriptor: ContentDescriptor, foreign: Bool,
                           entry: RegistryCredentials.Entry?) async throws(ImageStoreError) -> HTTPClientResponse
    {
        do {
            return try await client.openBlob(reference, digest: descriptor.digest, entry: entry)
        } catch where error.code == .notFound && foreign && !(descriptor.urls ?? []).isEmpty {
            guard configuration.allowForeignLayerURLs else {
                throw ImageStoreError(.policy,
                                      "pull of \(reference): foreign layer \(descriptor.digest.short) is only available from its URLs, and foreign layer URLs are not allowed")
            }
            var lastError = error
            for url in descriptor.urls ?? [] {
                do {
                    return try await client.openForeignURL(url, ref: reference)
                } catch {
                    lastError = error
                }
            }
            throw lastError
        }
    }

    /// Pumps the response body into the ingest on the blocking pool, in batches of about
    /// 1 MiB to keep thread hops rare.
    private func stream(_ response: HTTPClientResponse, into ingest: UncheckedSendable<LayerIngest>,
                        descriptor: ContentDescriptor, progress: (@Sendable (PullProgress) -> Void)?, context: String)
        async throws(ImageStoreError)
    {
        var batch: [ByteBuffer] = []
        var batchBytes = 0
        var received: Int64 = 0
        let counters = self.counters
        func flush(_ buffers: [ByteBuffer]) async throws(ImageStoreError) {
            let sendable = UncheckedSendable(buffers)
            try await Blocking.run { () throws(ImageStoreError) in
                for buffer in sendable.value {
                    try buffer.withUnsafeReadableBytes { (raw) throws(ImageStoreError) in try ingest.value.consume(raw) }
                }
            }
        }
        do {
            for try await buffer in response.body {
                received += Int64(buffer.readableBytes)
                counters.update { $0.layerBytes += Int64(buffer.readableBytes) }
                guard received <= descriptor.size else {
                    throw ImageStoreError(.sizeLimit, "\(context): blob is larger than its descriptor size \(descriptor.size)")
                }
                batch.append(buffer)
                batchBytes += buffer.readableBytes
                if batchBytes >= 1 << 20 {
                    try await flush(batch)
                    batch.removeAll(keepingCapacity: true)
                    batchBytes = 0
                    progress?(.layerProgress(digest: descriptor.digest, received: received, total: descriptor.size))
                }
            }
        } catch let error as ImageStoreError {
            throw error
        } catch {
            throw ImageStoreError(.network, "\(context): download interrupted", underlying: SendableErrorDescription(error))
        }
        if !batch.isEmpty { try await flush(batch) }
        progress?(.layerProgress(digest: descriptor.digest, received: received, total: descriptor.size))
    }
}
