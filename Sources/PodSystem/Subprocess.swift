import CPodShim
#if canImport(Glibc)
import Glibc
#endif

/// Runs host programs (CNI plugins, fetch helpers) with captured output, reaped by the
/// `ProcessSupervisor` through a pidfd.
public enum Subprocess {
    /// The outcome of a finished program.
    public struct Output: Sendable {
        public var termination: ProcessTermination
        public var standardOutput: [UInt8]
        public var standardError: [UInt8]

        public var succeeded: Bool { termination == .exited(0) }
        public var stdoutText: String { String(decoding: standardOutput, as: UTF8.self) }
        public var stderrText: String { String(decoding: standardError, as: UTF8.self) }
    }

    /// Runs `path` with `arguments` (argv[0] included) and `environment`, writes `input`
    /// to its standard input, and collects up to `outputLimit` bytes of each output.
    /// A `timeout` kills it with SIGKILL.
    public static func run(_ path: String, arguments: [String], environment: [String], input: [UInt8] = [],
                           outputLimit: Int = 4 << 20, timeout: Duration? = nil) async throws -> Output {
        let supervisor = ProcessSupervisor.shared
        try supervisor.checkUsable()
        var inPipe: [Int32] = [-1, -1]
        var outPipe: [Int32] = [-1, -1]
        var errPipe: [Int32] = [-1, -1]
        guard cpod_pipe_cloexec(&inPipe) == 0 else { throw SystemError.last("pipe2", path) }
        guard cpod_pipe_cloexec(&outPipe) == 0 else {
            close(inPipe[0]); close(inPipe[1])
            throw SystemError.last("pipe2", path)
        }
        guard cpod_pipe_cloexec(&errPipe) == 0 else {
            for fd in inPipe + outPipe { close(fd) }
            throw SystemError.last("pipe2", path)
        }
        var pid: pid_t = 0
        let rc = spawn(path, arguments: arguments, environment: environment, stdio: (inPipe[0], outPipe[1], errPipe[1]), pid: &pid)
        close(inPipe[0]); close(outPipe[1]); close(errPipe[1])
        guard rc == 0 else {
            close(inPipe[1]); close(outPipe[0]); close(errPipe[0])
            throw SystemError("posix_spawn", path, errno: rc)
        }
        let pidfd = cpod_pidfd_open(pid)
        guard pidfd >= 0 else {
            let e = Glibc.errno
            kill(pid, SIGKILL)
            close(inPipe[1]); close(outPipe[0]); close(errPipe[0])
            throw SystemError("pidfd_open", "\(pid)", errno: e)
        }
        let process = ManagedProcess(pid: pid, signalFD: dup(pidfd), reports: false)
        let out = OutputCollector(limit: outputLimit)
        let err = OutputCollector(limit: outputLimit)
        supervisor.watchOutput(fd: outPipe[0], collector: out)
        supervisor.watchOutput(fd: errPipe[0], collector: err)
        supervisor.watchPidFD(pidfd, process: process)

        // Feed stdin on a detached task: a program that does not read must not block us.
        let writer = Task.detached { [input] in
            var offset = 0
            signal(SIGPIPE, SIG_IGN)
            while offset < input.count {
                let n = input[offset...].withUnsafeBytes { write(inPipe[1], $0.baseAddress, $0.count) }
                if n < 0 {
                    if errno == EINTR { continue }
                    break
                }
                offset += n
            }
            close(inPipe[1])
        }
        let timer: Task<Void, Never>? = timeout.map { limit in
            Task {
                try? await Task.sleep(for: limit)
                if !Task.isCancelled { process.signal(SIGKILL) }
            }
        }
        let termination = await process.waitForExit()
        timer?.cancel()
        _ = await writer.value
        return Output(termination: termination, standardOutput: await out.result(), standardError: await err.result())
    }
    /// Spawn attributes for a program that starts with an empty signal mask and every signal
    /// at its default disposition, whatever this process blocks or ignores; `extraFlags` are
    /// added (`POSIX_SPAWN_SETSID` for a detached program).
    static func resetSignals(_ attr: inout posix_spawnattr_t, extraFlags: Int16 = 0) {
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attr, &mask)
        var defaults = sigset_t()
        sigfillset(&defaults)
        posix_spawnattr_setsigdefault(&attr, &defaults)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF) | extraFlags)
    }

    /// posix_spawn of `path` with `stdio` as its descriptors 0-2, no other descriptor of ours,
    /// an empty signal mask and default dispositions. Returns posix_spawn's result.
    private static func spawn(_ path: String, arguments: [String], environment: [String],
                              stdio: (input: Int32, output: Int32, error: Int32), pid: inout pid_t) -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdio.input, 0)
        posix_spawn_file_actions_adddup2(&actions, stdio.output, 1)
        posix_spawn_file_actions_adddup2(&actions, stdio.error, 2)
        // No descriptor of ours (listening sockets, pipes) leaks into the program.
        cpod_spawn_addclosefrom(&actions, 3)
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        resetSignals(&attr)

        func cStrings(_ values: [String]) -> [UnsafeMutablePointer<CChar>?] {
            values.map { strdup($0) } + [nil]
        }
        let argv = cStrings(arguments.isEmpty ? [path] : arguments)
        let envp = cStrings(environment)
        defer {
            for p in argv { free(p) }
            for p in envp { free(p) }
        }
        return posix_spawn(&pid, path, &actions, &attr, argv, envp)
    }
}

extension Subprocess {
    /// Starts a long-running program in its own session with its output going to files
    /// (how the embedded agent starts executors), optionally placing it in cgroups.
    /// The process is not tied to this one: it survives this process's death.
    public static func spawnDetached(_ path: String, arguments: [String], environment: [String], workingDirectory: String,
                                     standardOutput: String, standardError: String,
                                     cgroupProcsFiles: [String] = []) throws -> ManagedProcess {
        let supervisor = ProcessSupervisor.shared
        try supervisor.checkUsable()
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, standardOutput, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, standardError, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        cpod_spawn_addchdir(&actions, workingDirectory)
        cpod_spawn_addclosefrom(&actions, 3)
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        resetSignals(&attr, extraFlags: cpod_spawn_setsid_flag())
        let argv = (arguments.isEmpty ? [path] : arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup($0) } + [nil]
        defer {
            for p in argv { free(p) }
            for p in envp { free(p) }
        }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, &actions, &attr, argv, envp)
        guard rc == 0 else { throw SystemError("posix_spawn", path, errno: rc) }
        for file in cgroupProcsFiles {
            try? FileContents.write(file, "\(pid)", flags: O_WRONLY)
        }
        let pidfd = cpod_pidfd_open(pid)
        guard pidfd >= 0 else { throw SystemError.last("pidfd_open", "\(pid)") }
        let process = ManagedProcess(pid: pid, signalFD: dup(pidfd), reports: false)
        supervisor.watchPidFD(pidfd, process: process)
        return process
    }

    /// Watches a process that is not our child (found after a restart) until it exits.
    /// The exit status is unknown to us and reported as `exited(0)`.
    public static func adopt(pid: Int32) throws -> ManagedProcess {
        let supervisor = ProcessSupervisor.shared
        try supervisor.checkUsable()
        let pidfd = cpod_pidfd_open(pid)
        guard pidfd >= 0 else { throw SystemError.last("pidfd_open", "\(pid)") }
        let process = ManagedProcess(pid: pid, signalFD: dup(pidfd), reports: false)
        supervisor.watchPidFD(pidfd, process: process)
        return process
    }
}
