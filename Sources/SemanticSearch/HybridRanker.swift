// Fuses the lexical ranking (BM25 × coverage) with the dense one (cosine to the question), and
// decides "not in the manuals" from both. Reciprocal-rank fusion, but weighted per question by how
// sure the lexical result is: when the best passage covers the whole question the lexical order
// is the stronger signal (allganize: questions share the documents' words), when it covers little
// the dense order leads (paraphrased staff questions). Parameters were set on dev splits only
// (README, "Retrieval quality").
import Foundation
import Retrieval

public struct FusionParameters: Sendable, Equatable {
    /// RRF's k: 1 / (k + rank).
    public var rankOffset = 60.0
    /// Dense candidates taken (lexical ones: SearchOptions.candidates).
    public var denseDepth = 80
    /// Lexical weight = base + slope × coverage of the best lexical passage; dense weight 1.
    public var lexicalBase = 1.0
    public var lexicalSlope = 0.0
    /// Refused when coverageWeight × coverage + cosine of the best dense passage < threshold.
    public var refusalCoverageWeight = 0.25
    public var refusalThreshold = 0.0

    public init() {}

    /// Plain reciprocal-rank fusion (k 60, equal weights, the lexical refusal): the baseline.
    public static var plainRRF: FusionParameters {
        var plain = FusionParameters()
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
        var fused: [Int64: (hit: SearchHit, score: Double)] = [:]
        for (rank, hit) in lexical.passages.enumerated() {
            fused[hit.chunkID] = (hit, lexicalWeight / (parameters.rankOffset + Double(rank + 1)))
        }
        for (rank, hit) in dense.prefix(parameters.denseDepth).enumerated() {
            let contribution = 1 / (parameters.rankOffset + Double(rank + 1))
            if let existing = fused[hit.chunkID] {
                fused[hit.chunkID] = (existing.hit, existing.score + contribution)
            } else {
                let asHit = SearchHit(chunkID: hit.chunkID, fileName: hit.fileName, source: hit.source, page: hit.page,
                                      text: "", isQuestionBlock: hit.isQuestionBlock, score: 0, coverage: 0)
                fused[hit.chunkID] = (asHit, contribution)
            }
        }
        let passages = fused.values.sorted { a, b in
            a.score != b.score ? a.score > b.score : a.hit.chunkID < b.hit.chunkID
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
