import Foundation
import PodCtlKit
import Primitives
import Testing

@Suite("tables, timestamps, JSON text and error bodies")
struct RenderingTests {
    @Test("tables align columns by the widest cell and drop trailing blanks")
    func table() {
        let table = Table(headers: ["POD", "INSTANCES", "STATUS"], rows: [["/a/long-name", "1/1", "STABLE"], ["/b", "", ""]])
        #expect(table.text == "POD           INSTANCES  STATUS\n/a/long-name  1/1        STABLE\n/b\n")
    }

    @Test("Marathon's timestamp forms parse to the same instant", arguments: [
        "2020-04-01T12:00:05Z", "2020-04-01T12:00:05.000Z", "2020-04-01T12:00:05.000000Z",
        "2020-04-01T12:00:05.000000000Z", "2020-04-01T14:00:05+02:00", "2020-04-01T07:00:05.0-05:00",
    ])
    func timestamps(text: String) throws {
        let date = try #require(Timestamp(iso8601: text)?.date)
        #expect(date == Date(timeIntervalSince1970: 1_585_742_405))
        #expect(Timestamp.display(text) == "2020-04-01T12:00:05Z")
    }

    @Test("fractions and minute-only times; text that is no timestamp is shown as it is")
    func timestampEdges() throws {
        let withFraction = try #require(Timestamp(iso8601: "2020-04-01T12:00:05.123456789Z")?.date)
        #expect(abs(withFraction.timeIntervalSince1970 - 1_585_742_405.123456789) < 0.000_001)
        #expect(Timestamp.display("2020-04-01T12:00Z") == "2020-04-01T12:00:00Z")
        #expect(Timestamp(iso8601: "yesterday")?.date == nil)
        #expect(Timestamp.display("yesterday") == "yesterday")
    }

    @Test("JSON text: sorted keys, two-space indent, integral numbers without .0, escapes")
    func jsonText() throws {
        let value = try JSONValue.parse(Data(#"{"b":[1.0,2.5,true,null],"a":{"x":"q\"\n\u0001"},"e":[],"o":{}}"#.utf8))
        #expect(value.prettyText == """
            {
              "a": {
                "x": "q\\"\\n\\u0001"
              },
              "b": [
                1,
                2.5,
                true,
                null
              ],
              "e": [],
              "o": {}
            }
            """)
        #expect(value.compactText == #"{"a":{"x":"q\"\n\u0001"},"b":[1,2.5,true,null],"e":[],"o":{}}"#)
        #expect(try JSONValue.parse(Data(value.prettyText.utf8)) == value)
        #expect(try JSONValue.parse(Data(JSONEncoder().encode(value))) == value)
    }

    @Test("error bodies: details as array or text, nested messages, deployments")
    func errorBodies() {
        let invalidJSON = APIErrorBody(data: Data(#"{"message":"Invalid JSON","details":"Unexpected end-of-input"}"#.utf8),
                                       fallback: "Bad Request")
        #expect(invalidJSON.summary == "Invalid JSON: Unexpected end-of-input")
        let schema = APIErrorBody(data: Data(#"{"message":"Invalid JSON","details":[{"path":"","errors":["error.expected.jsarray"]}]}"#.utf8),
                                  fallback: "")
        #expect(schema.summary == "Invalid JSON: /: error.expected.jsarray")
        let nested = APIErrorBody(data: Data(Fixtures.unknownPodQuirk.utf8), fallback: "")
        #expect(nested.message == "pod with /nope does not exist")
        let locked = APIErrorBody(data: Data(Fixtures.locked.utf8), fallback: "")
        #expect(locked.deployments == [Fixtures.deploymentID])
        let multiline = APIErrorBody(data: Data(#"{"message":"first\nsecond"}"#.utf8), fallback: "")
        #expect(multiline.summary == "first second")
        #expect(APIErrorBody(data: Data(), fallback: "Not Found").summary == "Not Found")
    }

    @Test("instance and container health")
    func health() throws {
        let status = try PodStatus(json: parsedJSON(Fixtures.webStatus))
        #expect(status.instances.map(\.health) == [.healthy, .unhealthy])
        let unreported = try ContainerStatus(json: parsedJSON("""
            {"name":"c","status":"TASK_RUNNING","conditions":[{"name":"healthy","value":"false",\
            "reason":"health-unreported-by-mesos"}],"endpoints":[{"name":"admin"}]}
            """))
        #expect(unreported.health == .unreported)
        #expect(unreported.endpoints == ["admin"])
        let unchecked = try ContainerStatus(json: parsedJSON(#"{"name":"c","status":"TASK_STAGING"}"#))
        #expect(unchecked.health == nil)
    }

    @Test("restarts in place: restartCount and lastTermination read, noted below the status table")
    func restarts() throws {
        let container = try ContainerStatus(json: parsedJSON("""
            {"name":"c","status":"TASK_RUNNING","restartCount":2,\
            "lastTermination":{"signal":9,"oomKilled":true,"finishedAt":"2020-04-01T12:00:05.100Z"}}
            """))
        #expect(container.restartCount == 2)
        #expect(container.lastTermination?.hasPrefix("signal 9 (OOM) at ") == true)
        let plain = try ContainerStatus(json: parsedJSON(#"{"name":"c","status":"TASK_RUNNING"}"#))
        #expect(plain.restartCount == 0 && plain.lastTermination == nil)
        let report = PodStatusFormatter.report(try PodStatus(json: parsedJSON(Fixtures.webStatus)))
        #expect(!report.contains("restarted"), "a pod without restarts reads as before")
    }
}
