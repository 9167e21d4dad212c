import Foundation

/// Finds the principal of a request from its `Authorization` header: the one credential of
/// `--auth-basic-file`/`--auth-token-file` (a principal that may do everything), the
/// principals of a permissions file, or, with neither, anyone (the open default).
///
/// Comparisons take the same time wherever the first difference is, so response times do
/// not reveal how much of a guess was right. Credentials are never logged.
struct Authenticator: Sendable {
    private enum Expected: Sendable {
        case nothing
        case basic(username: String, credentials: [UInt8])
        case bearer([UInt8])
    }

    private let expected: Expected
    private let permissions: Permissions?

    init(_ authentication: APIConfiguration.Authentication, permissions: Permissions? = nil) {
        switch authentication {
        case .none: expected = .nothing
        case .basic(let username, let password): expected = .basic(username: username, credentials: Array("\(username):\(password)".utf8))
        case .bearer(let token): expected = .bearer(Array(token.utf8))
        }
        self.permissions = permissions
    }

    /// Whether the API is open: no credential is configured, so anyone may do everything.
    var isOpen: Bool {
        if case .nothing = expected { return permissions == nil }
        return false
    }

    /// The principal a request with this `Authorization` header value acts as, nil when it
    /// proves none (401).
    func principal(authorization header: String?) -> Principal? {
        if isOpen { return .unrestricted("anonymous") }
        if let encoded = Self.credentials(header, scheme: "basic") {
            guard let decoded = Data(base64Encoded: encoded) else { return nil }
            let bytes = Array(decoded)
            if case .basic(let username, let credentials) = expected, Self.constantTimeEquals(bytes, credentials) {
                return .unrestricted(username)
            }
            guard let permissions, let colon = bytes.firstIndex(of: UInt8(ascii: ":")) else { return nil }
            let name = String(decoding: bytes[..<colon], as: UTF8.self)
            let password = String(decoding: bytes[(colon + 1)...], as: UTF8.self)
            return permissions.principal(name: name, password: password)
        }
        if let presented = Self.credentials(header, scheme: "bearer") {
            if case .bearer(let token) = expected, Self.constantTimeEquals(Array(presented.utf8), token) {
                return .unrestricted("token")
            }
            return permissions?.principal(token: presented)
        }
        return nil
    }

    /// The credentials part of `<scheme> <credentials>` (scheme case-insensitive).
    static func credentials(_ header: String?, scheme: String) -> String? {
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
