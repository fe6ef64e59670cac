// The passage vectors beside the chunks, in the same SQLite file: which embedding windows (each
// chunk's text cut into ≤ 200-character passages, `embed_passages`) still need a vector for a
// model, storing computed ones (with their token states, when the model makes them), reading
// them all for the in-memory dense index, and the token states of a few pages for re-ranking.
// Synchronous on purpose: the embedding loop runs on its own thread, not on the request pool.
import Foundation
import GRDB

public struct PendingPassage: Sendable, Equatable {
    public var textHash: String
    public var text: String
}

public struct SemanticCounts: Sendable, Equatable {
    /// Distinct embedding-window texts with a vector for the model, and without one.
    public var readyPassages: Int
    public var pendingPassages: Int
    /// Documents with at least one passage still waiting.
    public var pendingDocuments: Int

    public init(readyPassages: Int = 0, pendingPassages: Int = 0, pendingDocuments: Int = 0) {
        self.readyPassages = readyPassages
        self.pendingPassages = pendingPassages
        self.pendingDocuments = pendingDocuments
    }
}

/// A page of a document, by the document's source.
public struct PageRef: Hashable, Sendable {
    public var source: String
    public var page: Int
    public init(source: String, page: Int) {
        self.source = source
        self.page = page
    }
}

/// One embedding window's vector and the chunk (with its citation) it belongs to.
public struct StoredVectorRow: Sendable {
    public var chunkID: Int64
    public var fileName: String
    public var source: String
    public var page: Int
    public var isQuestionBlock: Bool
    public var textHash: String
    public var vector: [UInt8]
}

