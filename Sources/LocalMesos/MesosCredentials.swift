import Foundation

/// The credentials a Mesos master accepts from frameworks (`--credentials`): the JSON form
/// of the `Credentials` protobuf, `{"credentials":[{"principal":"p","secret":"s"}]}`, read
/// as `credentials::read` in `mesos:src/credentials/credentials.hpp` does since 1.11 (the
/// plain-text `principal secret` lines were removed then).
///
/// Secrets never appear in a description or an error.
public struct MesosCredentials: Sendable, Equatable, CustomStringConvertible {
    /// Why a credentials file was refused, in the master's words (without the
    /// `(see --credentials flag)` it adds when it exits).
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// principal → secret.
    let secrets: [String: String]

    /// The principals, sorted.
    public var principals: [String] { secrets.keys.sorted() }

    public var description: String { "credentials for \(principals.map { "'\($0)'" }.joined(separator: ", "))" }

    /// Credentials from explicit pairs (tests, or a caller that has them in memory).
    public init(_ pairs: [(principal: String, secret: String)]) {
        var secrets: [String: String] = [:]
        for pair in pairs { secrets[pair.principal] = pair.secret }
        self.secrets = secrets
    }

    /// Reads the file at `path` (`/path` or `file:///path`, as the master's flag takes).
    public init(contentsOf path: String) throws(Failure) {
        let file = path.hasPrefix("file://") ? String(path.dropFirst("file://".count)) : path
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: file))
        } catch {
            throw Failure(message: "Failed to read credentials file '\(file)': \(error.localizedDescription)")
        }
        try self.init(parsing: data)
    }

    /// Parses the file's contents.
    public init(parsing data: Data) throws(Failure) {
        // An empty file reads as "no credentials", which the master refuses at start.
        guard !data.isEmpty else { throw Failure(message: "Credentials file must contain at least one credential") }
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: data)
        } catch {
            // The parser's own message may quote the text around the error, and so a secret.
            var message = "Invalid json format: the file is not valid JSON"
            if Self.looksLikeTextFormat(data) {
                message += "; the plain-text 'principal secret' format was removed in Mesos 1.11, write "
                    + #"{"credentials":[{"principal":"NAME","secret":"SECRET"}]}"#
            }
            throw Failure(message: message)
        }
        guard let object = json as? [String: Any] else {
            throw Failure(message: "Invalid json format: expecting a JSON object")
        }
        var secrets: [String: String] = [:]
        if let list = object["credentials"], !(list is NSNull) {
            guard let entries = list as? [Any] else {
                throw Failure(message: "Failed to parse credentials: Not expecting a JSON \(Self.kind(list)) for field 'credentials'")
            }
            for (index, entry) in entries.enumerated() {
                guard let fields = entry as? [String: Any] else {
                    throw Failure(message: "Failed to parse credentials: Not expecting a JSON \(Self.kind(entry)) for field 'credentials'")
                }
                guard let principal = fields["principal"] as? String else {
                    if let value = fields["principal"], !(value is NSNull) {
                        throw Failure(message: "Failed to parse credentials: Not expecting a JSON \(Self.kind(value)) for field 'principal'")
                    }
                    throw Failure(message: "Failed to parse credentials: Missing required fields: credentials[\(index)].principal")
                }
                var secret = ""
                if let value = fields["secret"], !(value is NSNull) {
                    guard let text = value as? String else {
                        throw Failure(message: "Failed to parse credentials: Not expecting a JSON \(Self.kind(value)) for field 'secret'")
                    }
                    secret = text
                }
                secrets[principal] = secret
            }
        }
        self.secrets = secrets
    }

    /// Whether `principal` has exactly `secret`.
    func accepts(principal: String, secret: String) -> Bool {
        guard let expected = secrets[principal] else { return false }
        return Array(expected.utf8) == Array(secret.utf8)
    }

    /// Lines of two words separated by a space: the format Mesos read before 1.11.
    private static func looksLikeTextFormat(_ data: Data) -> Bool {
        let lines = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline)
        return !lines.isEmpty && lines.allSatisfy { $0.split(separator: " ").count == 2 }
    }

    private static func kind(_ value: Any) -> String {
        switch value {
        case is String: "string"
        case is [Any]: "array"
        case is [String: Any]: "object"
        case is NSNumber: "number"
        default: "null"
        }
    }
}
