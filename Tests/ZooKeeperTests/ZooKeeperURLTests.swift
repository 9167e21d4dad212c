import Foundation
import Logging
import Testing
@testable import ZooKeeper

@Suite struct ZooKeeperURLTests {
    @Test func parsesServersPathAndCredentials() throws {
        let url = try ZooKeeperURL("  zk://user:s3cret@zk1:2181,zk2:2182/mesos\n")
        #expect(url.servers == "zk1:2181,zk2:2182")
        #expect(url.path == "/mesos")
        #expect(url.credentials?.username == "user")
        #expect(url.credentials?.password == "s3cret")
        #expect(url.description == "zk://xxxxxxxx:xxxxxxxx@zk1:2181,zk2:2182/mesos")
        #expect(url.path("json.info_0000000001") == "/mesos/json.info_0000000001")

        let plain = try ZooKeeperURL("zk://10.0.0.1:2181/a/b")
        #expect(plain.credentials == nil)
        #expect(plain.description == "zk://10.0.0.1:2181/a/b")
    }

    @Test func credentialsAreEverythingBeforeTheLastAt() throws {
        let url = try ZooKeeperURL("zk://ops:p@ss:w@rd@zk1:2181/mesos")
        #expect(url.credentials?.username == "ops")
        #expect(url.credentials?.password == "p@ss:w@rd")
        #expect(url.servers == "zk1:2181")
    }

    @Test func pathRules() throws {
        #expect(try ZooKeeperURL("zk://zk1:2181/mesos/").path == "/mesos")
        #expect(try ZooKeeperURL("zk://zk1:2181/mesos//").path == "/mesos")
        for bad in ["zk://zk1:2181/", "zk://zk1:2181", "zk://zk1:2181//"] {
            let error = #expect(throws: ZooKeeperURLError.self) { try ZooKeeperURL(bad) }
            #expect(error?.description == "Expecting a (chroot) path for ZooKeeper ('/' is not supported)")
        }
        #expect(throws: ZooKeeperURLError.self) { try ZooKeeperURL("zk://zk1:2181/a//b") }
        #expect(throws: ZooKeeperURLError.self) { try ZooKeeperURL("zk://zk1:2181/a/../b") }
    }

    @Test func refusesWhatIsNotAZooKeeperURL() throws {
        for bad in ["zk1:2181/mesos", "http://zk1:2181/mesos", "ZK://zk1:2181/mesos", ""] {
            let error = #expect(throws: ZooKeeperURLError.self) { try ZooKeeperURL(bad) }
            #expect(error?.description == "Expecting 'zk://' at the beginning of the URL")
        }
    }

    @Test func serverList() throws {
        #expect(try ZooKeeperURL("zk://zk1,zk2:2182/m").servers == "zk1:2181,zk2:2182")
        #expect(try ZooKeeperURL("zk://[::1]:2181,[fe80::1]/m").servers == "[::1]:2181,[fe80::1]:2181")
        for bad in ["zk:///m", "zk://zk1:2181,/m", "zk://zk1:0/m", "zk://zk1:65536/m", "zk://zk1:x/m",
                    "zk://zk 1:2181/m", "zk://[::1/m", "zk://:2181/m"] {
            #expect(throws: ZooKeeperURLError.self, "\(bad)") { try ZooKeeperURL(bad) }
        }
        let error = #expect(throws: ZooKeeperURLError.self) { try ZooKeeperURL("zk://zk1:99999/m") }
        #expect(error?.description.contains("zk1:99999") == true)
    }

    @Test func errorsNeverShowThePassword() throws {
        for bad in ["zk://user:hunter2@/m", "zk://user:hunter2@zk1:bad/m", "zk://user:hunter2@zk1:2181/",
                    "zk://us/er:hunter2@zk1:2181/m", "zk://:hunter2@zk1:2181/m"] {
            let error = #expect(throws: ZooKeeperURLError.self, "\(bad)") { try ZooKeeperURL(bad) }
            #expect(error?.description.contains("hunter2") == false, "\(bad): \(String(describing: error))")
        }
        #expect(throws: ZooKeeperURLError.self) { try ZooKeeperURL("zk://user@zk1:2181/m") }
    }

