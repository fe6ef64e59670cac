// Builds the whole service from Settings: index, isolated parser, routes, and the start-up sync
// of the manuals folder that runs in the background while health answers at once.
import Foundation
import Hummingbird
import Logging
import PDFIngest
import Retrieval
import ServiceLifecycle

public func makeService(settings: Settings) throws -> ManualService {
    let index = try ManualIndex(path: settings.databasePath)
    let extractor = IsolatedExtractor(
        executable: settings.extractorExecutable ?? IsolatedExtractor.currentExecutable,
        timeout: .seconds(settings.parseTimeoutSeconds),
        limits: .init(memoryBytes: settings.parseMemoryMB << 20, cpuSeconds: settings.parseTimeoutSeconds),
        concurrency: settings.parseWorkers)
    return ManualService(index: index, extractor: extractor, manualsDirectory: settings.manualsDirectory,
                         answer: ExtractiveAnswer(maxCharacters: settings.answerMaxCharacters))
}

public func buildApplication(
    settings: Settings,
    service: ManualService,
    logger: Logger,
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let router = buildRouter(service: service, settings: settings)
    var app = Application(
        router: router,
        configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "manualbot"),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? settings.port) },
        logger: logger)
    app.beforeServerStarts { await service.markStartupSyncPending() }
    app.addServices(StartupSyncService(service: service, logger: logger))
    return app
}

/// Indexes the manuals folder once the server is up; a failure is logged, never fatal. On a
/// graceful shutdown the sync stops after the parses in flight (bounded by PARSE_TIMEOUT_SECONDS).
struct StartupSyncService: Service {
    let service: ManualService
    let logger: Logger

    func run() async throws {
        let sync = Task { await service.syncManuals(logger: logger) }
        await withGracefulShutdownHandler {
            _ = await sync.value
            try? await gracefulShutdown()
        } onGracefulShutdown: {
            // SIGTERM: the HTTP server has already drained (services stop in reverse order).
            // Running parses finish and are stored, no new one starts; the sync is awaited above.
            sync.cancel()
        }
    }
}
