// Upload jobs, kept in the index database so that a restart loses none: pending → processing →
// done | failed, with a human reason on failure.
import Foundation
import GRDB

public struct UploadJob: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "jobs"

    public enum Status: String, Codable, Sendable { case pending, processing, done, failed }

    public var id: String
    public var filename: String
    public var status: Status
    public var detail: String?
    /// Where the uploaded bytes are: a local path, or the S3 key when uploads go to the bucket.
    public var source: String?
    public var s3Key: String?
    public var sha256: String?
    public var documentID: Int64?
    public var createdAt: Date
    public var updatedAt: Date
    /// Extra facts for the status endpoint (pages, chunks, duplicate_of, …) as a JSON object.
    public var meta: String

    enum CodingKeys: String, CodingKey {
        case id, filename, status, detail, source, s3Key = "s3_key", sha256, documentID = "document_id"
        case createdAt = "created_at", updatedAt = "updated_at", meta
    }

    public init(id: String, filename: String, status: Status = .pending, source: String? = nil, s3Key: String? = nil) {
        self.id = id
        self.filename = filename
        self.status = status
        self.source = source
        self.s3Key = s3Key
        createdAt = Date()
        updatedAt = createdAt
        meta = "{}"
    }

    public var metaObject: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(meta.utf8))) as? [String: Any] ?? [:]
    }

    static func createTable(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE jobs (
                id TEXT PRIMARY KEY,
                filename TEXT NOT NULL,
                status TEXT NOT NULL,
                detail TEXT,
                source TEXT,
                s3_key TEXT,
                sha256 TEXT,
                document_id INTEGER,
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL,
                meta TEXT NOT NULL DEFAULT '{}'
            );
            CREATE INDEX jobs_status ON jobs(status);
            """)
    }
}

extension ManualIndex {
    public func insert(_ job: UploadJob) async throws {
        try await pool.write { db in try job.insert(db) }
    }

    /// Applies `change` to the stored job and saves it with a new `updated_at`.
    @discardableResult
    public func updateJob(_ id: String, _ change: @escaping @Sendable (inout UploadJob) -> Void) async throws -> UploadJob? {
        try await pool.write { db in
            guard var job = try UploadJob.fetchOne(db, key: id) else { return nil }
            change(&job)
            job.updatedAt = Date()
            try job.update(db)
            return job
        }
    }

    public func job(id: String) async throws -> UploadJob? {
        try await pool.read { db in try UploadJob.fetchOne(db, key: id) }
    }

    public func unfinishedJobs() async throws -> [UploadJob] {
        try await pool.read { db in
            try UploadJob.fetchAll(db, sql: "SELECT * FROM jobs WHERE status IN ('pending', 'processing') ORDER BY created_at")
        }
    }

    /// A document already indexed from the same bytes, if any.
    public func document(sha256: String) async throws -> DocumentRecord? {
        try await pool.read { db in
            try DocumentRecord.fetchOne(db, sql: "SELECT * FROM documents WHERE sha256 = ? AND status != 'failed' LIMIT 1", arguments: [sha256])
        }
    }

    public func document(id: Int64) async throws -> DocumentRecord? {
        try await pool.read { db in try DocumentRecord.fetchOne(db, sql: "SELECT * FROM documents WHERE id = ?", arguments: [id]) }
    }
}
