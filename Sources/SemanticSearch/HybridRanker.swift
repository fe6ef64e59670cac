// Fuses the lexical ranking (BM25 × coverage) with the dense one (cosine to the question) page by
// page, and decides "not in the manuals" from both. Reciprocal-rank fusion over (file, page), but
// weighted per question by how sure the lexical result is: when the best passage covers the whole
// question the lexical order is the stronger signal (allganize: questions share the documents'
// words), when it covers little the dense order leads (paraphrased staff questions). Pages, not
// chunks: the answer is cited by page, a page's chunks are not independent evidence, and the
// dense side ranks shorter windows than the lexical one. Parameters were set on dev splits only
// (README, "Retrieval quality").
import Foundation
import Retrieval

public struct FusionParameters: Sendable, Equatable {
    /// RRF's k: a page at rank r adds weight / (k + r).
    public var rankOffset = 10.0
    /// Dense pages fused (lexical ones: every page the lexical candidates reach).
    public var denseDepth = 80
    /// Lexical weight = base + slope × coverage of the best lexical passage; dense weight 1.
    public var lexicalBase = 0.5
    public var lexicalSlope = 2.0
    /// Refused when coverageWeight × coverage + cosine of the best dense window < threshold.
    public var refusalCoverageWeight = 0.0
    public var refusalThreshold = 0.846

    public init() {}

    /// Plain reciprocal-rank fusion (k 60, equal weights, never refusing): the baseline.
    public static var plainRRF: FusionParameters {
        var plain = FusionParameters()
        plain.rankOffset = 60
        plain.denseDepth = 80
        plain.lexicalBase = 1
        plain.lexicalSlope = 0
        plain.refusalThreshold = -1
        return plain
    }
}

public enum HybridRanker {
    public static func fuse(lexical: RankedPassages, dense: [DenseHit], parameters: FusionParameters) -> RankedPassages {
        let coverage = lexical.passages.first?.coverage ?? 0
        let cosine = Double(dense.first?.cosine ?? 0)
        let lexicalWeight = parameters.lexicalBase + parameters.lexicalSlope * coverage
        struct PageKey: Hashable { var source: String, page: Int }
        var fused: [PageKey: (hit: SearchHit, score: Double, firstSeen: Int)] = [:]
        func add(_ hit: SearchHit, rank: Int, weight: Double) {
            let key = PageKey(source: hit.source, page: hit.page)
            let contribution = weight / (parameters.rankOffset + Double(rank))
            if let known = fused[key] {
                fused[key] = (known.hit, known.score + contribution, known.firstSeen)
            } else {
                fused[key] = (hit, contribution, fused.count)
            }
        }
        for (rank, hit) in SearchHit.distinctPages(lexical.passages).enumerated() { add(hit, rank: rank + 1, weight: lexicalWeight) }
        let densePages = SearchHit.distinctPages(dense.map(\.searchHit), limit: parameters.denseDepth)
        for (rank, hit) in densePages.enumerated() { add(hit, rank: rank + 1, weight: 1) }
        let passages = fused.values.sorted { a, b in
            a.score != b.score ? a.score > b.score : a.firstSeen < b.firstSeen
        }.map { item -> SearchHit in
            var hit = item.hit
            hit.score = item.score
            return hit
        }
        let evidence = parameters.refusalCoverageWeight * coverage + cosine
        let refused = passages.isEmpty || evidence < parameters.refusalThreshold
        return RankedPassages(passages: passages, refused: refused, terms: lexical.terms)
    }
}
