import Crypto
import Foundation
import _CryptoExtras

/// A stored password: `pbkdf2-sha256$<iterations>$<salt, base64>$<key, base64>` (PBKDF2
/// with HMAC-SHA256, the key as long as SHA-256's output). The permissions file holds these,
/// never a password; `pod-scheduler hash-credential password` makes one.
public struct PasswordHash: Sendable, Equatable, CustomStringConvertible {
    /// Iterations of new hashes (OWASP's figure for PBKDF2-HMAC-SHA256).
    public static let defaultIterations = 600_000
    /// Fewer are refused when the file is read: such a hash is too cheap to guess at.
    public static let minimumIterations = 100_000
    static let scheme = "pbkdf2-sha256"

    public let iterations: Int
    let salt: [UInt8]
    let key: [UInt8]

    /// Parses a stored hash. The error says what is wrong with it, never echoing it.
    public init(parsing text: String) throws(PermissionsError) {
        let parts = text.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == Self.scheme else {
            throw PermissionsError("is not '\(Self.scheme)$<iterations>$<salt>$<hash>' (make one with `pod-scheduler hash-credential password`)")
        }
        guard let iterations = Int(parts[1]), iterations >= Self.minimumIterations, iterations <= 100_000_000 else {
            throw PermissionsError("needs at least \(Self.minimumIterations) iterations")
        }
        guard let salt = Data(base64Encoded: String(parts[2])), salt.count >= 8,
              let key = Data(base64Encoded: String(parts[3])), key.count == 32 else {
            throw PermissionsError("has a salt or hash that is not base64 (a salt of 8 bytes or more, a hash of 32 bytes)")
        }
        self.iterations = iterations
        self.salt = Array(salt)
        self.key = Array(key)
    }

    /// A new hash of `password` with a random salt.
    public static func make(password: String, iterations: Int = defaultIterations) throws -> PasswordHash {
        var generator = SystemRandomNumberGenerator()
        let salt = (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let key = try derive(password, salt: salt, iterations: iterations)
        return try PasswordHash(parsing: "\(scheme)$\(iterations)$\(Data(salt).base64EncodedString())$\(Data(key).base64EncodedString())")
    }

    /// Whether `password` is the one hashed (compared in constant time).
    public func matches(_ password: String) -> Bool {
        guard let derived = try? Self.derive(password, salt: salt, iterations: iterations) else { return false }
        return Authenticator.constantTimeEquals(derived, key)
    }

    private static func derive(_ password: String, salt: [UInt8], iterations: Int) throws -> [UInt8] {
        let key = try KDF.Insecure.PBKDF2.deriveKey(from: Array(password.utf8), salt: salt, using: .sha256, outputByteCount: 32,
                                                    unsafeUncheckedRounds: iterations)
        return key.withUnsafeBytes { Array($0) }
    }

    public var description: String {
        "\(Self.scheme)$\(iterations)$\(Data(salt).base64EncodedString())$\(Data(key).base64EncodedString())"
    }
}

/// A stored bearer token: `sha256$<hex of SHA-256 of the token>`. Tokens are long random
/// strings, so a fast hash keeps them safe; `pod-scheduler hash-credential token` makes one.
public struct TokenHash: Sendable, Hashable, CustomStringConvertible {
    let digest: [UInt8]

    public init(parsing text: String) throws(PermissionsError) {
        let hex = text.hasPrefix("sha256$") ? text.dropFirst("sha256$".count) : ""
        guard hex.count == 64, let digest = Self.bytes(hex: hex) else {
            throw PermissionsError("is not 'sha256$<64 hex digits>' (make one with `pod-scheduler hash-credential token`)")
        }
        self.digest = digest
    }

    /// The hash of a presented token.
    public init(token: String) {
        digest = Array(SHA256.hash(data: Array(token.utf8)))
    }

    public var description: String { "sha256$" + digest.map { String(format: "%02x", $0) }.joined() }

    private static func bytes(hex: Substring) -> [UInt8]? {
        var out: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            guard let byte = UInt8(hex[index..<next], radix: 16) else { return nil }
            out.append(byte)
            index = next
        }
        return out
    }
}
