// A proxy on 127.0.0.1 in front of the S3 test server whose first requests fail: an HTTP 503
// SlowDown, a 500 InternalError, or a reset (RST) after reading the request. Other requests go
// through byte for byte (so SigV4, which signs the Host header the client sent, still
// verifies) with `Connection: close` added — unsigned — so that each connection carries one
// request and the faults hit requests in order, not whichever connection the client reuses.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

final class FaultProxy: @unchecked Sendable {
    enum Fault: Sendable { case slowDown, internalError, reset }

    let port: Int
    private let listener: Int32
    private let upstreamPort: Int
    private let lock = NSLock()
    private var faults: [Fault]
    private var stopped = false
    /// Listing requests (`list-type=2`) pass untouched, so the faults hit the downloads.
    private let spareListings: Bool
    private(set) var faultsServed = 0
    private(set) var connections = 0

    init(upstreamPort: Int, faults: [Fault], spareListings: Bool = false) throws {
        self.upstreamPort = upstreamPort
        self.faults = faults
        self.spareListings = spareListings
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        listener = fd
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = Self.loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 64) == 0 else { throw POSIXError(.EADDRINUSE) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    func stop() {
        lock.withLock { stopped = true }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 {
                if lock.withLock({ stopped }) { return }
                continue
            }
            lock.withLock { connections += 1 }
            Thread { [self] in serve(client) }.start()
        }
    }

    private func serve(_ client: Int32) {
        let head = readRequestHead(client)
        let requestLine = String(decoding: head.prefix { $0 != 13 }, as: UTF8.self)
        let fault = lock.withLock { () -> Fault? in
            if spareListings, requestLine.contains("list-type=") { return nil }
            guard !faults.isEmpty else { return nil }
            faultsServed += 1
            return faults.removeFirst()
        }
        if let fault { serveFault(fault, on: client) } else { pipe(client, head: head) }
    }

    private func serveFault(_ fault: Fault, on client: Int32) {
        switch fault {
        case .slowDown:
            respond(client, status: "503 Slow Down", code: "SlowDown", message: "Please reduce your request rate.")
        case .internalError:
            respond(client, status: "500 Internal Server Error", code: "InternalError", message: "We encountered an internal error. Please try again.")
        case .reset:
            // SO_LINGER with a zero timeout turns close() into a RST.
            var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
            setsockopt(client, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        }
        close(client)
    }

    /// The bytes up to and including the blank line that ends the head (plus whatever of the
    /// body came with them).
    private func readRequestHead(_ client: Int32) -> [UInt8] {
        var received = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        while received.count < 65536 {
            let count = recv(client, &buffer, buffer.count, 0)
            if count <= 0 { break }
            received += buffer[0..<count]
            if received.firstRange(of: [13, 10, 13, 10]) != nil { break }
        }
        var none = timeval(tv_sec: 0, tv_usec: 0)
        setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &none, socklen_t(MemoryLayout<timeval>.size))
        return received
    }

    private func respond(_ client: Int32, status: String, code: String, message: String) {
        let body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>\(code)</Code><Message>\(message)</Message><RequestId>FAULTPROXY</RequestId></Error>"
        let response = "HTTP/1.1 \(status)\r\nContent-Type: application/xml\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
        _ = Array(response.utf8).withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        shutdown(client, Int32(SHUT_WR))
        // Let the client read the answer before the socket goes.
        var buffer = [UInt8](repeating: 0, count: 1024)
        while recv(client, &buffer, buffer.count, 0) > 0 {}
    }

    private func pipe(_ client: Int32, head: [UInt8]) {
        let upstream = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = Self.loopback(port: upstreamPort)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(upstream, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(upstream)
            close(client)
            return
        }
        var forwarded = head
        if let end = head.firstRange(of: [13, 10, 13, 10]) {
            // After the last header line's CRLF, before the blank line.
            forwarded.insert(contentsOf: Array("Connection: close\r\n".utf8), at: end.lowerBound + 2)
        }
        var offset = 0
        while offset < forwarded.count {
            let sent = forwarded[offset...].withUnsafeBytes { send(upstream, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent <= 0 { break }
            offset += sent
        }
        let done = DispatchSemaphore(value: 0)
        Thread { Self.copy(from: client, to: upstream); done.signal() }.start()
        Self.copy(from: upstream, to: client)
        done.wait()
        close(upstream)
        close(client)
    }

    private static func copy(from source: Int32, to destination: Int32) {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = recv(source, &buffer, buffer.count, 0)
            if count <= 0 { break }
            var offset = 0
            while offset < count {
                let sent = buffer[offset..<count].withUnsafeBytes { send(destination, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if sent <= 0 { shutdown(source, Int32(SHUT_RDWR)); return }
                offset += sent
            }
        }
        shutdown(destination, Int32(SHUT_WR))
    }
}
