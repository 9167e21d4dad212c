import Foundation

/// Checks the `Authorization` header against the configured credentials.
///
/// Comparisons take the same time wherever the first difference is, so response times do
/// not reveal how much of a guess was right. Credentials are never logged.
struct Authenticator: Sendable {
    private enum Expected: Sendable {
        case anyone
        case basic([UInt8])
        case bearer([UInt8])
    }

    private let expected: Expected

    init(_ authentication: APIConfiguration.Authentication) {
        switch authentication {
        case .none: expected = .anyone
        case .basic(let username, let password): expected = .basic(Array("\(username):\(password)".utf8))
        case .bearer(let token): expected = .bearer(Array(token.utf8))
        }
    }

    /// Whether a request with this `Authorization` header value may proceed.
    func accepts(authorization header: String?) -> Bool {
        switch expected {
        case .anyone:
            return true
        case .basic(let credentials):
            guard let encoded = Self.credentials(header, scheme: "basic"),
                  let decoded = Data(base64Encoded: encoded)
            else { return false }
            return Self.constantTimeEquals(Array(decoded), credentials)
        case .bearer(let token):
            guard let presented = Self.credentials(header, scheme: "bearer") else { return false }
            return Self.constantTimeEquals(Array(presented.utf8), token)
        }
    }

    /// The credentials part of `<scheme> <credentials>` (scheme case-insensitive).
    private static func credentials(_ header: String?, scheme: String) -> String? {
        guard let header else { return nil }
        let trimmed = header.trimmingCharacters(in: .whitespaces)
        guard let space = trimmed.firstIndex(of: " "),
              trimmed[..<space].lowercased() == scheme
        else { return nil }
        return trimmed[space...].trimmingCharacters(in: .whitespaces)
    }

    /// Compares every byte of the longer input; the length difference is folded into the
    /// result instead of returning early.
    static func constantTimeEquals(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        var difference = UInt64(lhs.count ^ rhs.count)
        let length = max(lhs.count, rhs.count)
        for index in 0..<length {
            let left = index < lhs.count ? lhs[index] : 0
            let right = index < rhs.count ? rhs[index] : 0
            difference |= UInt64(left ^ right)
        }
        return difference == 0
    }
}
