// What the crash tests need of a `manualbot serve` process (ProcessSupport.swift): kill -9,
// authorised requests, and waiting for the start-up sync.
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#endif

extension ServeProcess {
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
        do {
            let (data, response) = try await URLSession.shared.data(for: request)
            return ((response as! HTTPURLResponse).statusCode, (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:])
        } catch {
            // A server that stops answering is what these tests exist to catch: say what it logged.
            throw RequestFailure(request: "\(method) \(path)", underlying: error, logTail: String(log.suffix(6000)))
        }
    }

    struct RequestFailure: Error, CustomStringConvertible {
        var request: String
        var underlying: any Error
        var logTail: String
        var description: String { "\(request) failed: \(underlying)\nserver log (tail):\n\(logTail)" }
    }

    /// Waits (bounded) until the start-up sync has finished; the health body.
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

extension ServeProcess {
    /// `GET /metrics` as text (no METRICS_TOKEN in the tests).
    func metricsText() async throws -> String {
        let (data, _) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/metrics")!)
        return String(decoding: data, as: UTF8.self)
    }

    /// The sum of every series of the metric `name` (all label sets, or one when `name`
    /// includes them) in a `/metrics` text; 0 when absent.
    static func metric(_ text: String, _ name: String) -> Int {
        Int(text.split(separator: "\n").filter { $0.hasPrefix(name) }
            .compactMap { Double($0.split(separator: " ").last ?? "") }.reduce(0, +))
    }

    /// Polls health (bounded) until semantic search is ready; its last `semantic` object.
    func waitForSemanticReady(seconds: Int = 240) async throws -> [String: Any] {
        var semantic: [String: Any] = [:]
        for _ in 0..<(seconds * 20) {
            semantic = try await request("GET", "/api/v1/health").1["semantic"] as? [String: Any] ?? [:]
            if semantic["ready"] as? Bool == true { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        return semantic
    }
}
