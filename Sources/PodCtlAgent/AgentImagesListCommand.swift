import ArgumentParser
import Foundation
import ImageStore
import PodCtlKit

/// `podctl agent images [--json]`: the images in the store, with the containers using them.
public struct AgentImagesListCommand: ContextualCommand {
    /// `list`.
    public static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the images in the store: reference, digest, layers, when pulled and used, and by which containers.")

    @OptionGroup var store: ImageStoreOptions

    /// `--json`.
    @Flag(name: .long, help: "Print the images as JSON.")
    var json = false

    /// The command (ArgumentParser creates it).
    public init() {}

    /// One image in `--json`.
    struct Entry: Codable, Equatable {
        var reference: String
        var manifestDigest: String
        var configDigest: String
        var layers: [String]
        var pulledWithCredentials: Bool
        var pulledAt: Double
        var lastUsed: Double
        /// `<executor id>/<container id>` of each container using it.
        var holders: [String]
    }

    /// Lists the images.
    public func run(in context: CommandContext) async throws {
        let images: [CachedImage]
        do {
            images = try await store.with(context, mustExist: true) { try await $0.list() }
        } catch let error as ImageStoreError {
            throw PodCtlError(.api, "cannot list the image store: \(error.message)")
        }
        let entries = images.sorted { $0.reference < $1.reference }.map {
            Entry(reference: $0.reference, manifestDigest: "\($0.manifestDigest)", configDigest: "\($0.configDigest)",
                  layers: $0.diffIDs.map { "\($0)" }, pulledWithCredentials: $0.pulledWithCredentials,
                  pulledAt: $0.pulledAt, lastUsed: $0.lastUsed, holders: $0.holders)
        }
        if json {
            context.output.line(try InstanceReport.json(entries))
            return
        }
        var table = Table(headers: ["REFERENCE", "DIGEST", "LAYERS", "PULLED", "LAST USED", "CONTAINERS"])
        for e in entries {
            table.rows.append([e.reference, Formatting.shortDigest(e.manifestDigest), "\(e.layers.count)",
                               Formatting.ago(e.pulledAt), Formatting.ago(e.lastUsed), "\(e.holders.count)"])
        }
        context.output.write(table.text)
    }
}
