// The search chat uses when semantic search is on: lexical ranking, dense ranking, fused
// (HybridRanker), the first fused pages re-ordered by late interaction (LateInteraction) when the
// model makes token states. Falls back to the lexical result alone while the model loads, when
// it is unavailable, or when no passage has a vector yet.
import Embeddings
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
        guard mode != .lexical, let (index, dense, query) = try await denseCandidates(question) else { return lexical }
        if mode == .dense {
            let passages = dense.map(\.searchHit)
            return RankedPassages(passages: passages, refused: passages.isEmpty, terms: lexical.terms)
        }
        let fused = HybridRanker.fuse(lexical: lexical, dense: dense, parameters: fusion)
        guard fusion.rerankDepth > 0, let tokens = query.tokens, let scores = try await lateScores(tokens, fused, dense: index) else { return fused }
        return LateInteraction.reorder(fused, pageScores: scores, weight: fusion.rerankWeight)
    }

    /// Dense neighbours of the question, or nil when semantic search cannot run now.
    public func nearest(_ question: String) async throws -> [DenseHit]? {
        try await denseCandidates(question)?.hits
    }

    private func denseCandidates(_ question: String) async throws -> (index: DenseIndex, hits: [DenseHit], query: QueryEmbedding)? {
        guard let dense = try await semantic.denseIndex(), dense.windowCount > 0,
              let query = try await semantic.queryEmbedding(PIIMasker.strip(question)) else { return nil }
        // Several windows and chunks share a page: enough chunks for `denseDepth` pages.
        return (dense, dense.nearest(query.vector, limit: max(100, fusion.denseDepth * 5)), query)
    }

    /// MaxSim of the first `rerankDepth` fused pages (a page scores its best window), or nil
    /// when one of them has no stored token states yet (its windows are being embedded again):
    /// then the fused order stands. Pages share windows (the CRM manuals repeat their Q/A
    /// blocks), so each distinct window is read and scored once, all in one statement.
    private func lateScores(_ question: TokenStates, _ fused: RankedPassages, dense: DenseIndex) async throws -> [Float]? {
        guard let embedder = semantic.activeEmbedder, embedder.makesTokenStates else { return nil }
        let pages = fused.passages.prefix(fusion.rerankDepth).map { dense.windowHashes(onPage: PageRef(source: $0.source, page: $0.page)) }
        let windowScores = try await semantic.index.scoreTokenStates(model: embedder.modelID, textHashes: Set(pages.joined())) {
            LateInteraction.maxSim(question, encoded: $0)
        }
        var scores: [Float] = []
        for windows in pages {
            let known = windows.compactMap { windowScores[$0] }
            guard !known.isEmpty else { return nil }
            scores.append(known.reduce(0, max))
        }
        return scores
    }

    /// What chat shows: up to `limit` (file, page) hits with text, and the terms searched for.
    public func find(_ question: String, limit: Int = 5) async throws -> SearchResult {
        let ranked = try await rank(question)
        return SearchResult(hits: try await semantic.index.withText(ranked.distinctPages(limit: limit)), terms: ranked.terms)
    }
}
