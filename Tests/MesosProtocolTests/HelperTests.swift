import Foundation
import SwiftProtobuf
import Testing

import MesosProtocol

@Suite("Accept negotiation")
struct NegotiationTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let accept: String?
        let expected: MesosEncoding?
        var testDescription: String { accept.map { "Accept: \($0)" } ?? "no Accept" }
    }

    /// As libprocess' `Request::acceptsMediaType` decides for the agent (JSON first, then
    /// protobuf, else 406).
    static let cases: [Case] = [
        Case(accept: nil, expected: .json),
        Case(accept: "*/*", expected: .json),
        Case(accept: "application/*", expected: .json),
        Case(accept: "application/json", expected: .json),
        Case(accept: "application/x-protobuf", expected: .protobuf),
        Case(accept: "APPLICATION/JSON", expected: .json),
        Case(accept: "application/json; charset=utf-8", expected: .json),
        Case(accept: "application/x-protobuf, application/json", expected: .json),
        Case(accept: "application/x-protobuf;q=1.0, application/json;q=0.1", expected: .json),
        Case(accept: "application/json;q=0, application/x-protobuf", expected: .protobuf),
        Case(accept: "application/json;q=0.0, application/x-protobuf;q=0.5", expected: .protobuf),
        Case(accept: "application/x-protobuf;q=0, application/json;q=0", expected: nil),
        Case(accept: "text/html", expected: nil),
        Case(accept: "text/plain, text/html;q=0.9", expected: nil),
        Case(accept: "application/recordio", expected: nil),
        Case(accept: "application/x-protobuf, text/*", expected: .protobuf),
        // The most specific entry decides: an explicit q=0 beats a wildcard.
        Case(accept: "application/json;q=0, */*", expected: .protobuf),
        Case(accept: "application/json;q=0, application/*", expected: .protobuf),
        Case(accept: "*/*;q=0", expected: nil),
        Case(accept: "*/*;q=0, application/x-protobuf", expected: .protobuf),
        // Header present but empty: nothing is acceptable.
        Case(accept: "", expected: nil),
        // Malformed q: not a number → not acceptable; several q's → ignored.
        Case(accept: "application/json;q=abc", expected: nil),
        Case(accept: "application/json;q=0;q=0", expected: .json),
        Case(accept: " application/json ; q=0.5 ", expected: .json),
    ]

    @Test(arguments: cases)
    func negotiate(_ c: Case) {
        #expect(MesosEncoding.negotiate(accept: c.accept) == c.expected)
    }

    @Test func recordedSubscribeAnswers() throws {
        // Scheduler SUBSCRIBE with `Accept: text/plain` → 406 from the master.
        let errors = try #require(try Golden.json("scheduler-errors.json")["errors"]?.array)
        let unacceptable = try #require(errors.first { $0["name"]?.string == "subscribe-accept-unacceptable" })
        #expect(unacceptable["status"]?.number == 406)
        let accept = unacceptable["request"]?["headers"]?.array?.first { $0[0]?.string == "Accept" }?[1]?.string
        #expect(accept == "text/plain")
        #expect(MesosEncoding.negotiate(accept: accept) == nil)
        // Executor SUBSCRIBE with `Accept: application/x-protobuf` → a protobuf stream.
        let stream = try Golden.json("executor-protobuf-stream.json")
        let requested = stream["subscribe_request"]?["headers"]?.array?.first { $0[0]?.string == "Accept" }?[1]?.string
        let answered = stream["subscribe_response"]?["headers"]?.array?.first { $0[0]?.string == "Content-Type" }?[1]?.string
        #expect(MesosEncoding.negotiate(accept: requested)?.mediaType == answered)
        #expect(answered == "application/x-protobuf")
    }
}

@Suite("MesosUUID")
struct UUIDTests {
    @Test func randomIsVersion4WithTheRFCVariant() {
        var seen = Set<[UInt8]>()
        for _ in 0..<1000 {
            let uuid = MesosUUID.random()
            #expect(uuid.count == 16)
            #expect(uuid[6] >> 4 == 4)
            #expect(uuid[8] & 0xC0 == 0x80)
            #expect(MesosUUID.isValid(uuid))
            seen.insert(uuid)
        }
        #expect(seen.count == 1000)
    }

    @Test func isValidChecksLengthAndVersion() {
        var uuid: [UInt8] = [0xCF, 0x34, 0x4A, 0x3A, 0x7D, 0x5B, 0x46, 0x76, 0xB9, 0xC2, 0x4C, 0x40, 0x70, 0x70, 0xA5, 0x33]
        #expect(MesosUUID.isValid(uuid))
        #expect(MesosUUID.isValid(Data(uuid)))
        #expect(!MesosUUID.isValid(uuid.dropLast()))
        #expect(!MesosUUID.isValid(uuid + [0]))
        #expect(!MesosUUID.isValid([UInt8]()))
        for version: UInt8 in 0...15 {
            uuid[6] = version << 4 | 0x06
            #expect(MesosUUID.isValid(uuid) == (1...5).contains(version), "version \(version)")
        }
        // The base64 of the text form, as in the upstream docs' example: 36 bytes.
        #expect(!MesosUUID.isValid(Array("cf344a3a-7d5b-4676-b9c2-4c407070a533".utf8)))
        // A Data slice with a non-zero start index.
        let data = Data([0xFF] + uuid)
        uuid[6] = 0x46
        #expect(MesosUUID.isValid(Data([0xFF] + uuid).dropFirst()))
        #expect(!MesosUUID.isValid(data))
    }

