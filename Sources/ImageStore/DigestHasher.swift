import Crypto
import Primitives

/// An incremental SHA-256 that also counts bytes (swift-crypto, BoringSSL on Linux).
struct DigestHasher {
    private var hasher = SHA256()
    private(set) var count: Int64 = 0

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        hasher.update(bufferPointer: bytes)
        count += Int64(bytes.count)
    }

    mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    func finalize() -> Digest {
        Digest(computedHex: Hex.encode(hasher.finalize()))
    }
}
