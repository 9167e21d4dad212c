/// The media types the store understands (image-pull.md §1.6, §2.1).
enum MediaType {
    static let dockerManifest = "application/vnd.docker.distribution.manifest.v2+json"
    static let dockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json"
    static let ociManifest = "application/vnd.oci.image.manifest.v1+json"
    static let ociIndex = "application/vnd.oci.image.index.v1+json"
    static let dockerSchema1Signed = "application/vnd.docker.distribution.manifest.v1+prettyjws"
    static let dockerSchema1 = "application/vnd.docker.distribution.manifest.v1+json"
    static let dockerConfig = "application/vnd.docker.container.image.v1+json"
    static let ociConfig = "application/vnd.oci.image.config.v1+json"

    /// Sent on every manifest request: all four modern types, nothing else, so the registry
    /// never down-converts to schema 1 nor picks a platform for us.
    static let manifestAccept = [ociIndex, dockerManifestList, ociManifest, dockerManifest].joined(separator: ", ")

    static let indexTypes: Set<String> = [dockerManifestList, ociIndex]
    static let manifestTypes: Set<String> = [dockerManifest, ociManifest]

    /// How a layer blob is compressed, from its media type.
    enum Compression: Sendable { case none, gzip, zstd }

    /// The compression of a layer media type and whether it is a foreign layer; `nil` if unknown.
    static func layerCompression(_ mediaType: String) -> (Compression, foreign: Bool)? {
        switch mediaType {
        case "application/vnd.oci.image.layer.v1.tar", "application/vnd.docker.image.rootfs.diff.tar":
            return (.none, false)
        case "application/vnd.oci.image.layer.v1.tar+gzip", "application/vnd.docker.image.rootfs.diff.tar.gzip":
            return (.gzip, false)
        case "application/vnd.oci.image.layer.v1.tar+zstd", "application/vnd.docker.image.rootfs.diff.tar.zstd":
            return (.zstd, false)
        case "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
             "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip":
            return (.gzip, true)
        case "application/vnd.oci.image.layer.nondistributable.v1.tar":
            return (.none, true)
        default:
            return nil
        }
    }
}
