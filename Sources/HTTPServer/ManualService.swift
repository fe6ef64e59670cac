// What the routes need: the index, the manual source (a folder, or an S3 bucket when
// S3_BUCKET is set) and the state of the last sync.
import Artifacts
import Foundation
import Logging
import Metrics
import PDFIngest
import Retrieval
import S3
import SemanticSearch

public final class ManualService: Sendable {
    public let index: ManualIndex
    public let ingestor: FolderIngestor
    public let composer: AnswerComposer
    public let manualsDirectory: String
    public let jobs: UploadJobs
    /// The bucket that replaces `manualsDirectory` as the source, when S3_BUCKET is set.
    public let bucket: BucketIngestor?
    /// Semantic search beside the lexical index; nil when EMBEDDINGS=off.
    public let semantic: SemanticIndex?
    /// Why `semantic` is nil (for health).
    let semanticOffReason: String
    /// How hybrid search fuses and re-orders (RERANK_DEPTH).
    let fusion: FusionParameters
    /// Publishes what this replica computed for the others (with a bucket and S3_ARTIFACTS on).
    public let artifactPublisher: ArtifactPublisher?
    let state = IngestState()
    let healthResponses = HealthResponseCache()

    public init(index: ManualIndex, extractor: any DocumentExtractor, manualsDirectory: String,
                composer: AnswerComposer? = nil, bucket: BucketIngestor? = nil, maxUploadBytes: Int = 50 << 20,
                semantic: SemanticIndex? = nil, semanticOffReason: String = "EMBEDDINGS=off", fusion: FusionParameters = FusionParameters(),
                artifactPublisher: ArtifactPublisher? = nil, logger: Logger = Logger(label: "manualbot")) {
        self.index = index
        self.artifactPublisher = artifactPublisher
        self.semantic = semantic
        self.semanticOffReason = semanticOffReason
        self.fusion = fusion
        self.ingestor = FolderIngestor(index: index, extractor: extractor)
        self.composer = composer ?? AnswerComposer(extractive: ExtractiveAnswer(), model: nil, logger: logger)
        self.manualsDirectory = manualsDirectory
        self.jobs = UploadJobs(index: index, extractor: extractor, bucket: bucket, maxUploadBytes: maxUploadBytes, logger: logger)
        self.bucket = bucket
    }

    /// What chat answers from: hybrid (lexical + dense) when semantic search is on and has vectors,
    /// else lexical.
    public func find(_ question: String, limit: Int) async throws -> SearchResult {
        if let semantic {
            var search = HybridSearch(semantic: semantic)
            search.fusion = fusion
            return try await search.find(question, limit: limit)
        }
        return try await index.find(question, limit: limit)
    }

    func semanticHealth() async -> SemanticHealth { SemanticHealth(await semantic?.status(), offReason: semanticOffReason) }

    /// Where the manuals come from: `s3://bucket/prefix` or the folder.
    public var manualSource: String { bucket?.location ?? manualsDirectory }

    public enum SyncOutcome: Sendable {
        case finished(IngestReport)
        /// Another sync is running.
        case busy
        /// The source could not be read (e.g. the bucket could not be listed); nothing changed.
        case failed(String)
    }

    /// Syncs the manual source into the index; one sync at a time. Cancelling the calling task
    /// stops it after the parses that already run (see `FolderIngestor.sync`).
    @discardableResult
    public func syncManuals(logger: Logger) async -> IngestReport? {
        if case .finished(let report) = await runSync(logger: logger) { return report }
        return nil
    }

    /// Syncs now, or says that another sync is running.
    public func runSync(logger: Logger) async -> SyncOutcome {
        guard await state.begin() else { return .busy }
        // Whatever the outcome, embedding may go on (it waits for the start-up sync).
        defer { semantic?.kick() }
        let source = bucket == nil ? "folder" : "s3"
        Counter(label: "manualbot_sync_runs_total", dimensions: [("source", source)]).increment()
        do {
            let report = if let bucket { try await bucket.sync() } else { try await ingestor.sync(folder: manualsDirectory) }
            await state.finish(report: report, error: nil)
            logger.info("manuals synced", metadata: [
                "source": "\(manualSource)",
                "added": "\(report.added.count)", "updated": "\(report.updated.count)", "removed": "\(report.removed.count)",
                "unchanged": "\(report.unchanged)", "failed": "\(report.failed.count)", "pages": "\(report.pages)",
                "seconds": "\(String(format: "%.2f", report.seconds))",
            ])
            return .finished(report)
        } catch is CancellationError {
            await state.finish(report: nil, error: "stopped: shutting down")
            logger.info("manual sync stopped for shutdown; files not parsed yet are picked up at the next start")
            return .failed("stopped: shutting down")
        } catch {
            let reason = IndexFailure.describe(error)
            await state.finish(report: nil, error: reason)
            Counter(label: "manualbot_sync_errors_total", dimensions: [("source", source)]).increment()
            logger.error("manual sync failed", metadata: ["source": "\(manualSource)", "error": "\(reason)"])
            return .failed(reason)
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

public struct IngestStatus: Sendable, Codable, Equatable {
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
