// A document's expensive derived data in the form one replica hands to another through the
// bucket (the Artifacts module names, seals and moves it): what parsing and OCR found (title,
// pages, per-page OCR outcomes), the chunks, and the vectors of the chunks' embedding windows.
// Exported from a document that is fully computed; imported in one transaction, so the index
// never holds a document without its chunks or with half its vectors.
import Foundation
import GRDB
import PDFIngest

public struct DocumentArtifact: Codable, Sendable, Equatable {
    /// SHA-256 of the manual's bytes the data was computed from.
    public var documentSHA256: String
    /// Everything that shaped the data (parser, OCR settings, chunker, tokenizer, model), as
    /// `ArtifactVersions` writes it; an artifact of other versions is never imported.
    public var versions: String
    public var title: String?
    public var pages: Int
    /// Pages without readable text after OCR, and OCR's outcome per page (`[OCRPage]` JSON).
    public var ocrPages: Int
    public var ocrDetail: String?
    public var reason: String?
    public var chunks: [Chunk]
    /// The embedding model of `vectors`; nil when the replica that made it had no model.
    public var model: String?
    /// Float16 vector bytes by the SHA-256 of the window text (see `ManualIndex.embeddingWindows`).
    public var vectors: [String: Data]
    /// The windows' token states (`TokenStates.encoded()`) by the same hash, when the model
    /// makes them; nil in artifacts of a model without them.
    public var tokens: [String: Data]?

    enum CodingKeys: String, CodingKey {
        case documentSHA256 = "document_sha256", versions, title, pages, ocrPages = "ocr_pages", ocrDetail = "ocr_detail"
        case reason, chunks, model, vectors, tokens
    }
}

/// Where replicas share artifacts (the bucket, in production). Lookups never throw: an absent,
/// unreadable or mismatched artifact is nil (and the implementation says why in its log and
/// metrics), and the document is computed as if there were no sharing.
public protocol SharedArtifacts: Sendable {
    /// The verified artifact for a manual's bytes under this replica's versions, and its name.
    func artifact(forSHA256 sha256: String) async -> (name: String, artifact: DocumentArtifact)?
    /// Manuals with these bytes are no longer in the index: their artifacts can go.
    func documentsGone(sha256s: Set<String>) async
    /// The embedding model artifacts are made with here, nil without one.
    func embeddingModel() async -> String?
}

/// A document that is fully computed (parsed, and every window embedded when there is a
/// model) but whose artifact for the current versions is not known to be in the bucket.
public struct UnpublishedDocument: Sendable, Equatable {
    public var source: String
    public var sha256: String
    public var artifactName: String
}

extension ManualIndex {
    /// Stores an imported artifact as the document at `source`: record, chunks, windows, vectors
    /// and the artifact's name (so it is not published back), in one transaction.
    @discardableResult
    public func importArtifact(_ artifact: DocumentArtifact, name: String, fileName: String, source: String, size: Int64,
                               modifiedAt: Double, s3Key: String?, etag: String?) async throws -> DocumentRecord {
        let record = DocumentRecord(id: nil, fileName: fileName, source: source, size: size, modifiedAt: modifiedAt,
                                    sha256: artifact.documentSHA256, title: artifact.title, pages: artifact.pages,
                                    chunks: artifact.chunks.count, ocrPages: artifact.ocrPages, status: .done,
                                    reason: artifact.reason, indexedAt: Date(), s3Key: s3Key, etag: etag,
                                    ocrDetail: artifact.ocrDetail)
        return try await replace(record, chunks: artifact.chunks) { db, _ in try Self.storeShared(artifact, name: name, in: db) }
    }

    /// An artifact's vectors (only those of windows in the index: anything else in it is
    /// ignored) and its name, as known to be in the bucket.
    static func storeShared(_ artifact: DocumentArtifact, name: String, in db: Database) throws {
        if let model = artifact.model, !artifact.vectors.isEmpty {
            let tokens = artifact.tokens ?? [:]
            _ = try insertVectors(artifact.vectors.lazy.map { ($0.key, $0.value, tokens[$0.key]) }, model: model, in: db)
        }
        try db.execute(sql: "INSERT OR REPLACE INTO artifacts(name, sha256) VALUES (?, ?)", arguments: [name, artifact.documentSHA256])
    }

