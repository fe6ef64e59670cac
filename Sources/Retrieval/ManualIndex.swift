// The SQLite index: documents and their page-tagged chunks with our own pre-tokenized terms
// (see KoreanTokenizer), from which each process builds its in-memory InvertedIndex. A
// DatabasePool in WAL mode lets searches read while an ingest writes; a document is replaced in
// one transaction, so a search sees the old version or the new one, never half.
import Foundation
import GRDB
import PDFIngest

public struct DocumentRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "documents"

    public enum Status: String, Codable, Sendable { case done, failed, needsOCR = "needs_ocr" }

    public var id: Int64?
    /// Shown in citations: the file name without folders.
    public var fileName: String
    /// Identity of the document: a local path or an S3 key.
    public var source: String
    public var size: Int64
    public var modifiedAt: Double
    public var sha256: String
    public var title: String?
    public var pages: Int
    public var chunks: Int
    /// Pages still without readable text (after OCR).
    public var ocrPages: Int
    public var status: Status
    public var reason: String?
    public var indexedAt: Date
    /// For a manual from S3: its key and the ETag it was indexed at (migration "v2-s3").
    public var s3Key: String? = nil
    public var etag: String? = nil
    /// What OCR did per page that needed it: `[OCRPage]` as JSON (migration "v3-ocr").
    public var ocrDetail: String? = nil

    enum CodingKeys: String, CodingKey {
        case id, fileName = "file_name", source, size, modifiedAt = "modified_at", sha256, title, pages, chunks
        case ocrPages = "ocr_pages", status, reason, indexedAt = "indexed_at"
        case s3Key = "s3_key", etag, ocrDetail = "ocr_detail"
    }

    /// Indexed before OCR existed with pages that needed it: parsed again once, even unchanged,
    /// so that scans already in an index get their text.
    public var awaitsOCR: Bool { ocrPages > 0 && ocrDetail == nil }

    /// The pages OCR was needed for and what became of each (empty for documents indexed before OCR).
    public var ocrPageList: [OCRPage] {
        get { ocrDetail.flatMap { try? JSONDecoder().decode([OCRPage].self, from: Data($0.utf8)) } ?? [] }
        set { ocrDetail = newValue.isEmpty ? nil : (try? JSONEncoder().encode(newValue)).map { String(decoding: $0, as: UTF8.self) } }
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

public struct IndexStats: Sendable, Equatable {
    public var documents: Int
    public var chunks: Int
    public var pages: Int
    public var failed: Int
}

public final class ManualIndex: Sendable {
    let pool: DatabasePool
    public let tokenizer: KoreanTokenizer
    let snapshots = SnapshotStore()
    let statsCache = StatsCache()

    /// Opens (creating if needed) the index at `path`. All users of one index file must use the
    /// same tokenizer mode (only `manualbot eval` uses another, on its own temporary index).
    public init(path: String, tokenizer: KoreanTokenizer = KoreanTokenizer()) throws {
        self.tokenizer = tokenizer
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        pool = try DatabasePool(path: path, configuration: configuration)
        try Self.migrator.migrate(pool)
        try retokenizeIfStale()
        try rewindowIfStale()
    }

    /// Chunk terms are stored pre-tokenized; when the tokenizer that wrote them is not this one
    /// (an upgrade changed `KoreanTokenizer.version`, or another mode), every chunk's terms are
    /// rebuilt from its stored text in one transaction, so searches never mix two tokenizations.
    func retokenizeIfStale() throws {
        try redoIfStale("tokenizer", wanted: Int64(tokenizer.fingerprint)) { db in
            let rows = try Row.fetchAll(db, sql: "SELECT id, text FROM chunks")
            let update = try db.makeStatement(sql: "UPDATE chunks SET terms = ? WHERE id = ?")
            for row in rows {
                let text: String = row["text"]
                let id: Int64 = row["id"]
                try update.execute(arguments: [tokenizer.terms(text).joined(separator: " "), id])
            }
            if !rows.isEmpty { try Self.bumpGeneration(db) }
        }
    }

    /// Embedding windows are cut when a chunk is written; when the cut that wrote them is not
    /// this one (an upgrade changed `embeddingWindows`), every chunk's windows are cut again in
    /// one transaction. Vectors of window texts that stay are kept (a chunk of one window, most
    /// first windows), the others go, and semantic search then embeds only the new windows.
    func rewindowIfStale() throws {
        try redoIfStale("windows", wanted: Self.embeddingWindowsStamp) { db in
            try db.execute(sql: "DELETE FROM embed_passages")
            for row in try Row.fetchAll(db, sql: "SELECT id, text FROM chunks") {
                try Self.insertWindows(chunkID: row["id"], text: row["text"], in: db)
            }
            try db.execute(sql: "DELETE FROM passage_vectors WHERE text_hash NOT IN (SELECT text_hash FROM embed_passages)")
            try Self.bumpVectorVersion(db)
        }
    }

    /// Runs `redo` and records `wanted` under `key` in `meta`, in one transaction, unless `key`
    /// already holds `wanted`. The usual case, an index this build wrote, takes no write lock.
    private func redoIfStale(_ key: String, wanted: Int64, _ redo: (Database) throws -> Void) throws {
        func stored(_ db: Database) throws -> Int64? {
            try Int64.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [key])
        }
        guard try pool.read(stored) != wanted else { return }
        try pool.write { db in
            guard try stored(db) != wanted else { return }  // another process just did it
            try redo(db)
            try db.execute(sql: "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", arguments: [key, wanted])
        }
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE documents (
                    id INTEGER PRIMARY KEY,
                    file_name TEXT NOT NULL,
                    source TEXT NOT NULL UNIQUE,
                    size INTEGER NOT NULL,
                    modified_at REAL NOT NULL,
                    sha256 TEXT NOT NULL,
                    title TEXT,
                    pages INTEGER NOT NULL,
                    chunks INTEGER NOT NULL,
                    ocr_pages INTEGER NOT NULL,
                    status TEXT NOT NULL,
                    reason TEXT,
                    indexed_at TEXT NOT NULL
                );
                CREATE TABLE chunks (
                    id INTEGER PRIMARY KEY,
                    document_id INTEGER NOT NULL REFERENCES documents(id),
                    page INTEGER NOT NULL,
                    ordinal INTEGER NOT NULL,
                    is_question INTEGER NOT NULL,
                    text TEXT NOT NULL,
                    terms TEXT NOT NULL
                );
                CREATE INDEX chunks_document ON chunks(document_id);
                -- Bumped by every change of documents or chunks; searchers rebuild their
                -- in-memory index when it moves (also across processes).
                CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
                INSERT INTO meta(key, value) VALUES ('generation', 0);
                """)
        }
        migrator.registerMigration("v2-jobs") { db in
            try UploadJob.createTable(db)
        }
        migrator.registerMigration("v2-s3") { db in
            // Manuals synced from S3: `source` is s3://bucket/key; the key and the ETag it was
            // indexed at decide what the next sync downloads again.
            try db.execute(sql: """
                ALTER TABLE documents ADD COLUMN s3_key TEXT;
                ALTER TABLE documents ADD COLUMN etag TEXT;
                """)
        }
        migrator.registerMigration("v3-ocr") { db in
            // Per-page OCR outcomes of the document (JSON), for /api/v1/docs `ocr_pages`.
            try db.execute(sql: "ALTER TABLE documents ADD COLUMN ocr_detail TEXT")
        }
        migrator.registerMigration("v3-vectors") { db in
            // Semantic search embeds each chunk as shorter windows (embed_passages; shorter
            // passages ranked better and cost no more to embed), and keeps one vector per window
            // text and model (passage_vectors): an unchanged document, a restart and a repeated
            // passage never embed again.
            try db.execute(sql: """
                CREATE TABLE embed_passages (
                    chunk_id INTEGER NOT NULL REFERENCES chunks(id),
                    ordinal INTEGER NOT NULL,
                    text_hash TEXT NOT NULL,
                    text TEXT NOT NULL,
                    PRIMARY KEY (chunk_id, ordinal)
                ) WITHOUT ROWID;
                CREATE INDEX embed_passages_text_hash ON embed_passages(text_hash);
                CREATE TABLE passage_vectors (
                    text_hash TEXT NOT NULL,
                    model TEXT NOT NULL,
                    vector BLOB NOT NULL,
                    PRIMARY KEY (text_hash, model)
                ) WITHOUT ROWID;
                INSERT OR IGNORE INTO meta(key, value) VALUES ('vectors', 0);
                """)
            for row in try Row.fetchAll(db, sql: "SELECT id, text FROM chunks") {
                try Self.insertWindows(chunkID: row["id"], text: row["text"], in: db)
            }
        }
        migrator.registerMigration("v4-artifacts") { db in
            // The shared artifacts (issue #14) this replica knows to be in the bucket, because it
            // published or imported them: a document whose artifact is listed here is not
            // published again.
            try db.execute(sql: """
                CREATE TABLE artifacts (name TEXT PRIMARY KEY, sha256 TEXT NOT NULL) WITHOUT ROWID;
                CREATE INDEX artifacts_sha256 ON artifacts(sha256);
                """)
        }
        migrator.registerMigration("v5-token-states") { db in
            // Each window's token states beside its vector (late-interaction re-ranking), NULL
            // for vectors of a model that makes none.
            try db.execute(sql: "ALTER TABLE passage_vectors ADD COLUMN tokens BLOB")
        }
        return migrator
    }

    /// The key of a passage's vector (with the model id).
    static func textHash(_ text: String) -> String { SHA256.hex(Data(text.utf8)) }

    /// How chunks are cut for embedding: windows of at most 200 characters, each repeating up to
    /// 100 characters of whole lines from the one before, so that a fact cut at a window's end is
    /// whole in the next (dev splits, `manualbot eval`: README, "Retrieval quality").
    public static let embeddingWindows = Chunker(maxCharacters: 200, overlapCharacters: 100)

    /// The window cut as recorded in `meta` ('windows'): a stored cut that differs is redone.
    static var embeddingWindowsStamp: Int64 {
        Int64(embeddingWindows.maxCharacters * 100_000 + embeddingWindows.overlapCharacters)
    }

    static func insertWindows(chunkID: Int64, text: String, in db: Database) throws {
        let statement = try db.cachedStatement(sql: "INSERT INTO embed_passages(chunk_id, ordinal, text_hash, text) VALUES (?, ?, ?, ?)")
        for (ordinal, window) in embeddingWindows.windows(of: text).enumerated() {
            try statement.execute(arguments: [chunkID, ordinal, textHash(window), window])
        }
    }

    // MARK: - Writing

    /// Replaces (or adds) the document at `record.source` with `chunks`, atomically.
    @discardableResult
    public func replace(_ record: DocumentRecord, chunks: [Chunk]) async throws -> DocumentRecord {
        try await replace(record, chunks: chunks) { _, _ in }
    }

    /// `replace`, with more writes (`alsoWrite`) in the same transaction: an imported artifact's
    /// vectors arrive together with the chunks they belong to.
    func replace(_ record: DocumentRecord, chunks: [Chunk],
                 alsoWrite: @escaping @Sendable (Database, DocumentRecord) throws -> Void) async throws -> DocumentRecord {
        let rows = chunks.enumerated().map { ordinal, chunk in
            (chunk, ordinal, tokenizer.terms(chunk.text).joined(separator: " "))
        }
        let written = try await pool.write { db in
            let previous = try Self.deleteDocument(source: record.source, in: db)
            var stored = record
            stored.id = nil
            stored.chunks = chunks.count
            try stored.insert(db)
            let statement = try db.makeStatement(sql: """
                INSERT INTO chunks(document_id, page, ordinal, is_question, text, terms) VALUES (?, ?, ?, ?, ?, ?)
                """)
            for (chunk, ordinal, terms) in rows {
                try statement.execute(arguments: [stored.id, chunk.page, ordinal, chunk.isQuestionBlock, chunk.text, terms])
                try Self.insertWindows(chunkID: db.lastInsertedRowID, text: chunk.text, in: db)
            }
            // After the new chunks are in, so passages the new version keeps keep their vectors.
            try Self.dropUnreferencedVectors(previous ?? [], in: db)
            try alsoWrite(db, stored)
            try Self.bumpGeneration(db)
            return stored
        }
        await statsCache.invalidate()
        return written
    }

    /// Removes a document and its chunks; returns whether it existed.
    @discardableResult
    public func remove(source: String) async throws -> Bool {
        let removed = try await pool.write { db in
            guard let hashes = try Self.deleteDocument(source: source, in: db) else { return false }
            try Self.dropUnreferencedVectors(hashes, in: db)
            return true
        }
        await statsCache.invalidate()
        return removed
    }

    /// Deletes a document and its chunks; returns its passages' text hashes, or nil if there
    /// was no such document. The caller drops the vectors no chunk uses any more.
    static func deleteDocument(source: String, in db: Database) throws -> [String]? {
        guard let id = try Int64.fetchOne(db, sql: "SELECT id FROM documents WHERE source = ?", arguments: [source]) else {
            return nil
        }
        let hashes = try String.fetchAll(db, sql: """
            SELECT DISTINCT p.text_hash FROM embed_passages p JOIN chunks c ON c.id = p.chunk_id WHERE c.document_id = ?
            """, arguments: [id])
        try db.execute(sql: "DELETE FROM embed_passages WHERE chunk_id IN (SELECT id FROM chunks WHERE document_id = ?)", arguments: [id])
        try db.execute(sql: "DELETE FROM chunks WHERE document_id = ?", arguments: [id])
        try db.execute(sql: "DELETE FROM documents WHERE id = ?", arguments: [id])
        try bumpGeneration(db)
        return hashes
    }

    /// A document's vectors leave with it (in its transaction), unless another passage with the
    /// same text still needs them.
    static func dropUnreferencedVectors(_ hashes: [String], in db: Database) throws {
        let statement = try db.makeStatement(sql: """
            DELETE FROM passage_vectors WHERE text_hash = ?1 AND NOT EXISTS (SELECT 1 FROM embed_passages WHERE text_hash = ?1)
            """)
        for hash in hashes { try statement.execute(arguments: [hash]) }
    }

    static func bumpGeneration(_ db: Database) throws {
        try db.execute(sql: "UPDATE meta SET value = value + 1 WHERE key = 'generation'")
    }

    /// Vectors were added or dropped (the dense index and the semantic counts follow it).
    static func bumpVectorVersion(_ db: Database) throws {
        try db.execute(sql: "UPDATE meta SET value = value + 1 WHERE key = 'vectors'")
    }

    // MARK: - Reading

    public func documents() async throws -> [DocumentRecord] {
        try await pool.read { db in
            try DocumentRecord.fetchAll(db, sql: "SELECT * FROM documents ORDER BY file_name, source")
        }
    }

    public func document(source: String) async throws -> DocumentRecord? {
        try await pool.read { db in
            try DocumentRecord.fetchOne(db, sql: "SELECT * FROM documents WHERE source = ?", arguments: [source])
        }
    }

    public func stats() async throws -> IndexStats {
        try await pool.read { db in
            let row = try Row.fetchOne(db, sql: """
                SELECT count(*) AS documents,
                       coalesce(sum(chunks), 0) AS chunks,
                       coalesce(sum(pages), 0) AS pages,
                       coalesce(sum(status = 'failed'), 0) AS failed
                FROM documents
                """)!
            return IndexStats(documents: row["documents"], chunks: row["chunks"], pages: row["pages"], failed: row["failed"])
        }
    }

    /// `stats()` at most `maxAge` old for changes by other processes, current for this one's.
    public func cachedStats(maxAge: Duration = .seconds(1)) async throws -> IndexStats {
        try await statsCache.stats(maxAge: maxAge) { [self] in try await stats() }
    }

    public func integrityCheck() async throws -> String {
        try await pool.read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") ?? "" }
    }
}
