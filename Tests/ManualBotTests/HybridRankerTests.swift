// HybridRanker on hand-made rankings: a confident lexical result keeps its order, a weak one lets
// the dense order lead, score margins (not only ranks) decide, pages are fused once however many
// chunks they have, and the refusal follows the best cosine.
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

    func lexical(scores: [(page: Int, score: Double)], coverage: Double) -> RankedPassages {
        RankedPassages(passages: scores.map { page, score in
            SearchHit(chunkID: Int64(page * 10), fileName: "m.pdf", source: "/m.pdf", page: page, text: "",
                      isQuestionBlock: false, score: score, coverage: coverage)
        }, refused: false)
    }

    func dense(cosines: [(page: Int, cosine: Float)]) -> [DenseHit] {
        cosines.map { page, cosine in
            DenseHit(chunkID: Int64(page * 10 + 5), fileName: "m.pdf", source: "/m.pdf", page: page, isQuestionBlock: false, cosine: cosine)
        }
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

    @Test func aClearDenseMarginSettlesALexicalNearTie() {
        let lexical = lexical(scores: [(1, 10), (2, 9.9)], coverage: 0.5)
        let dense = dense(cosines: [(2, 0.90), (1, 0.70)])
        #expect(HybridRanker.fuse(lexical: lexical, dense: dense, parameters: FusionParameters()).passages.first?.page == 2)
        // Ranks alone cannot see the margins: plain RRF ties the two pages and keeps the lexical first.
        #expect(HybridRanker.fuse(lexical: lexical, dense: dense, parameters: .plainRRF).passages.first?.page == 1)
    }

    @Test func aClearLexicalMarginSurvivesADenseNearTie() {
        let lexical = lexical(scores: [(1, 10), (2, 3)], coverage: 0.5)
        let dense = dense(cosines: [(2, 0.900), (1, 0.899)])
        #expect(HybridRanker.fuse(lexical: lexical, dense: dense, parameters: FusionParameters()).passages.map(\.page) == [1, 2])
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
