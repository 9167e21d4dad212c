import Testing
@testable import MesosFetcher

@Suite("Fetcher parsing and policies")
struct FetchParsingTests {
    @Test func classifiesURIs() throws {
        #expect(try FetchURI("http://example.com/a/b.tar.gz?x=1").source == .http(url: "http://example.com/a/b.tar.gz?x=1"))
        #expect(try FetchURI("http://example.com/a/b.tar.gz?x=1").basename == "b.tar.gz")
        #expect(try FetchURI("  https://h/x").basename == "x")
        #expect(try FetchURI("file:///opt/a.zip").source == .local(path: "/opt/a.zip"))
        #expect(try FetchURI("file://localhost/opt/a.zip").source == .local(path: "/opt/a.zip"))
        #expect(try FetchURI("/opt/tool").basename == "tool")
        #expect(try FetchURI("http://h/dir/").basename == nil)
        for bad in ["relative/path", "ftp://h/x", "hdfs://nn/x", "file://other/x", "http:///x", "http://h/a\\b", ""] {
            #expect(throws: FetchError.self) { try FetchURI(bad) }
        }
    }

    @Test func redactsCredentials() throws {
        #expect(FetchURI.redact("https://user:s3cret@host:8443/p?q=1") == "https://user:***@host:8443/p?q=1")
        #expect(FetchURI.redact("https://tokenonly@host/p") == "https://***@host/p")
        #expect(FetchURI.redact("https://h/p?X-Amz-Signature=abc&v=2&access_token=t#frag")
            == "https://h/p?X-Amz-Signature=***&v=2&access_token=***#frag")
        #expect(FetchURI.redact("/plain/path") == "/plain/path")
        #expect {
            _ = try FetchURI("ftp://u:pw@h/x")
        } throws: { error in
            let message = (error as? FetchError)?.message ?? ""
            return message.contains("ftp://u:***@h/x") && !message.contains("pw")
        }
    }

    @Test func recognisesArchivesByName() {
        #expect(ArchiveKind(fileName: "a.tar") == .tar)
        #expect(ArchiveKind(fileName: "a.TGZ") == .tar)
        #expect(ArchiveKind(fileName: "a.tar.bz2") == .tar)
        #expect(ArchiveKind(fileName: "a.txz") == .tar)
        #expect(ArchiveKind(fileName: "a.zip") == .zip)
        #expect(ArchiveKind(fileName: "a.gz") == .gzip)
        #expect(ArchiveKind(fileName: "a.jar") == nil)
    }

    @Test func archivePolicyRefusesEscapes() throws {
        func check(_ entries: [ArchiveEntry]) throws { try ArchivePolicy.check(entries, archive: "a.tar", maxEntries: 10, maxBytes: 100) }
        try check([ArchiveEntry(name: "ok/f", kind: .file, size: 10),
                   ArchiveEntry(name: "ok/l", kind: .symlink(target: "../ok/f"), size: 0)])
        let hostile: [ArchiveEntry] = [
            ArchiveEntry(name: "../x", kind: .file, size: 1),
            ArchiveEntry(name: "/etc/passwd", kind: .file, size: 1),
            ArchiveEntry(name: "a/../../x", kind: .file, size: 1),
            ArchiveEntry(name: "l", kind: .symlink(target: "/etc"), size: 0),
            ArchiveEntry(name: "a/l", kind: .symlink(target: "../../x"), size: 0),
            ArchiveEntry(name: "h", kind: .hardLink(target: "/etc/shadow"), size: 0),
            ArchiveEntry(name: "d", kind: .other("block device"), size: 0),
        ]
        for entry in hostile {
            #expect(throws: FetchError.self, "\(entry.name)") { try check([entry]) }
        }
        #expect {
            try check([ArchiveEntry(name: "big", kind: .file, size: 101)])
        } throws: { ($0 as? FetchError)?.code == .sizeLimitExceeded }
    }

    @Test func cacheEntriesAreNamedByTheSHA256OfTheURI() {
        #expect(FetchCache.key(for: "") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(FetchCache.key(for: "abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func outputFileMustStayInTheSandbox() throws {
        let uri = try FetchURI("http://h/x.bin")
        #expect(try Fetcher.destination(outputFile: nil, uri: uri).path == "x.bin")
        #expect(try Fetcher.destination(outputFile: "a/./b.bin", uri: uri).path == "a/b.bin")
        for bad in ["../x", "/etc/x", "a/../../x", "", "dir/"] {
            #expect(throws: FetchError.self, "\(bad)") { try Fetcher.destination(outputFile: bad, uri: uri) }
        }
    }
}
