import Foundation
import PodSystem
import PodTestFixtures
import Primitives
import Synchronization
import Testing
@testable import PodNetworking
#if canImport(Glibc)
import Glibc
#endif

/// What the CNI tests share beyond PodTestFixtures' `Host`: the plugins, and TCP from inside
/// a namespace.
enum TestSupport {
    static let pluginDirectory = "/usr/lib/cni"

    /// An HTTP/1.0 GET over TCP from inside a namespace (nil: the host's); returns the
    /// response text.
    static func httpGet(namespace: String?, ip: String, port: Int, path: String = "/") async throws -> String {
        let fd = try await BlockingThread.tcpConnect(networkNamespace: namespace, ip: ip, port: port, timeout: .seconds(5))
        return await BlockingThread.run {
            defer { close(fd) }
            var timeout = timeval(tv_sec: 5, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            let request = Array("GET \(path) HTTP/1.0\r\nHost: \(ip)\r\n\r\n".utf8)
            _ = request.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            var response: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
                if n <= 0 { break }
                response += buffer[0..<n]
            }
            return String(decoding: response, as: UTF8.self)
        }
    }

    /// Tries to connect until it works.
    static func waitForListener(namespace: String?, ip: String, port: Int) async throws {
        try await PodTestFixtures.waitUntil("a listener on \(ip):\(port)") {
            guard let fd = try? await BlockingThread.tcpConnect(networkNamespace: namespace, ip: ip, port: port,
                                                                timeout: .milliseconds(500)) else { return false }
            close(fd)
            return true
        }
    }
}

