// Ranked search: BM25 over the in-memory InvertedIndex, re-scored by how much of the question
// (IDF-weighted) each passage covers, grouped to one result per (file, page); a question the
// manuals do not cover well gets no hits at all.
import Foundation
import GRDB

public struct SearchHit: Sendable, Equatable {
    public var chunkID: Int64
    public var fileName: String
    public var source: String
    public var page: Int
    public var text: String
    public var isQuestionBlock: Bool
    /// Final relevance (higher is better).
    public var score: Double
    /// Share of the question's IDF weight found in this passage, 0…1.
    public var coverage: Double

    public init(chunkID: Int64, fileName: String, source: String, page: Int, text: String, isQuestionBlock: Bool,
                score: Double, coverage: Double) {
        self.chunkID = chunkID
        self.fileName = fileName
        self.source = source
        self.page = page
        self.text = text
        self.isQuestionBlock = isQuestionBlock
        self.score = score
        self.coverage = coverage
    }
}

public struct SearchOptions: Sendable {
    public var bm25 = BM25Parameters()
    /// Passages kept after scoring (the rest cannot reach the top k).
    public var candidates = 80
    /// The best passage needs at least this share of the question's weight, else "nothing found".
    public var minimumCoverage = 0.22
    /// How much coverage counts in the final score: score = bm25 × (1 − w + w × coverage)^e.
    /// Squared (e = 2), a passage with the whole question beats one with half of it by more
    /// than BM25's term repeats can make up (hotel set: MRR@5 0.635 → 0.673, false refusals
    /// 9.1 → 5.2 %; allganize 0.741 → 0.745).
    public var coverageWeight = 0.8
    public var coverageExponent = 2.0
    /// Question words with a bigram no manual uses are also searched as their likely-typo
    /// correction (TypoCorrector).
    public var correctTypos = true
    public init() {}

    /// Plain BM25: no coverage re-scoring, never "nothing found" (the eval baselines).
    public static var plainBM25: SearchOptions {
        var options = SearchOptions()
        options.minimumCoverage = 0
        options.coverageWeight = 0
        options.correctTypos = false
        return options
    }
}

/// What a search found, and the weighted question terms it searched for (typo corrections
/// and synonyms included), so the answer picks its sentences by the same terms.
public struct SearchResult: Sendable {
    public var hits: [SearchHit]
    public var terms: [QueryTerm]

    public init(hits: [SearchHit], terms: [QueryTerm]) {
        self.hits = hits
        self.terms = terms
    }
}

/// Every scored candidate passage, best first (not grouped), and whether the question is
/// judged unanswerable.
public struct RankedPassages: Sendable {
    public var passages: [SearchHit]
    public var refused: Bool
    public var terms: [QueryTerm] = []

    public init(passages: [SearchHit], refused: Bool, terms: [QueryTerm] = []) {
        self.passages = passages
        self.refused = refused
        self.terms = terms
    }

    /// The first passage of each (file, page), best first; empty when refused.
    public func distinctPages(limit: Int) -> [SearchHit] {
        refused ? [] : SearchHit.distinctPages(passages, limit: limit)
    }
}

extension SearchHit {
    /// The first hit of each (file, page), in order, at most `limit`.
    public static func distinctPages(_ hits: [SearchHit], limit: Int = .max) -> [SearchHit] {
        var seen = Set<String>()
        var result: [SearchHit] = []
        for hit in hits where seen.insert("\(hit.source)\u{0}\(hit.page)").inserted {
            result.append(hit)
            if result.count == limit { break }
        }
        return result
    }
}

extension ManualIndex {
    /// Makes searches see every change committed so far (waits for the in-memory index).
    public func refreshSearch() async throws {
        try await snapshots.refresh(pool: pool)
    }

    /// Up to `limit` hits with their text, best first, at most one per (file, page).
    public func search(_ question: String, limit: Int = 5, options: SearchOptions = SearchOptions()) async throws -> [SearchHit] {
        try await find(question, limit: limit, options: options).hits
    }

    /// `search`, with the question terms it used.
    public func find(_ question: String, limit: Int = 5, options: SearchOptions = SearchOptions()) async throws -> SearchResult {
        let ranked = try await rankPassages(question, options: options)
        return SearchResult(hits: try await withText(ranked.distinctPages(limit: limit)), terms: ranked.terms)
    }

    /// The hits with their passage text filled in.
    public func withText(_ found: [SearchHit]) async throws -> [SearchHit] {
        var hits = found
        let texts = try await self.texts(ofChunks: hits.map(\.chunkID))
        for index in hits.indices { hits[index].text = texts[hits[index].chunkID] ?? "" }
        return hits
    }

    /// Every passage that shares a term with the question, scored, best first (without text).
    public func rankPassages(_ question: String, options: SearchOptions = SearchOptions()) async throws -> RankedPassages {
        let index = try await snapshots.snapshot(pool: pool)
        // The index's vocabulary lets the tokenizer correct typos in question words.
        let vocabulary: ((String) -> Int)? = options.correctTypos ? { index.documentFrequency($0) } : nil
        let weighted = tokenizer.weightedQueryTerms(PIIMasker.strip(question), documentFrequency: vocabulary)
        guard !weighted.isEmpty else { return RankedPassages(passages: [], refused: true) }
        var ranked = Self.rank(weighted, in: index, options: options)
        ranked.terms = weighted
        return ranked
    }

    static func rank(_ weighted: [QueryTerm], in index: InvertedIndex, options: SearchOptions) -> RankedPassages {
        var scored = index.score(weighted, parameters: options.bm25)
        guard !scored.isEmpty else { return RankedPassages(passages: [], refused: true) }
        let w = options.coverageWeight
        // Passages that cover more of the question rank above ones that repeat one word.
        let e = options.coverageExponent
        for i in scored.indices {
            let factor = 1 - w + w * scored[i].coverage
            scored[i].bm25 *= e == 2 ? factor * factor : pow(factor, e)
        }
        let top = topCandidates(scored, count: options.candidates)
        let passages = top.map { item -> SearchHit in
            let chunk = index.chunks[Int(item.chunk)]
            let document = index.documents[Int(chunk.documentIndex)]
            return SearchHit(chunkID: chunk.id, fileName: document.fileName, source: document.source, page: Int(chunk.page),
                             text: "", isQuestionBlock: chunk.isQuestionBlock,
                             score: item.bm25, coverage: item.coverage)
        }
        let refused = (passages.first?.coverage ?? 0) < options.minimumCoverage
        return RankedPassages(passages: Array(passages), refused: refused)
    }

    /// The best `count` by score (ties by position), best first, without sorting them all.
    static func topCandidates(_ scored: [InvertedIndex.Scored], count: Int) -> [InvertedIndex.Scored] {
        func better(_ a: InvertedIndex.Scored, _ b: InvertedIndex.Scored) -> Bool {
            a.bm25 != b.bm25 ? a.bm25 > b.bm25 : a.chunk < b.chunk
        }
        guard scored.count > count * 4 else { return scored.sorted(by: better) }
        // A sorted buffer of the best so far; an item enters only if it beats the worst kept.
        var heap = Array(scored.prefix(count)).sorted(by: better)
        for item in scored.dropFirst(count) where better(item, heap[heap.count - 1]) {
            var low = 0, high = heap.count - 1
            while low < high {
                let mid = (low + high) / 2
                if better(item, heap[mid]) { high = mid } else { low = mid + 1 }
            }
            heap.insert(item, at: low)
            heap.removeLast()
        }
        return heap
    }
}
