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

    init(index: ManualIndex, extractor: any DocumentExtractor, logger: Logger) {
        self.index = index
        self.extractor = extractor
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
            guard let job = try await index.updateJob(jobID, { $0.status = .processing; $0.detail = "parsing" }),
                  let path = job.source else { return }
            let data = FileManager.default.contents(atPath: path)
            guard let data else {
                try await fail(jobID, "the uploaded file is missing")
                return
            }
            let outcome = await extractor.extract(fileAt: path)
            let attributes = try? FileManager.default.attributesOfItem(atPath: path)
            let modified = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            let record = try await index.store(outcome: outcome, fileName: job.filename, source: path, size: Int64(data.count),
                                               modifiedAt: modified, sha256: job.sha256 ?? SHA256.hex(data), chunker: chunker)
            let meta = Self.json(["pages": record.pages, "chunks": record.chunks, "document_id": record.id ?? 0,
                                  "document_status": record.status.rawValue])
            try await index.updateJob(jobID) { job in
                job.documentID = record.id
                job.meta = meta
                if record.status == .done {
                    job.status = .done
                    job.detail = record.reason.map { "indexed \(record.pages) pages; \($0)" } ?? "indexed \(record.pages) pages"
                } else {
                    job.status = .failed
                    job.detail = record.reason ?? "could not be indexed"
                }
            }
            logger.info("upload job finished", metadata: ["job": "\(jobID)", "status": "\(record.status.rawValue)"])
        } catch {
            logger.error("upload job failed", metadata: ["job": "\(jobID)", "error": "\(error)"])
            try? await fail(jobID, "internal error while indexing: \(error)")
        }
    }

    func fail(_ jobID: String, _ reason: String) async throws {
        try await index.updateJob(jobID) { job in
            job.status = .failed
            job.detail = reason
        }
    }

    /// After a restart: resume jobs whose file is stored, fail the others with a reason.
    func resumeUnfinished() async {
        do {
            for job in try await index.unfinishedJobs() {
                if let path = job.source, FileManager.default.fileExists(atPath: path) {
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
