// What the routes need: the index, the folder ingestor and the state of the last ingest.
import Foundation
import Logging
import PDFIngest
import Retrieval

public final class ManualService: Sendable {
    public let index: ManualIndex
    public let ingestor: FolderIngestor
    public let answer: ExtractiveAnswer
    public let manualsDirectory: String
    let state = IngestState()

    public init(index: ManualIndex, extractor: any DocumentExtractor, manualsDirectory: String, answer: ExtractiveAnswer = ExtractiveAnswer()) {
        self.index = index
        self.ingestor = FolderIngestor(index: index, extractor: extractor)
        self.answer = answer
        self.manualsDirectory = manualsDirectory
    }

    /// Syncs the manuals folder into the index; one sync at a time. Cancelling the calling task
    /// stops it after the parses that already run (see `FolderIngestor.sync`).
    @discardableResult
    public func syncManuals(logger: Logger) async -> IngestReport? {
        guard await state.begin() else { return nil }
        do {
            let report = try await ingestor.sync(folder: manualsDirectory)
            await state.finish(report: report, error: nil)
            logger.info("manuals synced", metadata: [
                "added": "\(report.added.count)", "updated": "\(report.updated.count)", "removed": "\(report.removed.count)",
                "unchanged": "\(report.unchanged)", "failed": "\(report.failed.count)", "pages": "\(report.pages)",
                "seconds": "\(String(format: "%.2f", report.seconds))",
            ])
            return report
        } catch is CancellationError {
            await state.finish(report: nil, error: "stopped: shutting down")
            logger.info("manual sync stopped for shutdown; files not parsed yet are picked up at the next start")
            return nil
        } catch {
            await state.finish(report: nil, error: "\(error)")
            logger.error("manual sync failed", metadata: ["error": "\(error)"])
            return nil
        }
    }

    public func ingestStatus() async -> IngestStatus { await state.status }

    /// Shows a sync as running from before the server accepts requests until the start-up
    /// sync has finished, so that nobody reads "idle, 0 documents" as "done".
    public func markStartupSyncPending() async { await state.markPending() }

    /// Waits until no sync is running (tests and the CLI use it).
    public func waitForIdle() async {
        while await state.status.running { try? await Task.sleep(for: .milliseconds(20)) }
    }
}

public struct IngestStatus: Sendable, Codable {
    public var running: Bool
    public var lastFinishedAt: Date?
    public var lastReport: IngestReport?
    public var lastError: String?
}

actor IngestState {
    var status = IngestStatus(running: false)

    var pending = false

    func markPending() {
        pending = true
        status.running = true
    }

    func begin() -> Bool {
        if pending {
            pending = false
            return true
        }
        if status.running { return false }
        status.running = true
        return true
    }

    func finish(report: IngestReport?, error: String?) {
        status.running = false
        status.lastFinishedAt = Date()
        status.lastReport = report ?? status.lastReport
        status.lastError = error
    }
}
