/// The process a container runs, derived from the task's command and the image config.
public struct ResolvedCommand: Sendable, Equatable {
    /// The program to execute (`argv[0]` is ``arguments``' first element, which may differ).
    public var executable: String
    /// The full argv, including `argv[0]`.
    public var arguments: [String]
    /// `KEY=value` strings: image `Env` overridden by the task's variables.
    public var environment: [String]
    /// The working directory (image `WorkingDir`), if any. Create it inside the rootfs with a
    /// confined `mkdirat` before use.
    public var workingDirectory: String?
}

/// Mesos' merge of `CommandInfo` with the image's `Entrypoint`/`Cmd` (image-pull.md §2.6,
/// `isolators/docker/runtime.cpp`), kept exactly, including the `Cmd[0] + arguments` quirk:
///
/// | CommandInfo | image has Entrypoint E | image has only Cmd C | neither |
/// |---|---|---|---|
/// | shell, value V | `/bin/sh -c V` | same | same |
/// | shell, no value | error | error | error |
/// | exec, value V, args A | `V` with argv `A` | same | same |
/// | exec, no value, no args | `E[0]`, argv `E + C` | `C[0]`, argv `C` | error |
/// | exec, no value, args A | `E[0]`, argv `E + A` | `C[0]`, argv `[C[0]] + A` | error |
///
/// With `shell=false` and a value but no arguments, argv is `[V]` (Mesos passes the value as
/// argv[0] when `arguments` is empty).
public enum ImageCommand {
    /// Resolves the command, environment and working directory.
    ///
    /// - Parameters:
    ///   - config: the image config, `nil` for a task without an image.
    ///   - shell: `CommandInfo.shell` (Marathon pods set `false` unless `exec.command.shell`).
    ///   - value: `CommandInfo.value`.
    ///   - arguments: `CommandInfo.arguments`.
    ///   - taskEnvironment: the task's variables; they override the image's, and the image's
    ///     `PATH` stays unless the task sets one.
    public static func resolve(config: ImageConfig?, shell: Bool, value: String?, arguments: [String],
                               taskEnvironment: [(String, String)]) throws(ImageStoreError) -> ResolvedCommand
    {
        let environment = mergeEnvironment(image: config?.env ?? [], task: taskEnvironment)
        let workingDirectory = config?.workingDir.flatMap { $0.isEmpty ? nil : $0 }
        if shell {
            guard let value, !value.isEmpty else {
                throw ImageStoreError(.invalidCommand, "shell command has no value")
            }
            return ResolvedCommand(executable: "/bin/sh", arguments: ["/bin/sh", "-c", value],
                                   environment: environment, workingDirectory: workingDirectory)
        }
        if let value, !value.isEmpty {
            let argv = arguments.isEmpty ? [value] : arguments
            return ResolvedCommand(executable: value, arguments: argv, environment: environment,
                                   workingDirectory: workingDirectory)
        }
        let entrypoint = config?.entrypoint ?? []
        let cmd = config?.cmd ?? []
        let argv: [String]
        if let first = entrypoint.first {
            argv = entrypoint + (arguments.isEmpty ? cmd : arguments)
            return ResolvedCommand(executable: first, arguments: argv, environment: environment,
                                   workingDirectory: workingDirectory)
        }
        if let first = cmd.first {
            argv = arguments.isEmpty ? cmd : [first] + arguments
            return ResolvedCommand(executable: first, arguments: argv, environment: environment,
                                   workingDirectory: workingDirectory)
        }
        throw ImageStoreError(.invalidCommand, "No executable is found: the task gives no command and the image has no Entrypoint or Cmd")
    }

    /// Image `KEY=value` entries, then task variables replacing same-named ones; order is image
    /// order followed by new task variables. Malformed image entries (no `=`) are dropped.
    public static func mergeEnvironment(image: [String], task: [(String, String)]) -> [String] {
        var order: [String] = []
        var values: [String: String] = [:]
        for item in image {
            guard let equals = item.firstIndex(of: "="), equals != item.startIndex else { continue }
            let key = String(item[..<equals])
            if values[key] == nil { order.append(key) }
            values[key] = String(item[item.index(after: equals)...])
        }
        for (key, value) in task where !key.isEmpty {
            if values[key] == nil { order.append(key) }
            values[key] = value
        }
        return order.map { "\($0)=\(values[$0] ?? "")" }
    }
}
