// A real `manualbot serve` process for tests that kill it: started with its own environment,
// its port read from its "listening" log line, stopped with SIGKILL or SIGTERM.
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#endif

final class ServeProcess: @unchecked Sendable {
    let process = Process()
    let log: URL
    private(set) var port = 0

    init(environment: [String: String]) throws {
        log = FileManager.default.temporaryDirectory.appendingPathComponent("serve-\(UUID().uuidString).log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: Paths.manualbot)
        process.arguments = ["serve"]
        var env = ProcessInfo.processInfo.environment
        env["HOST"] = "127.0.0.1"
        env["PORT"] = "0"
        env["API_KEY"] = LiveServer.apiKey
        env["LOG_LEVEL"] = "info"
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(at: log)
    }

    /// Waits (bounded) for the "listening" line and reads the port from it.
    func waitUntilListening() async throws {
        for _ in 0..<600 {
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            for line in text.split(separator: "\n") where line.contains("\"listening\"") {
                if let data = line.data(using: .utf8),
                   let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                   let port = (object["port"] as? String).flatMap(Int.init) ?? object["port"] as? Int {
                    self.port = port
                    return
                }
            }
            guard process.isRunning else { throw URLError(.cannotConnectToHost, userInfo: ["log": text]) }
            try await Task.sleep(for: .milliseconds(25))
        }
        throw URLError(.timedOut)
    }

    func killHard() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    func request(_ method: String, _ path: String, body: Data? = nil, headers: [String: String] = [:]) async throws -> (Int, [String: Any]) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = method
        request.httpBody = body
        request.timeoutInterval = 30
        request.setValue("Bearer \(LiveServer.apiKey)", forHTTPHeaderField: "Authorization")
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as! HTTPURLResponse).statusCode, (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:])
    }

    /// Waits (bounded) until the start-up sync has finished.
    func waitForIngest(seconds: Int = 120) async throws -> [String: Any] {
        for _ in 0..<(seconds * 20) {
            let (_, health) = try await request("GET", "/api/v1/health")
            if let ingest = health["ingest"] as? [String: Any], ingest["running"] as? Bool == false, ingest["lastFinishedAt"] != nil {
                return health
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw URLError(.timedOut)
    }
}
