// A small Hummingbird server on 127.0.0.1 (random port) for tests that need a peer speaking
// some HTTP protocol, e.g. the ECS agent's credentials endpoint.
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

final class LocalHTTPServer: @unchecked Sendable {
    private let running: RunningService
    var port: Int { running.port }

    init(configure: (Router<BasicRequestContext>) -> Void) async throws {
        let router = Router(context: BasicRequestContext.self)
        configure(router)
        var logger = Logger(label: "test-peer")
        logger.logLevel = .warning
        running = try await RunningService(logger: logger) { reportPort in
            Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                        onServerRunning: { channel in reportPort(channel.localAddress?.port ?? 0) }, logger: logger)
        }
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }

    func stop() async {
        await running.stop()
    }
}

/// A service run in a ServiceGroup of its own (no signal handling) until `stop`; ready once it
/// reported the port it listens on.
struct RunningService: Sendable {
    let port: Int
    private let group: ServiceGroup
    private let task: Task<Void, Error>

    init(logger: Logger, _ makeService: (_ reportPort: @escaping @Sendable (Int) -> Void) -> any Service) async throws {
        let (stream, continuation) = AsyncStream.makeStream(of: Int.self)
        let group = ServiceGroup(services: [makeService { continuation.yield($0) }], gracefulShutdownSignals: [], logger: logger)
        self.group = group
        task = Task { try await group.run() }
        var iterator = stream.makeAsyncIterator()
        guard let port = await iterator.next() else { throw URLError(.cannotConnectToHost) }
        self.port = port
    }

    func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }
}
