// Runs upload jobs in the background: pending → processing → done | failed. The job's file is
// parsed in an isolated child like every manual; a restart resumes jobs whose file is stored
// and fails, with a reason, those whose upload never finished.
import Foundation
import Logging
import PDFIngest
import Retrieval

public final class UploadJobs: Sendable {
    let index: ManualIndex
    let extractor: any DocumentExtractor
    let chunker = Chunker()
    let logger: Logger
    let running = RunningJobs()
    /// With a bucket, uploads live in it under `uploads/` and jobs read them from there.
    let bucket: BucketIngestor?
    let maxUploadBytes: Int

    init(index: ManualIndex, extractor: any DocumentExtractor, bucket: BucketIngestor?, maxUploadBytes: Int, logger: Logger) {
        self.index = index
        self.extractor = extractor
        self.bucket = bucket
        self.maxUploadBytes = maxUploadBytes
        self.logger = logger
    }

    /// Starts processing `job` in the background.
    func start(_ jobID: String) {
        let task = Task { await self.process(jobID) }
        Task { await running.add(jobID, task) }
    }

    /// Waits for every job started so far (graceful shutdown, tests).
    func waitForAll() async {
        for task in await running.all() { await task.value }
    }

    func process(_ jobID: String) async {
        do {
            guard let job = try await index.updateJob(jobID, { $0.status = .processing; $0.detail = "parsing" }) else { return }
            if let key = job.s3Key, let bucket {
                try await processObject(job, key: key, bucket: bucket)
                return
            }
            guard let path = job.source else { return }
            // Size and mtime from the file system: the bytes are read by the parser, not here
            // (the hash was taken while the upload streamed in; only older jobs lack it).
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
                  let size = (attributes[.size] as? NSNumber)?.int64Value else {
                try await fail(jobID, "the uploaded file is missing")
                return
            }
            let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            let sha = try job.sha256 ?? SHA256.hex(Data(contentsOf: URL(fileURLWithPath: path)))
            let outcome = await extractor.extract(fileAt: path)
            let record = try await index.store(outcome: outcome, fileName: job.filename, source: path, size: size,
                                               modifiedAt: modified, sha256: sha, chunker: chunker)
            try await finish(jobID, record: record, sha: nil)
        } catch {
            logger.error("upload job failed", metadata: ["job": "\(jobID)", "error": "\(error)"])
            try? await fail(jobID, "could not be indexed: \(IndexFailure.describe(error))")
        }
    }

    /// Done when the document is searchable; failed with the document's reason otherwise.
    func finish(_ jobID: String, record: DocumentRecord, sha: String?) async throws {
        // A job is done when a search finds it.
        try await index.refreshSearch()
        let meta = Self.json(["pages": record.pages, "chunks": record.chunks, "document_id": record.id ?? 0,
                              "document_status": record.status.rawValue])
        try await index.updateJob(jobID) { job in
            job.documentID = record.id
            job.meta = meta
            if let sha { job.sha256 = sha }
            if record.status == .done {
                job.status = .done
                job.detail = record.reason.map { "indexed \(record.pages) pages; \($0)" } ?? "indexed \(record.pages) pages"
            } else {
                job.status = .failed
                job.detail = record.reason ?? "could not be indexed"
            }
        }
        logger.info("upload job finished", metadata: ["job": "\(jobID)", "status": "\(record.status.rawValue)"])
    }

    func fail(_ jobID: String, _ reason: String) async throws {
        try await index.updateJob(jobID) { job in
            job.status = .failed
            job.detail = reason
        }
    }

    /// After a restart: resume jobs whose file is stored, fail the others with a reason.
    /// (A presigned upload still waiting for its notify stays pending until its URL expires.)
    func resumeUnfinished() async {
        do {
            for job in try await index.unfinishedJobs() {
                if job.s3Key != nil, bucket != nil {
                    if job.status == .processing || job.metaObject["notified"] as? Bool == true {
                        logger.info("resuming upload job", metadata: ["job": "\(job.id)"])
                        start(job.id)
                    }
                } else if let path = job.source, FileManager.default.fileExists(atPath: path) {
                    logger.info("resuming upload job", metadata: ["job": "\(job.id)"])
                    start(job.id)
                } else {
                    try await fail(job.id, "interrupted by a restart before the upload was stored; please upload again")
                }
            }
        } catch {
            logger.error("cannot resume upload jobs", metadata: ["error": "\(error)"])
        }
    }

    static func json(_ object: [String: Any]) -> String {
        (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}

actor RunningJobs {
    var tasks: [String: Task<Void, Never>] = [:]
    func add(_ id: String, _ task: Task<Void, Never>) {
        tasks[id] = task
        Task { await task.value; self.remove(id) }
    }
    func remove(_ id: String) { tasks[id] = nil }
    func all() -> [Task<Void, Never>] { Array(tasks.values) }
}
