// Keeps the index equal to an S3 bucket (under a prefix): new and changed .pdf/.txt objects —
// by ETag — are downloaded, parsed in child processes and indexed; objects that are gone leave
// the index, and so does anything that did not come from this bucket and prefix (the bucket is
// the only source of truth). Each document is replaced in one transaction, so a search sees
// the old version or the new one. An object that fails is recorded with its reason and tried
// again next round; it never stops the others. With shared artifacts, a document another
// replica already computed is imported from the bucket instead of parsed and embedded.
import Foundation
import Logging
import PDFIngest
import S3

public struct BucketIngestor: Sendable {
    public let index: ManualIndex
    public let extractor: any DocumentExtractor
    public let client: S3Client
    public let bucket: String
    public let prefix: String
    /// Objects larger than this are not downloaded; they are recorded as failed.
    public var maxObjectBytes: Int = 100 << 20
    /// Objects downloaded at once (parsing has its own limit, in the extractor).
    public var downloads = 4
    public var chunker = Chunker()
    public var logger = Logger(label: "manualbot.s3sync")
    /// Derived data shared by replicas: a document whose artifact is there is imported instead
    /// of parsed (and embedded). Its prefix is never read as manuals.
    public var artifacts: (any SharedArtifacts)?
    public var artifactsPrefix: String?

    public init(index: ManualIndex, extractor: any DocumentExtractor, client: S3Client, bucket: String, prefix: String = "") {
        self.index = index
        self.extractor = extractor
        self.client = client
        self.bucket = bucket
        self.prefix = prefix
    }

    /// `s3://bucket/prefix`, for logs and health.
    public var location: String { "s3://\(bucket)/\(prefix)" }

    /// Under the artifacts prefix: shared derived data, not a manual.
    public func isArtifact(_ key: String) -> Bool {
        guard let artifactsPrefix, !artifactsPrefix.isEmpty else { return false }
        return key.hasPrefix(artifactsPrefix)
    }

    /// The index's identity of an object: `s3://bucket/key`.
    public func source(forKey key: String) -> String { "s3://\(bucket)/\(key)" }

    /// Brings the index in line with the bucket. Throws only when the bucket cannot be listed,
    /// and then changes nothing. The report names objects by key.
    public func sync() async throws -> IngestReport {
        let started = ContinuousClock.now
        let objects = try await client.listObjects(bucket: bucket, prefix: prefix)
            .filter { !$0.key.hasSuffix("/") && ManualKind(fileName: $0.key) != nil && !isArtifact($0.key) }
        var report = IngestReport()

        let present = Set(objects.map { source(forKey: $0.key) })
        let documents = try await index.documents()
        for document in documents where !present.contains(document.source) {
            try await index.remove(source: document.source)
            report.removed.append(document.s3Key ?? document.fileName)
        }
        // Removed documents stay in this map but are never looked up: their objects are gone.
        let known = Dictionary(documents.map { ($0.source, $0) }, uniquingKeysWith: { a, _ in a })
        try await withThrowingTaskGroup(of: ObjectResult.self) { group in
            var pending = objects[...]
            func startNext() {
                guard let object = pending.popFirst() else { return }
                group.addTask { try await self.ingest(object, previous: known[self.source(forKey: object.key)]) }
            }
            for _ in 0..<max(1, downloads) { startNext() }
            while let result = try await group.next() {
                startNext()
                report.record(result.key, result.change, pages: result.pages, failure: result.failure)
            }
        }
        report.added.sort()
        report.updated.sort()
        report.removed.sort()
        // Searchable before we say it is done.
        try await index.refreshSearch()
        if let artifacts {
            // Bytes no document has any more (removed, or replaced by a new version).
            let gone = Set(documents.map(\.sha256).filter { !$0.isEmpty }).subtracting(try await index.documentHashes())
            if !gone.isEmpty {
                try await index.forgetArtifacts(sha256s: gone)
                await artifacts.documentsGone(sha256s: gone)
            }
        }
        report.seconds = (ContinuousClock.now - started).seconds
        return report
    }

    struct ObjectResult: Sendable {
        var key: String
        var change: IngestReport.Change
        var pages = 0
        var failure: String?
    }

