import Foundation
import PodSystem
import PodTestFixtures
import Testing
@testable import ImageStore

@Suite struct LayerUnpackerTests {
    @Test(.enabled(if: isRoot(), "needs root: layers keep their owners (chown) and whiteouts are trusted.* xattrs")) func whiteoutsBecomeOverlayForm() throws {
        let directory = try Unpack.makeDirectory("wh")
        var tar = TarBuilder()
        tar.directory("etc")
        tar.file("etc/.wh.motd", "")
        tar.directory("opt/data")
        tar.file("opt/data/.wh..wh..opq", "")
        tar.file("opt/data/new", "new")
        tar.file("opt/.wh..wh.plnk", "")  // aufs metadata: ignored
        tar.file("own", "mine")
        tar.file(".wh.own", "")  // never hides this layer's own entry
        tar.file(".wh.gone", "")
        tar.end()
        try Unpack.tar(tar.bytes, into: directory)
        #expect(Unpack.lstat(directory + "/etc/motd")?.isOverlayWhiteout == true)
        #expect(Unpack.lstat(directory + "/gone")?.isOverlayWhiteout == true)
        #expect(Unpack.lstat(directory + "/own")?.kind == .regular)
        #expect(Unpack.lstat(directory + "/opt/.wh..wh.plnk") == nil)
        #expect(Unpack.xattrs(directory + "/opt/data")["trusted.overlay.opaque"] == "y")
        #expect(try String(contentsOfFile: directory + "/opt/data/new", encoding: .utf8) == "new")
    }

    @Test(arguments: [".wh...", "x/.wh.", "x/.wh../../y"])
    func hostileWhiteoutNamesAreRejected(_ name: String) throws {
        let directory = try Unpack.makeDirectory("whbad")
        var tar = TarBuilder()
        tar.directory("x")
        tar.file(name, "")
        tar.end()
        do {
            try Unpack.tar(tar.bytes, into: directory)
            Issue.record("\(name) accepted")
        } catch {
            #expect(error.code == .unsafeLayer)
        }
    }

    @Test(.enabled(if: isRoot(), "needs root: layers keep their owners (chown) and whiteouts are trusted.* xattrs")) func metadataIsPreserved() throws {
        let directory = try Unpack.makeDirectory("meta")
        var tar = TarBuilder()
        tar.directory("d", mode: 0o2750)
        tar.file("d/suid", "x", mode: 0o4755, uid: 1000, gid: 1001)
        tar.pax([("SCHILY.xattr.user.test", Array("hello".utf8)), ("SCHILY.xattr.trusted.evil", Array("1".utf8))])
        tar.file("d/attr", "a")
        tar.hardLink("d/attr-link", to: "d/attr")
        tar.symlink("d/link", to: "/etc/passwd")
        tar.node("d/fifo", kind: .fifo)
        tar.node("d/sda", kind: .block, major: 8, minor: 0)
        tar.end()
        let unpacker = try Unpack.tar(tar.bytes, into: directory)
        let suid = try #require(Unpack.lstat(directory + "/d/suid"))
        #expect(suid.permissions == 0o4755 && suid.uid == 1000 && suid.gid == 1001)
        #expect(suid.modificationSeconds == 1_700_000_000)
        #expect(Unpack.lstat(directory + "/d")?.permissions == 0o2750)
        #expect(Unpack.lstat(directory + "/d")?.modificationSeconds == 1_700_000_000)
        #expect(Unpack.xattrs(directory + "/d/attr") == ["user.test": "hello"])
        #expect(Unpack.lstat(directory + "/d/attr-link")?.inode == Unpack.lstat(directory + "/d/attr")?.inode)
        #expect(Unpack.lstat(directory + "/d/link")?.kind == .symlink)
        #expect(Unpack.lstat(directory + "/d/fifo")?.kind == .fifo)
        #expect(Unpack.lstat(directory + "/d/sda") == nil)
        #expect(unpacker.skippedDevices == 1)
        #expect(unpacker.droppedAttributes == 1)
    }

    @Test(.enabled(if: isRoot(), "needs root: layers keep their owners (chown) and whiteouts are trusted.* xattrs")) func lastEntryWinsAndSymlinksAreReplacedNotFollowed() throws {
        let directory = try Unpack.makeDirectory("lew")
        let outside = try Unpack.makeDirectory("outside")
        var tar = TarBuilder()
        tar.symlink("victim", to: outside + "/overwritten")
        tar.file("victim", "replaced")
        tar.file("dup", "first")
        tar.file("dup", "second")
        tar.file("node", "file")
        tar.directory("node")
        tar.end()
        try Unpack.tar(tar.bytes, into: directory)
        #expect(try String(contentsOfFile: directory + "/victim", encoding: .utf8) == "replaced")
        #expect(try String(contentsOfFile: directory + "/dup", encoding: .utf8) == "second")
        #expect(Unpack.lstat(directory + "/node")?.kind == .directory)
        #expect(try FileManager.default.contentsOfDirectory(atPath: outside).isEmpty)
    }

