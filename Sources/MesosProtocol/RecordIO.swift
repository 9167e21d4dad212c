/// RecordIO framing as the Mesos v1 streaming APIs use it (executor and scheduler
/// event streams): `record = decimal-length LF bytes`, no trailing newline, and record
/// boundaries unrelated to HTTP chunk boundaries.
public enum RecordIO {
    /// Frames one record.
    public static func encode(_ record: some Collection<UInt8>) -> [UInt8] {
        var out = Array(String(record.count).utf8)
        out.reserveCapacity(out.count + 1 + record.count)
        out.append(0x0A)
        out.append(contentsOf: record)
        return out
    }
}

/// Errors of a RecordIO stream. Each names what was wrong and where in the stream.
public enum RecordIOError: Error, Equatable, CustomStringConvertible {
    /// A byte that is not an ASCII digit appeared in a length prefix.
    case malformedLengthPrefix(offset: Int, byte: UInt8)
    /// A length prefix with no digits, or with more digits than any record could need.
    case invalidLength(offset: Int, text: String)
    /// A record longer than the decoder's limit.
    case recordTooLarge(offset: Int, length: UInt64, limit: Int)
    /// The stream ended inside a length prefix or a record.
    case truncated(offset: Int, missing: String)

    public var description: String {
        switch self {
        case let .malformedLengthPrefix(offset, byte):
            return "recordio: byte 0x\(String(byte, radix: 16)) at offset \(offset) is not a digit of a length prefix"
        case let .invalidLength(offset, text):
            return "recordio: invalid record length '\(text)' at offset \(offset)"
        case let .recordTooLarge(offset, length, limit):
            return "recordio: record of \(length) bytes at offset \(offset) exceeds the limit of \(limit) bytes"
        case let .truncated(offset, missing):
            return "recordio: stream ended at offset \(offset) in the middle of \(missing)"
        }
    }
}

/// An incremental RecordIO decoder: feed it bytes as they arrive, in chunks of any size,
/// and take complete records out. After an error the decoder stays failed.
public struct RecordIODecoder: Sendable {
    /// The largest record accepted. Mesos events are small; a LAUNCH_GROUP with large
    /// task data is the biggest realistic one.
    public let maxRecordSize: Int
    private var buffer: [UInt8] = []
    private var readIndex = 0
    /// Offset in the whole stream of `buffer[0]`, for error messages.
    private var streamOffset = 0
    private var failure: RecordIOError?

    public init(maxRecordSize: Int = 64 << 20) {
        self.maxRecordSize = maxRecordSize
    }

    /// Appends the next bytes of the stream.
    public mutating func append(_ bytes: some Sequence<UInt8>) {
        if readIndex > 4096 && readIndex * 2 > buffer.count {
            buffer.removeFirst(readIndex)
            streamOffset += readIndex
            readIndex = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// Returns the next complete record, or nil when more bytes are needed.
    public mutating func next() throws(RecordIOError) -> [UInt8]? {
        if let failure { throw failure }
        var index = readIndex
        var length: UInt64 = 0
        var digits = 0
        while index < buffer.count {
            let byte = buffer[index]
            if byte == 0x0A { break }
            guard byte >= 0x30 && byte <= 0x39 else {
                return try fail(.malformedLengthPrefix(offset: streamOffset + index, byte: byte))
            }
            digits += 1
            // 20 digits cover UInt64; anything longer cannot be a real length.
            guard digits <= 20 else {
                let text = String(decoding: buffer[readIndex..<index + 1], as: UTF8.self)
                return try fail(.invalidLength(offset: streamOffset + readIndex, text: text))
            }
            let (times10, o1) = length.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(UInt64(byte - 0x30))
            guard !o1 && !o2 else {
                let text = String(decoding: buffer[readIndex..<index + 1], as: UTF8.self)
                return try fail(.invalidLength(offset: streamOffset + readIndex, text: text))
            }
            length = sum
            index += 1
        }
        guard index < buffer.count else {
            // The newline has not arrived yet. Judge the length only once the prefix is
            // complete (at most 20 digits are ever held), so the error, and the length it
            // names, do not depend on where the stream was split into chunks.
            return nil
        }
        guard digits > 0 else {
            return try fail(.invalidLength(offset: streamOffset + readIndex, text: ""))
        }
        guard length <= UInt64(maxRecordSize) else {
            return try fail(.recordTooLarge(offset: streamOffset + readIndex, length: length, limit: maxRecordSize))
        }
        let start = index + 1
        let end = start + Int(length)
        guard end <= buffer.count else { return nil }
        let record = Array(buffer[start..<end])
        readIndex = end
        if readIndex == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            streamOffset += readIndex
            readIndex = 0
        }
        return record
    }

    /// Call at end of stream: throws if the stream stopped inside a record.
    public func finish() throws(RecordIOError) {
        if let failure { throw failure }
        guard readIndex < buffer.count else { return }
        let pending = buffer[readIndex...]
        let missing = pending.contains(0x0A) ? "a record" : "a length prefix"
        throw .truncated(offset: streamOffset + buffer.count, missing: missing)
    }

    /// Bytes received but not yet returned as records.
    public var pendingByteCount: Int { buffer.count - readIndex }

    private mutating func fail(_ error: RecordIOError) throws(RecordIOError) -> [UInt8]? {
        failure = error
        throw error
    }
}
