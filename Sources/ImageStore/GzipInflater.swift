import CZlib

/// Streaming gzip decompression on zlib, for one layer at a time (and for the fetcher's
/// `.tar.gz`, `.gz` and the deflated members of `.zip` archives).
///
/// Handles multi-member streams (a new `1f 8b` member after `Z_STREAM_END`), tolerates NUL
/// padding after the last member, and refuses any other trailing bytes. zlib checks each
/// member's CRC-32 and length. A raw deflate stream (``Format/deflate``: a zip member) is one
/// member with no wrapper, and nothing may follow it.
public final class GzipInflater {
    /// What the compressed stream is.
    public enum Format: Sendable {
        /// RFC 1952 gzip, one or more members.
        case gzip
        /// RFC 1951 raw deflate, no header or checksum (zip members).
        case deflate
    }

    private let format: Format
    private let stream: UnsafeMutablePointer<z_stream>
    private var output: [UInt8]
    private enum Phase { case inMember, betweenMembers, trailingZeros }
    private var phase: Phase = .inMember
    private var sawMember = false

    /// An inflater at the start of a stream.
    public init(format: Format = .gzip, outputChunk: Int = 128 * 1024) throws(ImageStoreError) {
        self.format = format
        stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        output = [UInt8](repeating: 0, count: outputChunk)
        // 15 window bits + 16: gzip wrapper only; -15: raw deflate.
        let windowBits: Int32 = format == .gzip ? 15 + 16 : -15
        let result = inflateInit2_(stream, windowBits, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard result == Z_OK else {
            stream.deinitialize(count: 1)
            stream.deallocate()
            throw ImageStoreError(.storage, "zlib inflateInit2 failed (\(result))")
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// Inflates `input`, handing every produced chunk to `sink` before returning.
    public func inflate(_ input: UnsafeRawBufferPointer,
                 sink: (UnsafeRawBufferPointer) throws(ImageStoreError) -> Void) throws(ImageStoreError)
    {
        guard let base = input.baseAddress, input.count > 0 else { return }
        var offset = 0
        while offset < input.count {
            switch phase {
            case .trailingZeros:
                guard UnsafeRawBufferPointer(rebasing: input[offset...]).allSatisfy({ $0 == 0 }) else {
                    throw ImageStoreError(.unsafeLayer, "gzip stream has trailing garbage after its last member")
                }
                return
            case .betweenMembers:
                guard format == .gzip else {
                    throw ImageStoreError(.unsafeLayer, "deflate stream has trailing data after its end")
                }
                if input[offset] == 0 {
                    phase = .trailingZeros
                    continue
                }
                guard inflateReset(stream) == Z_OK else {
                    throw ImageStoreError(.storage, "zlib inflateReset failed")
                }
                phase = .inMember
            case .inMember:
                let remaining = input.count - offset
                let chunk = min(remaining, Int(UInt32.max))
                stream.pointee.next_in = UnsafeMutablePointer(mutating: (base + offset).assumingMemoryBound(to: Bytef.self))
                stream.pointee.avail_in = UInt32(chunk)
                var ended = false
                repeat {
                    let (produced, code) = output.withUnsafeMutableBytes { out -> (Int, Int32) in
                        stream.pointee.next_out = out.baseAddress?.assumingMemoryBound(to: Bytef.self)
                        stream.pointee.avail_out = UInt32(out.count)
                        let code = CZlib.inflate(stream, Z_NO_FLUSH)
                        return (out.count - Int(stream.pointee.avail_out), code)
                    }
                    switch code {
                    case Z_OK, Z_BUF_ERROR:
                        break
                    case Z_STREAM_END:
                        ended = true
                    case Z_NEED_DICT, Z_DATA_ERROR:
                        throw ImageStoreError(.unsafeLayer, "\(format) data is corrupt (zlib \(code))")
                    case Z_MEM_ERROR:
                        throw ImageStoreError(.storage, "zlib out of memory")
                    default:
                        throw ImageStoreError(.unsafeLayer, "\(format) inflate failed (zlib \(code))")
                    }
                    if produced > 0 {
                        try output.withUnsafeBytes { raw in
                            Result { () throws(ImageStoreError) in try sink(UnsafeRawBufferPointer(rebasing: raw[0..<produced])) }
                        }.get()
                    }
                    if code == Z_BUF_ERROR, produced == 0 { break }
                } while !ended && (stream.pointee.avail_in > 0 || stream.pointee.avail_out == 0)
                offset += chunk - Int(stream.pointee.avail_in)
                if ended {
                    sawMember = true
                    phase = .betweenMembers
                }
            }
        }
    }

    /// Fails unless the stream ended cleanly at a member boundary.
    public func finish() throws(ImageStoreError) {
        guard sawMember, phase != .inMember else {
            throw ImageStoreError(.unsafeLayer, "\(format) stream is truncated")
        }
    }
}