    static func build(_ name: String, _ t: inout TarBuilder, _ o: String) {
        switch name {
        case "dotdot": t.file("../../.." + o + "/x", "x")
        case "through-symlink": t.symlink("esc", to: o); t.file("esc/x", "x")
        case "relative-symlink": t.symlink("up", to: "../../../../../../.." + o); t.file("up/x", "x")
        case "hardlink-outside": t.hardLink("pw", to: "/etc/passwd")
        case "hardlink-dotdot": t.hardLink("pw", to: "../../etc/passwd")
        case "hardlink-via-symlink": t.symlink("sl", to: "/etc"); t.hardLink("hl", to: "sl/passwd")
        case "hardlink-directory": t.directory("d"); t.hardLink("hl", to: "d")
        case "whiteout-through-symlink": t.symlink("wl", to: o); t.file("wl/.wh.victim", "")
        default: break
        }
    }

    @Test(.enabled(if: isRoot(), "needs root: layers keep their owners (chown) and whiteouts are trusted.* xattrs"),
          arguments: ["dotdot", "through-symlink", "relative-symlink", "hardlink-outside", "hardlink-dotdot",
                      "hardlink-via-symlink", "hardlink-directory", "whiteout-through-symlink"])
    func escapesAreRejected(_ name: String) throws {
        let directory = try Unpack.makeDirectory("esc")
        let outside = try Unpack.makeDirectory("outside")
        try Data("keep".utf8).write(to: URL(fileURLWithPath: outside + "/victim"))
        var tar = TarBuilder()
        Self.build(name, &tar, outside)
        tar.end()
        do {
            try Unpack.tar(tar.bytes, into: directory)
            Issue.record("\(name) was accepted")
        } catch {
            #expect(error.code == .unsafeLayer, "\(name): \(error)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: outside) == ["victim"])
    }

    @Test(.enabled(if: isRoot(), "needs root: layers keep their owners (chown) and whiteouts are trusted.* xattrs")) func absolutePathsAreContained() throws {
        let directory = try Unpack.makeDirectory("abs")
        let outside = try Unpack.makeDirectory("outside")
        var tar = TarBuilder()
        tar.file(outside + "/absolute", "x")
        tar.end()
        try Unpack.tar(tar.bytes, into: directory)
        #expect(FileManager.default.fileExists(atPath: directory + outside + "/absolute"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: outside).isEmpty)
    }

    @Test(.enabled(if: isRoot(), "needs root: layers keep their owners (chown) and whiteouts are trusted.* xattrs")) func copyBackendAppliesWhiteoutsAcrossLayers() throws {
        let lower = try Unpack.makeDirectory("lower")
        let upper = try Unpack.makeDirectory("upper")
        let target = try Unpack.makeDirectory("merged")
        let outside = try Unpack.makeDirectory("outside")
        var one = TarBuilder()
        one.file("a", "a")
        one.file("b", "b")
        one.file("dir/x", "x")
        one.file("dir/sub/y", "y")
        one.symlink("etc2", to: outside)
        one.file("hl-src", "shared")
        one.hardLink("hl-dst", to: "hl-src")
        one.end()
        var two = TarBuilder()
        two.file(".wh.a", "")
        two.file("dir/.wh..wh..opq", "")
        two.file("dir/z", "z")
        two.directory("etc2")
        two.file("etc2/cross-layer", "inside")
        two.end()
        try Unpack.tar(one.bytes, into: lower)
        try Unpack.tar(two.bytes, into: upper)
        let root = try RootedDirectory.open(path: target)
        try copyRootfs(layers: [lower, upper], into: root)
        let names = try FileManager.default.contentsOfDirectory(atPath: target).sorted()
        #expect(names == ["b", "dir", "etc2", "hl-dst", "hl-src"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: target + "/dir") == ["z"])
        #expect(Unpack.lstat(target + "/etc2")?.kind == .directory)
        #expect(FileManager.default.fileExists(atPath: target + "/etc2/cross-layer"))
        #expect(Unpack.lstat(target + "/hl-dst")?.inode == Unpack.lstat(target + "/hl-src")?.inode)
        #expect(Unpack.xattrs(target + "/dir")["trusted.overlay.opaque"] == nil)
        #expect(try FileManager.default.contentsOfDirectory(atPath: outside).isEmpty)
    }
}