    @Test func stringForm() {
        let uuid: [UInt8] = [0xCF, 0x34, 0x4A, 0x3A, 0x7D, 0x5B, 0x46, 0x76, 0xB9, 0xC2, 0x4C, 0x40, 0x70, 0x70, 0xA5, 0x33]
        #expect(MesosUUID.string(uuid) == "cf344a3a-7d5b-4676-b9c2-4c407070a533")
        #expect(MesosUUID.string(Data(uuid)) == "cf344a3a-7d5b-4676-b9c2-4c407070a533")
        #expect(MesosUUID.string([UInt8](repeating: 0, count: 16)) == "00000000-0000-0000-0000-000000000000")
        // Foundation agrees (upper-case there).
        let foundation = UUID(uuid: (uuid[0], uuid[1], uuid[2], uuid[3], uuid[4], uuid[5], uuid[6], uuid[7], uuid[8], uuid[9], uuid[10], uuid[11], uuid[12], uuid[13], uuid[14], uuid[15]))
        #expect(MesosUUID.string(uuid) == foundation.uuidString.lowercased())
        // Not 16 bytes: plain hex, no dashes.
        #expect(MesosUUID.string([0x01, 0xAB]) == "01ab")
        let random = MesosUUID.random()
        let text = MesosUUID.string(random)
        #expect(text.count == 36 && UUID(uuidString: text) != nil)
    }
}

@Suite("MesosDuration")
struct DurationTests {
    struct Parse: Sendable, CustomTestStringConvertible {
        let text: String
        let expected: Duration?
        var testDescription: String { text.debugDescription }
    }

    static let parses: [Parse] = [
        Parse(text: "5secs", expected: .seconds(5)),
        Parse(text: "15mins", expected: .seconds(900)),
        Parse(text: "1.5mins", expected: .seconds(90)),
        Parse(text: "100ms", expected: .milliseconds(100)),
        Parse(text: "2secs", expected: .seconds(2)),
        Parse(text: "1hrs", expected: .seconds(3600)),
        Parse(text: "3days", expected: .seconds(3 * 86400)),
        Parse(text: "2weeks", expected: .seconds(14 * 86400)),
        Parse(text: "250us", expected: .microseconds(250)),
        Parse(text: "10ns", expected: .nanoseconds(10)),
        Parse(text: "0ns", expected: .zero),
        Parse(text: "0.5secs", expected: .milliseconds(500)),
        Parse(text: ".5secs", expected: .milliseconds(500)),
        Parse(text: "30mins", expected: .seconds(1800)),
        Parse(text: "1.234567ms", expected: .nanoseconds(1_234_567)),
        Parse(text: " 5secs\n", expected: .seconds(5)),  // surrounding whitespace tolerated
        // Not durations.
        Parse(text: "5s", expected: nil),
        Parse(text: "5m", expected: nil),
        Parse(text: "5sec", expected: nil),
        Parse(text: "5", expected: nil),
        Parse(text: "secs", expected: nil),
        Parse(text: ".secs", expected: nil),
        Parse(text: "abc", expected: nil),
        Parse(text: "-1secs", expected: nil),
        Parse(text: "+1secs", expected: nil),
        Parse(text: "1e3ms", expected: nil),
        Parse(text: "0x10secs", expected: nil),
        Parse(text: "infsecs", expected: nil),
        Parse(text: "nansecs", expected: nil),
        Parse(text: "1.2.3secs", expected: nil),
        Parse(text: "5 secs", expected: nil),
        Parse(text: "5SECS", expected: nil),
        Parse(text: "5secss", expected: nil),
        Parse(text: "", expected: nil),
        Parse(text: "99999999weeks", expected: nil),  // beyond Int64 nanoseconds
    ]

    @Test(arguments: parses)
    func parse(_ p: Parse) {
        #expect(MesosDuration.parse(p.text) == p.expected)
    }

    struct Format: Sendable, CustomTestStringConvertible {
        let duration: Duration
        let text: String
        var testDescription: String { text }
    }

