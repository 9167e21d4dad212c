import Foundation
@testable import PodSystem
import Testing

struct CheckpointLogTests {
    func scratch() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("checkpoint-log-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    func inode(_ path: String) -> UInt {
        var info = stat()
        return stat(path, &info) == 0 ? UInt(info.st_ino) : 0
    }

    func size(_ path: String) -> Int {
        var info = stat()
        return stat(path, &info) == 0 ? Int(info.st_size) : -1
    }

    @Test("the newest record wins; saves append to the same file instead of replacing it")
    func appendsInPlace() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let log = CheckpointLog(path: dir + "/c.log")
        #expect(try log.latest() == nil)
        try log.save(Array("one".utf8), fresh: true)
        let first = inode(log.path)
        try log.save(Array("two".utf8))
        try log.save(Array("three".utf8))
        #expect(try log.latest() == Array("three".utf8))
        #expect(inode(log.path) == first)
        #expect(size(log.path) == 3 * CheckpointLog.headerSize + 3 + 3 + 5)
        try log.save(Array("four".utf8), fresh: true)
        #expect(size(log.path) == CheckpointLog.headerSize + 4)
        #expect(try log.latest() == Array("four".utf8))
    }

    @Test("a torn or corrupt tail is ignored and cut off, so the next save follows the last good record")
    func tornTail() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let log = CheckpointLog(path: dir + "/c.log")
        try log.save(Array("good".utf8), fresh: true)
        let goodSize = size(log.path)
        // A crash in the middle of an append: a header and part of the payload.
        var torn = CheckpointLog.frame(Array("a longer second state".utf8))
        torn.removeLast(5)
        let handle = try #require(FileHandle(forWritingAtPath: log.path))
        handle.seekToEndOfFile()
        handle.write(Data(torn))
        try handle.close()
        #expect(try log.latest() == Array("good".utf8))
        #expect(size(log.path) == goodSize)
        try log.save(Array("after".utf8))
        #expect(try log.latest() == Array("after".utf8))

        // A record whose payload does not match its checksum (zeros from a lost write).
        var corrupt = CheckpointLog.frame(Array("zeroed".utf8))
        for i in CheckpointLog.headerSize..<corrupt.count { corrupt[i] = 0 }
        let h2 = try #require(FileHandle(forWritingAtPath: log.path))
        h2.seekToEndOfFile()
        h2.write(Data(corrupt))
        try h2.close()
        #expect(try log.latest() == Array("after".utf8))
        // Garbage that is not a record at all.
        try Data("not a checkpoint".utf8).write(to: URL(fileURLWithPath: log.path))
        #expect(try log.latest() == nil)
        #expect(size(log.path) == 0)
    }

    @Test("past compactAbove the log is replaced by one record")
    func compacts() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let log = CheckpointLog(path: dir + "/c.log", compactAbove: 200)
        let payload = [UInt8](repeating: 0x41, count: 50)
        for i in 0..<10 {
            try log.save(payload + [UInt8(i)], fresh: i == 0)
            #expect(size(log.path) <= 200)
        }
        #expect(try log.latest() == payload + [9])
    }
}
