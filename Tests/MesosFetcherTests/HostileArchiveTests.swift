import Foundation
import PodSystem
import PodTestFixtures
import Testing
@testable import MesosFetcher

/// Archives built to escape the sandbox or to plant what a sandbox may not hold. Each must be
/// refused with `unsafe-archive` (or a size error), name the URI, leave the sandbox empty and
/// write nothing outside it. The archives are made by Python's tarfile and zipfile, which
/// write whatever names and types they are given.
@Suite("Fetcher: hostile archives")
struct HostileArchiveTests {
    /// Python that builds one archive (`archive` is its path; `tarfile`, `zipfile`, `io`
    /// imported; `add(t, name, data)`, `link(t, name, target, type)` help).
    static let helpers = """
    def add(t, name, data=b"x\\n", mode=0o644):
        info = tarfile.TarInfo(name); info.size = len(data); info.mode = mode
        t.addfile(info, io.BytesIO(data))
    def link(t, name, target, kind=tarfile.SYMTYPE):
        info = tarfile.TarInfo(name); info.type = kind; info.linkname = target
        t.addfile(info)

    """

    static let tarCases: [(name: String, code: String)] = [
        ("dotdot-inside.tar", #"with tarfile.open(archive, "w") as t: add(t, "a/../../escape.txt")"#),
        ("dot-dotdot.tar", #"with tarfile.open(archive, "w") as t: add(t, "./../escape.txt")"#),
        ("absolute-dir.tar", """
        with tarfile.open(archive, "w") as t:
            d = tarfile.TarInfo("/tmp/hostile-dir"); d.type = tarfile.DIRTYPE; t.addfile(d)
        """),
        ("pax-dotdot.tar", """
        with tarfile.open(archive, "w", format=tarfile.PAX_FORMAT) as t: add(t, "../" + "p" * 120 + "/escape.txt")
        """),
        ("gnu-longname-dotdot.tar", """
        with tarfile.open(archive, "w", format=tarfile.GNU_FORMAT) as t: add(t, "../" + "g" * 120 + "/escape.txt")
        """),
        ("symlink-absolute.tar", #"with tarfile.open(archive, "w") as t: link(t, "etc", "/etc")"#),
        ("symlink-up.tar", #"with tarfile.open(archive, "w") as t: link(t, "deep/er/up", "../../..")"#),
        ("below-own-symlink.tar", """
        with tarfile.open(archive, "w") as t:
            link(t, "dir", ".")
            add(t, "dir/through.txt")
        """),
        ("symlink-then-relink.tar", """
        with tarfile.open(archive, "w") as t:
            link(t, "d", "sub")
            link(t, "d/l", "..")
        """),
        ("hardlink-absolute.tar", #"with tarfile.open(archive, "w") as t: link(t, "passwd", "/etc/passwd", tarfile.LNKTYPE)"#),
        ("hardlink-up.tar", #"with tarfile.open(archive, "w") as t: link(t, "up", "../outside.txt", tarfile.LNKTYPE)"#),
        ("hardlink-not-in-archive.tar", #"with tarfile.open(archive, "w") as t: link(t, "h", "etc/passwd", tarfile.LNKTYPE)"#),
        ("hardlink-through-symlink.tar", """
        with tarfile.open(archive, "w") as t:
            add(t, "sub/file.txt")
            link(t, "s", "sub")
            link(t, "h", "s/file.txt", tarfile.LNKTYPE)
        """),
        ("block-device.tar", """
        with tarfile.open(archive, "w") as t:
            dev = tarfile.TarInfo("sda"); dev.type = tarfile.BLKTYPE; dev.devmajor = 8; dev.devminor = 0; t.addfile(dev)
        """),
        ("fifo.tar", """
        with tarfile.open(archive, "w") as t:
            fifo = tarfile.TarInfo("pipe"); fifo.type = tarfile.FIFOTYPE; t.addfile(fifo)
        """),
    ]

    @Test("tar archives that escape or plant special files are refused and write nothing",
          arguments: tarCases.map(\.name))
    func hostileTar(_ name: String) async throws {
        let code = try #require(Self.tarCases.first { $0.name == name }?.code)
        try await withFetchLab { lab in
            try await lab.pythonArchive(name, Self.helpers + code)
            try await Self.expectRefused(lab, name, .unsafeArchive)
        }
    }

    @Test("a hostile tar compressed with gzip, bzip2 or xz is read by the same reader")
    func compressedHostileTar() async throws {
        try await withFetchLab { lab in
            try await lab.pythonArchive("hostile.tar", Self.helpers + #"with tarfile.open(archive, "w") as t: link(t, "etc", "/etc")"#)
            for (suffix, command) in [(".tar.gz", "gzip -c"), (".tbz2", "bzip2 -c"), (".txz", "xz -c")] {
                try await Host.run(["sh", "-c", "\(command) \(lab.site)/hostile.tar > \(lab.site)/hostile\(suffix)"])
                try await Self.expectRefused(lab, "hostile" + suffix, .unsafeArchive)
            }
        }
    }

    @Test("zip archives with absolute, '..' or backslash names are refused before anything is written")
    func hostileZip() async throws {
        try await withFetchLab { lab in
            try await lab.pythonArchive("absolute.zip", #"with zipfile.ZipFile(archive, "w") as z: z.writestr("/tmp/zip-absolute", "x")"#)
            try await lab.pythonArchive("backslash.zip", #"with zipfile.ZipFile(archive, "w") as z: z.writestr("..\\zip-escape.txt", "x")"#)
            try await lab.pythonArchive("late-dotdot.zip", """
            with zipfile.ZipFile(archive, "w") as z:
                z.writestr("first.txt", "fine")
                z.writestr("sub/../../zip-escape.txt", "x")
            """)
            try await lab.pythonArchive("fifo.zip", """
            with zipfile.ZipFile(archive, "w") as z:
                info = zipfile.ZipInfo("pipe"); info.create_system = 3; info.external_attr = (0o010644 << 16)
                z.writestr(info, "")
            """)
            for name in ["absolute.zip", "backslash.zip", "late-dotdot.zip", "fifo.zip"] {
                try await Self.expectRefused(lab, name, .unsafeArchive)
            }
            #expect(!Directory.exists("/tmp/zip-absolute"))
        }
    }

    @Test("a zip member that holds more than it declares, or fails its CRC, is refused")
    func lyingZip() async throws {
        try await withFetchLab { lab in
            // The central directory's uncompressed size (offset 24 of the record) says 1 byte.
            try await lab.pythonArchive("short.zip", """
            with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as z: z.writestr("big.txt", "y" * 5000)
            data = bytearray(open(archive, "rb").read())
            central = data.rfind(b"PK\\x01\\x02")
            data[central + 24:central + 28] = (1).to_bytes(4, "little")
            open(archive, "wb").write(bytes(data))
            """)
            try await Self.expectRefused(lab, "short.zip", .unsafeArchive)
            try await lab.pythonArchive("crc.zip", """
            with zipfile.ZipFile(archive, "w") as z: z.writestr("a.txt", "abc")
            data = bytearray(open(archive, "rb").read())
            central = data.rfind(b"PK\\x01\\x02")
            data[central + 16] ^= 0xFF
            open(archive, "wb").write(bytes(data))
            """)
            try await Self.expectRefused(lab, "crc.zip", .fetchFailed)
        }
    }

    @Test("limits on what an archive expands to hold for tar, zip and gzip, and on entry counts")
    func expansionLimits() async throws {
        try await withFetchLab { lab in
            try Host.write(lab.root + "/zeros.txt", String(repeating: "0", count: 200_000))
            try await Host.run(["sh", "-c", "gzip -c \(lab.root)/zeros.txt > \(lab.site)/zeros.txt.gz"])
            try await Host.run(["tar", "-C", lab.root, "-czf", lab.site + "/zeros.tgz", "zeros.txt"])
            try await lab.pythonArchive("zeros.zip", """
            with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as z: z.writestr("zeros.txt", "0" * 200000)
            """)
            try await lab.pythonArchive("many.tar", Self.helpers + """
            with tarfile.open(archive, "w") as t:
                for i in range(20): add(t, "f%d" % i)
            """)
            let small = Fetcher(configuration: Fetcher.Configuration(maxExtractedBytes: 100_000, maxArchiveEntries: 10))
            for name in ["zeros.txt.gz", "zeros.tgz", "zeros.zip", "many.tar"] {
                try await Self.expectRefused(lab, name, .sizeLimitExceeded, fetcher: small)
            }
        }
    }

    @Test("an archive that is no archive is a fetch failure that names it, not a crash")
    func notAnArchive() async throws {
        try await withFetchLab { lab in
            try Host.write(lab.site + "/page.tar.gz", "<html>not found</html>\n")
            try Host.write(lab.site + "/page.zip", "<html>not found</html>\n")
            try Host.write(lab.site + "/page.tar", String(repeating: "garbage ", count: 200))
            for name in ["page.tar.gz", "page.zip", "page.tar"] {
                try await Self.expectRefused(lab, name, .fetchFailed)
            }
        }
    }

    /// Fetches `name` from the lab's site into a new sandbox and expects `code`, a message
    /// naming the URI, an empty sandbox and nothing next to it.
    static func expectRefused(_ lab: FetchLab, _ name: String, _ code: FetchError.Code,
                              fetcher: Fetcher = Fetcher(), sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let sandbox = try lab.sandbox()
        let error = await capturedError { () async throws(FetchError) in
            _ = try await fetcher.fetch(uri: lab.base + "/" + name, into: sandbox)
        }
        #expect(error?.code == code, "\(name): \(String(describing: error))", sourceLocation: sourceLocation)
        #expect(error?.message.contains(lab.base + "/" + name) == true, "\(name)", sourceLocation: sourceLocation)
        #expect(FetchLab.entries(sandbox).isEmpty, "\(name): \(FetchLab.entries(sandbox))", sourceLocation: sourceLocation)
        for escaped in ["escape.txt", "zip-escape.txt", "outside.txt", "through.txt"] {
            #expect(!Directory.exists(lab.root + "/" + escaped), "\(name) wrote \(escaped)", sourceLocation: sourceLocation)
        }
        #expect(!Directory.exists("/tmp/hostile-dir"), sourceLocation: sourceLocation)
    }
}