    @Test func credentialsNeverShowInDescriptions() throws {
        let url = try ZooKeeperURL("zk://user:hunter2@zk1:2181/mesos")
        let configuration = ZooKeeperSession.Configuration(url: url)
        for text in ["\(url)", String(reflecting: url), "\(url.credentials!)", String(reflecting: url.credentials!),
                     String(describing: configuration), String(reflecting: configuration)] {
            #expect(!text.contains("hunter2"), "\(text)")
        }
        var dumped = ""
        dump(configuration, to: &dumped)
        #expect(!dumped.contains("hunter2"))
    }

    @Test func fileIndirection() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("zk-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        try "  zk://zk1:2181,zk2:2181/mesos\n".write(toFile: file, atomically: true, encoding: .utf8)
        let url = try ZooKeeperURL.resolve("file://" + file)
        #expect(url.servers == "zk1:2181,zk2:2181")
        #expect(url.path == "/mesos")
        #expect(try ZooKeeperURL.resolve("zk://zk1:2181/m").path == "/m")

        try "file:///etc/hostname".write(toFile: file, atomically: true, encoding: .utf8)
        #expect(throws: ZooKeeperURLError.self) { try ZooKeeperURL.resolve("file://" + file) }
        #expect(throws: ZooKeeperURLError.self) { try ZooKeeperURL.resolve("file:///nonexistent/zk") }
    }

    @Test func groupMemberNames() throws {
        let json = try #require(ZooKeeperGroupMember(name: "json.info_0000000042", group: "/mesos"))
        #expect(json.label == "json.info")
        #expect(json.sequence == 42)
        #expect(json.path == "/mesos/json.info_0000000042")
        #expect(json.fence == .check("/mesos/json.info_0000000042"))
        #expect(ZooKeeperGroupMember(name: "info_0000000007", group: "/mesos")?.label == "info")
        let bare = try #require(ZooKeeperGroupMember(name: "0000000003", group: "/"))
        #expect(bare.label == nil)
        #expect(bare.path == "/0000000003")
        #expect(ZooKeeperGroupMember(name: "a_b_0000000009", group: "/g")?.label == "a")
        #expect(ZooKeeperGroupMember(name: "a__0000000009", group: "/g")?.sequence == 9)
        for notMember in ["log_replicas", "json.info_", "_c_7d1e-latch-0000000001", "x_12a", "x_99999999999"] {
            #expect(ZooKeeperGroupMember(name: notMember, group: "/g") == nil, "\(notMember)")
        }
        let names = ["json.info_0000000005", "info_0000000002", "0000000009", "json.info_0000000001"]
        let sorted = names.compactMap { ZooKeeperGroupMember(name: $0, group: "/g") }.sorted().map(\.sequence)
        #expect(sorted == [1, 2, 5, 9])
    }

    @Test func clientLogLines() {
        let line = "2024-06-16 10:00:00,123:4242(0x7f00aa):ZOO_ERROR@handle_socket_error_msg@2185: Socket [127.0.0.1:2181] zk retcode=-4\n"
        let parsed = ClientLog.parse(line)
        #expect(parsed.level == .notice)
        #expect(parsed.function == "handle_socket_error_msg")
        #expect(parsed.message == "Socket [127.0.0.1:2181] zk retcode=-4")
        #expect(ClientLog.parse("x:1(0x1):ZOO_INFO@zookeeper_init@1: Initiating").level == .debug)
        #expect(ClientLog.parse("garbage").message == "garbage")
    }

    @Test func errorText() {
        let error = ZooKeeperError(.noNode, operation: "get", path: "/a/b")
        #expect(error.description == "ZooKeeper get /a/b failed: NONODE (no node)")
        #expect(ZooKeeperError.Code.connectionLoss.isConnectionProblem)
        #expect(!ZooKeeperError.Code.badVersion.isConnectionProblem)
        #expect(ZooKeeperError.Code(rawValue: -999).name == "ERROR(-999)")
    }
}
