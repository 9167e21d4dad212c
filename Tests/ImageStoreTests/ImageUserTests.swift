import Foundation
import PodSystem
import PodTestFixtures
import Testing
@testable import ImageStore

@Suite struct ImageUserTests {
    static func rootfs(passwd: String? = "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n",
                       group: String? = "root:x:0:\napp:x:1000:\nstaff:x:50:app\naudio:x:63:app,root\n") throws -> String {
        let directory = try Host.temporaryDirectory("user")
        try FileManager.default.createDirectory(atPath: directory + "/etc", withIntermediateDirectories: true)
        if let passwd { try Data(passwd.utf8).write(to: URL(fileURLWithPath: directory + "/etc/passwd")) }
        if let group { try Data(group.utf8).write(to: URL(fileURLWithPath: directory + "/etc/group")) }
        return directory
    }

    @Test func resolvesNamesIdsAndGroups() throws {
        let root = try RootedDirectory.open(path: try Self.rootfs())
        #expect(try ImageUser.resolve("", rootfs: root) == ResolvedUser(uid: 0, gid: 0, supplementaryGroups: [63], name: "root", home: nil))
        #expect(try ImageUser.resolve("app", rootfs: root)
            == ResolvedUser(uid: 1000, gid: 1000, supplementaryGroups: [50, 63], name: "app", home: "/home/app"))
        #expect(try ImageUser.resolve("app:staff", rootfs: root).gid == 50)
        #expect(try ImageUser.resolve("app:staff", rootfs: root).supplementaryGroups == [63])
        #expect(try ImageUser.resolve("1000:7", rootfs: root).gid == 7)
        let unknownUid = try ImageUser.resolve("4242", rootfs: root)
        #expect(unknownUid.uid == 4242 && unknownUid.gid == 0 && unknownUid.name == nil)
        #expect(try ImageUser.resolve("0:0", rootfs: root).uid == 0)
        #expect(throws: ImageStoreError.self) { try ImageUser.resolve("nobody", rootfs: root) }
        #expect(throws: ImageStoreError.self) { try ImageUser.resolve("app:nogroup", rootfs: root) }
        #expect(throws: ImageStoreError.self) { try ImageUser.resolve("app:", rootfs: root) }
    }

    @Test func missingFilesAllowNumericIdsOnly() throws {
        let root = try RootedDirectory.open(path: try Self.rootfs(passwd: nil, group: nil))
        #expect(try ImageUser.resolve("12:34", rootfs: root).uid == 12)
        #expect(throws: ImageStoreError.self) { try ImageUser.resolve("app", rootfs: root) }
    }

    @Test func hostilePasswdIsNeverFollowedOutOrRead() throws {
        let directory = try Self.rootfs(passwd: nil)
        // An absolute symlink resolves inside the root (to nothing here), never to the host file.
        try FileManager.default.createSymbolicLink(atPath: directory + "/etc/passwd", withDestinationPath: "/etc/passwd")
        let root = try RootedDirectory.open(path: directory)
        #expect(throws: ImageStoreError.self) { try ImageUser.resolve("root", rootfs: root) }
        // A FIFO (would block) or /dev/zero (would never end) is refused, not read.
        try FileManager.default.removeItem(atPath: directory + "/etc/passwd")
        try root.makeNode("etc/passwd", kind: .fifo, permissions: 0o644)
        #expect(throws: ImageStoreError.self) { try ImageUser.resolve("root", rootfs: root) }
        // Through layers, a symlinked passwd is refused outright.
        #expect(throws: ImageStoreError.self) { try ImageUser.resolve("root", layerDirectories: [directory]) }
    }

    @Test func layeredLookupHonoursWhiteouts() throws {
        let lower = try Self.rootfs()
        let upper = try Host.temporaryDirectory("upper")
        let root = try RootedDirectory.open(path: upper)
        try root.makeDirectory("etc")
        #expect(try ImageUser.resolve("app", layerDirectories: [lower, upper]).uid == 1000)
        try root.makeNode("etc/passwd", kind: .characterDevice, permissions: 0, major: 0, minor: 0)
        #expect(throws: ImageStoreError.self) { try ImageUser.resolve("app", layerDirectories: [lower, upper]) }
    }
}
