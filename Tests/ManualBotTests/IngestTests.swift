// Folder sync into the SQLite index: search finds the right page, a restart re-parses only
// what changed, and broken files are recorded without stopping the others.
import Foundation
import GRDB
import Testing
@testable import PDFIngest
@testable import Retrieval

@Suite struct IngestTests {
    func makeIndex(_ data: TemporaryDirectory) throws -> ManualIndex {
        try ManualIndex(path: data.url.appendingPathComponent("index.sqlite").path)
    }

    @Test func searchFindsThePageThatAnswers() async throws {
        let data = try TemporaryDirectory()
        let manuals = try TemporaryDirectory()
        try manuals.copy(Paths.sampleManuals.appendingPathComponent(Paths.sampleManualName))
        try manuals.copy(Paths.fixtures.appendingPathComponent("korean_pages.pdf"))
        let index = try makeIndex(data)
        let report = try await FolderIngestor(index: index, extractor: isolatedExtractor()).sync(folder: manuals.path)
        #expect(report.added.count == 2)
        #expect(report.failed.isEmpty)

        let noShow = try await index.search("노쇼 고객 환불 어떻게 해요?")
        // Both the manual's Q/A page and the fixture's 노쇼 page answer; nothing else should.
        #expect(noShow.prefix(2).contains { $0.fileName == Paths.sampleManualName && $0.page == 2 })
        #expect(noShow.prefix(2).contains { $0.fileName == "korean_pages.pdf" && $0.page == 2 })

        let parking = try await index.search("주차 요금")
        #expect(parking.contains { $0.fileName == "korean_pages.pdf" && $0.page == 3 })

        let pets = try await index.search("반려견 데리고 와도 되나요?")
        #expect(pets.first?.page == 6)

        // One entry per (file, page).
        let keys = noShow.map { "\($0.fileName)#\($0.page)" }
        #expect(Set(keys).count == keys.count)
    }

    @Test(arguments: ["환불은", "환불을", "환불"])
    func particleFormsFindEachOther(query: String) async throws {
        let manuals = try await IndexedTexts(["a.txt": "객실 요금의 환불은 프런트에서 처리합니다.", "b.txt": "조식은 7시부터 제공됩니다."])
        let hits = try await manuals.index.search(query)
        #expect(hits.first?.fileName == "a.txt")
        #expect(!hits.contains { $0.fileName == "b.txt" })
    }

    /// Manuals print hotel terms in English ("Express Check-Out"); staff type them in Hangul.
    @Test func hangulLoanwordsFindTheEnglishTerm() async throws {
        let manuals = try await IndexedTexts([
            "front.txt": "Express Check-Out은 신용카드로 지불하는 모든 고객이 이용 가능",
            "pool.txt": "수영장은 투숙객 누구나 이용할 수 있습니다.",
        ])
        let hits = try await manuals.index.search("익스프레스 체크아웃 누가 쓸수있어")
        #expect(hits.first?.fileName == "front.txt")
    }

    /// An index written by an older tokenizer (its terms lack what the current one emits) is
    /// re-tokenized from the stored chunk text when opened: the upgrade needs no re-ingest.
    @Test func staleTermsAreRebuiltOnOpen() async throws {
        let data = try TemporaryDirectory()
        let manuals = try TemporaryDirectory()
        try manuals.write("report.txt", Data("학생 1인당 장서 수: (’02) 5.5권 → (’23) 39.9권".utf8))
        let path = data.url.appendingPathComponent("index.sqlite").path
        do {
            let index = try ManualIndex(path: path)
            try await FolderIngestor(index: index, extractor: isolatedExtractor()).sync(folder: manuals.path)
        }
        // What version 1 stored: no full years, and an older fingerprint.
        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in
            try db.execute(sql: "UPDATE chunks SET terms = '학생 1 인당 장서 02 5 권 23 39 9'")
            try db.execute(sql: "UPDATE meta SET value = 10 WHERE key = 'tokenizer'")
        }
        try queue.close()

