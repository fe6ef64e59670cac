// Fuses the lexical ranking (BM25 × coverage) with the dense one (cosine to the question) page by
// page, and decides "not in the manuals" from both. The service fuses scores: each side's score
// relative to its own best page (BM25 / best BM25; exp((cosine − best cosine) / T)), mixed with a
// lexical share that grows with how sure the lexical result is — when the best passage covers
// the whole question the lexical order is the stronger signal (allganize: questions share the
// documents' words), when it covers little the dense order leads (paraphrased staff questions).
// Scores, not ranks: two pages a rank apart may be a hair or a gulf apart, and ranks cannot
// tell. Plain reciprocal-rank fusion stays as the baseline. Pages, not chunks: the answer is
// cited by page, a page's chunks are not independent evidence, and the dense side ranks shorter
// windows than the lexical one. Parameters were set on dev splits only (README, "Retrieval
// quality").
import Foundation
import Retrieval

public struct FusionParameters: Sendable, Equatable {
    public enum Method: String, Sendable, CaseIterable {
        /// share × BM25 / best BM25 + (1 − share) × exp((cosine − best cosine) / temperature).
        case score
        /// weight / (k + rank) summed over both rankings.
        case reciprocalRank
    }

    public var method = Method.score
    /// Dense pages fused (lexical ones: every page the lexical candidates reach).
    public var denseDepth = 80
    /// Lexical share (score fusion) or weight against the dense weight 1 (RRF):
    /// base + slope × coverage of the best lexical passage, at most 1 for score fusion.
    public var lexicalBase = 0.3
    public var lexicalSlope = 0.5
    /// Score fusion: how fast a page's dense score falls with its cosine below the best one.
    public var denseTemperature = 0.04
    /// RRF's k: a page at rank r adds weight / (k + r).
    public var rankOffset = 60.0
    /// Refused when coverageWeight × coverage + cosine of the best dense window < threshold.
    public var refusalCoverageWeight = 0.0
    public var refusalThreshold = 0.846
    /// Late interaction: the first `rerankDepth` fused pages re-ordered with MaxSim at
    /// `rerankWeight` (LateInteraction); 0 keeps the fused order.
    public var rerankDepth = 10
    public var rerankWeight = 1.0

    public init() {}

    /// Plain reciprocal-rank fusion (k 60, equal weights, never refusing): the baseline.
    public static var plainRRF: FusionParameters {
        var plain = FusionParameters()
        plain.method = .reciprocalRank
        plain.rankOffset = 60
        plain.lexicalBase = 1
        plain.lexicalSlope = 0
        plain.refusalThreshold = -1
        plain.rerankDepth = 0
        return plain
    }
}

public enum HybridRanker {
    public static func fuse(lexical: RankedPassages, dense: [DenseHit], parameters: FusionParameters) -> RankedPassages {
        let coverage = lexical.passages.first?.coverage ?? 0
        let lexicalPages = SearchHit.distinctPages(lexical.passages)
        // A dense hit's score is its cosine; hits come best first, so a page's first window is its best.
        let densePages = SearchHit.distinctPages(dense.map(\.searchHit), limit: parameters.denseDepth)
        let lexicalWeight = parameters.lexicalBase + parameters.lexicalSlope * coverage

        struct PageKey: Hashable { var source: String, page: Int }
        var fused: [PageKey: (hit: SearchHit, score: Double, firstSeen: Int)] = [:]
        func add(_ hit: SearchHit, _ contribution: Double) {
            let key = PageKey(source: hit.source, page: hit.page)
            if let known = fused[key] {
                fused[key] = (known.hit, known.score + contribution, known.firstSeen)
            } else {
                fused[key] = (hit, contribution, fused.count)
            }
        }
        switch parameters.method {
        case .score:
            let share = min(1, lexicalWeight)
            let bestScore = lexicalPages.first?.score ?? 0
            for hit in lexicalPages { add(hit, bestScore > 0 ? share * hit.score / bestScore : 0) }
            let bestCosine = densePages.first?.score ?? 0
            for hit in densePages {
                add(hit, (1 - share) * exp((hit.score - bestCosine) / parameters.denseTemperature))
            }
        case .reciprocalRank:
            for (rank, hit) in lexicalPages.enumerated() { add(hit, lexicalWeight / (parameters.rankOffset + Double(rank + 1))) }
            for (rank, hit) in densePages.enumerated() { add(hit, 1 / (parameters.rankOffset + Double(rank + 1))) }
        }
        let passages = fused.values.sorted { a, b in
            a.score != b.score ? a.score > b.score : a.firstSeen < b.firstSeen
        }.map { item -> SearchHit in
            var hit = item.hit
            hit.score = item.score
            return hit
        }
        let cosine = Double(dense.first?.cosine ?? 0)
        let evidence = parameters.refusalCoverageWeight * coverage + cosine
        let refused = passages.isEmpty || evidence < parameters.refusalThreshold
        return RankedPassages(passages: passages, refused: refused, terms: lexical.terms)
    }
}
