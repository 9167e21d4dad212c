import Foundation

/// The principal and secret a framework authenticates with (Marathon's
/// `--mesos_authentication_principal` and `--mesos_authentication_secret_file`), sent as
/// HTTP basic credentials on every call to `/api/v1/scheduler`.
///
/// The secret is never part of a description, a log line or an error.
public struct FrameworkCredential: Sendable, Equatable, CustomStringConvertible {
    /// Why a principal or secret cannot be used.
    public enum Invalid: Error, Sendable, Equatable, CustomStringConvertible {
        case emptyPrincipal
        /// Basic authentication carries `principal:secret`, and the master splits it on
        /// every `:` (`mesos:3rdparty/libprocess/src/authenticator.cpp`).
        case principalHasColon
        case emptySecret
        case secretHasColon

        public var description: String {
            switch self {
            case .emptyPrincipal: "the principal is empty"
            case .principalHasColon: "the principal contains ':', which HTTP basic authentication cannot carry"
            case .emptySecret: "the secret is empty"
            case .secretHasColon:
                "the secret contains ':'; the Mesos master splits basic credentials on every ':', so it can never authenticate"
            }
        }
    }

    public let principal: String
    private let secret: String

    public init(principal: String, secret: String) throws(Invalid) {
        guard !principal.isEmpty else { throw .emptyPrincipal }
        guard !principal.contains(":") else { throw .principalHasColon }
        guard !secret.isEmpty else { throw .emptySecret }
        guard !secret.contains(":") else { throw .secretHasColon }
        self.principal = principal
        self.secret = secret
    }

    /// The secret as a secret file holds it: the file's text without the line break(s) an
    /// editor or `echo` leaves at its end.
    public static func secret(fromFileContents data: Data) -> String {
        var text = String(decoding: data, as: UTF8.self)
        while let last = text.last, last.isNewline { text.removeLast() }
        return text
    }

    /// The `Authorization` header value.
    public var authorization: String {
        "Basic " + Data("\(principal):\(secret)".utf8).base64EncodedString()
    }

    public var description: String { "principal '\(principal)'" }
}
