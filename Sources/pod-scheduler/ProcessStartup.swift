import ArgumentParser
import Foundation
import Logging

/// What every pod-scheduler command does before it starts its components: logging to
/// stderr at one level, and refusing a bad command line with the list of its problems.
enum ProcessStartup {
    static func bootstrapLogging(level: Logger.Level) {
        signal(SIGPIPE, SIG_IGN)
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }

    /// Creates `--work-dir` if it is missing; a problem when it cannot be created or written.
    static func prepareWorkDirectory(_ path: String, problems: inout [String]) {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            if !FileManager.default.isWritableFile(atPath: path) { problems.append("--work-dir: \(path) is not writable") }
        } catch {
            problems.append("--work-dir: cannot create \(path): \(error.localizedDescription)")
        }
    }

    /// Prints the problems (`<command>: cannot start:` and one line each) and returns
    /// the exit code 2 to throw.
    static func refuse(_ problems: SchedulerConfiguration.Problems, command: String) -> ExitCode {
        FileHandle.standardError.write(Data("\(command): cannot start:\n  - \(problems.list.joined(separator: "\n  - "))\n".utf8))
        return ExitCode(2)
    }
}
