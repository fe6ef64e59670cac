// Syncs the bucket again every SYNC_INTERVAL_SECONDS, so that every replica follows the bucket
// without being told; a round that finds a sync already running is skipped.
import Foundation
import Logging
import ServiceLifecycle

struct PeriodicSyncService: Service {
    let service: ManualService
    let interval: Duration
    let logger: Logger

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: interval)
                if case .busy = await service.runSync(logger: logger) {
                    logger.debug("periodic sync skipped: a sync is running")
                }
            }
        }
    }
}
