#if canImport(Glibc)
import Glibc
#endif
import NIOHTTP1

// The blocking side of SocketHTTPConnection: a socket read and written with deadlines, and
// an HTTP/1.1 response read from it (head, then a body by length or by chunks).

/// Why an exchange on a socket ended without a (complete) response.
enum SocketFailure: Error, CustomStringConvertible {
    case closedBeforeAnswer
    case closedMidAnswer
    case timedOut
    case io(String, Int32)
    case malformed(String)
    case bodyTooLarge(Int)

    var isBeforeAnswer: Bool {
        switch self {
        case .closedBeforeAnswer: return true
        case .io(_, let e): return e == EPIPE || e == ECONNRESET
        default: return false
        }
    }

    var description: String {
        switch self {
        case .closedBeforeAnswer: return "connection closed before an answer"
        case .closedMidAnswer: return "connection closed in the middle of the answer"
        case .timedOut: return "no answer in time"
        case .io(let what, let e): return "\(what): \(String(cString: strerror(e)))"
        case .malformed(let what): return "malformed HTTP answer: \(what)"
        case .bodyTooLarge(let limit): return "answer larger than \(limit) bytes"
        }
    }
}

/// Blocking reads and writes with an optional deadline (poll before each).
struct BlockingSocket {
    let fd: Int32
    var deadline: ContinuousClock.Instant?

    init(fd: Int32, deadline: ContinuousClock.Instant?) {
        self.fd = fd
        self.deadline = deadline
    }

    static func milliseconds(until deadline: ContinuousClock.Instant) -> Int32 {
        let left = deadline - ContinuousClock.now
        if left <= .zero { return 0 }
        let ms = left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000 + 1
        return Int32(clamping: ms)
    }

    private func wait(for events: Int16) throws(SocketFailure) {
        guard let deadline else { return }
        var pfd = pollfd(fd: fd, events: events, revents: 0)
        while true {
            let rc = poll(&pfd, 1, Self.milliseconds(until: deadline))
            if rc > 0 { return }
            if rc == 0 { throw .timedOut }
            if errno != EINTR { throw .io("poll", errno) }
        }
    }

    func send(_ bytes: [UInt8]) throws(SocketFailure) {
        var offset = 0
        while offset < bytes.count {
            try wait(for: Int16(POLLOUT))
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .io("send", errno)
            }
            offset += n
        }
    }

    /// Up to `max` bytes; empty at the end of the stream.
    func receive(max: Int) throws(SocketFailure) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: max)
        while true {
            try wait(for: Int16(POLLIN))
            let n = buffer.withUnsafeMutableBytes { Glibc.recv(fd, $0.baseAddress, $0.count, 0) }
            if n >= 0 {
                buffer.removeLast(max - n)
                return buffer
            }
            if errno == EINTR { continue }
            throw .io("recv", errno)
        }
    }
}

/// A response's status and headers.
struct ResponseHead {
    var status: Int
    var headers: HTTPHeaders
    var keepAlive: Bool
}

/// Reads one HTTP/1.1 response from a socket: the head, then the body by Content-Length,
/// by chunks, or up to the end of the connection.
struct HTTPResponseReader {
    static let maxHeadBytes = 64 << 10
    var socket: BlockingSocket
    private var buffer: [UInt8] = []
    private var start = 0
    private var framing: Framing = .untilClose
    private var receivedAny = false
    /// Whether the connection can carry another request (the body was read to its end
    /// by its framing, not by the connection closing).
    private(set) var reusable = false
    private var finished = false

    private enum Framing {
        case length(Int)              // bytes left
        case chunked(chunkLeft: Int)  // bytes left in the current chunk; -1 before a size line
        case untilClose
    }

    init(socket: BlockingSocket) {
        self.socket = socket
    }

    private var available: Int { buffer.count - start }

