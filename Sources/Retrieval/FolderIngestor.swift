// Keeps the index equal to a folder of manuals: new and changed .pdf/.txt files are parsed (in
// child processes) and indexed, files that are gone leave the index, unchanged files are not
// touched. A file whose size and mtime match is not even read; one whose bytes hash the same
// is not parsed again.
import Foundation
import Logging
import Metrics
import PDFIngest

public struct IngestReport: Sendable, Codable, Equatable {
    public var added: [String] = []
    public var updated: [String] = []
    public var removed: [String] = []
    public var unchanged: Int = 0
    public var failed: [String: String] = [:]
    public var pages: Int = 0
    public var seconds: Double = 0

    public init() {}

    public enum Change: Sendable { case added, updated, unchanged }

    /// Counts one file's or object's outcome.
    mutating func record(_ name: String, _ change: Change, pages: Int, failure: String?) {
        switch change {
        case .added: added.append(name)
        case .updated: updated.append(name)
        case .unchanged: unchanged += 1
        }
        if let failure { failed[name] = failure }
        self.pages += pages
    }
}

public struct IngestProgress: Sendable {
    public var filesDone: Int
    public var filesTotal: Int
    public var pages: Int
    public var elapsed: Double
}

public struct FolderIngestor: Sendable {
    public let index: ManualIndex
    public let extractor: any DocumentExtractor
    public var chunker = Chunker()
    public var logger = Logger(label: "manualbot.ingest")
    /// Whether `sync` returns only once searches in this process see the result; the offline
    /// `manualbot ingest`, which never searches, turns it off.
    public var refreshesSearch = true

    public init(index: ManualIndex, extractor: any DocumentExtractor) {
        self.index = index
        self.extractor = extractor
    }

    /// All manuals under `folder`, recursively, skipping hidden files.
    public static func manualFiles(in folder: String) -> [String] {
        let root = URL(fileURLWithPath: folder).standardizedFileURL
        guard let enumerator = FileManager.default.enumerator(
            at: root, includingPropertiesForKeys: [.isRegularFileKey], options: [.skipsHiddenFiles]) else { return [] }
        var files: [String] = []
        for case let url as URL in enumerator where ManualKind(fileName: url.lastPathComponent) != nil {
            if (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true {
                files.append(url.standardizedFileURL.path)
            }
        }
        return files.sorted()
    }

    /// Brings the index in line with `folder`. Cancelling it (a shutdown) lets the parses that
    /// already run finish and be stored, starts no others, and then throws CancellationError.
    public func sync(folder: String, progress: (@Sendable (IngestProgress) -> Void)? = nil) async throws -> IngestReport {
        let started = ContinuousClock.now
        let root = URL(fileURLWithPath: folder).standardizedFileURL.path
        let files = Self.manualFiles(in: root)
        var report = IngestReport()

        let prefix = root.hasSuffix("/") ? root : root + "/"
        let present = Set(files)
        let documents = try await index.documents()
        for document in documents where document.source.hasPrefix(prefix) && !present.contains(document.source) {
            try await index.remove(source: document.source)
            report.removed.append(document.fileName)
        }
        // Removed documents stay in this map but are never looked up: their files are gone.
        let known = Dictionary(documents.map { ($0.source, $0) }, uniquingKeysWith: { a, _ in a })
        let counter = ProgressCounter(total: files.count)
        try await withThrowingTaskGroup(of: FileResult.self) { group in
            for path in files {
                group.addTask {
                    let result = try await self.ingest(path: path, previous: known[path])
                    if let progress { progress(await counter.add(pages: result.pages, started: started)) }
                    return result
                }
            }
            for try await result in group {
                report.record(result.fileName, result.change, pages: result.pages, failure: result.failure)
            }
        }
        report.added.sort()
        report.updated.sort()
        // Searchable before we say it is done.
        if refreshesSearch { try await index.refreshSearch() }
        report.seconds = (ContinuousClock.now - started).seconds
        return report
    }

    struct FileResult: Sendable {
        var fileName: String
        var change: IngestReport.Change
        var pages: Int
        var failure: String?
    }

    func ingest(path: String, previous: DocumentRecord?) async throws -> FileResult {
        let fileName = (path as NSString).lastPathComponent.precomposedStringWithCanonicalMapping
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        let size = (attributes?[.size] as? NSNumber)?.int64Value ?? 0
        let modified = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        if let previous, !previous.awaitsOCR, previous.size == size, previous.modifiedAt == modified {
            return FileResult(fileName: fileName, change: .unchanged, pages: 0)
        }
        let data = (try? Data(contentsOf: URL(fileURLWithPath: path))) ?? Data()
        let sha = SHA256.hex(data)
        if var previous, !previous.awaitsOCR, previous.sha256 == sha {
            // Touched but not changed: remember the new mtime, keep the parse.
            previous.size = size
            previous.modifiedAt = modified
            try await index.updateFileStamp(previous)
            return FileResult(fileName: fileName, change: .unchanged, pages: 0)
        }
        try Task.checkCancellation()
        let outcome = await extractor.extract(fileAt: path)
        if case .failure(let error) = outcome, error.kind == .cancelled {
            // Never parsed (shutting down): record nothing, the next sync picks the file up.
            throw CancellationError()
        }
        // A finished parse is stored even when the sync is being cancelled: the store runs in its
        // own task, which does not inherit the cancellation that would make GRDB refuse the write.
        let index = index, chunker = chunker
        let record = try await Task {
            try await index.store(outcome: outcome, fileName: fileName, source: path, size: size,
                                  modifiedAt: modified, sha256: sha, chunker: chunker)
        }.value
        if record.status == .failed {
            logger.warning("ingest failed", metadata: ["file": "\(fileName)", "reason": "\(record.reason ?? "")"])
        }
        return FileResult(fileName: fileName, change: previous == nil ? .added : .updated, pages: record.pages,
                          failure: record.status == .failed ? record.reason : nil)
    }
}

actor ProgressCounter {
    let total: Int
    var done = 0
    var pages = 0
    init(total: Int) { self.total = total }
    func add(pages added: Int, started: ContinuousClock.Instant) -> IngestProgress {
        done += 1
        pages += added
        return IngestProgress(filesDone: done, filesTotal: total, pages: pages, elapsed: (ContinuousClock.now - started).seconds)
    }
}

extension Duration {
    public var seconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }
}

