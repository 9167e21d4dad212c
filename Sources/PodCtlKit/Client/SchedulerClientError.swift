/// Why a ``SchedulerClient`` request failed.
///
/// The cases separate what the operator can do about it: fix the request or the pod
/// (``api(status:body:request:)``), reach the server (``connection(url:reason:)``), or
/// report a server that answered something podctl cannot read
/// (``invalidResponse(request:reason:)``). No case ever holds credentials.
public enum SchedulerClientError: Error, Sendable, Equatable {
    /// The server answered with an error status (4xx/5xx); `body` is its Marathon error body.
    case api(status: Int, body: APIErrorBody, request: String)
    /// The server could not be reached, or the connection failed before a full answer.
    case connection(url: String, reason: String)
    /// The server answered with a success status but a body that is not what the API
    /// documents.
    case invalidResponse(request: String, reason: String)
    /// The base URL is not an `http` or `https` URL with a host.
    case invalidURL(String)

    /// The HTTP status of an API error; nil for the other cases.
    public var status: Int? {
        guard case .api(let status, _, _) = self else { return nil }
        return status
    }
}

extension SchedulerClientError: CustomStringConvertible {
    /// One line: what failed and why, with the server's message and validation details.
    public var description: String {
        switch self {
        case .api(let status, let body, let request):
            var line = "\(body.summary) (HTTP \(status) from \(request))"
            if status == 401 {
                line += "; check --user, --token, --credentials-file or PODCTL_TOKEN"
            } else if status == 409 && !body.deployments.isEmpty {
                line += "; retry with --force to override the running deployment"
            }
            return line
        case .connection(let url, let reason):
            return "cannot reach the scheduler at \(url): \(reason)"
        case .invalidResponse(let request, let reason):
            return "unexpected answer to \(request): \(reason)"
        case .invalidURL(let url):
            return "invalid scheduler URL '\(url)': expected http://HOST[:PORT] or https://HOST[:PORT]"
        }
    }
}
