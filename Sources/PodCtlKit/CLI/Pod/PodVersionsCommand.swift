import ArgumentParser
import Foundation
import Primitives

/// `podctl pod versions ID [--json]`: the pod's version timestamps, oldest first.
public struct PodVersionsCommand: ContextualCommand {
    /// `versions`.
    public static let configuration = CommandConfiguration(
        commandName: "versions",
        abstract: "List a pod's versions, oldest first.",
        discussion: ExitStatus.helpText)

    /// The connection options.
    @OptionGroup public var global: GlobalOptions

    /// The pod id.
    @Argument(help: ArgumentHelp("The pod id.", valueName: "id"))
    public var id: String

    /// `--json`.
    @Flag(name: .long, help: "Print the server's list as JSON.")
    public var json = false

    /// The command (ArgumentParser creates it).
    public init() {}

    /// The pod id must name a pod.
    public func validate() throws {
        try PodCommand.validatePodID(id)
    }

    /// Prints the versions.
    public func run(in context: CommandContext) async throws {
        let versions = try await global.client(in: context).versions(id)
        if json {
            context.output.line(JSONValue.array(versions.map(JSONValue.string)).prettyText)
        } else {
            for version in Self.sorted(versions) { context.output.line(version) }
        }
    }

    /// Oldest first (the server's order is unspecified); text that is not a timestamp
    /// goes last, in the server's order.
    static func sorted(_ versions: [String]) -> [String] {
        let dated = versions.enumerated().map { entry in
            (offset: entry.offset, text: entry.element, date: Timestamp(iso8601: entry.element))
        }
        return dated.sorted { lhs, rhs in
            switch (lhs.date, rhs.date) {
            case let (left?, right?): left == right ? lhs.offset < rhs.offset : left < right
            case (.some, .none): true
            case (.none, .some): false
            case (.none, .none): lhs.offset < rhs.offset
            }
        }.map(\.text)
    }
}
