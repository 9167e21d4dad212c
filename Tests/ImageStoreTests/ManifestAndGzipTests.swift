import CZlib
import Foundation
import Testing
@testable import ImageStore

@Suite struct ManifestDocumentTests {
    static let digest = "sha256:" + String(repeating: "a", count: 64)

    static func bytes(_ json: String) -> [UInt8] { Array(json.utf8) }

    @Test func refusesTypeConfusionAndSchema1() {
        let both = Self.bytes(#"{"schemaVersion":2,"manifests":[],"layers":[],"config":{"mediaType":"x","digest":"\#(Self.digest)","size":1}}"#)
        #expect(throws: ImageStoreError.self) { try ManifestDocument.decode(both, contentType: MediaType.ociIndex, context: "t") }
        let schema1 = Self.bytes(#"{"schemaVersion":1,"fsLayers":[]}"#)
        #expect(throws: ImageStoreError.self) {
            try ManifestDocument.decode(schema1, contentType: MediaType.dockerSchema1Signed, context: "t")
        }
        let mismatch = Self.bytes(#"{"schemaVersion":2,"mediaType":"\#(MediaType.ociIndex)","manifests":[]}"#)
        #expect(throws: ImageStoreError.self) { try ManifestDocument.decode(mismatch, contentType: MediaType.dockerManifest, context: "t") }
        let badDigest = Self.bytes(#"{"schemaVersion":2,"config":{"mediaType":"x","digest":"sha256:../../x","size":1},"layers":[]}"#)
        #expect(throws: ImageStoreError.self) { try ManifestDocument.decode(badDigest, contentType: MediaType.ociManifest, context: "t") }
        #expect(throws: ImageStoreError.self) { try ManifestDocument.decode(Self.bytes("404 page not found"), contentType: "text/plain", context: "t") }
    }

    @Test func ociManifestWithoutMediaType() throws {
        let body = Self.bytes(#"{"schemaVersion":2,"config":{"mediaType":"c","digest":"\#(Self.digest)","size":1},"layers":[]}"#)
        guard case .manifest = try ManifestDocument.decode(body, contentType: MediaType.ociManifest, context: "t") else {
            Issue.record("not a manifest"); return
        }
    }

    @Test func platformSelection() throws {
        func entry(_ arch: String, _ variant: String?, os: String = "linux", hexDigit: Character) -> ContentDescriptor {
            ContentDescriptor(mediaType: MediaType.ociManifest, digest: Digest(computedHex: String(repeating: hexDigit, count: 64)),
                              size: 1, platform: ImagePlatform(os: os, architecture: arch, variant: variant))
        }
        let list = [entry("unknown", nil, os: "unknown", hexDigit: "1"), entry("arm64", "v8", hexDigit: "2"),
                    entry("amd64", "v3", hexDigit: "3"), entry("amd64", nil, hexDigit: "4")]
        #expect(ManifestDocument.select(list, platform: .linuxAMD64)?.digest.hex.first == "4")
        #expect(ManifestDocument.select(list, platform: ImagePlatform(os: "linux", architecture: "arm64"))?.digest.hex.first == "2")
        #expect(ManifestDocument.select([list[0], list[1]], platform: .linuxAMD64) == nil)
    }
}

@Suite struct GzipInflaterTests {
    static func gzip(_ data: [UInt8]) -> [UInt8] {
        var stream = z_stream()
        deflateInit2_(&stream, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        var input = data
        var output = [UInt8](repeating: 0, count: data.count + 1024)
        input.withUnsafeMutableBufferPointer { inBuffer in
            output.withUnsafeMutableBufferPointer { outBuffer in
                stream.next_in = inBuffer.baseAddress
                stream.avail_in = UInt32(inBuffer.count)
                stream.next_out = outBuffer.baseAddress
                stream.avail_out = UInt32(outBuffer.count)
                deflate(&stream, Z_FINISH)
            }
        }
        let produced = output.count - Int(stream.avail_out)
        deflateEnd(&stream)
        return Array(output.prefix(produced))
    }

    static func inflate(_ bytes: [UInt8], chunk: Int = 7) throws(ImageStoreError) -> [UInt8] {
        let inflater = try GzipInflater(outputChunk: 16)
        var result: [UInt8] = []
        var offset = 0
        while offset < bytes.count {
            let slice = Array(bytes[offset..<min(bytes.count, offset + chunk)])
            try slice.withUnsafeBytes { raw in
                Result { () throws(ImageStoreError) in try inflater.inflate(raw) { result += Array($0) } }
            }.get()
            offset += chunk
        }
        try inflater.finish()
        return result
    }

    @Test func multiMemberAndZeroPadding() throws {
        let one = Array("hello, ".utf8), two = Array(String(repeating: "world", count: 100).utf8)
        #expect(try Self.inflate(Self.gzip(one) + Self.gzip(two) + [0, 0, 0]) == one + two)
    }

    @Test func truncatedAndGarbageAreRejected() {
        let member = Self.gzip(Array(String(repeating: "x", count: 1000).utf8))
        #expect(throws: ImageStoreError.self) { try Self.inflate(Array(member.dropLast(4))) }
        #expect(throws: ImageStoreError.self) { try Self.inflate(member + Array("garbage".utf8)) }
        #expect(throws: ImageStoreError.self) { try Self.inflate([0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 3, 0xff, 0xff]) }
        #expect(throws: ImageStoreError.self) { try Self.inflate([]) }
    }
}
