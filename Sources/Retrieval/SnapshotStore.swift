// Holds this process's in-memory InvertedIndex and rebuilds it, once, when the database's
// generation has moved (a document was added, replaced or removed, by us or another process).
import Foundation
import GRDB

actor SnapshotStore {
    private var current: (generation: Int64, index: InvertedIndex)?
    private var building: (generation: Int64, task: Task<InvertedIndex, Error>)?

    func snapshot(pool: DatabasePool) async throws -> InvertedIndex {
        let generation = try await pool.read { db in try Self.generation(db) }
        if let current, current.generation == generation { return current.index }
        if let building, building.generation == generation { return try await building.task.value }
        let task = Task { try await pool.read { db in try Self.build(db) } }
        building = (generation, task)
        let index = try await task.value
        // Keep the newest: a slower build of an older generation must not win.
        if current == nil || current!.generation < generation { current = (generation, index) }
        if building?.generation == generation { building = nil }
        return index
    }

    static func generation(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'generation'") ?? 0
    }

    /// Reads documents and chunk terms in one read transaction: a consistent version.
    static func build(_ db: Database) throws -> InvertedIndex {
        var index = InvertedIndex()
        let documents = try Row.fetchAll(db, sql: "SELECT id, file_name, source FROM documents WHERE chunks > 0 ORDER BY id")
        let cursor = try Row.fetchCursor(db, sql: "SELECT id, document_id, page, is_question, terms FROM chunks ORDER BY document_id, id")
        var pending: [(id: Int64, page: Int, isQuestion: Bool, terms: Substring)] = []
        var pendingDocument: Int64?
        var documentsByID: [Int64: DocumentRef] = [:]
        for row in documents {
            documentsByID[row["id"]] = DocumentRef(fileName: row["file_name"], source: row["source"])
        }
        func flush() {
            if let id = pendingDocument, let document = documentsByID[id], !pending.isEmpty {
                index.add(document: document, chunks: pending)
            }
            pending.removeAll(keepingCapacity: true)
        }
        while let row = try cursor.next() {
            let documentID: Int64 = row["document_id"]
            if documentID != pendingDocument {
                flush()
                pendingDocument = documentID
            }
            let terms: String = row["terms"]
            pending.append((row["id"], row["page"], row["is_question"], Substring(terms)))
        }
        flush()
        index.finish()
        return index
    }
}
