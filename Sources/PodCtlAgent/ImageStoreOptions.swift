import ArgumentParser
import AsyncHTTPClient
import ImageStore
import Logging
import PodCtlKit
import PodSystem

/// `--image-store DIR`: the store the executors on this agent pull into.
struct ImageStoreOptions: ParsableArguments, Sendable {
    /// Where the executors' stores are, most specific first: the embedded pod-scheduler's
    /// (`--work-dir` /var/lib/pod-scheduler gives its executors `<work-dir>/images`), an
    /// agent work directory `/var/lib/pod-scheduler/agent`, and a Mesos agent's
    /// `--work_dir=/var/lib/mesos` (pod-executor's default `<work_dir>/pod-images`).
    static let candidates = ["/var/lib/pod-scheduler/images", "/var/lib/pod-scheduler/agent/pod-images", "/var/lib/mesos/pod-images"]

    /// `--image-store`.
    @Option(name: .customLong("image-store"), help: ArgumentHelp(
        "The image store (default: $POD_EXECUTOR_IMAGE_STORE, else the first of \(ImageStoreOptions.candidates.joined(separator: ", ")) that exists).",
        valueName: "dir"))
    var imageStore: String?

    init() {}

    /// The store directory to use.
    func directory(environment: [String: String]) -> String {
        if let imageStore, !imageStore.isEmpty { return imageStore }
        if let env = environment["POD_EXECUTOR_IMAGE_STORE"], !env.isEmpty { return env }
        return Self.candidates.first(where: Directory.isDirectory) ?? Self.candidates[Self.candidates.count - 1]
    }

    /// Opens the store; with `mustExist`, a missing directory is an error rather than a
    /// new, empty store.
    func open(in context: CommandContext, client: HTTPClient, mustExist: Bool) throws(PodCtlError) -> ImageStore {
        let path = directory(environment: context.environment)
        if mustExist && !Directory.isDirectory(path) {
            throw PodCtlError(.api, "no image store at \(path) (--image-store DIR)")
        }
        do {
            return try ImageStore(configuration: ImageStoreConfiguration(rootDirectory: path), httpClient: client,
                                  logger: SinkLogHandler.logger(context.errors, label: "podctl.images"))
        } catch {
            throw PodCtlError(.api, "cannot open the image store at \(path): \(error.message)")
        }
    }

    /// Runs `body` with the store and an HTTP client that is shut down afterwards.
    func with<T: Sendable>(_ context: CommandContext, mustExist: Bool,
                           _ body: (ImageStore) async throws -> T) async throws -> T {
        let client = Self.makeClient()
        do {
            let result = try await body(try open(in: context, client: client, mustExist: mustExist))
            try? await client.shutdown()
            return result
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    /// An HTTP client as the executor makes it: redirects are followed by the store itself.
    static func makeClient() -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.timeout = .init(connect: .seconds(10), read: .seconds(60))
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }
}
