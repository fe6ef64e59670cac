// A small Hummingbird server on 127.0.0.1 (random port) for tests that need a peer speaking
// some HTTP protocol, e.g. the ECS agent's credentials endpoint.
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

final class LocalHTTPServer: @unchecked Sendable {
    private let group: ServiceGroup
    private let task: Task<Void, Error>
    let port: Int

    init(configure: (Router<BasicRequestContext>) -> Void) async throws {
        let router = Router(context: BasicRequestContext.self)
        configure(router)
        var logger = Logger(label: "test-peer")
        logger.logLevel = .warning
        let (stream, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) }, logger: logger)
        let group = ServiceGroup(services: [app], gracefulShutdownSignals: [], logger: logger)
        self.group = group
        task = Task { try await group.run() }
        var iterator = stream.makeAsyncIterator()
        guard let port = await iterator.next() else { throw URLError(.cannotConnectToHost) }
        self.port = port
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }

    func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }
}
