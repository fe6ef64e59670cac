// The question-vector cache: a hit never computes again, and the least recently used text is
// the one that leaves when it is full.
import Testing
@testable import Embeddings

@Suite struct QueryVectorCacheTests {
    @Test func theLeastRecentlyUsedTextGoesFirst() {
        let cache = QueryVectorCache(capacity: 2)
        #expect(cache.vector(for: "a") { [1] } == [1])
        #expect(cache.vector(for: "b") { [2] } == [2])
        #expect(cache.vector(for: "a") { [9] } == [1])  // a hit: "a" is now the most recent
        #expect(cache.vector(for: "c") { [3] } == [3])  // full: "b" leaves
        #expect(cache.vector(for: "a") { [9] } == [1])
        #expect(cache.vector(for: "b") { [8] } == [8])
    }
}
