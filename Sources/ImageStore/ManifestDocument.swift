import Foundation

/// A content descriptor in a manifest or index.
struct ContentDescriptor: Codable, Sendable, Equatable {
    var mediaType: String
    var digest: Digest
    var size: Int64
    var urls: [String]?
    var platform: ImagePlatform?
    var annotations: [String: String]?
}

/// `os`/`architecture`/`variant` of an index entry or image config.
public struct ImagePlatform: Codable, Sendable, Hashable, CustomStringConvertible {
    /// `os`, e.g. `linux`.
    public var os: String
    /// `architecture`, e.g. `amd64`.
    public var architecture: String
    /// `variant`, e.g. `v8`.
    public var variant: String?

    /// Creates a platform.
    public init(os: String, architecture: String, variant: String? = nil) {
        self.os = os
        self.architecture = architecture
        self.variant = variant
    }

    /// linux/amd64, the default.
    public static let linuxAMD64 = ImagePlatform(os: "linux", architecture: "amd64")

    public var description: String {
        [os, architecture, variant].compactMap { $0 }.joined(separator: "/")
    }
}

/// A manifest or an index, decoded from the exact bytes that were hashed (never re-serialised).
enum ManifestDocument: Sendable {
    case manifest(mediaType: String, config: ContentDescriptor, layers: [ContentDescriptor])
    case index(mediaType: String, manifests: [ContentDescriptor])

    private struct Raw: Decodable {
        var schemaVersion: Int?
        var mediaType: String?
        var config: ContentDescriptor?
        var layers: [ContentDescriptor]?
        var manifests: [ContentDescriptor]?
    }

    /// Decides the type from `Content-Type`, cross-checked with the body's `mediaType`, and
    /// refuses ambiguous documents (CVE-2021-41190), schema 1 and `schemaVersion != 2`.
    static func decode(_ bytes: [UInt8], contentType: String?, context: String) throws(ImageStoreError) -> ManifestDocument {
        let raw: Raw
        do {
            raw = try JSONDecoder().decode(Raw.self, from: Data(bytes))
        } catch {
            throw ImageStoreError(.invalidManifest, "\(context): manifest is not valid JSON or has invalid fields",
                                  underlying: error)
        }
        let headerType = contentType.map { $0.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? $0 }
        if let type = headerType ?? raw.mediaType,
           type == MediaType.dockerSchema1Signed || type == MediaType.dockerSchema1 {
            throw ImageStoreError(.unsupportedMediaType, "\(context): Docker schema 1 manifests are not supported")
        }
        guard raw.schemaVersion == 2 else {
            throw ImageStoreError(.unsupportedMediaType, "\(context): schemaVersion \(raw.schemaVersion.map(String.init) ?? "missing") is not supported")
        }
        if raw.manifests != nil, raw.layers != nil || raw.config != nil {
            throw ImageStoreError(.invalidManifest, "\(context): document has both 'manifests' and 'layers'/'config'")
        }
        if let bodyType = raw.mediaType, let headerType,
           headerType != bodyType, headerType != "application/json", headerType != "application/octet-stream" {
            throw ImageStoreError(.invalidManifest, "\(context): Content-Type \(headerType) does not match mediaType \(bodyType)")
        }
        let known = MediaType.indexTypes.union(MediaType.manifestTypes)
        var type = raw.mediaType ?? headerType.flatMap { known.contains($0) ? $0 : nil }
        if type == nil {
            // OCI 1.0 allowed omitting mediaType; the shape decides.
            type = raw.manifests != nil ? MediaType.ociIndex : MediaType.ociManifest
        }
        guard let type else { throw ImageStoreError(.invalidManifest, "\(context): unknown document type") }
        if MediaType.indexTypes.contains(type) {
            guard let manifests = raw.manifests else {
                throw ImageStoreError(.invalidManifest, "\(context): index without 'manifests'")
            }
            return .index(mediaType: type, manifests: manifests)
        }
        if MediaType.manifestTypes.contains(type) {
            guard let config = raw.config, let layers = raw.layers else {
                throw ImageStoreError(.invalidManifest, "\(context): manifest without 'config' or 'layers'")
            }
            return .manifest(mediaType: type, config: config, layers: layers)
        }
        throw ImageStoreError(.unsupportedMediaType, "\(context): unsupported manifest media type \(type)")
    }

    /// Picks the child for `platform` (image-pull.md §1.7): exact os/architecture; for amd64
    /// prefer no variant; arm64 treats a missing variant as v8; attestation entries
    /// (`unknown/unknown`) are skipped; entries without a platform are a last resort.
    static func select(_ manifests: [ContentDescriptor], platform: ImagePlatform) -> ContentDescriptor? {
        func normalizedVariant(_ p: ImagePlatform) -> String? {
            if p.architecture == "arm64" { return p.variant ?? "v8" }
            return p.variant
        }
        let candidates = manifests.filter { MediaType.manifestTypes.contains($0.mediaType) }
        let matching = candidates.filter { descriptor in
            guard let p = descriptor.platform else { return false }
            guard p.os == platform.os, p.architecture == platform.architecture else { return false }
            if let wanted = normalizedVariant(platform) { return normalizedVariant(p) == wanted }
            return true
        }
        if let exact = matching.first(where: { $0.platform?.variant == nil }) ?? matching.first {
            return exact
        }
        return candidates.first { $0.platform == nil && $0.annotations?["vnd.docker.reference.type"] == nil }
    }
}
