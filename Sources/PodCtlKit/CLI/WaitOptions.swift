import ArgumentParser

/// `--wait [--timeout SECONDS]` of the commands that start a deployment.
public struct WaitOptions: ParsableArguments, Sendable {
    /// The time `--wait` waits without `--timeout`.
    public static let defaultTimeout: Double = 300

    /// `--wait`.
    @Flag(name: .long, help: ArgumentHelp(
        "Wait until the deployment finishes, showing running/desired instances on standard error."))
    public var wait = false

    /// `--timeout`.
    @Option(name: .long, help: ArgumentHelp(
        "With --wait, give up after this many seconds (default: 300) and exit 5.", valueName: "seconds"))
    public var timeout: Double?

    /// Options as parsed.
    public init() {}

    /// `--timeout` needs `--wait` and a positive number.
    public func validate() throws {
        if let timeout {
            guard wait else { throw ValidationError("--timeout needs --wait") }
            guard timeout.isFinite, timeout > 0 else {
                throw ValidationError("--timeout must be a positive number of seconds")
            }
        }
    }

    /// The time to wait.
    public var duration: Duration {
        .milliseconds(Int64(((timeout ?? Self.defaultTimeout) * 1000).rounded()))
    }
}
