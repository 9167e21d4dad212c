import AsyncHTTPClient
import NIOCore

extension SchedulerClient {
    /// The HTTP client podctl uses unless given another: like `HTTPClient.shared` (it is
    /// never shut down), but it fails at once when a connection cannot be established
    /// instead of retrying until the request deadline, since a CLI should say "connection
    /// refused" right away. Connecting may take 10 seconds.
    public static let defaultHTTPClient: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = .seconds(10)
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()
}
