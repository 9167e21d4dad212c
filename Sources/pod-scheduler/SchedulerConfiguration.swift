import Foundation
import MesosHTTP
import MesosProtocol
import PodSchedulerAPI
import PodSpec
import ZooKeeper

/// The scheduler's checked configuration: every problem with the command line is found
/// before anything starts, and reported together.
struct SchedulerConfiguration: Sendable {
    struct Problems: Error {
        var list: [String]
    }

    enum Master: Sendable {
        case local
        case remote([MesosEndpoint])
        /// `zk://…`: the leading master as detected in ZooKeeper (`Settings+Master.swift`).
        case zooKeeper(ZooKeeperURL)
    }

    var master: Master
    /// `--master` named a `file://` (deprecated in Mesos: a warning is logged).
    var masterFromFile: Bool
    var httpAddress: String
    /// The REST API's listeners (HTTP, HTTPS).
    var listeners: Listeners
    /// How the framework authenticates to and verifies the masters.
    var mesosSecurity: MesosSecurity
    var workDirectory: String
    var executorCommand: Mesos_V1_CommandInfo
    var executorDescription: String
    var frameworkName: String
    var role: String
    var user: String
    var secretsDirectory: String
    /// Where executors fetch their secrets, and the CA file they verify it with.
    var secretsURL: String
    var secretsCAFile: String?
    var defaultNetworkName: String?
    var authentication: APIConfiguration.Authentication
    /// `--permissions-file`: principals and what they may do.
    var permissions: Permissions?
    /// The embedded master and agent of `--master local` (the `--local-*` flags).
    var localCluster: LocalCluster.Configuration
    /// `--zk`: several instances, one leader, the state in ZooKeeper; nil: one instance.
    var highAvailability: HighAvailability?
    /// The host others reach this instance's API at (`--hostname`).
    var hostname: String
    /// `--log-rotation-*`: the bounds of pods that give no `logRotation` (nil: off).
    var logRotation: PodLogRotation?

    init(command c: PodSchedulerCommand) throws {
        var problems: [String] = []
        master = Self.master(c.master, problems: &problems)
        masterFromFile = c.master.trimmingCharacters(in: .whitespaces).hasPrefix("file://")
        httpAddress = c.httpAddress
        listeners = Self.listeners(c, problems: &problems)
        mesosSecurity = Self.mesosSecurity(c, master: master, problems: &problems)
        workDirectory = c.workDir
        ProcessStartup.prepareWorkDirectory(c.workDir, problems: &problems)
        frameworkName = c.frameworkName
        role = c.mesosRole
        user = c.mesosUser
        secretsDirectory = c.secretsDir ?? (c.workDir + "/secrets")
        try? FileManager.default.createDirectory(atPath: secretsDirectory, withIntermediateDirectories: true)
        defaultNetworkName = c.defaultNetworkName

        (executorCommand, executorDescription) = try Self.executor(c, master: master, problems: &problems)
        authentication = Self.authentication(c, problems: &problems)

        hostname = Self.hostname(c, problems: &problems)
        highAvailability = Self.highAvailability(c, master: master, problems: &problems)
        permissions = Self.permissions(c, problems: &problems)
        (secretsURL, secretsCAFile) = Self.executorSecrets(c, master: master, listeners: listeners, problems: &problems)
        logRotation = Self.logRotation(c, problems: &problems)

        localCluster = LocalCluster.Configuration(
            workDirectory: c.workDir,
            flags: .init(prefix: "--local-", cpus: c.localCPUs, memory: c.localMemory, disk: c.localDisk, ports: c.localPorts,
                         masterPort: c.localMasterPort, agentPort: c.localAgentPort, cniConfigDirectory: c.cniConfigDir,
                         dockerRegistry: c.dockerRegistry),
            problems: &problems)
        if !executorCommand.value.hasPrefix("./") { localCluster.cleanupExecutor = executorCommand.value }
        localCluster.master.frameworkCredentials = mesosSecurity.localCredentials
        if !problems.isEmpty { throw Problems(list: problems) }
    }