    /// The artifact of the document at `source`, or nil while it is not complete: not parsed
    /// to `done`, or (with a `model`) a window still without its vector.
    public func exportArtifact(source: String, versions: String, model: String?) async throws -> DocumentArtifact? {
        try await pool.read { db in
            guard let record = try DocumentRecord.fetchOne(db, sql: "SELECT * FROM documents WHERE source = ?", arguments: [source]),
                  record.status == .done, let id = record.id else { return nil }
            let chunks = try Row.fetchAll(db, sql: "SELECT page, text, is_question FROM chunks WHERE document_id = ? ORDER BY ordinal",
                                          arguments: [id]).map { Chunk(page: $0["page"], text: $0["text"], isQuestionBlock: $0["is_question"]) }
            var vectors: [String: Data] = [:]
            var tokens: [String: Data] = [:]
            if let model {
                let rows = try Row.fetchAll(db, sql: """
                    SELECT DISTINCT p.text_hash, v.vector, v.tokens FROM embed_passages p JOIN chunks c ON c.id = p.chunk_id
                    LEFT JOIN passage_vectors v ON v.text_hash = p.text_hash AND v.model = ?
                    WHERE c.document_id = ?
                    """, arguments: [model, id])
                for row in rows {
                    guard let vector = row["vector"] as Data? else { return nil }
                    vectors[row["text_hash"]] = vector
                    if let states = row["tokens"] as Data? { tokens[row["text_hash"]] = states }
                }
            }
            return DocumentArtifact(documentSHA256: record.sha256, versions: versions, title: record.title, pages: record.pages,
                                    ocrPages: record.ocrPages, ocrDetail: record.ocrDetail, reason: record.reason,
                                    chunks: chunks, model: model, vectors: vectors, tokens: tokens.isEmpty ? nil : tokens)
        }
    }

    /// Documents from the bucket, parsed to `done`, whose artifact (named by `name(sha256)`) is
    /// not known to be published. Whether each is complete enough is `exportArtifact`'s call.
    public func documentsWithoutArtifact(name: (String) -> String) async throws -> [UnpublishedDocument] {
        let rows = try await pool.read { db in
            let known = try Set(String.fetchAll(db, sql: "SELECT name FROM artifacts"))
            let documents = try Row.fetchAll(db, sql: """
                SELECT source, sha256 FROM documents WHERE status = 'done' AND s3_key IS NOT NULL AND sha256 != '' ORDER BY id
                """).map { ($0["source"] as String, $0["sha256"] as String) }
            return (known, documents)
        }
        return rows.1.compactMap { source, sha in
            let artifactName = name(sha)
            return rows.0.contains(artifactName) ? nil : UnpublishedDocument(source: source, sha256: sha, artifactName: artifactName)
        }
    }

    /// Whether a window of the document at `source` has no vector for `model` yet.
    public func hasPendingWindows(source: String, model: String) async throws -> Bool {
        try await pool.read { db in
            try Bool.fetchOne(db, sql: """
                SELECT EXISTS (SELECT 1 FROM embed_passages p JOIN chunks c ON c.id = p.chunk_id JOIN documents d ON d.id = c.document_id
                               WHERE d.source = ? AND NOT EXISTS (SELECT 1 FROM passage_vectors v WHERE v.text_hash = p.text_hash AND v.model = ?))
                """, arguments: [source, model]) ?? false
        }
    }

    /// Stores the vectors of an artifact for a document already indexed here (with the same
    /// chunks: same bytes, same versions), and remembers the artifact, in one transaction.
    public func adoptVectors(of artifact: DocumentArtifact, name: String) async throws {
        guard artifact.model != nil else { return }
        try await pool.write { db in try Self.storeShared(artifact, name: name, in: db) }
    }

    /// Remembers that the artifact `name` is in the bucket (published by this replica).
    public func recordArtifact(name: String, sha256: String) async throws {
        try await pool.write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO artifacts(name, sha256) VALUES (?, ?)", arguments: [name, sha256])
        }
    }

    /// Forgets the artifacts of manual bytes that left the bucket.
    public func forgetArtifacts(sha256s: Set<String>) async throws {
        try await pool.write { db in
            for sha in sha256s { try db.execute(sql: "DELETE FROM artifacts WHERE sha256 = ?", arguments: [sha]) }
        }
    }

    /// The SHA-256 of every document in the index that has one.
    public func documentHashes() async throws -> Set<String> {
        try await pool.read { db in Set(try String.fetchAll(db, sql: "SELECT sha256 FROM documents WHERE sha256 != ''")) }
    }
}
