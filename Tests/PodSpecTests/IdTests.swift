import Foundation
import Primitives
import Testing
@testable import PodSpec

@Suite struct IdTests {
    @Test(arguments: ["/mypod", "mypod", "//mypod", "mypod/", "/mypod//"])
    func podIdsCanonicalize(_ text: String) {
        let id = PodId(canonicalizing: text)
        #expect(id.absolute == "/mypod")
        #expect(id.safeId == "mypod")
    }

    @Test func podIdForms() {
        let id = PodId(canonicalizing: "/prod/web/")
        #expect(id.absolute == "/prod/web")
        #expect(id.safeId == "prod_web")
        #expect(id.hostname == "web.prod")
        #expect(id.topLevelGroup == "prod")
        #expect(PodId(safeId: "prod_web") == id)
        #expect(PodId(canonicalizing: "/a/./b/../c").absolute == "/a/c")
        #expect(PodId(canonicalizing: "/web").topLevelGroup == nil)
    }

    @Test func urlIdValidation() throws {
        #expect(try PodId.validated(urlId: "group/pod/").absolute == "/group/pod")
        #expect(throws: PodSpecError.notValid([ErrorDetail(path: "/", errors: [
            "must not end with any of the following reserved keywords: restart, tasks, versions, ., ..",
        ])])) { try PodId.validated(urlId: "/a/tasks") }
        #expect(throws: PodSpecError.notValid([ErrorDetail(path: "/", errors: [ValidationCases.segmentRegex])])) {
            try PodId.validated(urlId: "/Upper")
        }
    }

    @Test func timeBasedUUIDs() throws {
        let start = Date()
        let generator = TimeBasedUUIDGenerator(clock: { start })
        let first = generator.next()
        let second = generator.next()
        #expect(first != second)
        #expect(TimeBasedUUIDGenerator.version(of: first) == 1)
        // RFC 4122 variant bits 10xx.
        #expect(first.uuid.8 & 0xC0 == 0x80)
        let decoded = try #require(TimeBasedUUIDGenerator.date(of: first))
        #expect(abs(decoded.timeIntervalSince(start)) < 0.001)
        // With the clock standing still, timestamps still increase.
        let firstStamp = try #require(TimeBasedUUIDGenerator.timestamp(of: first))
        #expect(TimeBasedUUIDGenerator.timestamp(of: second) == firstStamp + 1)
        #expect(TimeBasedUUIDGenerator.date(of: UUID()) == nil)
    }

    @Test func instanceIdsAreGeneratedAndParsed() throws {
        let podId = PodId(canonicalizing: "/prod/web")
        let instance = InstanceId.generate(for: podId)
        #expect(instance.idString.hasPrefix("prod_web.instance-"))
        #expect(instance.executorId == "instance-prod_web." + instance.uuid.uuidString.lowercased())
        #expect(TimeBasedUUIDGenerator.version(of: instance.uuid) == 1)
        #expect(try InstanceId.parse(instance.idString) == instance)
    }

    @Test func legacyInstanceIds() throws {
        let legacy = try InstanceId.parse("g_app.marathon-6f1c1d2e-1234-11ee-9b7a-0242ac110002")
        #expect(legacy.prefix == .marathon)
        #expect(legacy.podId.absolute == "/g/app")
        #expect(legacy.executorId == "marathon-g_app.6f1c1d2e-1234-11ee-9b7a-0242ac110002")
    }

    @Test(arguments: ["mypod", "mypod.task-1234", ".instance-6f1c1d2e-1234-11ee-9b7a-0242ac110002",
                      "mypod.instance-6f1c1d2e-1234-11ee-9b7a-0242ac110002.c1"])
    func instanceIdsThatDoNotMatchThePattern(_ text: String) {
        #expect(throws: PodSpecError.notValid([ErrorDetail(path: "/", errors: [
            #"must fully match regular expression '^(.+)\.(instance-|marathon-)([^\.]+)$'"#,
        ])])) { try InstanceId.parse(text) }
    }

    @Test func instanceIdWithABadUUID() throws {
        let error = #expect(throws: PodSpecError.self) { try InstanceId.parse("mypod.instance-not-a-uuid") }
        #expect(error == .invalidArgument("Invalid UUID string: not-a-uuid"))
        #expect(error?.httpStatus == 422)
        #expect(try JSONValue.parse(error?.body ?? Data()) == ["message": "Invalid UUID string: not-a-uuid"])
    }

    @Test func taskIdsWithIncarnation() throws {
        let instance = try InstanceId.parse("prod_web.instance-6f1c1d2e-1234-11ee-9b7a-0242ac110002")
        let task = TaskId(instanceId: instance, containerName: "nginx", incarnation: 1)
        #expect(task.idString == "prod_web.instance-6f1c1d2e-1234-11ee-9b7a-0242ac110002.nginx.1")
        #expect(TaskId.parse(task.idString) == task)
        #expect(task.nextIncarnation.idString.hasSuffix(".nginx.2"))
        let relaunched = try #require(TaskId.parse("prod_web.instance-6f1c1d2e-1234-11ee-9b7a-0242ac110002.nginx.42"))
        #expect(relaunched.incarnation == 42)
        #expect(relaunched.instanceId == instance)
    }

    @Test func legacyTaskIds() throws {
        let old = try #require(TaskId.parse("prod_web.instance-6f1c1d2e-1234-11ee-9b7a-0242ac110002.nginx"))
        #expect(old.incarnation == nil)
        #expect(old.containerName == "nginx")
        let marathon = try #require(TaskId.parse("a_b.marathon-6f1c1d2e-1234-11ee-9b7a-0242ac110002._app.3"))
        #expect(marathon.containerName == "_app")
        #expect(marathon.incarnation == 3)
        #expect(marathon.instanceId.prefix == .marathon)
        let underscore = try #require(TaskId.parse("app.instance-6f1c1d2e-1234-11ee-9b7a-0242ac110002_app"))
        #expect(underscore.containerName == "app")
        #expect(TaskId.parse("app.instance-6f1c1d2e-1234-11ee-9b7a-0242ac110002") == nil)
        #expect(TaskId.parse("app.instance-zzz.c1.1") == nil)
        #expect(TaskId.parse("nothing-here") == nil)
    }
}