    /// `--log-rotation-max-size-mb` and `--log-rotation-max-files`: both 0 (off), or both in range.
    private static func logRotation(_ c: PodSchedulerCommand, problems: inout [String]) -> PodLogRotation? {
        let size = c.logRotationMaxSizeMB, files = c.logRotationMaxFiles
        if size == 0 && files == 0 { return nil }
        var valid = true
        if !PodLogRotationContract.maxSizeRange.contains(size) {
            problems.append("--log-rotation-max-size-mb must be 1-102400 (or 0 with --log-rotation-max-files 0 to turn rotation off), got \(size)")
            valid = false
        }
        if !PodLogRotationContract.maxFilesRange.contains(files) {
            problems.append("--log-rotation-max-files must be 1-100 (or 0 with --log-rotation-max-size-mb 0 to turn rotation off), got \(files)")
            valid = false
        }
        return valid ? PodLogRotation(maxSizeMB: size, maxFiles: files) : nil
    }

    /// `--executor`: a path on the agents, or a URI for the fetcher; the command that starts
    /// it and how it is named in logs.
    private static func executor(_ c: PodSchedulerCommand, master: Master,
                                 problems: inout [String]) throws -> (Mesos_V1_CommandInfo, String) {
        var command = Mesos_V1_CommandInfo()
        command.shell = false
        let executor = c.executor ?? SchedulerConfiguration.executorNextToUs()
        if let executor {
            if executor.contains("://") {
                guard executor.hasPrefix("http://") || executor.hasPrefix("https://") || executor.hasPrefix("file://") else {
                    problems.append("--executor: only http, https and file URIs can be fetched: \(executor)")
                    throw Problems(list: problems)
                }
                var uri = Mesos_V1_CommandInfo.URI()
                uri.value = executor
                let archive = [".tar.gz", ".tgz", ".tar", ".tar.xz"].contains { executor.hasSuffix($0) }
                uri.extract = archive
                uri.executable = !archive
                uri.cache = true
                if !archive { uri.outputFile = "pod-executor" }
                command.uris = [uri]
                command.value = "./pod-executor"
                command.arguments = ["pod-executor"]
            } else {
                if !executor.hasPrefix("/") { problems.append("--executor: \(executor) must be an absolute path on the agents") }
                if case .local = master, !FileManager.default.isExecutableFile(atPath: executor) {
                    problems.append("--executor: \(executor) is not an executable file")
                }
                command.value = executor
                command.arguments = ["pod-executor"]
            }
        } else {
            problems.append("--executor: not given and no pod-executor next to pod-scheduler")
        }
        return (command, executor ?? "(none)")
    }

    /// `--auth-basic-file` / `--auth-token-file`: the one credential of the REST API.
    private static func authentication(_ c: PodSchedulerCommand, problems: inout [String]) -> APIConfiguration.Authentication {
        var authentication = APIConfiguration.Authentication.none
        if let file = c.authBasicFile {
            if let text = try? String(contentsOfFile: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines),
               let colon = text.firstIndex(of: ":") {
                authentication = .basic(username: String(text[..<colon]), password: String(text[text.index(after: colon)...]))
            } else {
                problems.append("--auth-basic-file: \(file) must be readable and hold 'user:password'")
            }
        }
        if let file = c.authTokenFile {
            if let token = try? String(contentsOfFile: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines), !token.isEmpty {
                if c.authBasicFile != nil { problems.append("--auth-token-file and --auth-basic-file cannot be combined") }
                authentication = .bearer(token: token)
            } else {
                problems.append("--auth-token-file: \(file) must be readable and hold a token")
            }
        }
        return authentication
    }

    /// `pod-executor` installed with this binary: next to it (.build/*/, the fetcher
    /// tarball) or in the package layout (`<prefix>/bin/pod-scheduler`,
    /// `<prefix>/libexec/mesos-pods/pod-executor`).
    static func executorNextToUs() -> String? {
        guard let me = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") else { return nil }
        let bin = (me as NSString).deletingLastPathComponent
        let prefix = (bin as NSString).deletingLastPathComponent
        return [bin + "/pod-executor", prefix + "/libexec/mesos-pods/pod-executor"]
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
