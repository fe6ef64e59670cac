// Ranked search over the index: FTS5 BM25 over our own terms finds candidates; each candidate
// is then scored for how much of the question it covers (IDF-weighted), results are grouped to
// one per (file, page), and a question the manuals do not cover gets no hits at all.
import Foundation
import GRDB

public struct SearchHit: Sendable, Equatable {
    public var fileName: String
    public var source: String
    public var page: Int
    public var text: String
    public var isQuestionBlock: Bool
    /// BM25 relevance (higher is better).
    public var score: Double
    /// Share of the question's IDF weight found in this passage, 0…1.
    public var coverage: Double
}

public struct SearchOptions: Sendable {
    /// Candidates fetched from FTS5 before re-scoring.
    public var candidates: Int = 80
    /// A result needs at least this share of the question's weight, else "nothing found".
    public var minimumCoverage: Double = 0.35
    public init() {}
}

public struct QueryAnalysis: Sendable {
    public var terms: [String]
    public var idf: [String: Double]
    public var documentFrequency: [String: Int]
    public var totalWeight: Double
}

extension ManualIndex {
    /// Up to `limit` hits, best first, at most one per (file, page).
    public func search(_ question: String, limit: Int = 5, options: SearchOptions = SearchOptions()) async throws -> [SearchHit] {
        let weighted = tokenizer.weightedQueryTerms(question)
        guard !weighted.isEmpty else { return [] }
        return try await pool.read { db in
            try Self.search(weighted: weighted, limit: limit, options: options, db: db)
        }
    }

    static func search(weighted: [(term: String, weight: Double)], limit: Int, options: SearchOptions, db: Database) throws -> [SearchHit] {
        let terms = weighted.map(\.term)
        let analysis = try analyse(weighted: weighted, db: db)
        let present = terms.filter { (analysis.documentFrequency[$0] ?? 0) > 0 }
        guard !present.isEmpty else { return [] }
        let match = present.map { "\"\($0)\"" }.joined(separator: " OR ")
        let rows = try Row.fetchAll(db, sql: """
            SELECT c.page, c.text, c.terms, c.is_question, d.file_name, d.source, bm25(chunks_fts) AS rank
            FROM chunks_fts
            JOIN chunks c ON c.id = chunks_fts.rowid
            JOIN documents d ON d.id = c.document_id
            WHERE chunks_fts MATCH ?
            ORDER BY rank
            LIMIT ?
            """, arguments: [match, options.candidates])

        var best: [String: SearchHit] = [:]
        for row in rows {
            let chunkTerms = Set((row["terms"] as String).split(separator: " ").map(String.init))
            let found = terms.reduce(0.0) { $0 + (chunkTerms.contains($1) ? analysis.idf[$1] ?? 0 : 0) }
            let coverage = analysis.totalWeight > 0 ? found / analysis.totalWeight : 0
            let bm25 = -(row["rank"] as Double)
            // Passages that cover more of the question rank above ones that repeat one word.
            let score = bm25 * (0.5 + coverage)
            let hit = SearchHit(fileName: row["file_name"], source: row["source"], page: row["page"], text: row["text"],
                                isQuestionBlock: row["is_question"], score: score, coverage: coverage)
            let key = "\(hit.source)\u{0}\(hit.page)"
            if let existing = best[key], existing.score >= score { continue }
            best[key] = hit
        }
        let ranked = best.values.sorted { $0.score != $1.score ? $0.score > $1.score : ($0.fileName, $0.page) < ($1.fileName, $1.page) }
        guard let top = ranked.first, top.coverage >= options.minimumCoverage else { return [] }
        return Array(ranked.prefix(limit))
    }

    /// IDF of each query term over chunks (times the term's weight); a term the index never
    /// saw weighs as the rarest.
    static func analyse(weighted: [(term: String, weight: Double)], db: Database) throws -> QueryAnalysis {
        let total = Double(try Int.fetchOne(db, sql: "SELECT count(*) FROM chunks") ?? 0)
        var idf: [String: Double] = [:]
        var frequencies: [String: Int] = [:]
        for (term, weight) in weighted {
            let df = try documentFrequency(term, db: db)
            frequencies[term] = df
            idf[term] = weight * log(1 + (total - Double(df) + 0.5) / (Double(df) + 0.5))
        }
        return QueryAnalysis(terms: weighted.map(\.term), idf: idf, documentFrequency: frequencies, totalWeight: idf.values.reduce(0, +))
    }

    static func documentFrequency(_ term: String, db: Database) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT doc FROM chunks_vocab WHERE term = ?", arguments: [term]) ?? 0
    }
}
