import Crypto
import Foundation
import MesosProtocol

/// Mints and checks the tokens with which an instance's executor fetches its pod's secrets.
///
/// A token is `pst1.<claims>.<mac>`: the claims (instance id, incarnation, secret names,
/// expiry, a random nonce) as base64url JSON, and an HMAC-SHA256 of them under a key kept
/// in the scheduler's store. It is verified without any per-token state, so a scheduler
/// that becomes leader honours the tokens of launches its predecessor made; that it was
/// used is recorded in the store (its MAC is the record's id), which makes it single-use.
struct SecretTokenAuthority: Sendable {
    struct Claims: Codable, Sendable, Equatable {
        var instanceID: String
        var incarnation: Int
        var names: [String]
        /// Seconds since 1970.
        var expiresAt: Int64
        var nonce: String

        enum CodingKeys: String, CodingKey {
            case instanceID = "i", incarnation = "c", names = "n", expiresAt = "e", nonce = "r"
        }
    }

    /// A verified token: its claims and the id its redemption is recorded under.
    struct Verified: Sendable {
        var claims: Claims
        var id: String
        var expiresAt: Date { Date(timeIntervalSince1970: TimeInterval(claims.expiresAt)) }
    }

    /// The key's bytes (`SymmetricKey` is not `Sendable`; one is made per use).
    private let keyBytes: [UInt8]

    init(key: [UInt8]) {
        keyBytes = key
    }

    private var key: SymmetricKey { SymmetricKey(data: keyBytes) }

    /// 32 random bytes for a new key.
    static func newKey() -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }

    func mint(instanceID: String, incarnation: Int, names: [String], expiresAt: Date) -> String {
        var generator = SystemRandomNumberGenerator()
        let nonce = Self.base64URL((0..<12).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
        let claims = Claims(instanceID: instanceID, incarnation: incarnation, names: names.sorted(),
                            expiresAt: Int64(expiresAt.timeIntervalSince1970.rounded(.up)), nonce: nonce)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // Encoding a struct of strings and integers cannot fail.
        let payload = Self.base64URL(Array((try? encoder.encode(claims)) ?? Data()))
        return PodSecretsContract.tokenPrefix + payload + "." + mac(payload)
    }

    /// The token's claims, when its MAC is ours and it has not expired.
    func verify(_ token: String, now: Date) throws(SecretAccessError) -> Verified {
        guard token.hasPrefix(PodSecretsContract.tokenPrefix) else { throw .invalidToken("not a secret token") }
        let parts = token.dropFirst(PodSecretsContract.tokenPrefix.count).split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let given = Self.decodeBase64URL(parts[1]) else { throw .invalidToken("malformed secret token") }
        guard HMAC<SHA256>.isValidAuthenticationCode(given, authenticating: Array(parts[0].utf8), using: key) else {
            throw .invalidToken("secret token not issued by this scheduler")
        }
        guard let json = Self.decodeBase64URL(parts[0]),
              let claims = try? JSONDecoder().decode(Claims.self, from: Data(json)) else {
            throw .invalidToken("malformed secret token")
        }
        guard TimeInterval(claims.expiresAt) > now.timeIntervalSince1970 else { throw .invalidToken("secret token expired") }
        return Verified(claims: claims, id: String(parts[1]))
    }

    private func mac(_ payload: String) -> String {
        Self.base64URL(Array(HMAC<SHA256>.authenticationCode(for: Array(payload.utf8), using: key)))
    }

    static func base64URL(_ bytes: [UInt8]) -> String {
        String(Data(bytes).base64EncodedString().map { $0 == "+" ? "-" : $0 == "/" ? "_" : $0 }.filter { $0 != "=" })
    }

    static func decodeBase64URL(_ text: Substring) -> [UInt8]? {
        guard text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else { return nil }
        var base64 = String(text.map { $0 == "-" ? "+" : $0 == "_" ? "/" : $0 })
        while base64.count % 4 != 0 { base64.append("=") }
        return Data(base64Encoded: base64).map(Array.init)
    }
}
