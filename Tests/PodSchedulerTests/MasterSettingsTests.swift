import Foundation
import MesosHTTP
@testable import pod_scheduler
import PodTestFixtures
import Testing
import ZooKeeper

/// `--master` in Mesos' forms and `local-cluster --zk/--masters`: every problem found before
/// anything starts, named by its flag, never with a password. No process is started.
@Suite("pod-scheduler's --master forms and local-cluster's ZooKeeper flags")
struct MasterSettingsTests {
    typealias Scratch = SecuritySettingsTests.Scratch

    static func problems(_ arguments: [String], in scratch: Scratch) throws -> [String] {
        try SecuritySettingsTests.problems(arguments, in: scratch)
    }

    static func master(_ text: String, in scratch: Scratch) throws -> SchedulerConfiguration.Master {
        try SecuritySettingsTests.settings(["--master", text], in: scratch).master
    }

    @Test("zk:// (with digest credentials), file:// naming one, masters by address or UPID")
    func forms() throws {
        let scratch = try Scratch()
        guard case .zooKeeper(let url) = try Self.master("zk://mesos:pw@zk1:2181,zk2/mesos", in: scratch) else {
            Issue.record("not a ZooKeeper master")
            return
        }
        #expect(url.servers == "zk1:2181,zk2:2181" && url.path == "/mesos" && url.credentials?.username == "mesos")
        let settings = try SecuritySettingsTests.settings(["--master", "zk://mesos:pw@zk1:2181/mesos"], in: scratch)
        #expect(settings.masterDescription == "zk://xxxxxxxx:xxxxxxxx@zk1:2181/mesos")
        #expect(settings.mesosSecurity.detectedMasterScheme == "http")
        #expect(!settings.masterFromFile)

        let file = try scratch.file("zk", "  zk://zk1:2181/mesos\n")
        let fromFile = try SecuritySettingsTests.settings(["--master", "file://" + file], in: scratch)
        #expect(fromFile.masterFromFile)
        guard case .zooKeeper(let read) = fromFile.master else {
            Issue.record("the file's URL not read")
            return
        }
        #expect(read.servers == "zk1:2181" && read.path == "/mesos")
        let addresses = try scratch.file("masters", "http://m1:5050,m2:5051\n")
        guard case .remote(let listed) = try Self.master("file://" + addresses, in: scratch) else {
            Issue.record("the file's masters not read")
            return
        }
        #expect(listed.map(\.description) == ["http://m1:5050", "http://m2:5051"])
        guard case .remote(let upid) = try Self.master("master@10.0.0.1:5050", in: scratch) else {
            Issue.record("a UPID not read")
            return
        }
        #expect(upid.map(\.description) == ["http://10.0.0.1:5050"])
    }

    @Test("bad masters: Mesos' URL errors, never the password")
    func badMasters() throws {
        let scratch = try Scratch()
        let cases: [(String, String)] = [
            ("zk://mesos:hunter2@zk1:2181/", "--master: Expecting a (chroot) path for ZooKeeper ('/' is not supported)"),
            ("zk://mesos:hunter2@zk1:99999/mesos", "--master: ZooKeeper server number 1 has an invalid port"),
            ("file://" + scratch.directory + "/missing", "--master: cannot read the file '\(scratch.directory)/missing'"),
            ("http://admin:hunter2@m1:5050", "--master: 'm1:5050' has credentials; only zk:// URLs take them"),
            ("ftp://m1", "--master: 'ftp://m1' is not a master URL (http://host:5050, zk://host:2181/mesos)"),
        ]
        for (master, expected) in cases {
            let found = try Self.problems(["--master", master], in: scratch)
            #expect(found == [expected], "\(master)")
            #expect(!found.joined().contains("hunter2"))
        }
        let nested = try scratch.file("nested", "file:///etc/mesos/zk\n")
        #expect(try Self.problems(["--master", "file://" + nested], in: scratch)
            == ["--master: the file '\(nested)' must hold a zk:// URL or master addresses"])
        let badFile = try scratch.file("bad", "zk://u:hunter2@zk1/\n")
        #expect(try Self.problems(["--master", "file://" + badFile], in: scratch)
            == ["--master (from \(badFile)): Expecting a (chroot) path for ZooKeeper ('/' is not supported)"])
        #expect(try Self.problems(["--master", "zk://zk1/mesos", "--local-credentials", "/x"], in: scratch)
            == ["--local-credentials configures the embedded master; it needs --master local"])
    }

    @Test("--mesos-ca-file with zk:// means the detected masters are reached over https",
          .enabled(if: TestCertificates.available, "needs /usr/bin/openssl to make certificates"))
    func httpsForDetectedMasters() throws {
        let scratch = try Scratch()
        let certificates = try TestCertificates()
        let settings = try SecuritySettingsTests.settings(["--master", "zk://zk1:2181/mesos", "--mesos-ca-file", certificates.ca.certificate],
                                                          in: scratch)
        #expect(settings.mesosSecurity.detectedMasterScheme == "https")
        #expect(settings.mesosSecurity.tlsConfiguration != nil)
    }

    @Test("local-cluster --zk, --masters, --zk-session-timeout")
    func localClusterFlags() throws {
        let scratch = try Scratch()
        func problems(_ arguments: [String]) throws -> [String] {
            let command = try LocalClusterCommand.parse(["--work-dir", scratch.directory + "/lc", "--executor", "/bin/true"] + arguments)
            do {
                _ = try command.settings()
                return []
            } catch let problems as SchedulerConfiguration.Problems {
                return problems.list
            }
        }
        #expect(try problems(["--masters", "2"]) == ["--masters: more than one master needs --zk (the masters elect their leader in ZooKeeper)"])
        #expect(try problems(["--masters", "0", "--zk", "zk://zk1/mesos"]) == ["--masters: 0 is not between 1 and 9"])
        let bad = try problems(["--zk", "zk://mesos:hunter2@zk1/", "--zk-session-timeout", "0"])
        #expect(bad == ["--zk: Expecting a (chroot) path for ZooKeeper ('/' is not supported)",
                        "--zk-session-timeout: 0.0 is not a number of seconds between 0.1 and 600"])
        #expect(!bad.joined().contains("hunter2"))
        let command = try LocalClusterCommand.parse(["--work-dir", scratch.directory + "/lc", "--executor", "/bin/true",
                                                     "--zk", "zk://mesos:pw@zk1:2181/mesos", "--masters", "3", "--zk-session-timeout", "2.5"])
        let (configuration, _) = try command.settings()
        #expect(configuration.zooKeeper?.description == "zk://xxxxxxxx:xxxxxxxx@zk1:2181/mesos")
        #expect(configuration.masterCount == 3)
        #expect(configuration.zooKeeperSessionTimeout == .milliseconds(2500))
        let single = try LocalClusterCommand.parse(["--work-dir", scratch.directory + "/lc", "--executor", "/bin/true"]).settings().0
        #expect(single.zooKeeper == nil && single.masterCount == 1, "without --zk: one master that always leads")
    }
}
