import Foundation
import PodSystem
import PodTestFixtures
import Testing

@Suite struct RootedDirectoryTests {
    @Test func inRootResolutionClampsEscapes() throws {
        let directory = try Host.temporaryDirectory("rooted")
        try FileManager.default.createSymbolicLink(atPath: directory + "/link", withDestinationPath: "/etc")
        try FileManager.default.createSymbolicLink(atPath: directory + "/dotdot", withDestinationPath: "../../../../etc")
        let root = try RootedDirectory.open(path: directory)
        for path in ["link/passwd", "dotdot/passwd", "../../../etc/passwd", "/etc/passwd"] {
            #expect(throws: FileSystemError.self) { try root.readFile(path, limit: 1 << 20, resolution: .inRoot) }
        }
        try FileManager.default.createDirectory(atPath: directory + "/etc", withIntermediateDirectories: true)
        try Data("inside".utf8).write(to: URL(fileURLWithPath: directory + "/etc/passwd"))
        // Now the same escapes land on the root's own etc/passwd.
        for path in ["link/passwd", "dotdot/passwd", "../../../etc/passwd", "/etc/passwd"] {
            #expect(try root.readFile(path, limit: 1 << 20, resolution: .inRoot) == Array("inside".utf8))
        }
        // The strict walk refuses symlinks and "..".
        #expect(throws: FileSystemError.self) { try root.readFile("link/passwd", limit: 1 << 20) }
        #expect(throws: FileSystemError.self) { try root.readFile("../etc/passwd", limit: 1 << 20) }
    }

    @Test func readFileRefusesNonRegularFilesAndCapsSize() throws {
        let directory = try Host.temporaryDirectory("rooted")
        let root = try RootedDirectory.open(path: directory)
        try root.makeNode("fifo", kind: .fifo, permissions: 0o600)
        #expect(throws: FileSystemError.self) { try root.readFile("fifo", limit: 10, resolution: .inRoot) }
        try FileManager.default.createSymbolicLink(atPath: directory + "/zero", withDestinationPath: "/dev/zero")
        #expect(throws: FileSystemError.self) { try root.readFile("zero", limit: 10, resolution: .inRoot) }
        try Data(count: 100).write(to: URL(fileURLWithPath: directory + "/big"))
        do {
            _ = try root.readFile("big", limit: 10)
            Issue.record("size cap not enforced")
        } catch {
            #expect(error.syscall == "read")
        }
    }

    @Test func removeTreeNeverFollowsSymlinks() throws {
        let directory = try Host.temporaryDirectory("rooted")
        let outside = try Host.temporaryDirectory("outside")
        try Data("k".utf8).write(to: URL(fileURLWithPath: outside + "/keep"))
        let root = try RootedDirectory.open(path: directory)
        try root.makeDirectory("a/b/c")
        try root.makeSymlink("a/b/out", target: outside)
        try root.makeSymlink("a/abs", target: outside + "/keep")
        #expect(try root.removeTree("a"))
        #expect(try root.status("a") == nil)
        #expect(FileManager.default.fileExists(atPath: outside + "/keep"))
    }

    @Test func createFileReplacesSymlinkInsteadOfWritingThroughIt() throws {
        let directory = try Host.temporaryDirectory("rooted")
        let outside = try Host.temporaryDirectory("outside")
        let root = try RootedDirectory.open(path: directory)
        try root.makeSymlink("victim", target: outside + "/target")
        let file = try root.createFile("victim")
        try Array("new".utf8).withUnsafeBytes { raw in Result { () throws(FileSystemError) in try file.write(raw) } }.get()
        try file.close()
        #expect(!FileManager.default.fileExists(atPath: outside + "/target"))
        #expect(try root.status("victim")?.kind == .regular)
    }

    @Test func errorsNameSyscallAndOperands() throws {
        let directory = try Host.temporaryDirectory("rooted")
        let root = try RootedDirectory.open(path: directory)
        try root.makeSymlink("s", target: "/")
        do {
            try root.makeDirectory("s/x", createParents: true)
            Issue.record("walked through a symlink")
        } catch {
            #expect(error.crossesSymlinkOrNonDirectory)
            #expect(error.description.contains("openat("))
            #expect(error.description.contains(directory + "/s"))
            #expect(error.description.contains("ELOOP") || error.description.contains("ENOTDIR"))
        }
    }

    @Test func renameNoReplaceGivesFirstWriterWins() throws {
        let directory = try Host.temporaryDirectory("rooted")
        let root = try RootedDirectory.open(path: directory)
        try root.makeDirectory("one/x")
        try root.makeDirectory("two/y")
        try root.rename("one", to: "final", noReplace: true)
        do {
            try root.rename("two", to: "final", noReplace: true)
            Issue.record("second rename replaced the first")
        } catch {
            #expect(error.isAlreadyExists)
        }
        #expect(try root.status("final/x")?.kind == .directory)
    }

    @Test func locksExcludeEachOther() throws {
        let directory = try Host.temporaryDirectory("rooted")
        let root = try RootedDirectory.open(path: directory)
        let shared = try #require(try root.lock("l", exclusive: false, wait: false))
        #expect(try root.lock("l", exclusive: false, wait: false) != nil)
        #expect(try root.lock("l", exclusive: true, wait: false) == nil)
        withExtendedLifetime(shared) {}
    }
}
