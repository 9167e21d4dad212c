import MesosProtocol

/// `logRotation`: how the executor bounds each container's `stdout` and `stderr` (not in
/// Marathon; clients that do not know it ignore it). Absent fields take the scheduler's
/// `--log-rotation-*` defaults (docs/pod-lifecycle.md, "Bounded logs").
public struct PodLogRotation: Sendable, Hashable, Codable {
    /// `maxSizeMB`: the size of each file in MiB.
    public var maxSizeMB: Int?
    /// `maxFiles`: how many files are kept per stream, the current one included.
    public var maxFiles: Int?

    public init(maxSizeMB: Int? = nil, maxFiles: Int? = nil) {
        self.maxSizeMB = maxSizeMB
        self.maxFiles = maxFiles
    }

    /// The defaults of `--log-rotation-max-size-mb` and `--log-rotation-max-files`: 10 MiB
    /// × 5 files, Kubernetes' `containerLogMaxSize`/`containerLogMaxFiles`.
    public static let defaultMaxSizeMB = 10
    public static let defaultMaxFiles = 5

    /// The settings an executor gets: this pod's fields over the scheduler's `defaults`
    /// (nil when neither asks for rotation).
    public static func effective(pod: PodLogRotation?, defaults: PodLogRotation?) -> (maxSizeMB: Int, maxFiles: Int)? {
        guard pod != nil || defaults != nil else { return nil }
        let size = pod?.maxSizeMB ?? defaults?.maxSizeMB ?? defaultMaxSizeMB
        let files = pod?.maxFiles ?? defaults?.maxFiles ?? defaultMaxFiles
        return (size, files)
    }

    /// The executor's environment variables for `settings` (``PodLogRotationContract``).
    static func variables(_ settings: (maxSizeMB: Int, maxFiles: Int)) -> [Mesos_V1_Environment.Variable] {
        [(PodLogRotationContract.maxSizeVariable, settings.maxSizeMB), (PodLogRotationContract.maxFilesVariable, settings.maxFiles)]
            .map { name, value in
                var variable = Mesos_V1_Environment.Variable()
                variable.name = name
                variable.type = .value
                variable.value = String(value)
                return variable
            }
    }
}
