/// The persisted index entry `images/<sha256 of reference>.json`.
struct ImageRecord: Codable, Sendable, Equatable {
    var reference: String
    var registry: String
    var repository: String
    var manifestDigest: Digest
    var indexDigest: Digest?
    var configDigest: Digest
    var diffIDs: [Digest]
    var layerBlobs: [Digest]
    var pulledWithCredentials: Bool
    var pulledAt: Double
    var lastUsed: Double
}
