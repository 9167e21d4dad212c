import ArgumentParser
import ImageStore
import PodCtlKit

/// `podctl agent images prune [--dry-run] [--grace S]`: removes images no container uses.
public struct AgentImagesPruneCommand: ContextualCommand {
    /// `prune`.
    public static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Remove images no container uses (and not used within --grace), then their layers and blobs.",
        discussion: "The store refuses while a pull is running (exit 3); try again later.")

    @OptionGroup var store: ImageStoreOptions

    /// `--dry-run`.
    @Flag(name: .long, help: "Only print what would be removed.")
    var dryRun = false

    /// `--grace`.
    @Option(name: .long, help: ArgumentHelp("Keep images used within this many seconds (a pull before its container starts).",
                                            valueName: "seconds"))
    var grace: Double = 300

    /// The command (ArgumentParser creates it).
    public init() {}

    /// Prunes.
    public func run(in context: CommandContext) async throws {
        let report: PruneReport
        let dryRun = self.dryRun
        let grace = max(0, self.grace)
        do {
            report = try await store.with(context, mustExist: true) { try await $0.prune(dryRun: dryRun, graceSeconds: grace) }
        } catch let error as ImageStoreError {
            throw PodCtlError(.api, "cannot prune the image store: \(error.message)")
        }
        let verb = dryRun ? "Would remove" : "Removed"
        for image in report.removedImages.sorted() { context.output.line("\(verb) image \(image)") }
        context.output.line("\(verb) \(report.removedImages.count) images, \(report.removedLayers.count) layers, " +
                            "\(report.removedBlobs.count) blobs, \(report.removedTemporaryEntries) temporary entries")
    }
}
