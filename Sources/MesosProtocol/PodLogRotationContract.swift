/// What pod-scheduler and pod-executor agree on for bounded container logs
/// (docs/pod-lifecycle.md, "Bounded logs").
///
/// The settings are the executor's, not a task's: they hold for every container of the
/// instance and must be known before the first one starts, and a real Mesos agent hands
/// `ExecutorInfo.command.environment` to the executor process as its environment (as the
/// Mesos logrotate container logger takes its per-executor overrides from there too).
/// Both variables or neither: without them the executor writes plain `stdout`/`stderr`
/// files that grow, as the Mesos default executor does.
public enum PodLogRotationContract {
    /// The size of each file in MiB (whole numbers, ``maxSizeRange``).
    public static let maxSizeVariable = "POD_EXECUTOR_LOG_MAX_SIZE_MB"
    /// How many files are kept per stream, the current one included (``maxFilesRange``).
    public static let maxFilesVariable = "POD_EXECUTOR_LOG_MAX_FILES"
    /// 1 MiB to 100 GiB.
    public static let maxSizeRange = 1...102_400
    /// 1 to 100 files.
    public static let maxFilesRange = 1...100
}
