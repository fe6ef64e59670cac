// Late interaction: re-orders the first fused pages by how well each of the question's tokens
// is matched by some token of the page (MaxSim, ColBERT's score, here over e5-small's own token
// states: mean over the question's tokens of the best cosine to a token of a window, a page
// scoring its best window). The sentence vectors of a short colloquial question and of a page
// sit within a few hundredths of each other for every candidate; token by token, "화장실 물 안
// 빠진다" meets "욕실 배수" where neither BM25 (other words) nor one vector per text (other
// topics on the page) does. Each page's fused score and MaxSim are standardised over the pages
// re-ordered (z-scores), then added with MaxSim's weight: the fusion still decides, MaxSim moves
// near ties. Depth and weight were set on the dev halves (README, "Late interaction").
import CMaxSim
import Embeddings
import Foundation
import Retrieval

public enum LateInteraction {
    /// Mean over the question's tokens of each one's best dot product (both sides unit rows:
    /// cosines) with a token of `window`, its stored token states (`TokenStates.encoded()`: per
    /// token a Float16 scale, then Int8 values), read where they lie by CMaxSim's kernel
    /// (AVX2 + FMA): decoding them to Float first cost more than the arithmetic. 0 when either
    /// side has no tokens, nil when the bytes do not fit the question's dimension.
    public static func maxSim(_ question: TokenStates, encoded window: Data) -> Float? {
        let stride = TokenStates.bytesPerToken(dimension: question.dimension)
        guard question.dimension > 0, window.count % stride == 0 else { return nil }
        let score = question.values.withUnsafeBufferPointer { q in
            window.withUnsafeBytes { w in
                manualbot_maxsim_q8(q.baseAddress, Int32(question.count), w.bindMemory(to: UInt8.self).baseAddress,
                                    Int32(window.count / stride), Int32(question.dimension))
            }
        }
        return score.isNaN ? nil : score
    }

    /// `ranked` (fused pages, best first) with its first `pageScores.count` pages re-ordered by
    /// z(fused score) + weight × z(MaxSim); the rest, and the refusal, unchanged. Ties (within
    /// 1e-9) keep the fused order.
    public static func reorder(_ ranked: RankedPassages, pageScores: [Float], weight: Double) -> RankedPassages {
        let depth = min(pageScores.count, ranked.passages.count)
        guard depth > 1 else { return ranked }
        let fused = ranked.passages.prefix(depth).map(\.score)
        let late = pageScores.prefix(depth).map(Double.init)
        let combined = zip(standardised(fused), standardised(late)).map { $0 + weight * $1 }
        // Within rounding of each other is a tie, and ties keep the fused order: two-valued
        // scores (one page against nine copies of another) give mirror-image z-scores whose sums
        // differ only in the last bits.
        let order = (0..<depth).sorted { abs(combined[$0] - combined[$1]) > 1e-9 ? combined[$0] > combined[$1] : $0 < $1 }
        var result = ranked
        result.passages = order.map { ranked.passages[$0] } + ranked.passages.dropFirst(depth)
        return result
    }

    /// (x − mean) / standard deviation; all 0 when the values do not differ.
    static func standardised(_ values: [Double]) -> [Double] {
        let mean = values.reduce(0, +) / Double(values.count)
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
        let deviation = variance.squareRoot()
        return values.map { deviation > 1e-12 ? ($0 - mean) / deviation : 0 }
    }
}
