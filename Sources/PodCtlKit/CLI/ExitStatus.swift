/// podctl's exit codes. Scripts can tell a mistake in the command line from a refusal by
/// the server and from a server that cannot be reached.
public enum ExitStatus: Int32, Sendable, CaseIterable {
    /// Done.
    case success = 0
    /// An unexpected failure.
    case failure = 1
    /// A usage error: unknown flags, missing or extra arguments, an unreadable pod file,
    /// conflicting credentials, an invalid URL.
    case usage = 2
    /// An API error: the server answered 4xx/5xx (its message is printed), or a body that
    /// is not what the API documents.
    case api = 3
    /// A connection error: the server could not be reached or the connection broke.
    case connection = 4
    /// `--wait` gave up: the deployment was still running at the deadline.
    case timeout = 5

    /// The text of `--help`'s EXIT CODES section.
    public static let helpText = """
        EXIT CODES:
          0  success
          1  unexpected failure
          2  usage error: bad flags or arguments, unreadable pod file,
             conflicting credentials, invalid URL
          3  API error: the server answered 4xx/5xx (422 invalid pod,
             404 unknown pod, 409 locked by a deployment, 401, ...)
          4  connection error: the server could not be reached
          5  --wait timed out before the deployment finished
        """
}
