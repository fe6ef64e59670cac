// Holds this process's in-memory InvertedIndex and rebuilds it when the database's generation
// has moved (a document was added, replaced or removed, by us or another process). Searches
// never wait for a rebuild once an index exists: they use the previous one while the new one
// is built in the background. Writers that must be read back at once (the end of a sync, a
// finished upload job, a delete) call `refresh`, which waits for the current generation.
import Foundation
import GRDB
import PDFIngest

actor SnapshotStore {
    private var current: (generation: Int64, index: InvertedIndex)?
    private var building: (generation: Int64, task: Task<InvertedIndex, Error>)?

    /// The newest index there is without waiting; the first call builds it.
    func snapshot(pool: DatabasePool) async throws -> InvertedIndex {
        let generation = try await pool.read { db in try Self.generation(db) }
        if let current, current.generation == generation { return current.index }
        if let current {
            _ = build(generation, pool: pool)
            return current.index
        }
        return try await build(generation, pool: pool).value
    }

    /// Waits until the index reflects the database as it is now.
    func refresh(pool: DatabasePool) async throws {
        let generation = try await pool.read { db in try Self.generation(db) }
        if let current, current.generation >= generation { return }
        _ = try await build(generation, pool: pool).value
    }

    /// One build at a time: a build of this generation (or a newer one) is shared; otherwise a
    /// new one starts after the one running.
    private func build(_ generation: Int64, pool: DatabasePool) -> Task<InvertedIndex, Error> {
        if let building, building.generation >= generation { return building.task }
        let previous = building?.task
        let task = Task {
            _ = try? await previous?.value
            // Reads the newest version; it is at least `generation`.
            let (read, index) = try await pool.read { db in (try Self.generation(db), try Self.build(db)) }
            self.install(read, index)
            return index
        }
        building = (generation, task)
        return task
    }

    private func install(_ generation: Int64, _ index: InvertedIndex) {
        // Keep the newest: a slower build of an older generation must not win.
        if current == nil || current!.generation < generation { current = (generation, index) }
        if let building, building.generation <= generation { self.building = nil }
        // A rebuild frees the previous index's many small arrays; hand the pages back to the OS
        // so that RSS follows the index's size instead of its high-water mark.
        FreedMemory.returnToSystem()
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
