// The windows a chunk is embedded as: at most 200 characters, overlapping by whole lines, and an
// index written with the earlier, non-overlapping windows cut again when it is opened (vectors
// of windows that stay are kept, the others dropped).
import Foundation
import GRDB
import Testing
@testable import PDFIngest
@testable import Retrieval

@Suite struct EmbeddingWindowTests {
    /// A chunk of ten numbered facts, ~60 characters a line.
    static let chunkText = (1...10).map { "규정 \($0): 객실 요청은 프런트 데스크에서 접수하고 담당 부서로 즉시 전달합니다." }.joined(separator: "\n")

    @Test func windowsOverlapByWholeLines() throws {
        let windows = ManualIndex.embeddingWindows.windows(of: Self.chunkText)
        #expect(windows.count > 2)
        let limits = ManualIndex.embeddingWindows
        #expect(windows.allSatisfy { $0.count <= limits.maxCharacters })
        let lines = Self.chunkText.split(separator: "\n").map(String.init)
        // Every line is in some window, and each window after the first starts with the last
        // lines of the one before (whole lines, up to the overlap).
        #expect(lines.allSatisfy { line in windows.contains { $0.contains(line) } })
        for (previous, next) in zip(windows, windows.dropFirst()) {
            let previousLines = previous.split(separator: "\n")
            let repeated = next.split(separator: "\n").prefix { previousLines.contains($0) }
            #expect(!repeated.isEmpty && repeated.joined(separator: "\n").count <= limits.overlapCharacters)
            #expect(previousLines.suffix(repeated.count).elementsEqual(repeated))
        }
    }

    @Test func anIndexWithTheOldWindowsIsCutAgainWhenOpened() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("windows-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("index.sqlite").path
        // A long chunk, whose windows change, and a short one, one window before and after.
        let texts = [Self.chunkText, "조식 안내: 주말에는 7시부터 10시 30분까지 제공합니다."]
        let oldWindows = texts.map { Chunker(maxCharacters: 250, overlapCharacters: 0).windows(of: $0) }
        let newWindows = texts.map { ManualIndex.embeddingWindows.windows(of: $0) }
        let kept = Set(oldWindows.joined()).intersection(newWindows.joined())
        #expect(oldWindows[1] == newWindows[1] && kept == Set(newWindows[1]))

        // The index as the previous release left it: the chunks with the old windows, a vector
        // for each of them, and no record of the cut.
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let old = try DatabaseQueue(path: path)
        try ManualIndex.migrator.migrate(old, upTo: "v4-artifacts")
        try await old.write { db in
            try db.execute(sql: """
                INSERT INTO documents(id, file_name, source, size, modified_at, sha256, pages, chunks, ocr_pages, status, indexed_at)
                VALUES (1, 'rules.txt', 'rules.txt', 1, 0, 'x', 1, 2, 0, 'done', '2026-01-01')
                """)
            for (chunk, text) in texts.enumerated() {
                try db.execute(sql: "INSERT INTO chunks(id, document_id, page, ordinal, is_question, text, terms) VALUES (?, 1, 1, ?, 0, ?, '')",
                               arguments: [chunk + 1, chunk, text])
            }
            try db.execute(sql: "DELETE FROM embed_passages")
            for (chunk, windows) in oldWindows.enumerated() {
                for (ordinal, window) in windows.enumerated() {
                    let hash = ManualIndex.textHash(window)
                    try db.execute(sql: "INSERT INTO embed_passages VALUES (?, ?, ?, ?)", arguments: [chunk + 1, ordinal, hash, window])
                    try db.execute(sql: "INSERT OR IGNORE INTO passage_vectors VALUES (?, 'm', x'00')", arguments: [hash])
                }
            }
        }
        try old.close()

        let index = try ManualIndex(path: path)
        let (windows, vectors) = try await index.pool.read { db in
            (try String.fetchAll(db, sql: "SELECT text FROM embed_passages ORDER BY chunk_id, ordinal"),
             Set(try String.fetchAll(db, sql: "SELECT text_hash FROM passage_vectors")))
        }
        #expect(windows == Array(newWindows.joined()))
        // The short chunk's vector is kept (nothing to embed again), the long chunk's are gone.
        #expect(vectors == Set(kept.map(ManualIndex.textHash)))
        // The chunks themselves are untouched: only what is embedded changed.
        #expect(try await index.documents().map(\.chunks) == [2])
        // The cut is recorded, so the next open leaves the windows alone.
        let recorded = try await index.pool.read { db in try Int64.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'windows'") }
        #expect(recorded == ManualIndex.embeddingWindowsStamp)
    }
}