    /// Reads more bytes; false at the end of the stream.
    private mutating func fill() throws(SocketFailure) -> Bool {
        if start > 0 && start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
        } else if start > 65536 {
            buffer.removeFirst(start)
            start = 0
        }
        let bytes = try socket.receive(max: 16384)
        if bytes.isEmpty { return false }
        receivedAny = true
        buffer.append(contentsOf: bytes)
        return true
    }

    /// A line ending in CRLF (without it), reading more as needed.
    private mutating func line(limit: Int) throws(SocketFailure) -> [UInt8] {
        var scanned = 0  // bytes after `start` known to hold no newline (fill may move `start`)
        while true {
            if let i = buffer[(start + scanned)...].firstIndex(of: UInt8(ascii: "\n")) {
                var end = i
                if end > start && buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                let line = Array(buffer[start..<end])
                start = i + 1
                return line
            }
            scanned = available
            guard available <= limit else { throw .malformed("line longer than \(limit) bytes") }
            guard try fill() else { throw receivedAny ? .closedMidAnswer : .closedBeforeAnswer }
        }
    }

    mutating func readHead() throws(SocketFailure) -> ResponseHead {
        // Byte-level parsing on purpose: generic string algorithms (split, reversed,
        // drop(while:)) each cost the Swift runtime a scan of every conformance record the
        // first time, and this runs once in every executor's start.
        while true {
            let statusLine = try line(limit: Self.maxHeadBytes)
            guard statusLine.count >= 12, Self.hasPrefix(statusLine, "HTTP/1."), statusLine[8] == UInt8(ascii: " "),
                  let code = Self.integer(statusLine[9..<12], radix: 10), (100...999).contains(code),
                  statusLine.count == 12 || statusLine[12] == UInt8(ascii: " ") else {
                throw .malformed("status line '\(String(decoding: statusLine.prefix(80), as: UTF8.self))'")
            }
            let minor = statusLine[7]
            var headers = HTTPHeaders()
            var headBytes = statusLine.count
            var connectionClose = false
            var connectionKeepAlive = false
            var transferEncodings: [String] = []
            var contentLength: Int?
            while true {
                let raw = try line(limit: Self.maxHeadBytes)
                if raw.isEmpty { break }
                headBytes += raw.count
                guard headBytes <= Self.maxHeadBytes else { throw .malformed("head larger than \(Self.maxHeadBytes) bytes") }
                guard let colon = raw.firstIndex(of: UInt8(ascii: ":")) else { throw .malformed("header line without a colon") }
                let valueBytes = Self.trimmed(raw[(colon + 1)...])
                let value = String(decoding: valueBytes, as: UTF8.self)
                headers.add(name: String(decoding: raw[0..<colon], as: UTF8.self), value: value)
                switch Self.lowercased(raw[0..<colon]) {
                case "connection":
                    // Comma-separated tokens.
                    var tokenStart = valueBytes.startIndex
                    for i in valueBytes.startIndex...valueBytes.endIndex where i == valueBytes.endIndex || valueBytes[i] == UInt8(ascii: ",") {
                        let token = Self.lowercased(Self.trimmed(valueBytes[tokenStart..<i]))
                        if token == "close" { connectionClose = true }
                        if token == "keep-alive" { connectionKeepAlive = true }
                        tokenStart = i + 1
                    }
                case "transfer-encoding":
                    transferEncodings.append(Self.lowercased(valueBytes))
                case "content-length":
                    guard let length = Self.integer(valueBytes, radix: 10), contentLength == nil || contentLength == length else {
                        throw .malformed("Content-Length '\(value.prefix(40))'")
                    }
                    contentLength = length
                default:
                    break
                }
            }
            if code < 200 && code != 101 { continue }  // interim answer (100 Continue)
            let keepAlive = minor == UInt8(ascii: "1") ? !connectionClose : connectionKeepAlive
            if code == 204 || code == 304 || code < 200 {
                framing = .length(0)
            } else if !transferEncodings.isEmpty {
                guard transferEncodings.last == "chunked" else {
                    throw .malformed("transfer encoding '\(transferEncodings.joined(separator: ","))'")
                }
                framing = .chunked(chunkLeft: -1)
            } else if let contentLength {
                framing = .length(contentLength)
            } else {
                framing = .untilClose
            }
            return ResponseHead(status: code, headers: headers, keepAlive: keepAlive)
        }
    }

    static func hasPrefix(_ bytes: [UInt8], _ prefix: StaticString) -> Bool {
        guard bytes.count >= prefix.utf8CodeUnitCount else { return false }
        let p = prefix.utf8Start
        for i in 0..<prefix.utf8CodeUnitCount where bytes[i] != p[i] { return false }
        return true
    }

    /// `bytes` without leading and trailing spaces and tabs.
    static func trimmed(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var lower = bytes.startIndex
        var upper = bytes.endIndex
        while lower < upper, bytes[lower] == UInt8(ascii: " ") || bytes[lower] == UInt8(ascii: "\t") { lower += 1 }
        while upper > lower, bytes[upper - 1] == UInt8(ascii: " ") || bytes[upper - 1] == UInt8(ascii: "\t") { upper -= 1 }
        return bytes[lower..<upper]
    }

    /// ASCII lowercase of header bytes.
    static func lowercased(_ bytes: ArraySlice<UInt8>) -> String {
        var out = [UInt8]()
        out.reserveCapacity(bytes.count)
        for b in bytes { out.append(b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z") ? b + 32 : b) }
        return String(decoding: out, as: UTF8.self)
    }

    /// A non-negative number of digits only (no sign, no spaces), nil if empty or too long.
    static func integer(_ bytes: ArraySlice<UInt8>, radix: Int) -> Int? {
        guard !bytes.isEmpty, bytes.count <= 15 else { return nil }
        var value = 0
        for b in bytes {
            let digit: Int
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = Int(b - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f") where radix == 16: digit = Int(b - UInt8(ascii: "a")) + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F") where radix == 16: digit = Int(b - UInt8(ascii: "A")) + 10
            default: return nil
            }
            value = value * radix + digit
        }
        return value
    }

    /// The next piece of the body; nil at its end.
    mutating func readBodyChunk() throws(SocketFailure) -> [UInt8]? {
        if finished { return nil }
        switch framing {
        case .length(let left):
            if left == 0 { finished = true; reusable = true; return nil }
            if available == 0 { guard try fill() else { throw .closedMidAnswer } }
            let n = min(left, available)
            let piece = Array(buffer[start..<(start + n)])
            start += n
            framing = .length(left - n)
            return piece
        case .untilClose:
            if available == 0 { guard try fill() else { finished = true; return nil } }
            let piece = Array(buffer[start...])
            start = buffer.count
            return piece
        case .chunked(let chunkLeft):
            if chunkLeft < 0 {
                let sizeLine = try line(limit: 1024)
                let hex = sizeLine[0..<(sizeLine.firstIndex(of: UInt8(ascii: ";")) ?? sizeLine.count)]
                guard let size = Self.integer(Self.trimmed(hex), radix: 16) else {
                    throw .malformed("chunk size '\(String(decoding: sizeLine.prefix(40), as: UTF8.self))'")
                }
                if size == 0 {
                    // Trailers, up to the empty line.
                    while !(try line(limit: Self.maxHeadBytes)).isEmpty {}
                    finished = true
                    reusable = true
                    return nil
                }
                framing = .chunked(chunkLeft: size)
                return try readBodyChunk()
            }
            if available == 0 { guard try fill() else { throw .closedMidAnswer } }
            let n = min(chunkLeft, available)
            let piece = Array(buffer[start..<(start + n)])
            start += n
            if n == chunkLeft {
                // The CRLF after the chunk's data.
                guard try line(limit: 2).isEmpty else { throw .malformed("chunk not followed by CRLF") }
                framing = .chunked(chunkLeft: -1)
            } else {
                framing = .chunked(chunkLeft: chunkLeft - n)
            }
            return piece
        }
    }
}
