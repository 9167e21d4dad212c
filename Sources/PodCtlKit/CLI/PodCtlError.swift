/// An error that ends a podctl command: one line for standard error and the exit status.
public struct PodCtlError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The exit status it gives.
    public var status: ExitStatus
    /// The line to print (without the `podctl:` prefix); never holds credentials.
    public var message: String

    /// An error with this status and message.
    public init(_ status: ExitStatus, _ message: String) {
        self.status = status
        self.message = message
    }

    /// A usage error (exit 2).
    public static func usage(_ message: String) -> PodCtlError {
        PodCtlError(.usage, message)
    }

    /// The translation of client errors into exit statuses: server answers give 3,
    /// unreachable servers 4, a bad URL 2.
    public init(_ error: SchedulerClientError) {
        switch error {
        case .api, .invalidResponse: self.init(.api, error.description)
        case .connection: self.init(.connection, error.description)
        case .invalidURL: self.init(.usage, error.description)
        }
    }

    /// The message.
    public var description: String { message }
}