extension ManualIndex {
    /// Records a parse outcome: a parsed document replaces the old one with its chunks; a failure
    /// is recorded with its reason (and the old version, if any, leaves the index).
    @discardableResult
    public func store(outcome: ExtractionOutcome, fileName: String, source: String, size: Int64, modifiedAt: Double,
                      sha256: String, s3Key: String? = nil, etag: String? = nil,
                      chunker: Chunker = Chunker()) async throws -> DocumentRecord {
        var record = DocumentRecord(id: nil, fileName: fileName, source: source, size: size, modifiedAt: modifiedAt,
                                    sha256: sha256, title: nil, pages: 0, chunks: 0, ocrPages: 0, status: .failed,
                                    reason: nil, indexedAt: Date(), s3Key: s3Key, etag: etag)
        defer {
            Counter(label: "manualbot_ingest_documents_total", dimensions: [("status", record.status.rawValue)]).increment()
            Counter(label: "manualbot_ingest_pages_total").increment(by: record.pages)
        }
        switch outcome {
        case .failure(let error):
            record.reason = error.reason
            Counter(label: "manualbot_ingest_failures_total", dimensions: [("kind", error.kind.rawValue)]).increment()
            return try await replace(record, chunks: [])
        case .document(let document):
            record.title = document.title
            record.pages = document.pageCount
            record.ocrPages = document.pagesNeedingOCR.count
            let ocr = OCRSummary(document: document)
            record.ocrPageList = ocr.pages
            ocr.count()
            if document.pageCount == 0 {
                record.reason = "the PDF has no pages"
            } else if document.hasNoText {
                record.status = .needsOCR
                record.reason = "no text layer: \(document.pageCount == 1 ? "the page is an image" : "all \(document.pageCount) pages are images") (scanned?)"
                    + (document.ocrPages.isEmpty ? "; OCR is needed" : "; " + ocr.reason)
            } else {
                record.status = .done
                record.reason = ocr.pages.isEmpty ? nil : ocr.reason
            }
            let readable = Set(1...max(1, document.pageCount)).subtracting(document.pagesNeedingOCR)
            let chunks = chunker.chunks(of: document).filter { readable.contains($0.page) }
            return try await replace(record, chunks: chunks)
        }
    }

    func updateFileStamp(_ record: DocumentRecord) async throws {
        try await pool.write { db in
            try db.execute(sql: "UPDATE documents SET size = ?, modified_at = ? WHERE source = ?",
                           arguments: [record.size, record.modifiedAt, record.source])
        }
    }
}
