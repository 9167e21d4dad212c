import Foundation
import Primitives
import Testing
@testable import PodSpec

/// What a pod body that is no JSON, or no JSON at all, answers (Marathon's 400 bodies).
@Suite struct BodyParsingTests {
    @Test func malformedBodyIsA400() throws {
        let error = #expect(throws: PodSpecError.self) { try PodDefinition.parse(Data(#"{"id":"#.utf8)) }
        #expect(error?.httpStatus == 400)
        let body = try JSONValue.parse(error?.body ?? Data())
        #expect(body["message"] == "Invalid JSON")
        #expect(body["details"]?.stringValue?.hasPrefix("Unexpected end-of-input") == true)
    }

    @Test(arguments: ["", "  \n\t"])
    func emptyBodyIsA400(_ text: String) throws {
        let error = #expect(throws: PodSpecError.self) { try PodDefinition.parse(Data(text.utf8)) }
        #expect(error?.httpStatus == 400)
        #expect(try JSONValue.parse(error?.body ?? Data()) == [
            "message": "Please specify data in JSON format", "details": "No content to map due to end-of-input",
        ])
    }
}
