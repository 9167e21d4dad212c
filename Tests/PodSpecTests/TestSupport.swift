import Foundation
import Primitives
import Testing
@testable import PodSpec

/// A fixed version so that rendered documents are predictable.
let fixedVersion = PodVersion(epochSeconds: 1_585_742_400)  // 2020-04-01T12:00:00.000Z

/// Options with the fixed version.
func testOptions(_ configure: (inout PodSpecConfiguration) -> Void = { _ in }) -> PodSpecConfiguration {
    var options = PodSpecConfiguration(version: fixedVersion)
    configure(&options)
    return options
}

/// Parses a pod body with the test options.
func parsePod(_ text: String, expectedId: String? = nil,
              options: PodSpecConfiguration = testOptions()) throws(PodSpecError) -> PodDefinition {
    try PodDefinition.parse(Data(text.utf8), expectedId: expectedId, options: options)
}

/// The error a body produces, or `nil` if it is accepted.
func parseError(_ text: String, expectedId: String? = nil, options: PodSpecConfiguration = testOptions()) -> PodSpecError? {
    do {
        _ = try parsePod(text, expectedId: expectedId, options: options)
        return nil
    } catch {
        return error
    }
}

/// Parses JSON text that the test itself wrote.
func json(_ text: String) throws -> JSONValue {
    try JSONValue.parse(text)
}
