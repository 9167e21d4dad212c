import Foundation

/// What podctl authenticates with: HTTP Basic `user:password` or a bearer token.
///
/// The secret never leaves this type except as the `Authorization` header value:
/// `description`, `debugDescription` and the mirror (`dump`) all print it redacted.
public enum Credentials: Sendable, Equatable {
    /// HTTP Basic authentication.
    case basic(user: String, password: String)
    /// `Authorization: Bearer <token>`.
    case bearer(token: String)

    /// Reads `user:password` (split at the first colon) as Basic credentials, and text
    /// without a colon as a bearer token. Surrounding white space is dropped; nil for
    /// empty text.
    public init?(text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { return nil }
        if let colon = trimmed.firstIndex(of: ":") {
            let user = String(trimmed[..<colon])
            guard !user.isEmpty else { return nil }
            self = .basic(user: user, password: String(trimmed[trimmed.index(after: colon)...]))
        } else {
            self = .bearer(token: trimmed)
        }
    }

    /// The value of the `Authorization` header.
    public var authorizationHeader: String {
        switch self {
        case .basic(let user, let password):
            "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
        case .bearer(let token):
            "Bearer " + token
        }
    }
}

extension Credentials: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The kind of credentials, without the secret.
    public var description: String {
        switch self {
        case .basic: "basic credentials (redacted)"
        case .bearer: "bearer token (redacted)"
        }
    }

    /// Same as ``description``.
    public var debugDescription: String { description }

    /// A mirror without children, so `dump` does not print the secret.
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .enum) }
}
