// The question-embedding cache: a hit never computes again, and the least recently used text is
// the one that leaves when it is full.
import Testing
@testable import Embeddings

@Suite struct QueryVectorCacheTests {
    @Test func theLeastRecentlyUsedTextGoesFirst() {
        let cache = QueryVectorCache(capacity: 2)
        func vector(_ text: String, _ computed: Float) -> [Float] {
            cache.embedding(for: text) { QueryEmbedding(vector: [computed], tokens: nil) }.vector
        }
        #expect(vector("a", 1) == [1])
        #expect(vector("b", 2) == [2])
        #expect(vector("a", 9) == [1])  // a hit: "a" is now the most recent
        #expect(vector("c", 3) == [3])  // full: "b" leaves
        #expect(vector("a", 9) == [1])
        #expect(vector("b", 8) == [8])
    }
}
