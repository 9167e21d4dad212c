import Foundation
import PodSystem
import Testing

struct DirectoryTests {
    @Test("create makes every missing ancestor, accepts what exists and a trailing slash, and names what fails")
    func createNested() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("directory-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: base) }
        try Directory.create(base + "/a/b/c", mode: 0o750)
        #expect(Directory.isDirectory(base + "/a/b/c"))
        var info = stat()
        #expect(stat(base + "/a/b", &info) == 0 && info.st_mode & 0o777 == 0o750 & ~Self.umask())
        try Directory.create(base + "/a/b/c")  // exists
        try Directory.create(base + "/a/x//y/", mode: 0o755)
        #expect(Directory.isDirectory(base + "/a/x/y"))

        #expect(FileManager.default.createFile(atPath: base + "/file", contents: Data()))
        let error = #expect(throws: SystemError.self) { try Directory.create(base + "/file/sub/dir") }
        #expect(error?.errno == ENOTDIR)
        #expect(error.map { "\($0)" }?.contains(base + "/file/sub") == true)
    }

    static func umask() -> mode_t {
        let old = Glibc.umask(0)
        _ = Glibc.umask(old)
        return old
    }
}