extension ManualIndex {
    /// Up to `limit` distinct passage texts that have no vector for `model` yet, oldest first.
    public func pendingPassages(model: String, limit: Int) throws -> [PendingPassage] {
        try pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT p.text_hash, min(p.text) AS text FROM embed_passages p
                WHERE NOT EXISTS (SELECT 1 FROM passage_vectors v WHERE v.text_hash = p.text_hash AND v.model = ?)
                GROUP BY p.text_hash ORDER BY min(p.chunk_id) LIMIT ?
                """, arguments: [model, limit]).map { PendingPassage(textHash: $0["text_hash"], text: $0["text"]) }
        }
    }

    /// Stores vectors (Float16 bytes) and their token states (`TokenStates.encoded()`, nil for
    /// a model without them) in one transaction. A passage whose document was removed meanwhile
    /// gets none: vectors exist only for passages in the index.
    @discardableResult
    public func storeVectors(model: String, _ vectors: [(textHash: String, bytes: [UInt8], tokens: [UInt8]?)]) throws -> Int {
        try pool.write { db in
            try Self.insertVectors(vectors.lazy.map { ($0.textHash, Data($0.bytes), $0.tokens.map { Data($0) }) }, model: model, in: db)
        }
    }

    /// Inserts vectors of passages that are in the index (any other is skipped) and moves the
    /// vector version; returns how many were stored. Embedding and artifact imports both write here.
    static func insertVectors(_ vectors: some Sequence<(String, Data, Data?)>, model: String, in db: Database) throws -> Int {
        let insert = try db.cachedStatement(sql: """
            INSERT OR REPLACE INTO passage_vectors(text_hash, model, vector, tokens)
            SELECT ?1, ?2, ?3, ?4 WHERE EXISTS (SELECT 1 FROM embed_passages WHERE text_hash = ?1)
            """)
        var stored = 0
        for (hash, bytes, tokens) in vectors {
            try insert.execute(arguments: [hash, model, bytes, tokens])
            stored += db.changesCount
        }
        try ManualIndex.bumpVectorVersion(db)
        return stored
    }

    // The reads below come in pairs, like GRDB's own: a blocking one for the embedding thread
    // and an async one, which Swift picks in async code. Async code must never block: Swift's
    // concurrency pool has one thread per core, and a thread blocked waiting for one of GRDB's
    // reader connections, while the tasks that hold them wait for a pool thread to finish,
    // stops every request (64 concurrent chats on 2 cores did).

    public func semanticCounts(model: String) throws -> SemanticCounts {
        try pool.read { db in try Self.semanticCounts(model: model, in: db) }
    }

    public func semanticCounts(model: String) async throws -> SemanticCounts {
        try await pool.read { db in try Self.semanticCounts(model: model, in: db) }
    }

    static func semanticCounts(model: String, in db: Database) throws -> SemanticCounts {
        let row = try Row.fetchOne(db, sql: """
            WITH state AS (
                SELECT c.document_id, p.text_hash,
                       EXISTS (SELECT 1 FROM passage_vectors v WHERE v.text_hash = p.text_hash AND v.model = ?) AS done
                FROM embed_passages p JOIN chunks c ON c.id = p.chunk_id)
            SELECT count(DISTINCT CASE WHEN done THEN text_hash END) AS ready,
                   count(DISTINCT CASE WHEN NOT done THEN text_hash END) AS pending,
                   count(DISTINCT CASE WHEN NOT done THEN document_id END) AS documents
            FROM state
            """, arguments: [model])!
        return SemanticCounts(readyPassages: row["ready"], pendingPassages: row["pending"], pendingDocuments: row["documents"])
    }

    /// Changes whenever documents or vectors change: the dense index is rebuilt when it moves.
    public func vectorVersion() throws -> String {
        try pool.read(Self.vectorVersion)
    }

    public func vectorVersion() async throws -> String {
        try await pool.read(Self.vectorVersion)
    }

    static func vectorVersion(in db: Database) throws -> String {
        let rows = try Row.fetchAll(db, sql: "SELECT key, value FROM meta WHERE key IN ('generation', 'vectors') ORDER BY key")
        return rows.map { "\($0["value"] as Int64)" }.joined(separator: ".")
    }

    /// Every chunk that has a vector for `model`, with the vector, in one read transaction.
    public func vectorRows(model: String) async throws -> [StoredVectorRow] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT c.id, c.page, c.is_question, p.text_hash, d.file_name, d.source, v.vector
                FROM embed_passages p JOIN chunks c ON c.id = p.chunk_id JOIN documents d ON d.id = c.document_id
                JOIN passage_vectors v ON v.text_hash = p.text_hash AND v.model = ?
                ORDER BY c.id, p.ordinal
                """, arguments: [model]).map { row in
                let data: Data = row["vector"]
                return StoredVectorRow(chunkID: row["id"], fileName: row["file_name"], source: row["source"], page: row["page"],
                                       isQuestionBlock: row["is_question"], textHash: row["text_hash"], vector: [UInt8](data))
            }
        }
    }

    /// `score` of the stored token states of each of `textHashes` for `model`, by hash, in one
    /// statement; a hash without them (unknown, or its vector came from a model that makes none)
    /// or that `score` rejects is absent. `score` sees the bytes where SQLite holds them, valid
    /// only during its call: a chat reads ~2 MB of them (late interaction), copying each once
    /// more cost as much as scoring it.
    public func scoreTokenStates(model: String, textHashes: Set<String>,
                                 _ score: @escaping @Sendable (Data) -> Float?) async throws -> [String: Float] {
        guard !textHashes.isEmpty else { return [:] }
        let hashes = Array(textHashes)
        return try await pool.read { db in
            let rows = try Row.fetchCursor(db, sql: """
                SELECT text_hash, tokens FROM passage_vectors
                WHERE model = ? AND tokens IS NOT NULL AND text_hash IN (\(hashes.map { _ in "?" }.joined(separator: ",")))
                """, arguments: StatementArguments([model] + hashes))
            var scores: [String: Float] = [:]
            while let row = try rows.next() {
                let hash: String = row["text_hash"]
                if let value = try row.withUnsafeData(named: "tokens", { $0.flatMap(score) }) { scores[hash] = value }
            }
            return scores
        }
    }

    /// Chunk texts by id (for answers built from dense-only hits).
    public func texts(ofChunks ids: [Int64]) async throws -> [Int64: String] {
        guard !ids.isEmpty else { return [:] }
        return try await pool.read { db in
            try Dictionary(uniqueKeysWithValues: Row.fetchAll(
                db, sql: "SELECT id, text FROM chunks WHERE id IN (\(ids.map { _ in "?" }.joined(separator: ",")))",
                arguments: StatementArguments(ids)).map { ($0["id"] as Int64, $0["text"] as String) })
        }
    }
}
