import Foundation

/// Where a Mesos HTTP API lives: `http(s)://host:port` or a Unix socket.
public struct MesosEndpoint: Sendable, Equatable, CustomStringConvertible {
    public enum Transport: Sendable, Equatable {
        case tcp(scheme: String, host: String, port: Int)
        case unixSocket(path: String)
    }

    public var transport: Transport

    public init(scheme: String = "http", host: String, port: Int) {
        transport = .tcp(scheme: scheme, host: host, port: port)
    }

    public init(unixSocket path: String) {
        transport = .unixSocket(path: path)
    }

    /// Parses `host:port`, `http://host:port` or `https://host:port[/…]`. Plain Swift
    /// string work: every executor parses its agent's address at start, and Foundation's
    /// string scanning cost it ~0.3 ms there.
    public init?(parsing text: String, defaultPort: Int) {
        var rest = Substring(text)
        while let first = rest.first, first == " " || first == "\t" { rest.removeFirst() }
        while let last = rest.last, last == " " || last == "\t" { rest.removeLast() }
        var scheme = "http"
        if let colon = rest.firstIndex(of: ":"), rest[colon...].hasPrefix("://") {
            scheme = rest[..<colon].lowercased()
            rest = rest[rest.index(colon, offsetBy: 3)...]
        }
        guard scheme == "http" || scheme == "https" else { return nil }
        if let slash = rest.firstIndex(of: "/") { rest = rest[..<slash] }
        var host = String(rest)
        var port = defaultPort
        if rest.hasPrefix("[") {
            // [v6]:port
            guard let close = rest.firstIndex(of: "]") else { return nil }
            host = String(rest[rest.index(after: rest.startIndex)..<close])
            let after = rest[rest.index(after: close)...]
            if after.hasPrefix(":") {
                guard let p = Int(after.dropFirst()), (1...65535).contains(p) else { return nil }
                port = p
            }
        } else if let colon = rest.lastIndex(of: ":") {
            host = String(rest[..<colon])
            guard let p = Int(rest[rest.index(after: colon)...]), (1...65535).contains(p) else { return nil }
            port = p
        }
        guard !host.isEmpty else { return nil }
        transport = .tcp(scheme: scheme, host: host, port: port)
    }

    /// The URL of a path on this endpoint, as AsyncHTTPClient takes it.
    public func url(_ path: String) -> String {
        switch transport {
        case let .tcp(scheme, host, port):
            let h = host.contains(":") ? "[\(host)]" : host
            return "\(scheme)://\(h):\(port)\(path)"
        case .unixSocket(let socketPath):
            return URL(httpURLWithSocketPath: socketPath, uri: path)?.absoluteString ?? "http+unix://invalid\(path)"
        }
    }

    public var description: String {
        switch transport {
        case let .tcp(scheme, host, port): return "\(scheme)://\(host):\(port)"
        case .unixSocket(let path): return "unix:\(path)"
        }
    }
}
