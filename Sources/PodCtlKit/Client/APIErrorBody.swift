import Foundation
import Primitives

/// Marathon's error body: `{"message": …, "details": […], "deployments": […]}`
/// (docs/reference/marathon-pods-api.md §5), read leniently because its shape varies by error.
public struct APIErrorBody: Sendable, Equatable {
    /// One validation error entry: a JSON path and its messages.
    public struct Detail: Sendable, Equatable {
        /// The path, e.g. `/containers(0)/resources/cpus`; `/` for the whole pod.
        public var path: String
        /// The messages at that path.
        public var errors: [String]

        /// A detail entry.
        public init(path: String, errors: [String]) {
            self.path = path
            self.errors = errors
        }
    }

    /// The server's message (a message nested as JSON inside the message, as in
    /// Marathon's 404 for `GET /v2/pods/{id}`, is unwrapped).
    public var message: String
    /// Validation details (`details` as an array of `{path, errors}`).
    public var details: [Detail]
    /// `details` given as text (400 "Invalid JSON" carries the parser's message).
    public var detailText: String?
    /// The deployments that lock the pod (409).
    public var deployments: [String]

    /// An error body.
    public init(message: String, details: [Detail] = [], detailText: String? = nil, deployments: [String] = []) {
        self.message = message
        self.details = details
        self.detailText = detailText
        self.deployments = deployments
    }

    /// Reads an error body; a body that is not Marathon's JSON gives its first line of text
    /// (or `fallback`, the HTTP reason phrase, when it is empty).
    public init(data: Data, fallback: String) {
        guard let json = try? JSONValue.parse(data), let object = json.objectValue else {
            let text = String(decoding: data, as: UTF8.self)
            let firstLine = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
            let trimmed = firstLine.trimmingCharacters(in: .whitespaces)
            self.init(message: trimmed.isEmpty ? fallback : String(trimmed.prefix(300)))
            return
        }
        let message = object["message"]?.stringValue.map(Self.unwrapped) ?? fallback
        var details: [Detail] = []
        var detailText: String?
        switch object["details"] {
        case .array(let entries)?:
            details = entries.compactMap { entry in
                guard let path = entry["path"]?.stringValue else { return nil }
                let errors = entry["errors"]?.arrayValue?.compactMap(\.stringValue) ?? []
                return Detail(path: path, errors: errors)
            }
        case .string(let text)?:
            detailText = text
        default:
            break
        }
        let deployments = object["deployments"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
        self.init(message: message, details: details, detailText: detailText, deployments: deployments)
    }

    /// The message with its details on one line:
    /// `Object is not valid: /a: first, second; /b: third`.
    public var summary: String {
        var parts: [String] = []
        for detail in details {
            let path = detail.path.isEmpty ? "/" : detail.path
            parts.append(detail.errors.isEmpty ? path : "\(path): \(detail.errors.joined(separator: ", "))")
        }
        if let detailText, !detailText.isEmpty { parts.append(detailText) }
        if !deployments.isEmpty { parts.append("deployments \(deployments.joined(separator: ", "))") }
        let line = parts.isEmpty ? message : "\(message): \(parts.joined(separator: "; "))"
        return Self.singleLine(line)
    }

    /// Marathon's 404 quirk: `{"message":"{\"message\": \"pod with /x does not exist\"}"}`.
    private static func unwrapped(_ message: String) -> String {
        guard message.hasPrefix("{"), let data = message.data(using: .utf8),
              let inner = try? JSONValue.parse(data), let text = inner["message"]?.stringValue
        else { return message }
        return text
    }

    private static func singleLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
    }
}
