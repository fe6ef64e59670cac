// BM25 and coverage of the in-memory index, on hand-made passages.
import Testing
@testable import Retrieval

@Suite struct InvertedIndexTests {
    func index(_ passages: [String]) -> InvertedIndex {
        var index = InvertedIndex()
        index.add(document: DocumentRef(fileName: "m.pdf", source: "/m.pdf"),
                  chunks: passages.enumerated().map { (id: Int64($0.offset), page: $0.offset + 1, isQuestion: false, terms: Substring($0.element)) })
        index.finish()
        return index
    }

    func scores(_ index: InvertedIndex, _ query: [QueryTerm]) -> [Int32: InvertedIndex.Scored] {
        Dictionary(uniqueKeysWithValues: index.score(query, parameters: BM25Parameters()).map { ($0.chunk, $0) })
    }

    /// A word and its synonym are one word: a passage with both forms scores like one with
    /// either (same length, same document frequency), and both cover the word fully.
    @Test func aWordCountsOnceInItsBestForm() {
        let index = index(["체크아웃 checkout 안내", "체크아웃 객실 안내", "checkout 정산 절차"])
        let query = [QueryTerm(term: "체크아웃", group: 0), QueryTerm(term: "checkout", group: 0, alternative: 1)]
        let scored = scores(index, query)
        #expect(abs(scored[0]!.bm25 - scored[1]!.bm25) < 1e-9)
        #expect(abs(scored[0]!.bm25 - scored[2]!.bm25) < 1e-9)
        #expect(scored.values.allSatisfy { $0.coverage == 1 })
    }

    /// Coverage is the IDF-weighted share of the question's words a passage holds.
    @Test func coverageWeighsWordsByRarity() {
        let index = index(["노쇼 환불 규정", "환불 절차", "환불 문의", "조식 시간"])
        let query = [QueryTerm(term: "노쇼", group: 0), QueryTerm(term: "환불", group: 1)]
        let scored = scores(index, query)
        #expect(scored[0]!.coverage == 1)
        #expect(scored[1]!.coverage < 0.5)  // has the common word only
        #expect(scored[3] == nil)            // shares nothing
    }
}
