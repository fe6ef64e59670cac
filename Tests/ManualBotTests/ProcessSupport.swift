// Runs the built `manualbot` binary as a child process: one-shot commands (`smoke`,
// `healthcheck`) with their output and exit status, and `serve` as a real server process that
// can be sent signals; plus a raw HTTP/1.1 connection for requests held open on purpose.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

struct CommandResult {
    var status: Int32
    var output: String
    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(output.utf8))) as? [String: Any] ?? [:] }
}

/// Runs `manualbot ARGS…` to completion (killed after `timeout`); stdout and stderr together.
func runManualbot(_ arguments: [String], environment: [String: String] = [:], timeout: Duration = .seconds(120)) async throws -> CommandResult {
    let output = try TemporaryDirectory()
    let log = output.url.appendingPathComponent("output.txt")
    FileManager.default.createFile(atPath: log.path, contents: nil)
    let handle = try FileHandle(forWritingTo: log)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: Paths.manualbot)
    process.arguments = arguments
    // The key the test servers use, as ops would export it; a test's own environment wins.
    process.environment = ProcessInfo.processInfo.environment
        .merging(["API_KEY": LiveServer.apiKey]) { _, new in new }
        .merging(environment) { _, new in new }
    process.standardOutput = handle
    process.standardError = handle
    process.standardInput = FileHandle.nullDevice
    let status = try await waitForExit(of: process, timeout: timeout)
    try handle.close()
    return CommandResult(status: status, output: (try? String(contentsOf: log, encoding: .utf8)) ?? "")
}

/// Starts the process (or takes one already started) and waits for it without blocking a
/// thread; SIGKILL after `timeout`.
func waitForExit(of process: Process, timeout: Duration, start: Bool = true) async throws -> Int32 {
    let once = ResumeOnce()
    let status: Int32 = try await withCheckedThrowingContinuation { continuation in
        process.terminationHandler = { finished in
            if once.claim() { continuation.resume(returning: finished.terminationStatus) }
        }
        if start {
            do { try process.run() } catch {
                if once.claim() { continuation.resume(throwing: error) }
                return
            }
        } else if !process.isRunning, once.claim() {
            // Exited before the handler was set.
            continuation.resume(returning: process.terminationStatus)
            return
        }
        let pid = process.processIdentifier
        Task {
            try? await Task.sleep(for: timeout)
            if process.isRunning { kill(pid, SIGKILL) }
        }
    }
    return status
}

/// Lets exactly one of several racing callers resume a continuation.
final class ResumeOnce: @unchecked Sendable {
    private let lock = NSLock()
    private var done = false
    func claim() -> Bool {
        lock.withLock {
            defer { done = true }
            return !done
        }
    }
}

/// `manualbot serve` in its own process on 127.0.0.1 (a free port), logging to a file.
final class ServeProcess: @unchecked Sendable {
    let process = Process()
    let logFile: URL
    let folder: TemporaryDirectory
    private(set) var port = 0

    init(manualsDirectory: String, dataDirectory: String, environment: [String: String] = [:]) throws {
        folder = try TemporaryDirectory()
        logFile = folder.url.appendingPathComponent("serve.log")
        FileManager.default.createFile(atPath: logFile.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: Paths.manualbot)
        process.arguments = ["serve"]
        process.environment = ProcessInfo.processInfo.environment.merging([
            "HOST": "127.0.0.1", "PORT": "0", "DATA_DIR": dataDirectory, "MANUALS_DIR": manualsDirectory, "LOG_LEVEL": "info",
            "API_KEY": LiveServer.apiKey, "EMBEDDINGS": "off",
            // A parallel test run keeps both CPUs busy: under SCHED_IDLE embedding would never run.
            "EMBED_PRIORITY": "low",
        ].merging(environment) { _, new in new }) { _, new in new }
        let handle = try FileHandle(forWritingTo: logFile)
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
    }

    var log: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }

    /// JSON log lines whose message is `message`.
    func logLines(_ message: String) -> [[String: Any]] {
        log.split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
        }.filter { $0["message"] as? String == message }
    }

    /// Starts the server and waits for its "listening" line (bounded).
    func start() async throws {
        try process.run()
        for _ in 0..<1000 {
            if let line = logLines("listening").first, let text = line["port"] as? String, let port = Int(text) {
                self.port = port
                return
            }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        process.terminate()
        throw URLError(.cannotConnectToHost, userInfo: [NSLocalizedDescriptionKey: "serve did not start: \(log)"])
    }

    func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    /// Waits for the process to exit (SIGKILL after `timeout`): its exit status.
    func exitStatus(timeout: Duration) async throws -> Int32 {
        try await waitForExit(of: process, timeout: timeout, start: false)
    }

    deinit { if process.isRunning { process.interrupt() } }
}

/// A plain TCP connection to 127.0.0.1 for writing a request in pieces; reads with a timeout.
final class RawConnection {
    let socket: Int32

    init(port: Int) throws {
        socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(socket)
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .ECONNREFUSED)
        }
        var timeout = timeval(tv_sec: 15, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(socket) }

    func send(_ data: Data) {
        data.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let sent = Glibc.send(socket, buffer.baseAddress! + offset, buffer.count - offset, Int32(MSG_NOSIGNAL))
                if sent <= 0 { return }
                offset += sent
            }
        }
    }

    /// Everything until the server closes the connection (or the read timeout).
    func readToEnd() -> Data {
        var result = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = recv(socket, &buffer, buffer.count, 0)
            if count <= 0 { break }
            result.append(buffer, count: count)
        }
        return result
    }
}
