import Testing
@testable import ImageStore

/// Records what the reader emits.
final class RecordingSink: TarEntrySink {
    var entries: [TarEntry] = []
    var contents: [[UInt8]] = []
    var open = false

    func begin(_ entry: TarEntry) throws(ImageStoreError) {
        entries.append(entry)
        contents.append([])
        open = true
    }

    func data(_ bytes: UnsafeRawBufferPointer) throws(ImageStoreError) {
        contents[contents.count - 1] += Array(bytes)
    }

    func end() throws(ImageStoreError) { open = false }
}

@Suite struct TarReaderTests {
    static func read(_ bytes: [UInt8], chunk: Int = 1 << 20, limits: TarLimits = TarLimits()) throws(ImageStoreError) -> RecordingSink {
        var reader = TarReader(limits: limits)
        let sink = RecordingSink()
        var offset = 0
        while offset < bytes.count {
            let end = min(bytes.count, offset + chunk)
            let slice = Array(bytes[offset..<end])
            try slice.withUnsafeBytes { raw in Result { () throws(ImageStoreError) in try reader.feed(raw, into: sink) } }.get()
            offset = end
        }
        try reader.finish()
        return sink
    }

    static var sample: [UInt8] {
        var tar = TarBuilder()
        tar.directory("./etc/")
        tar.file("./etc/passwd", "root:x:0:0::/root:/bin/sh\n", mode: 0o644, uid: 1, gid: 2)
        tar.symlink("bin/sh", to: "/bin/busybox")
        tar.hardLink("etc/passwd-", to: "etc/passwd")
        tar.node("dev/null", kind: .char, major: 1, minor: 3)
        tar.node("fifo", kind: .fifo)
        tar.pax([("path", Array(("d/" + String(repeating: "p", count: 200)).utf8)), ("mtime", Array("1700000001.5".utf8)),
                 ("SCHILY.xattr.user.test", Array("hello".utf8)), ("uid", Array("4000000000".utf8))])
        tar.file("short-name-overridden", "pax")
        tar.gnuLongName("g/" + String(repeating: "n", count: 150))
        tar.file("ignored", "gnu")
        tar.end()
        tar.raw(Array("trailing garbage after the end marker".utf8))
        return tar.bytes
    }

    @Test(arguments: [1, 7, 512, 513, 1 << 20])
    func parsesUstarPaxGnuInAnyChunking(chunk: Int) throws {
        let sink = try Self.read(Self.sample, chunk: chunk)
        #expect(sink.entries.map(\.path) == ["./etc/", "./etc/passwd", "bin/sh", "etc/passwd-", "dev/null", "fifo",
                                             "d/" + String(repeating: "p", count: 200), "g/" + String(repeating: "n", count: 150)])
        #expect(sink.entries.map(\.kind) == [.directory, .regular, .symlink, .hardLink, .characterDevice, .fifo, .regular, .regular])
        #expect(sink.contents[1] == Array("root:x:0:0::/root:/bin/sh\n".utf8))
        #expect(sink.entries[1].uid == 1 && sink.entries[1].gid == 2)
        #expect(sink.entries[2].linkName == "/bin/busybox")
        #expect(sink.entries[4].deviceMajor == 1 && sink.entries[4].deviceMinor == 3)
        let pax = sink.entries[6]
        #expect(pax.modificationSeconds == 1_700_000_001 && pax.modificationNanoseconds == 500_000_000)
        #expect(pax.extendedAttributes == [.init(name: "user.test", value: Array("hello".utf8))])
        #expect(pax.uid == 4_000_000_000)
        #expect(sink.contents[6] == Array("pax".utf8) && sink.contents[7] == Array("gnu".utf8))
        #expect(!sink.open)
    }

    @Test func base256Size() throws {
        var tar = TarBuilder()
        tar.raw(TarBuilder.header("big", kind: 0x30, base256Size: 3) + TarBuilder.padded(Array("abc".utf8)))
        tar.end()
        let sink = try Self.read(tar.bytes)
        #expect(sink.contents == [Array("abc".utf8)])
    }

    static func expectFailure(_ bytes: [UInt8], _ code: ImageStoreError.Code, limits: TarLimits = TarLimits()) {
        do {
            _ = try read(bytes, limits: limits)
            Issue.record("expected \(code)")
        } catch {
            #expect(error.code == code, "\(error)")
        }
    }

    @Test func rejectsBadChecksum() {
        Self.expectFailure(TarBuilder.header("x", kind: 0x30, corruptChecksum: true) + [UInt8](repeating: 0, count: 1024), .unsafeLayer)
    }

    @Test func rejectsTruncatedMember() {
        let bytes = TarBuilder.header("x", kind: 0x30, size: 1000) + [UInt8](repeating: 0x41, count: 100)
        Self.expectFailure(bytes, .unsafeLayer)
    }

    @Test func rejectsAbsurdSizes() {
        var limits = TarLimits()
        limits.maxEntrySize = 1 << 20
        Self.expectFailure(TarBuilder.header("x", kind: 0x30, size: 8 << 30), .sizeLimit, limits: limits)
        Self.expectFailure(TarBuilder.header("x", kind: 0x78, size: 2 << 20), .unsafeLayer)
        Self.expectFailure(TarBuilder.header("x", kind: 0x4c, size: 1 << 16), .unsafeLayer)
    }

    @Test func rejectsSparseAndUnknownTypes() {
        Self.expectFailure(TarBuilder.header("s", kind: 0x53, size: 0) + [UInt8](repeating: 0, count: 1024), .unsupportedMediaType)
        var tar = TarBuilder()
        tar.pax([("GNU.sparse.major", Array("1".utf8))])
        tar.file("s", "x")
        tar.end()
        Self.expectFailure(tar.bytes, .unsupportedMediaType)
        Self.expectFailure(TarBuilder.header("v", kind: 0x44) + [UInt8](repeating: 0, count: 1024), .unsafeLayer)
    }

    @Test func rejectsMalformedPaxAndNames() {
        var tar = TarBuilder()
        tar.raw(TarBuilder.header("p", kind: 0x78, size: 10) + TarBuilder.padded(Array("99 path=x\n".utf8)))
        tar.file("x", "x")
        Self.expectFailure(tar.bytes, .unsafeLayer)
        var latin = TarBuilder()
        latin.pax([("path", [0x66, 0xff, 0x6f])])
        latin.file("x", "")
        latin.end()
        Self.expectFailure(latin.bytes, .unsafeLayer)
    }

    @Test func headerOnlyTypesIgnoreSizeField() throws {
        var tar = TarBuilder()
        tar.raw(TarBuilder.header("d", kind: 0x35, size: 4096))
        tar.file("after", "ok")
        tar.end()
        let sink = try Self.read(tar.bytes)
        #expect(sink.entries.map(\.path) == ["d", "after"])
        #expect(sink.contents[1] == Array("ok".utf8))
    }

    @Test func entryCountLimit() {
        var limits = TarLimits()
        limits.maxEntries = 2
        var tar = TarBuilder()
        for index in 0..<3 { tar.file("f\(index)", "") }
        tar.end()
        Self.expectFailure(tar.bytes, .sizeLimit, limits: limits)
    }
}
