// The search chat uses when semantic search is on: lexical ranking, dense ranking, fused
// (HybridRanker). Falls back to the lexical result alone while the model loads, when it is
// unavailable, or when no passage has a vector yet.
import Foundation
import Retrieval

public struct HybridSearch: Sendable {
    public let semantic: SemanticIndex
    public var options = SearchOptions()
    public var fusion = FusionParameters()

    public init(semantic: SemanticIndex) { self.semantic = semantic }

    public enum Mode: String, Sendable { case lexical, dense, hybrid }

    /// Every candidate passage, best first, in `mode`.
    public func rank(_ question: String, mode: Mode = .hybrid) async throws -> RankedPassages {
        let lexical = try await semantic.index.rankPassages(question, options: options)
        guard mode != .lexical, let dense = try await nearest(question) else { return lexical }
        if mode == .dense {
            let passages = dense.map(\.searchHit)
            return RankedPassages(passages: passages, refused: passages.isEmpty, terms: lexical.terms)
        }
        return HybridRanker.fuse(lexical: lexical, dense: dense, parameters: fusion)
    }

    /// Dense neighbours of the question, or nil when semantic search cannot run now.
    public func nearest(_ question: String) async throws -> [DenseHit]? {
        guard let dense = try await semantic.denseIndex(), dense.windowCount > 0,
              let vector = try await semantic.queryVector(PIIMasker.strip(question)) else { return nil }
        // Several windows and chunks share a page: enough chunks for `denseDepth` pages.
        return dense.nearest(vector, limit: max(100, fusion.denseDepth * 5))
    }

    /// What chat shows: up to `limit` (file, page) hits with text, and the terms searched for.
    public func find(_ question: String, limit: Int = 5) async throws -> SearchResult {
        let ranked = try await rank(question)
        return SearchResult(hits: try await semantic.index.withText(ranked.distinctPages(limit: limit)), terms: ranked.terms)
    }
}
