/// A validated content digest. Only `sha256:` followed by exactly 64 lowercase hex digits is
/// accepted, so a digest is always safe to use as a path component (CVE-2024-3727 class).
public struct Digest: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// The 64 lowercase hex digits.
    public let hex: String

    /// Parses `sha256:<64 hex>`; anything else (other algorithms, uppercase, wrong length) fails.
    public init(_ string: String) throws(ImageStoreError) {
        guard let digest = Digest(validating: string) else {
            throw ImageStoreError(.invalidManifest, "invalid digest '\(string.prefix(80))': expected sha256:<64 lowercase hex>")
        }
        self = digest
    }

    /// Parses `sha256:<64 hex>` or returns `nil`.
    public init?(validating string: String) {
        let utf8 = string.utf8
        guard utf8.count == 71, string.hasPrefix("sha256:") else { return nil }
        let hex = utf8.dropFirst(7)
        guard hex.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }) else { return nil }
        self.hex = String(decoding: hex, as: UTF8.self)
    }

    /// A digest we computed ourselves: always 64 lowercase hex digits.
    init(computedHex: String) {
        self.hex = computedHex
    }

    /// Parses 64 lowercase hex digits (a file name in the store).
    init?(hex: String) {
        self.init(validating: "sha256:" + hex)
    }

    /// The digest of `bytes`.
    public static func sha256(of bytes: some Sequence<UInt8>) -> Digest {
        var hasher = DigestHasher()
        hasher.update(Array(bytes))
        return hasher.finalize()
    }

    public var description: String { "sha256:" + hex }
    /// A short form for logs (`sha256:0123456789ab`).
    public var short: String { "sha256:" + hex.prefix(12) }

    public static func < (lhs: Digest, rhs: Digest) -> Bool { lhs.hex < rhs.hex }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let string = try container.decode(String.self)
        guard let digest = Digest(validating: string) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "invalid digest '\(string.prefix(80))'")
        }
        self = digest
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
