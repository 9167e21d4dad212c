import ArgumentParser
import Foundation
import ImageStore
import PodCtlKit
#if canImport(Glibc)
import Glibc
#endif

/// `podctl agent pull IMAGE [--config FILE] [--always]`: pulls an image into the agent's
/// store with a progress bar, to warm the cache before pods need it.
public struct AgentPullCommand: ContextualCommand {
    /// `pull`.
    public static let configuration = CommandConfiguration(
        commandName: "pull",
        abstract: "Pull an image into this agent's image store, with progress (bytes, layers, rate).",
        discussion: """
            --config names a Docker config.json with registry credentials (what a pod's \
            pullConfig secret holds); it is used for that registry only and never printed. \
            Loopback registries are reached over plain HTTP.
            """)

    @OptionGroup var store: ImageStoreOptions

    @Argument(help: ArgumentHelp("The image reference (busybox, registry:5000/team/app:1.2, …@sha256:…).", valueName: "image"))
    var image: String

    /// `--config FILE`.
    @Option(name: .long, help: ArgumentHelp("A Docker config.json with credentials.", valueName: "file"))
    var config: String?

    /// `--always`.
    @Flag(name: .long, help: "Resolve the manifest again even when the image is in the store (forcePull).")
    var always = false

    /// `--quiet`.
    @Flag(name: [.short, .long], help: "No progress, only the result.")
    var quiet = false

    /// The command (ArgumentParser creates it).
    public init() {}

    /// Pulls the image.
    public func run(in context: CommandContext) async throws {
        let reference: ImageReference
        do { reference = try ImageReference.parse(image) } catch {
            throw PodCtlError.usage("'\(image)' is not an image reference: \(error.message)")
        }
        var credentials: RegistryCredentials?
        if let config {
            guard let data = FileManager.default.contents(atPath: config) else {
                throw PodCtlError.usage("cannot read the registry config '\(config)'")
            }
            do { credentials = try RegistryCredentials(dockerConfig: data) } catch {
                throw PodCtlError.usage("'\(config)' is not a Docker config.json: \(error.message)")
            }
        }
        let inPlace = ProcessStreams.isProcessContext(context) && isatty(2) == 1
        let display = PullProgressDisplay(out: ByteOutput.errors(context), inPlace: inPlace)
        var callback: (@Sendable (PullProgress) -> Void)?
        if !quiet { callback = { @Sendable event in display.handle(event) } }
        let progress = callback
        let policy: PullPolicy = always ? .always : .ifNotPresent
        let pulled: PulledImage
        do {
            pulled = try await store.with(context, mustExist: false) { store in
                try await store.pull(reference, credentials: credentials, policy: policy, progress: progress)
            }
        } catch let error as ImageStoreError {
            display.finish()
            throw PodCtlError(.api, "cannot pull \(reference): \(error.message)")
        }
        display.finish()
        let transferred = display.progress
        if pulled.fromCache {
            context.output.line("\(pulled.reference) is in the store: \(pulled.manifestDigest) (\(pulled.diffIDs.count) layers)")
        } else {
            let elapsed = display.elapsed
            let rate = elapsed > 0 ? Double(transferred.bytesReceived) / elapsed : 0
            context.output.line("Pulled \(pulled.reference) \(pulled.manifestDigest): \(pulled.diffIDs.count) layers, " +
                                "\(Formatting.bytes(UInt64(max(0, transferred.bytesReceived)))) in \(String(format: "%.1f", elapsed))s " +
                                "(\(Formatting.bytes(UInt64(rate)))/s)")
        }
    }
}
