import Primitives

extension SchemaReader {
    /// `readinessCheck`: `http {endpoint, path, scheme}` | `tcp {endpoint}` | `exec {command}`,
    /// `intervalSeconds`, `timeoutSeconds`, `delaySeconds`, `httpStatusCodesForReady`
    /// (100–999) and `preserveLastResponse`.
    mutating func readinessCheck(_ value: JSONValue, at path: JSONPath) -> ReadinessCheck? {
        guard let object = object(value, at: path) else { return nil }
        // The kinds read exactly as a health check's.
        let kinds = healthCheck(.object(object.filtering(["http", "tcp", "exec"])), at: path)
        func number(_ key: String, _ reader: inout SchemaReader) -> Int? {
            reader.optional(object, key, at: path) { $0.int($1, at: $2, min: 0) }
        }
        let interval = number("intervalSeconds", &self)
        let timeout = number("timeoutSeconds", &self)
        let delay = number("delaySeconds", &self)
        let codes = optional(object, "httpStatusCodesForReady", at: path) { reader, value, path in
            reader.list(value, at: path, minItems: 1) { $0.int($1, at: $2, min: 100, max: 999) }
        }
        let preserve = optional(object, "preserveLastResponse", at: path) { $0.bool($1, at: $2) }
        guard let kinds else { return nil }
        return ReadinessCheck(http: kinds.http, tcpEndpoint: kinds.tcpEndpoint, exec: kinds.exec,
                              intervalSeconds: interval ?? ReadinessCheck.defaultIntervalSeconds,
                              timeoutSeconds: timeout ?? ReadinessCheck.defaultTimeoutSeconds, delaySeconds: delay ?? 0,
                              httpStatusCodesForReady: codes ?? ReadinessCheck.defaultStatusCodes,
                              preserveLastResponse: preserve ?? false)
    }
}

private extension JSONObject {
    /// Only the members named `keys`.
    func filtering(_ keys: [String]) -> JSONObject {
        var kept = JSONObject()
        for key in keys { if let value = self[key] { kept[key] = value } }
        return kept
    }
}
