import AsyncHTTPClient
import Foundation
import Logging
import NIOPosix
import PodSystem

/// Pulls Docker/OCI images into a content-addressed store on the agent and unpacks their layers
/// safely into per-layer directories that the runtime stacks with overlayfs.
///
/// Several processes (executors) may share one store: content appears only by atomic rename,
/// holders are files under `refs/`, and `prune` excludes running pulls with a `flock`.
/// See ``ContentStore`` for the layout.
///
/// The `HTTPClient` should be created with `redirectConfiguration: .disallow`; the store then
/// follows redirects itself and strips credentials when the origin changes (AsyncHTTPClient
/// strips them as well if it follows redirects on its own).
public actor ImageStore {
    let configuration: ImageStoreConfiguration
    nonisolated let store: ContentStore
    let client: RegistryClient
    let logger: Logger
    let counters = TransferCounters()
    /// Layer ingests running in this process, so concurrent pulls share one download.
    var inFlightLayers: [Digest: Task<Void, any Error>] = [:]

    /// Opens (creating if needed) the store under `configuration.rootDirectory`.
    public init(configuration: ImageStoreConfiguration, httpClient: HTTPClient, logger: Logger) throws(ImageStoreError) {
        try self.init(configuration: configuration, http: RegistryHTTPClient(httpClient), logger: logger)
    }

    /// Opens the store with a client that may be made only when a pull needs it.
    public init(configuration: ImageStoreConfiguration, http: RegistryHTTPClient, logger: Logger) throws(ImageStoreError) {
        self.configuration = configuration
        self.store = try ContentStore(rootPath: configuration.rootDirectory)
        self.logger = logger
        self.client = RegistryClient(http: http, configuration: configuration, cache: RegistryAuthCache(),
                                     counters: counters, logger: logger)
    }

    /// Registry traffic since this store object was created.
    public nonisolated var transferStatistics: TransferStatistics { counters.snapshot }

    /// The absolute root directory of the store.
    public nonisolated var rootDirectory: String { store.rootPath }

    /// Pulls `reference` (or reuses it from the store) and returns its unpacked layers.
    ///
    /// - Parameters:
    ///   - credentials: the pull secret; only the entry matching the image's registry is used,
    ///     and only with that registry and its token realm.
    ///   - policy: ``PullPolicy/ifNotPresent`` reuses a stored image (Mesos `cached = true`);
    ///     ``PullPolicy/always`` re-resolves the manifest but skips blobs and layers present.
    ///     Beyond Mesos: a stored image that was pulled with credentials is handed out only
    ///     after a manifest `HEAD` with the caller's own credentials succeeds (cached briefly).
    ///   - progress: optional progress events.
    ///   A reference to a registry with a configured mirror is pulled from the mirror.
    public func pull(_ requested: ImageReference, credentials: RegistryCredentials?, policy: PullPolicy,
                     progress: (@Sendable (PullProgress) -> Void)? = nil) async throws(ImageStoreError) -> PulledImage
    {
        let reference = requested.mirrored(configuration.registryMirrors)
        var logger = self.logger
        logger[metadataKey: "image.ref"] = "\(reference)"
        logger[metadataKey: "registry.host"] = "\(reference.registry)"
        let entry = credentials?.entry(registry: reference.registry, repository: reference.repository)
        for warning in credentials?.warnings ?? [] {
            logger.warning("pull secret entry ignored", metadata: ["credentials.warning": "\(warning)"])
        }
        let store = self.store
        let gcLock = try await Blocking.run { () throws(ImageStoreError) in
            UncheckedSendable(try store.gcLock(exclusive: false, wait: true))
        }
        defer { withExtendedLifetime(gcLock) {} }

        if policy == .ifNotPresent, let record = store.imageRecord(for: reference),
           record.diffIDs.allSatisfy(store.hasLayer),
           let configBytes = try store.readBlob(record.configDigest, limit: configuration.maxConfigBytes)
        {
            if record.pulledWithCredentials {
                try await verifyAccess(reference, record: record, entry: entry, logger: logger)
            }
            var updated = record
            updated.lastUsed = Date().timeIntervalSince1970
            try? store.save(updated)
            let config = try ImageConfigDocument.decode(configBytes, context: "pull of \(reference)")
            logger.info("image found in store", metadata: ["image.digest": "\(record.manifestDigest)"])
            progress?(.cached(manifest: record.manifestDigest))
            return pulledImage(reference, record: updated, config: config.imageConfig, fromCache: true)
        }

        let resolved = try await resolveManifest(reference, entry: entry, logger: logger)
        let configDocument = try await fetchConfig(reference, descriptor: resolved.config, entry: entry)
        let diffIDs = try validate(reference, config: configDocument, layers: resolved.layers)
        let missing = zip(resolved.layers, diffIDs).filter { !store.hasLayer($0.1) }
        progress?(.resolved(manifest: resolved.digest, layers: resolved.layers.count,
                            bytesToDownload: missing.reduce(0) { $0 + $1.0.size }))
        for diffID in diffIDs where store.hasLayer(diffID) {
            progress?(.layerPresent(diffID: diffID))
        }
        logger.info("pulling image", metadata: [
            "image.digest": "\(resolved.digest)", "image.layers": "\(resolved.layers.count)",
            "image.layers_missing": "\(missing.count)",
        ])
        try await ingestLayers(reference, layers: Array(missing), entry: entry, progress: progress, logger: logger)

        let scheme = await client.cache.scheme(for: reference.registry)
        let now = Date().timeIntervalSince1970
        let record = ImageRecord(reference: reference.description, registry: reference.registry,
                                 repository: reference.repository, manifestDigest: resolved.digest,
                                 indexDigest: resolved.indexDigest, configDigest: resolved.config.digest,
                                 diffIDs: diffIDs, layerBlobs: resolved.layers.map(\.digest),
                                 pulledWithCredentials: entry != nil && scheme != RegistryAuthScheme.none,
                                 pulledAt: now, lastUsed: now)
        try store.save(record)
        logger.info("image pulled", metadata: ["image.digest": "\(resolved.digest)"])
        progress?(.completed(manifest: resolved.digest))
        return pulledImage(reference, record: record, config: configDocument.imageConfig, fromCache: missing.isEmpty)
    }

    func pulledImage(_ reference: ImageReference, record: ImageRecord, config: ImageConfig, fromCache: Bool) -> PulledImage {
        PulledImage(reference: reference, manifestDigest: record.manifestDigest, indexDigest: record.indexDigest,
                    configDigest: record.configDigest, config: config, diffIDs: record.diffIDs,
                    layerDirectories: record.diffIDs.map(store.layerRootfsAbsolutePath), fromCache: fromCache)
    }

    /// The "beyond Mesos" check: may these credentials read this private image now?
    private func verifyAccess(_ reference: ImageReference, record: ImageRecord, entry: RegistryCredentials.Entry?,
                              logger: Logger) async throws(ImageStoreError)
    {
        let key = "\(reference.registry)|\(reference.repository)|\(record.manifestDigest)|\(entry?.identity ?? "anonymous")"
        if await client.cache.accessCheckIsFresh(key) { return }
        do {
            try await client.checkManifestAccess(reference, reference: record.manifestDigest.description, entry: entry)
        } catch {
            logger.warning("cached private image refused to caller", metadata: ["image.digest": "\(record.manifestDigest)",
                                                                               "error.code": "\(error.code)"])
            throw error
        }
        await client.cache.recordAccessCheck(key, validFor: configuration.accessCheckValiditySeconds)
    }

    // MARK: - Manifest and config

    struct ResolvedManifest {
        var digest: Digest
        var indexDigest: Digest?
        var config: ContentDescriptor
        var layers: [ContentDescriptor]
    }

    /// GETs the manifest, verifies its digest over the exact bytes, walks an index to the
    /// configured platform, and stores the documents as blobs.
    private func resolveManifest(_ reference: ImageReference, entry: RegistryCredentials.Entry?, logger: Logger)
        async throws(ImageStoreError) -> ResolvedManifest
    {
        let context = "pull of \(reference)"
        let top = try await client.manifest(reference, reference: reference.manifestReference, entry: entry)
        let topDigest = Digest.sha256(of: top.bytes)
        if let pinned = reference.digest, pinned != topDigest {
            throw ImageStoreError(.digestMismatch, "\(context): manifest digest mismatch: requested \(pinned), received \(topDigest)")
        }
        switch try ManifestDocument.decode(top.bytes, contentType: top.contentType, context: context) {
        case let .manifest(_, config, layers):
            try store.writeBlob(top.bytes, digest: topDigest)
            return ResolvedManifest(digest: topDigest, indexDigest: nil, config: config, layers: layers)
        case let .index(_, manifests):
            guard let chosen = ManifestDocument.select(manifests, platform: configuration.platform) else {
                let offered = manifests.compactMap { $0.platform?.description }.joined(separator: ", ")
                throw ImageStoreError(.platformNotFound, "\(context): no manifest for \(configuration.platform) (index offers: \(offered))")
            }
            guard chosen.size <= Int64(configuration.maxManifestBytes) else {
                throw ImageStoreError(.sizeLimit, "\(context): platform manifest of \(chosen.size) bytes exceeds the limit")
            }
            let child = try await client.manifest(reference, reference: chosen.digest.description, entry: entry)
            let childDigest = Digest.sha256(of: child.bytes)
            guard childDigest == chosen.digest, Int64(child.bytes.count) == chosen.size else {
                throw ImageStoreError(.digestMismatch,
                                      "\(context): platform manifest mismatch: index names \(chosen.digest) (\(chosen.size) bytes), received \(childDigest) (\(child.bytes.count) bytes)")
            }
            guard case let .manifest(_, config, layers) = try ManifestDocument.decode(child.bytes, contentType: child.contentType,
                                                                                       context: context)
            else {
                throw ImageStoreError(.invalidManifest, "\(context): index entry \(chosen.digest) is itself an index")
            }
            try store.writeBlob(top.bytes, digest: topDigest)
            try store.writeBlob(child.bytes, digest: childDigest)
            logger.debug("platform selected from index", metadata: ["image.index": "\(topDigest)", "image.digest": "\(childDigest)"])
            return ResolvedManifest(digest: childDigest, indexDigest: topDigest, config: config, layers: layers)
        }
    }

    private func fetchConfig(_ reference: ImageReference, descriptor: ContentDescriptor, entry: RegistryCredentials.Entry?)
        async throws(ImageStoreError) -> ImageConfigDocument
    {
        let context = "pull of \(reference)"
        guard descriptor.size <= Int64(configuration.maxConfigBytes) else {
            throw ImageStoreError(.sizeLimit, "\(context): config of \(descriptor.size) bytes exceeds the limit")
        }
        if let bytes = try store.readBlob(descriptor.digest, limit: configuration.maxConfigBytes) {
            return try ImageConfigDocument.decode(bytes, context: context)
        }
        let bytes = try await client.smallBlob(reference, digest: descriptor.digest, entry: entry,
                                               limit: configuration.maxConfigBytes)
        let digest = Digest.sha256(of: bytes)
        guard digest == descriptor.digest, Int64(bytes.count) == descriptor.size else {
            throw ImageStoreError(.digestMismatch, "\(context): config digest mismatch: expected \(descriptor.digest), got \(digest)")
        }
        let document = try ImageConfigDocument.decode(bytes, context: context)
        try store.writeBlob(bytes, digest: digest)
        return document
    }

    /// Checks platform, layer count, media types and the diff_id list against the manifest.
    private func validate(_ reference: ImageReference, config: ImageConfigDocument, layers: [ContentDescriptor])
        throws(ImageStoreError) -> [Digest]
    {
        let context = "pull of \(reference)"
        let wanted = configuration.platform
        if let os = config.os, let architecture = config.architecture, os != wanted.os || architecture != wanted.architecture {
            throw ImageStoreError(.platformNotFound, "\(context): image is \(os)/\(architecture), this agent needs \(wanted)")
        }
        guard layers.count <= configuration.maxLayers else {
            throw ImageStoreError(.sizeLimit, "\(context): \(layers.count) layers exceed the limit of \(configuration.maxLayers)")
        }
        guard config.rootfs.type == "layers", config.rootfs.diff_ids.count == layers.count else {
            throw ImageStoreError(.invalidManifest,
                                  "\(context): config lists \(config.rootfs.diff_ids.count) diff_ids for \(layers.count) layers")
        }
        for layer in layers {
            guard MediaType.layerCompression(layer.mediaType) != nil else {
                throw ImageStoreError(.unsupportedMediaType, "\(context): unsupported layer media type \(layer.mediaType)")
            }
            guard layer.size >= 0, layer.size <= configuration.maxLayerCompressedBytes else {
                throw ImageStoreError(.sizeLimit, "\(context): layer \(layer.digest.short) of \(layer.size) bytes exceeds the limit")
            }
        }
        return config.rootfs.diff_ids
    }
}

/// Carries a non-`Sendable` value across one hand-off between a blocking thread and the
/// actor. Safe because exactly one side uses the value at a time (the hand-off is awaited).
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
