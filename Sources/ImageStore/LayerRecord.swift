/// Metadata next to an unpacked layer, `layers/sha256/<hex>/layer.json`.
struct LayerRecord: Codable, Sendable, Equatable {
    var diffID: Digest
    var blobDigest: Digest
    var mediaType: String
    var compressedSize: Int64
    var uncompressedSize: Int64
    var skippedDevices: Int
    var unpackedAt: Double
}
