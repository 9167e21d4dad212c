import Foundation
import MesosProtocol
import Primitives
import Testing
@testable import PodSpec

/// `logRotation`: parsed, rendered as given, an upgrade when changed, and carried to the
/// executor in `ExecutorInfo.command.environment` over the scheduler's defaults.
@Suite struct LogRotationSpecTests {
    static func executorVariables(_ pod: PodDefinition, defaults: PodLogRotation?) throws -> [String: String] {
        let launch = try TaskGroupBuilderTests.launch(for: pod, hostPorts: [:])
        let (executor, _) = try TaskGroupBuilder(options: .init(logRotation: defaults)).build(pod: pod, launch: launch)
        return Dictionary(executor.command.environment.variables.map { ($0.name, $0.value) }, uniquingKeysWith: { $1 })
    }

    @Test("a pod's logRotation is kept, rendered as given and absent when not given")
    func parseAndRender() throws {
        let pod = try parsePod(podWith(#""logRotation":{"maxSizeMB":1,"maxFiles":3}"#))
        #expect(pod.logRotation == PodLogRotation(maxSizeMB: 1, maxFiles: 3))
        #expect(pod.renderJSONValue()["logRotation"] == .object(["maxSizeMB": 1, "maxFiles": 3]))
        let partial = try parsePod(podWith(#""logRotation":{"maxFiles":2}"#))
        #expect(partial.renderJSONValue()["logRotation"] == .object(["maxFiles": 2]))
        let plain = try parsePod(podWith())
        #expect(plain.logRotation == nil)
        #expect(plain.renderJSONValue()["logRotation"] == nil, "a Marathon pod renders as before")
        // Stored pods written before the field existed decode without it.
        let decoded = try JSONDecoder().decode(PodDefinition.self, from: JSONEncoder().encode(plain))
        #expect(decoded == plain)
    }

    @Test("the executor gets the pod's fields over the scheduler's defaults, both variables or none")
    func executorEnvironment() throws {
        let defaults = PodLogRotation(maxSizeMB: 10, maxFiles: 5)
        let pod = try parsePod(podWith(#""logRotation":{"maxSizeMB":1,"maxFiles":3}"#))
        let own = try Self.executorVariables(pod, defaults: defaults)
        #expect(own[PodLogRotationContract.maxSizeVariable] == "1")
        #expect(own[PodLogRotationContract.maxFilesVariable] == "3")

        let partial = try Self.executorVariables(try parsePod(podWith(#""logRotation":{"maxFiles":2}"#)), defaults: defaults)
        #expect(partial[PodLogRotationContract.maxSizeVariable] == "10")
        #expect(partial[PodLogRotationContract.maxFilesVariable] == "2")

        let plain = try parsePod(podWith())
        let defaulted = try Self.executorVariables(plain, defaults: defaults)
        #expect(defaulted[PodLogRotationContract.maxSizeVariable] == "10")
        #expect(defaulted[PodLogRotationContract.maxFilesVariable] == "5")

        // Rotation off in the scheduler: a pod that asks for none gets plain files.
        let off = try Self.executorVariables(plain, defaults: nil)
        #expect(off[PodLogRotationContract.maxSizeVariable] == nil && off[PodLogRotationContract.maxFilesVariable] == nil)
        let onlyPod = try Self.executorVariables(try parsePod(podWith(#""logRotation":{}"#)), defaults: nil)
        #expect(onlyPod[PodLogRotationContract.maxSizeVariable] == String(PodLogRotation.defaultMaxSizeMB))
        #expect(onlyPod[PodLogRotationContract.maxFilesVariable] == String(PodLogRotation.defaultMaxFiles))
    }

    @Test("changing logRotation restarts the instances (the executor reads it at its start)")
    func upgrade() throws {
        let stored = try parsePod(podWith())
        let changed = try parsePod(podWith(#""logRotation":{"maxSizeMB":2}"#))
        #expect(PodUpdateKind.classify(from: stored, to: changed) == .restart)
        #expect(PodUpdateKind.classify(from: changed, to: try parsePod(podWith(#""logRotation":{"maxSizeMB":2}"#))) == .noChange)
    }
}