        let reopened = try ManualIndex(path: path)
        let hits = try await reopened.search("2023 장서")
        #expect(hits.first?.fileName == "report.txt")
        let terms = try await reopened.pool.read { try String.fetchOne($0, sql: "SELECT terms FROM chunks") ?? "" }
        #expect(terms.split(separator: " ").contains("2023"))
    }

    @Test func unrelatedQuestionFindsNothing() async throws {
        let data = try TemporaryDirectory()
        let manuals = try TemporaryDirectory()
        try manuals.copy(Paths.sampleManuals.appendingPathComponent(Paths.sampleManualName))
        let index = try makeIndex(data)
        try await FolderIngestor(index: index, extractor: isolatedExtractor()).sync(folder: manuals.path)
        #expect(try await index.search("비트코인 시세 전망").isEmpty)
        #expect(try await index.search("?!").isEmpty)
    }

    @Test func restartReparsesOnlyWhatChanged() async throws {
        let data = try TemporaryDirectory()
        let manuals = try TemporaryDirectory()
        try manuals.copy(Paths.sampleManuals.appendingPathComponent(Paths.sampleManualName))
        try manuals.write("notes.txt", Data("분실물은 3개월간 보관합니다.".utf8))
        try manuals.write("gone.txt", Data("곧 지워질 안내문입니다.".utf8))

        let first = CountingExtractor(inner: isolatedExtractor())
        _ = try await FolderIngestor(index: try makeIndex(data), extractor: first).sync(folder: manuals.path)
        #expect(await first.counter.paths.count == 3)

        // A restart (new index handle on the same file) with nothing changed parses nothing.
        let second = CountingExtractor(inner: isolatedExtractor())
        let unchanged = try await FolderIngestor(index: try makeIndex(data), extractor: second).sync(folder: manuals.path)
        #expect(await second.counter.paths.isEmpty)
        #expect(unchanged.unchanged == 3)

        // Touched (new mtime, same bytes): hashed, not parsed. Changed: parsed. Deleted: removed.
        let notes = manuals.url.appendingPathComponent("notes.txt").path
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(60)],
                                              ofItemAtPath: manuals.url.appendingPathComponent(Paths.sampleManualName).path)
        try Data("분실물은 6개월간 보관합니다. 귀중품은 경찰서로 인계합니다.".utf8).write(to: URL(fileURLWithPath: notes))
        try FileManager.default.removeItem(atPath: manuals.url.appendingPathComponent("gone.txt").path)

        let third = CountingExtractor(inner: isolatedExtractor())
        let index = try makeIndex(data)
        let report = try await FolderIngestor(index: index, extractor: third).sync(folder: manuals.path)
        #expect(await third.counter.paths.map { ($0 as NSString).lastPathComponent } == ["notes.txt"])
        #expect(report.updated == ["notes.txt"])
        #expect(report.removed == ["gone.txt"])
        #expect(try await index.search("귀중품 경찰서").first?.fileName == "notes.txt")
        #expect(try await index.documents().count == 2)
        #expect(try await index.integrityCheck() == "ok")
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: Paths.sharedFixtures.path), "needs ../shared/fixtures/real-pdfs, which a plain clone (GitHub Actions) lacks")) func brokenFilesAreRecordedAndOthersIndexed() async throws {
        let data = try TemporaryDirectory()
        let manuals = try TemporaryDirectory()
        try manuals.copy(Paths.sampleManuals.appendingPathComponent(Paths.sampleManualName))
        try manuals.write("zero.pdf", Data())
        try manuals.write("fake.pdf", Data("just text".utf8))
        try manuals.copy(Paths.fixtures.appendingPathComponent("blank_pages.pdf"))
        try manuals.copy(Paths.sharedFixtures.appendingPathComponent("005-libreoffice-writer-password_libreoffice-writer-password.pdf"),
                         as: "locked.pdf")
        let index = try makeIndex(data)
        let report = try await FolderIngestor(index: index, extractor: isolatedExtractor()).sync(folder: manuals.path)
        #expect(report.added.count == 5)
        #expect(Set(report.failed.keys) == ["zero.pdf", "fake.pdf", "locked.pdf"])

        let documents = Dictionary(uniqueKeysWithValues: try await index.documents().map { ($0.fileName, $0) })
        #expect(documents["zero.pdf"]?.reason?.contains("empty") == true)
        #expect(documents["fake.pdf"]?.reason?.contains("not a PDF") == true)
        #expect(documents["locked.pdf"]?.reason?.contains("encrypted") == true)
        #expect(documents["blank_pages.pdf"]?.status == .needsOCR)
        #expect(documents[Paths.sampleManualName]?.status == .done)
        #expect(documents[Paths.sampleManualName]?.pages == 6)
        #expect(try await !index.search("노쇼 환불").isEmpty)
    }
}
