import ArgumentParser

extension PodSchedulerCommand {
    /// `pod-scheduler local-cluster …` is parsed by `LocalClusterCommand` alone: ArgumentParser
    /// lets a parent command take its options from anywhere on the line, and `local-cluster`
    /// has options named like the root's (`--work-dir`, `--executor`, `--log-level`, …) that
    /// mean something else there. Every other command line goes through the root as before.
    static func main() async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.first == LocalClusterCommand.configuration.commandName {
            await LocalClusterCommand.main(Array(arguments.dropFirst()))
        } else {
            await main(nil)
        }
    }
}