    /// stout's `operator<<(ostream&, Duration)`: the largest unit that fits, or one unit
    /// down when the value is whole there and fractional in the larger one.
    static let formats: [Format] = [
        Format(duration: .seconds(5), text: "5secs"),
        Format(duration: .seconds(900), text: "15mins"),
        Format(duration: .milliseconds(100), text: "100ms"),
        Format(duration: .seconds(2), text: "2secs"),
        Format(duration: .seconds(3600), text: "1hrs"),
        Format(duration: .seconds(90), text: "90secs"),  // not 1.5mins
        Format(duration: .milliseconds(1500), text: "1500ms"),
        Format(duration: .milliseconds(61500), text: "1.025mins"),
        Format(duration: .nanoseconds(1_234_567), text: "1.234567ms"),
        Format(duration: .nanoseconds(1_500), text: "1500ns"),
        Format(duration: .microseconds(1_500), text: "1500us"),
        Format(duration: .microseconds(5), text: "5us"),
        Format(duration: .nanoseconds(999), text: "999ns"),
        Format(duration: .zero, text: "0ns"),
        Format(duration: .seconds(86400), text: "1days"),
        Format(duration: .seconds(86400 + 3600), text: "25hrs"),
        Format(duration: .seconds(7 * 86400), text: "1weeks"),
        Format(duration: .seconds(10 * 86400), text: "10days"),
        Format(duration: .seconds(100) + .milliseconds(1), text: "1.66668333333333mins"),
        Format(duration: .seconds(-5), text: "-5secs"),
        Format(duration: .milliseconds(-1500), text: "-1500ms"),
        Format(duration: .milliseconds(2) + .nanoseconds(1), text: "2.000001ms"),
    ]

    @Test(arguments: formats)
    func format(_ f: Format) {
        #expect(MesosDuration.format(f.duration) == f.text)
    }

    @Test func formatThenParseRoundTrips() {
        var generator = SeededGenerator(seed: 42)
        for _ in 0..<2000 {
            // Whole microseconds up to a few days: exact in 15 significant digits.
            let nanos = Int64.random(in: 0...(3 * 86_400_000_000), using: &generator) * 1000
            let duration = Duration.nanoseconds(nanos)
            let text = MesosDuration.format(duration)
            #expect(MesosDuration.parse(text) == duration, "\(nanos)ns → \(text)")
        }
        for f in Self.formats where f.duration >= .zero && f.text != "1.66668333333333mins" {
            #expect(MesosDuration.parse(f.text) == f.duration, "\(f.text)")
        }
    }
}

@Suite("Conveniences")
struct ConvenienceTests {
    @Test func taskStateNamesAreTheUpstreamEnumNames() throws {
        for state in Mesos_V1_TaskState.allCases {
            var status = Mesos_V1_TaskStatus()
            status.taskID = .init("t")
            status.state = state
            #expect(try status.mesosJSON()["state"]?.string == state.name)
        }
        #expect(Mesos_V1_TaskState.allCases.count == 14)
    }

    @Test func terminalStates() {
        let terminal: Set<Mesos_V1_TaskState> = [.taskFinished, .taskFailed, .taskKilled, .taskError, .taskLost, .taskDropped, .taskGone, .taskGoneByOperator]
        for state in Mesos_V1_TaskState.allCases {
            #expect(state.isTerminal == terminal.contains(state), "\(state.name)")
        }
    }

    @Test func identifiersAndLabels() {
        #expect(Mesos_V1_TaskID("t").value == "t")
        #expect(Mesos_V1_ExecutorID("e").value == "e")
        #expect(Mesos_V1_FrameworkID("f").value == "f")
        #expect(Mesos_V1_AgentID("a").value == "a")
        #expect(Mesos_V1_OfferID("o").value == "o")
        #expect(Mesos_V1_ContainerID("c").value == "c" && !Mesos_V1_ContainerID("c").hasParent)
        let labels = Mesos_V1_Labels([("b", "2"), ("a", "1"), ("b", "3")])
        #expect(labels.labels.map(\.key) == ["b", "a", "b"])
        #expect(labels.labels.map(\.value) == ["2", "1", "3"])
    }

    @Test func resourceBuildersAndSums() throws {
        let resources: [Mesos_V1_Resource] = [
            .scalar("cpus", 0.5, role: "*"), .scalar("cpus", 0.25), .scalar("mem", 128),
            .ranges("ports", [31000...31002, 31010...31010], role: "web"), .ranges("ports", [32000...32000]),
        ]
        #expect(resources.scalar("cpus") == 0.75)
        #expect(resources.scalar("mem") == 128)
        #expect(resources.scalar("disk") == 0)
        #expect(resources.ranges("ports") == [31000...31002, 31010...31010, 32000...32000])
        #expect(resources[0].allocationInfo.role == "*" && resources[0].hasAllocationInfo)
        #expect(!resources[1].hasAllocationInfo)
        #expect(resources[3].allocationInfo.role == "web")
        #expect(resources.allSatisfy { !$0.hasRole })
        // As Mesos wants them on the wire.
        #expect(try resources[0].mesosJSON() == JSON(parsing: #"{"name":"cpus","type":"SCALAR","scalar":{"value":0.5},"allocation_info":{"role":"*"}}"#))
        // A backwards range is ignored rather than trapping.
        var bad = Mesos_V1_Resource.ranges("ports", [])
        var range = Mesos_V1_Value.Range()
        range.begin = 10
        range.end = 5
        bad.ranges.range = [range]
        #expect([bad].ranges("ports").isEmpty)
        // Only resources of the right type count.
        var wrongType = Mesos_V1_Resource.scalar("ports", 3)
        wrongType.type = .set
        #expect([wrongType].scalar("ports") == 0)
    }
}
