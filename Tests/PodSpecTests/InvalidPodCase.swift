import Foundation
import Testing
@testable import PodSpec

/// One invalid request body and the exact answer Marathon gives for it.
struct InvalidPodCase: Sendable, CustomTestStringConvertible {
    let name: String
    let body: String
    let options: PodSpecConfiguration
    let expectedId: String?
    let status: Int
    let message: String
    let details: [ErrorDetail]

    var testDescription: String { name }

    /// A 422 "Invalid JSON" (schema) case.
    static func schema(_ name: String, _ body: String, _ details: [(String, [String])]) -> InvalidPodCase {
        InvalidPodCase(name: name, body: body, options: testOptions(), expectedId: nil, status: 422,
                       message: "Invalid JSON", details: details.map { ErrorDetail(path: $0.0, errors: $0.1) })
    }

    /// A 422 "Object is not valid" (semantic) case.
    static func invalid(_ name: String, _ body: String, _ details: [(String, [String])],
                        expectedId: String? = nil,
                        options: (inout PodSpecConfiguration) -> Void = { _ in }) -> InvalidPodCase {
        InvalidPodCase(name: name, body: body, options: testOptions(options), expectedId: expectedId, status: 422,
                       message: "Object is not valid", details: details.map { ErrorDetail(path: $0.0, errors: $0.1) })
    }
}

/// Container JSON helpers for the cases.
enum C {
    /// A small valid container called `name`.
    static func basic(_ name: String = "c1", _ extra: String = "") -> String {
        #"{"name":"\#(name)","resources":{"cpus":0.1,"mem":32}\#(extra.isEmpty ? "" : "," + extra)}"#
    }
}

/// A pod with `containers` (JSON array elements) and extra members.
func podWith(id: String = "/p", containers: [String] = [C.basic()], _ extra: String = "") -> String {
    #"{"id":"\#(id)","containers":[\#(containers.joined(separator: ","))]\#(extra.isEmpty ? "" : "," + extra)}"#
}