    func ingest(_ object: S3Object, previous: DocumentRecord?) async throws -> ObjectResult {
        let key = object.key
        let sourceID = source(forKey: key)
        let fileName = (key as NSString).lastPathComponent.precomposedStringWithCanonicalMapping
        let modified = object.lastModified?.timeIntervalSince1970 ?? 0
        // A failed object is tried again every round, changed or not.
        if let previous, previous.etag == object.etag, previous.status != .failed, !previous.awaitsOCR {
            await adoptSharedVectors(previous)
            return ObjectResult(key: key, change: .unchanged)
        }
        let change: IngestReport.Change = previous == nil ? .added : .updated
        // The same failed version again: still failing is no change.
        let retryOfSameVersion = previous?.status == .failed && previous?.etag == object.etag

        let data: Data
        do {
            guard object.size <= Int64(maxObjectBytes) else {
                throw ExtractionError(.tooLarge, "larger than the \(maxObjectBytes >> 20) MB limit (\(object.size) bytes)")
            }
            data = try await client.getObject(bucket: bucket, key: key, maxBytes: maxObjectBytes).data
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            let reason = (error as? ExtractionError)?.reason ?? "download failed: \(error)"
            logger.warning("s3 object failed", metadata: ["key": "\(key)", "reason": "\(reason)"])
            // A new object is recorded as failed; a changed one keeps its indexed version
            // (searchable, still at its old ETag) until a download succeeds.
            if previous == nil || previous?.status == .failed {
                try await index.store(outcome: .failure(ExtractionError(.unreadable, reason)), fileName: fileName, source: sourceID,
                                      size: object.size, modifiedAt: modified, sha256: "", s3Key: key, etag: nil, chunker: chunker)
            }
            return ObjectResult(key: key, change: change == .added ? .added : .unchanged, failure: reason)
        }

        let sha = SHA256.hex(data)
        if let previous, previous.sha256 == sha, previous.status != .failed, !previous.awaitsOCR {
            // Re-uploaded with the same bytes: remember the ETag, keep the parse.
            try await index.updateObjectStamp(source: sourceID, etag: object.etag, modifiedAt: modified)
            await adoptSharedVectors(previous)
            return ObjectResult(key: key, change: .unchanged)
        }

        if let artifacts, let (name, artifact) = await artifacts.artifact(forSHA256: sha) {
            let record = try await index.importArtifact(artifact, name: name, fileName: fileName, source: sourceID, size: Int64(data.count),
                                                        modifiedAt: modified, s3Key: key, etag: object.etag)
            return ObjectResult(key: key, change: change, pages: record.pages)
        }
        let outcome = await extractDownloaded(data, fileName: fileName)
        let record = try await index.store(outcome: outcome, fileName: fileName, source: sourceID, size: Int64(data.count),
                                           modifiedAt: modified, sha256: sha, s3Key: key, etag: object.etag, chunker: chunker)
        if record.status == .failed {
            logger.warning("s3 object failed", metadata: ["key": "\(key)", "reason": "\(record.reason ?? "")"])
        }
        let failed = record.status == .failed
        return ObjectResult(key: key, change: failed && retryOfSameVersion ? .unchanged : change, pages: record.pages,
                            failure: failed ? record.reason : nil)
    }

    /// A document indexed here before whose windows are not all embedded (a restart while
    /// embedding, or indexed while the model was off): another replica may have published its
    /// vectors, which then need not be computed here.
    func adoptSharedVectors(_ document: DocumentRecord) async {
        guard let artifacts, document.status == .done, !document.sha256.isEmpty,
              let model = await artifacts.embeddingModel(),
              (try? await index.hasPendingWindows(source: document.source, model: model)) == true,
              let (name, artifact) = await artifacts.artifact(forSHA256: document.sha256) else { return }
        do {
            try await index.adoptVectors(of: artifact, name: name)
        } catch {
            logger.warning("cannot store shared vectors", metadata: ["source": "\(document.source)", "error": "\(IndexFailure.describe(error))"])
        }
    }

    /// Parses downloaded bytes through the isolated extractor, which reads a file named like
    /// the object (the extension says PDF or text).
    public func extractDownloaded(_ data: Data, fileName: String) async -> ExtractionOutcome {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("manualbot-s3-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let file = folder.appendingPathComponent(fileName.isEmpty ? "object" : fileName)
            try data.write(to: file)
            return await extractor.extract(fileAt: file.path)
        } catch {
            return .failure(ExtractionError(.unreadable, "cannot write a temporary file: \(error.localizedDescription)"))
        }
    }
}

extension ManualIndex {
    /// Records a new ETag for a document whose bytes did not change.
    func updateObjectStamp(source: String, etag: String, modifiedAt: Double) async throws {
        try await pool.write { db in
            try db.execute(sql: "UPDATE documents SET etag = ?, modified_at = ? WHERE source = ?",
                           arguments: [etag, modifiedAt, source])
        }
    }
}
