import CPodShim
import Foundation
import PodCtlKit
import PodSystem
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Runs a process inside a container with podctl's streams attached, as `docker exec`
/// does: with `tty`, a pseudo-terminal whose other side is podctl's terminal (in raw mode,
/// window size followed); without, the command's output and error go to podctl's, and
/// with `interactive` podctl's standard input to the command.
///
/// Under the process's own streams (`CommandContext.process()`) descriptors 0, 1 and 2
/// are used directly; under a test's memory sinks the output is collected as text and
/// standard input is the context's `readStandardInput()`.
struct AttachedProcess: Sendable {
    var tty: Bool
    var interactive: Bool
    /// The container's `ptmx` (`/proc/<init>/root/dev/pts/ptmx`): its terminal then has a
    /// name inside the container (`tty`, `ttyname`); the host's is used when it cannot be
    /// opened.
    var containerPTMX: String?

    /// Starts `spec` and waits for its end. Throws the monitor's setup error (`SystemError`
    /// with operation `exec` when the program could not be executed).
    func run(_ spec: MonitorSpec, context: CommandContext) async throws -> ProcessTermination {
        signal(SIGPIPE, SIG_IGN)
        let real = ProcessStreams.isProcessContext(context)
        var spec = spec
        let control = StreamRelay.Control()
        var relays: [Task<Void, Never>] = []
        var terminal: TerminalMode?
        var ours: [Int32] = []  // our ends, closed after the relays finished
        var theirs: [Int32] = []  // the command's ends, closed by spawn (or by us on failure)
        defer {
            terminal?.restore()
        }
        do {
            if tty {
                let size = (real ? TerminalMode.windowSize(0) : nil) ?? (24, 80)
                var master: Int32 = -1
                var slave: Int32 = -1
                let inContainer = containerPTMX.map { cpod_openpty_at($0, &master, &slave, size.0, size.1) == 0 } ?? false
                if !inContainer {
                    guard cpod_openpty(&master, &slave, size.0, size.1) == 0 else { throw SystemError.last("openpty", "") }
                }
                theirs = [slave]
                ours.append(master)
                spec.standardInput = .fileDescriptor(slave)
                spec.standardOutput = .fileDescriptor(slave)
                spec.standardError = .fileDescriptor(slave)
                spec.controllingTerminal = true
                let output = ByteOutput.output(context)
                let masterFD = master
                relays.append(Task { await StreamRelay.drain(dup(masterFD), to: output, control: control) })
                if real && interactive {
                    terminal = TerminalMode.makeRaw(0)
                    let last = LastWindowSize(size)
                    relays.append(Task {
                        await StreamRelay.forward(0, to: masterFD, closeTarget: false, control: control) {
                            if let now = TerminalMode.windowSize(0), last.changed(to: now) {
                                _ = cpod_set_winsize(masterFD, now.rows, now.columns)
                            }
                        }
                    })
                } else if interactive {
                    let input = Array((try? context.readStandardInput()) ?? Data())
                    relays.append(Task { await StreamRelay.feed(input, to: masterFD, closeTarget: false, control: control) })
                }
            } else {
                if real {
                    spec.standardOutput = .fileDescriptor(try Self.duplicate(1))
                    spec.standardError = .fileDescriptor(try Self.duplicate(2))
                    if interactive { spec.standardInput = .fileDescriptor(try Self.duplicate(0)) }
                } else {
                    let out = try Self.pipe()
                    let err = try Self.pipe()
                    theirs += [out.write, err.write]
                    spec.standardOutput = .fileDescriptor(out.write)
                    spec.standardError = .fileDescriptor(err.write)
                    let output = ByteOutput.output(context)
                    let errors = ByteOutput.errors(context)
                    relays.append(Task { await StreamRelay.drain(out.read, to: output, control: control) })
                    relays.append(Task { await StreamRelay.drain(err.read, to: errors, control: control) })
                    if interactive {
                        let input = try Self.pipe()
                        theirs.append(input.read)
                        spec.standardInput = .fileDescriptor(input.read)
                        let bytes = Array((try? context.readStandardInput()) ?? Data())
                        relays.append(Task { await StreamRelay.feed(bytes, to: input.write, closeTarget: true, control: control) })
                    }
                }
            }
        } catch {
            for fd in theirs + ours { close(fd) }
            control.stop()
            for relay in relays { await relay.value }
            throw error
        }
        defer { for fd in ours { close(fd) } }
        let process: ManagedProcess
        do {
            process = try await ProcessSupervisor.shared.spawn(spec)
        } catch {
            control.stop()
            for relay in relays { await relay.value }
            throw error
        }
        do {
            _ = try await process.started()
        } catch {
            _ = await process.waitForExit()
            control.stop()
            for relay in relays { await relay.value }
            throw error
        }
        let termination = await process.waitForExit()
        control.stop()
        for relay in relays { await relay.value }
        return termination
    }

    /// The exit code a shell gives for `termination`: the status, or 128 + the signal.
    static func exitCode(_ termination: ProcessTermination) -> Int32 {
        switch termination {
        case .exited(let code): return code
        case .signaled(let signal): return 128 + signal
        }
    }

    private static func duplicate(_ fd: Int32) throws(SystemError) -> Int32 {
        let copy = fcntl(fd, F_DUPFD_CLOEXEC, 3)
        guard copy >= 0 else { throw SystemError.last("dup", "descriptor \(fd)") }
        return copy
    }

    private static func pipe() throws(SystemError) -> (read: Int32, write: Int32) {
        var fds: [Int32] = [-1, -1]
        guard cpod_pipe_cloexec(&fds) == 0 else { throw SystemError.last("pipe2", "") }
        return (fds[0], fds[1])
    }
}

/// The window size last given to a container's terminal.
private final class LastWindowSize: Sendable {
    private let value: Mutex<(UInt16, UInt16)>
    init(_ size: (UInt16, UInt16)) { value = Mutex(size) }

    /// Records `size`; true when it differs from the last one.
    func changed(to size: (rows: UInt16, columns: UInt16)) -> Bool {
        value.withLock { last in
            guard last != (size.rows, size.columns) else { return false }
            last = (size.rows, size.columns)
            return true
        }
    }
}