@Suite struct PodVersionTests {
    @Test func formatsWithThreeFractionalDigits() {
        #expect(fixedVersion.description == "2020-04-01T12:00:00.000Z")
        #expect(PodVersion(epochMilliseconds: 1_700_000_000_123).description == "2023-11-14T22:13:20.123Z")
        #expect(PodVersion.epoch.description == "1970-01-01T00:00:00.000Z")
        #expect(PodVersion(epochSeconds: -1).description == "1969-12-31T23:59:59.000Z")
        #expect(PodVersion(epochSeconds: 951_782_400).description == "2000-02-29T00:00:00.000Z")
    }

    @Test(arguments: [
        ("2020-04-01T12:00:00.000Z", Int64(1_585_742_400_000)),
        ("2020-04-01T12:00Z", 1_585_742_400_000),
        ("2020-04-01T12:00:01Z", 1_585_742_401_000),
        ("2020-04-01T12:00:01.5Z", 1_585_742_401_500),
        ("2020-04-01T12:00:01.500123456Z", 1_585_742_401_500),
        ("2020-04-01T14:00:00+02:00", 1_585_742_400_000),
        ("2020-04-01T11:30:00-00:30", 1_585_742_400_000),
        ("2020-04-01t12:00:00z", 1_585_742_400_000),
    ])
    func parsesISO8601(_ text: String, _ millis: Int64) throws {
        #expect(try PodVersion.parse(text).epochMilliseconds == millis)
    }

    @Test(arguments: ["2008", "2020-04-01", "2020-04-01T12:00:00", "2020-13-01T00:00:00Z", "2019-02-29T00:00:00Z",
                      "2020-04-01T24:00:00Z", "2020-04-01T12:00:00.Z", "2020-04-01T12:00:00.0123456789Z", "yesterday",
                      "2020-04-01T12:00:00+2"])
    func rejectsOtherText(_ text: String) {
        #expect(throws: PodSpecError.invalidArgument(
            "Invalid timestamp provided '\(text)'. Expecting ISO-8601 datetime string.")) { try PodVersion.parse(text) }
    }

    @Test func roundTripsAndOrders() throws {
        let version = PodVersion(epochSeconds: 1_585_742_400, nanoseconds: 123_456_789)
        #expect(try PodVersion.parse(version.description) == PodVersion(epochMilliseconds: version.epochMilliseconds))
        let coded = try JSONDecoder().decode([PodVersion].self, from: JSONEncoder().encode([version]))
        #expect(coded == [version])
        #expect(PodVersion.epoch < version)
    }
}
