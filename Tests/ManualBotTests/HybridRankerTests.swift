// HybridRanker on hand-made rankings: a confident lexical result keeps its order, a weak one lets
// the dense order lead, pages are fused once however many chunks they have, and the refusal
// follows the best cosine.
import Testing
import Retrieval
@testable import SemanticSearch

struct HybridRankerTests {
    func lexical(_ pages: [Int], coverage: Double) -> RankedPassages {
        RankedPassages(passages: pages.enumerated().map { rank, page in
            SearchHit(chunkID: Int64(page * 10 + rank), fileName: "m.pdf", source: "/m.pdf", page: page, text: "",
                      isQuestionBlock: false, score: Double(10 - rank), coverage: coverage)
        }, refused: false)
    }

    func dense(_ pages: [Int], cosine: Float = 0.9) -> [DenseHit] {
        pages.enumerated().map { rank, page in
            DenseHit(chunkID: Int64(page * 10 + 5), fileName: "m.pdf", source: "/m.pdf", page: page, isQuestionBlock: false,
                     cosine: cosine - Float(rank) * 0.01)
        }
    }

    @Test func aConfidentLexicalResultLeads() {
        let fused = HybridRanker.fuse(lexical: lexical([1, 2, 3], coverage: 1), dense: dense([3, 2, 1]), parameters: FusionParameters())
        #expect(fused.passages.map(\.page) == [1, 2, 3])
    }

    @Test func aWeakLexicalResultLetsDenseLead() {
        let fused = HybridRanker.fuse(lexical: lexical([1, 2, 3], coverage: 0.1), dense: dense([3, 2, 1]), parameters: FusionParameters())
        #expect(fused.passages.first?.page == 3)
    }

    @Test func pagesAreFusedOnceAndDenseOnlyPagesJoin() {
        let fused = HybridRanker.fuse(lexical: lexical([1, 1, 2], coverage: 0.3), dense: dense([7, 7, 1]), parameters: FusionParameters())
        #expect(fused.passages.map(\.page).sorted() == [1, 2, 7])
        // Page 1 is in both rankings.
        #expect(fused.passages.first?.page == 1)
    }

    @Test func refusalFollowsTheBestCosine() {
        var parameters = FusionParameters()
        parameters.refusalThreshold = 0.85
        #expect(HybridRanker.fuse(lexical: lexical([1], coverage: 0.9), dense: dense([1], cosine: 0.80), parameters: parameters).refused)
        #expect(!HybridRanker.fuse(lexical: lexical([1], coverage: 0.2), dense: dense([1], cosine: 0.88), parameters: parameters).refused)
    }
}
