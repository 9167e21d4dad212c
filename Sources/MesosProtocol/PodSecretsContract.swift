/// What pod-scheduler and pod-executor agree on for secrets passed by reference
/// (docs/operations.md, "Secrets"). Nothing here is a secret: Mesos shows every one of
/// these in its state endpoints, and a token is useless once redeemed.
///
/// - The scheduler's address reaches the executor in `ExecutorInfo.command.environment`
///   (``urlVariable``, and ``caFileVariable`` for an `https` address).
/// - Each `TaskInfo` of a group whose pod uses secrets carries the instance's single-use
///   token as its `data` (Mesos' `/state` and checkpoints render `Task`, which has no `data`).
/// - The executor redeems it once: `POST` ``path`` with `Authorization: Bearer <token>`
///   and `{"instanceId": …, "secrets": [names]}`; the answer is
///   `{"secrets": {name: base64}}` with exactly those names.
public enum PodSecretsContract {
    /// `http(s)://host:port` of the scheduler's REST API, as the executors reach it.
    public static let urlVariable = "POD_EXECUTOR_SECRETS_URL"
    /// A PEM file on the agent holding the CA(s) that sign an `https` scheduler's
    /// certificate; without it the system trust store is used.
    public static let caFileVariable = "POD_EXECUTOR_SECRETS_CA_FILE"
    /// The endpoint of the scheduler's REST API that executors redeem tokens at.
    public static let path = "/executor/v1/secrets"
    /// Every token starts with this (its format version).
    public static let tokenPrefix = "pst1."

    /// The token in a `TaskInfo.data`, nil when the data is not one.
    public static func token(inTaskData data: [UInt8]) -> String? {
        let prefix = Array(tokenPrefix.utf8)
        guard data.count > prefix.count, data.count < 4096, data.starts(with: prefix),
              data.allSatisfy({ $0 > 0x20 && $0 < 0x7f }) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }
}
