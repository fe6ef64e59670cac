// The health check's cached index statistics: this process's changes show at once, another
// process's within the cache's age, and a flood of checks makes one query, not one each.
import Foundation
import PDFIngest
import Testing
@testable import Retrieval

@Suite struct StatsCacheTests {
    static func record(_ source: String) -> DocumentRecord {
        DocumentRecord(fileName: (source as NSString).lastPathComponent, source: source, size: 1, modifiedAt: 0, sha256: source,
                       title: nil, pages: 1, chunks: 0, ocrPages: 0, status: .done, reason: nil, indexedAt: Date())
    }

    @Test func ownChangesShowAtOnceOthersWithinMaxAge() async throws {
        let data = try TemporaryDirectory()
        let path = data.url.appendingPathComponent("index.sqlite").path
        let index = try ManualIndex(path: path)
        let other = try ManualIndex(path: path)  // as another process would open it
        #expect(try await index.cachedStats(maxAge: .seconds(60)).documents == 0)

        try await index.replace(Self.record("/m/a.pdf"), chunks: [Chunk(page: 1, text: "체크인은 오후 3시")])
        #expect(try await index.cachedStats(maxAge: .seconds(60)).documents == 1)
        try await index.remove(source: "/m/a.pdf")
        #expect(try await index.cachedStats(maxAge: .seconds(60)).documents == 0)

        // Another process's change: not seen while the cached figure is young enough, seen once
        // it is older than the allowed age (no sleeping: the age is the caller's to choose).
        try await other.replace(Self.record("/m/b.pdf"), chunks: [])
        #expect(try await index.cachedStats(maxAge: .seconds(3600)).documents == 0)
        #expect(try await index.cachedStats(maxAge: .zero).documents == 1)
    }

    @Test func concurrentChecksShareOneQuery() async throws {
        let cache = StatsCache()
        let queries = QueryCounter()
        let results = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<64 {
                group.addTask {
                    try await cache.stats(maxAge: .seconds(60)) {
                        await queries.increment()
                        try await Task.sleep(for: .milliseconds(50))
                        return IndexStats(documents: 7, chunks: 0, pages: 0, failed: 0)
                    }.documents
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.allSatisfy { $0 == 7 })
        #expect(await queries.value == 1)
    }
}

actor QueryCounter {
    var value = 0
    func increment() { value += 1 }
}
