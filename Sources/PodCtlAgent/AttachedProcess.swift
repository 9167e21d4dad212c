import Foundation
import PodCtlKit
import PodSystem
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Runs a process inside a container with podctl's streams attached, as `docker exec`
/// does. How its standard streams are wired is one ``Wiring``, chosen once from the
/// command's flags and the context (``Wiring/choose(tty:interactive:context:)``).
struct AttachedProcess: Sendable {
    /// Where the command's standard input comes from.
    enum Input: Sendable {
        /// Nothing: the command's standard input is not connected.
        case none
        /// podctl's own terminal (descriptor 0), in raw mode, with its window size followed.
        case keyboard
        /// These bytes, then end of file (a test's memory input).
        case bytes([UInt8])
    }

    /// How the command's standard streams are wired.
    enum Wiring: Sendable {
        /// A pseudo-terminal of `size` is the command's input, output, error and controlling
        /// terminal; its output is relayed to podctl's output.
        case terminal(input: Input, size: (rows: UInt16, columns: UInt16))
        /// The command uses podctl's own descriptors 1 and 2 (and 0 when `input`).
        case inherited(input: Bool)
        /// The command's output and error are collected through pipes into the context's
        /// sinks; its input is `bytes` through a pipe, or nothing.
        case collected(input: [UInt8]?)

        /// The wiring for `-t` (`tty`) and `-i` (`interactive`): under the process's own
        /// streams (`CommandContext.process()`) descriptors 0, 1 and 2 are used; under a
        /// test's memory sinks output is collected and input is `readStandardInput()`.
        static func choose(tty: Bool, interactive: Bool, context: CommandContext) -> Wiring {
            let real = ProcessStreams.isProcessContext(context)
            let given = { Array((try? context.readStandardInput()) ?? Data()) }
            switch (tty, real) {
            case (true, true):
                return .terminal(input: interactive ? .keyboard : .none, size: PseudoTerminal.windowSize(0) ?? (24, 80))
            case (true, false): return .terminal(input: interactive ? .bytes(given()) : .none, size: (24, 80))
            case (false, true): return .inherited(input: interactive)
            case (false, false): return .collected(input: interactive ? given() : nil)
            }
        }
    }

    var wiring: Wiring
    /// The container's `ptmx` (`/proc/<init>/root/dev/pts/ptmx`): its terminal then has a
    /// name inside the container (`tty`, `ttyname`); the host's is used when it cannot be
    /// opened.
    var containerPTMX: String?

    /// What one run set up: the relays, podctl's ends (closed after the relays), the
    /// command's ends (closed by the spawn, or here when it fails), the terminal to restore.
    private final class Attachment {
        let control = StreamRelay.Control()
        var relays: [Task<Void, Never>] = []
        var ours: [Int32] = []
        var theirs: [Int32] = []
        var terminal: TerminalMode?

        func finish() async {
            control.stop()
            for relay in relays { await relay.value }
        }
    }

    /// Starts `spec` and waits for its end. Throws the monitor's setup error (`SystemError`
    /// with operation `exec` when the program could not be executed).
    func run(_ spec: MonitorSpec, context: CommandContext) async throws -> ProcessTermination {
        signal(SIGPIPE, SIG_IGN)
        var spec = spec
        let attachment = Attachment()
        defer { attachment.terminal?.restore() }
        do {
            switch wiring {
            case .terminal(let input, let size): try attachTerminal(&spec, input: input, size: size, context: context, to: attachment)
            case .inherited(let input): try Self.attachInherited(&spec, input: input)
            case .collected(let input): try Self.attachCollected(&spec, input: input, context: context, to: attachment)
            }
        } catch {
            for fd in attachment.theirs + attachment.ours { close(fd) }
            await attachment.finish()
            throw error
        }
        defer { for fd in attachment.ours { close(fd) } }
        let process: ManagedProcess
        do {
            process = try await ProcessSupervisor.shared.spawn(spec)
        } catch {
            await attachment.finish()
            throw error
        }
        do {
            _ = try await process.started()
        } catch {
            _ = await process.waitForExit()
            await attachment.finish()
            throw error
        }
        let termination = await process.waitForExit()
        await attachment.finish()
        return termination
    }

    private func attachTerminal(_ spec: inout MonitorSpec, input: Input, size: (rows: UInt16, columns: UInt16),
                                context: CommandContext, to attachment: Attachment) throws {
        let pty = try PseudoTerminal.open(size: size, containerPTMX: containerPTMX)
        attachment.theirs = [pty.terminal]
        attachment.ours.append(pty.controller)
        spec.standardInput = .fileDescriptor(pty.terminal)
        spec.standardOutput = .fileDescriptor(pty.terminal)
        spec.standardError = .fileDescriptor(pty.terminal)
        spec.controllingTerminal = true
        let output = ByteOutput.output(context)
        let controller = pty.controller, control = attachment.control
        attachment.relays.append(Task { await StreamRelay.drain(dup(controller), to: output, control: control) })
        switch input {
        case .none:
            break
        case .keyboard:
            attachment.terminal = TerminalMode.makeRaw(0)
            let last = LastWindowSize((size.rows, size.columns))
            attachment.relays.append(Task {
                await StreamRelay.forward(0, to: controller, closeTarget: false, control: control) {
                    if let now = PseudoTerminal.windowSize(0), last.changed(to: now) {
                        PseudoTerminal.setWindowSize(controller, now)
                    }
                }
            })
        case .bytes(let bytes):
            attachment.relays.append(Task { await StreamRelay.feed(bytes, to: controller, closeTarget: false, control: control) })
        }
    }

    private static func attachInherited(_ spec: inout MonitorSpec, input: Bool) throws {
        spec.standardOutput = .fileDescriptor(try duplicate(1))
        spec.standardError = .fileDescriptor(try duplicate(2))
        if input { spec.standardInput = .fileDescriptor(try duplicate(0)) }
    }

    private static func attachCollected(_ spec: inout MonitorSpec, input: [UInt8]?, context: CommandContext,
                                        to attachment: Attachment) throws {
        let out = try AnonymousPipe.make("standard output")
        let err = try AnonymousPipe.make("standard error")
        attachment.theirs += [out.write, err.write]
        spec.standardOutput = .fileDescriptor(out.write)
        spec.standardError = .fileDescriptor(err.write)
        let output = ByteOutput.output(context), errors = ByteOutput.errors(context), control = attachment.control
        attachment.relays.append(Task { await StreamRelay.drain(out.read, to: output, control: control) })
        attachment.relays.append(Task { await StreamRelay.drain(err.read, to: errors, control: control) })
        if let input {
            let pipe = try AnonymousPipe.make("standard input")
            attachment.theirs.append(pipe.read)
            spec.standardInput = .fileDescriptor(pipe.read)
            attachment.relays.append(Task { await StreamRelay.feed(input, to: pipe.write, closeTarget: true, control: control) })
        }
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
