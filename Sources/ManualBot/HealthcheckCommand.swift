// `manualbot healthcheck`: the container's own health probe (Docker HEALTHCHECK, the ECS
// container health check), so the runtime image needs no curl. Exit 0 iff the URL answers 200.
import ArgumentParser
import Foundation

struct Healthcheck: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Exit 0 if the health URL answers 200 within the timeout, else 1 (container health check).")

    @Option(help: "Default: http://127.0.0.1:$PORT/api/v1/health (PORT defaults to 9000).")
    var url: String?

    @Option(help: "Seconds to wait for the answer.")
    var timeout: Double = 3

    static func defaultURL(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        let port = environment["PORT"].flatMap { Int($0) }.flatMap { $0 > 0 ? $0 : nil } ?? 9000
        return "http://127.0.0.1:\(port)/api/v1/health"
    }

    func run() async throws {
        let target = url ?? Self.defaultURL()
        guard let address = URL(string: target), address.scheme != nil, address.host != nil else {
            throw ValidationError("--url must be an http(s) URL, got \"\(target)\"")
        }
        // The whole URL is the health endpoint: the client's base is the URL itself, path empty.
        let client = HTTPClient(base: address, apiKey: nil, timeout: timeout)
        do {
            let reply = try await client.send("GET", "", authorized: false)
            guard reply.status == 200 else {
                print("unhealthy: \(target) answered \(reply.summary)")
                throw ExitCode(1)
            }
            print("healthy: \(target) 200")
        } catch let error as ClientError {
            print("unhealthy: \(target): \(error.message)")
            throw ExitCode(1)
        }
    }
}
