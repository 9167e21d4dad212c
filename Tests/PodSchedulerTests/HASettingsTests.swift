import Foundation
@testable import pod_scheduler
import PodSchedulerCore
import Testing

/// `--zk` and its companions: checked before anything starts, named by their flag, never
/// with a password. No process is started.
@Suite("pod-scheduler's --zk flags")
struct HASettingsTests {
    typealias Scratch = SecuritySettingsTests.Scratch

    @Test("--zk with credentials, session timeout and hostname; without --zk: one instance, as before")
    func accepted() throws {
        let scratch = try Scratch()
        let settings = try SecuritySettingsTests.settings(
            ["--master", "http://m1:5050", "--zk", "zk://ops:hunter2@zk1:2181,zk2:2181/pod-scheduler", "--zk-session-timeout", "4000",
             "--hostname", "sched1.example.com"], in: scratch)
        let ha = try #require(settings.highAvailability)
        #expect(ha.url.servers == "zk1:2181,zk2:2181" && ha.url.path == "/pod-scheduler")
        #expect(ha.url.description == "zk://xxxxxxxx:xxxxxxxx@zk1:2181,zk2:2181/pod-scheduler")
        #expect(ha.sessionTimeout == .seconds(4) && ha.connectTimeout == .seconds(10))
        #expect(settings.ownAddress == LeaderAddress(hostPort: "sched1.example.com:8080", scheme: "http"))

        let wildcard = try SecuritySettingsTests.settings(
            ["--master", "http://m1:5050", "--zk", "zk://zk1:2181/ps", "--http-address", "0.0.0.0"], in: scratch)
        #expect(wildcard.hostname == ProcessInfo.processInfo.hostName, "a wildcard address is not reachable: the host name")

        let single = try SecuritySettingsTests.settings(["--master", "http://m1:5050", "--http-address", "0.0.0.0"], in: scratch)
        #expect(single.highAvailability == nil)
        #expect(single.hostname == "0.0.0.0", "one instance: unchanged")
    }

    @Test("refused: --master local, the root path, timeouts out of range, companions without --zk; never the password")
    func refused() throws {
        let scratch = try Scratch()
        let cases: [([String], String)] = [
            (["--zk", "zk://ops:hunter2@zk1:2181/ps"], "--zk needs a Mesos master all instances share"),
            (["--master", "http://m:5050", "--zk", "zk://ops:hunter2@zk1:2181/"], "--zk:"),
            (["--master", "http://m:5050", "--zk", "zk://zk1:2181/ps", "--zk-session-timeout", "10"], "--zk-session-timeout: 10 ms"),
            (["--master", "http://m:5050", "--zk-session-timeout", "4000"], "--zk-session-timeout needs --zk"),
            (["--master", "http://m:5050", "--ca-file", "/nonexistent"], "--ca-file needs --zk"),
            (["--master", "http://m:5050", "--zk", "zk://zk1:2181/ps", "--ca-file", "/nonexistent"], "--ca-file:"),
        ]
        for (arguments, expected) in cases {
            let problems = try SecuritySettingsTests.problems(arguments, in: scratch)
            #expect(problems.contains { $0.hasPrefix(expected) }, "\(arguments): \(problems)")
            #expect(!problems.joined().contains("hunter2"))
        }
    }
}
