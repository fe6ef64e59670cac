// Retrieval quality metrics for `manualbot eval`, as defined in the allganize benchmark README:
// MRR@k, Hit@1, Hit@k, File@k over the top-k passages (chunk level, not de-duplicated), and the
// same over the first k distinct (file, page) pairs, which is what the chat endpoint returns.
// Queries of kind "none" are right when the service answers "nothing found".
import Foundation
import PDFIngest

public struct EvalQuery: Codable, Sendable {
    public var id: String
    public var question: String
    public var file: String?
    /// Pages that answer; empty with a file = any page of that file.
    public var pages: [Int]
    public var domain: String?
    public var kind: String?
    public var contextType: String?
    /// "dev" or "test"; when the file does not say, `split` computes it from the id.
    public var declaredSplit: String?

    enum CodingKeys: String, CodingKey {
        case id, question, file, pages, domain, kind, contextType = "context_type", declaredSplit = "split"
    }

    /// The fixed dev/test rule (bench/hotel/check_paraphrased.py uses the same): the parity of
    /// the id's SHA-256. Parameters are set on dev; test is only reported.
    public var split: String {
        if let declaredSplit { return declaredSplit }
        let digest = SHA256.hex(Data(id.utf8))
        return (digest.last.flatMap { Int(String($0), radix: 16) } ?? 0) % 2 == 0 ? "dev" : "test"
    }

    public var isAnswerable: Bool { kind != "none" && file != nil }

    public static func load(jsonl path: String) throws -> [EvalQuery] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let decoder = JSONDecoder()
        return try text.split(whereSeparator: \.isNewline).enumerated().compactMap { number, line in
            guard !line.trimmingCharacters(in: .whitespaces).isEmpty else { return nil }
            do {
                var query = try decoder.decode(EvalQuery.self, from: Data(line.utf8))
                query.file = query.file?.precomposedStringWithCanonicalMapping
                return query
            } catch {
                throw EvalError(message: "\(path):\(number + 1): \(error)")
            }
        }
    }

    public func matches(_ hit: SearchHit) -> Bool {
        guard let file, hit.fileName == file else { return false }
        return pages.isEmpty || pages.contains(hit.page)
    }
}

public struct EvalError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// What one query got back.
public struct EvalOutcome: Sendable {
    public var query: EvalQuery
    /// Every candidate passage, best first (the metrics look at the first k).
    public var passages: [SearchHit]
    public var pages: [SearchHit]
    public var refused: Bool
    public var seconds: Double
}

public struct EvalMetrics: Codable, Sendable, Equatable {
    public var queries = 0
    public var mrr = 0.0
    public var hit1 = 0.0
    public var hitK = 0.0
    public var fileK = 0.0
    public var pageMRR = 0.0
    public var pageHit1 = 0.0
    public var pageHitK = 0.0
    /// Answerable queries that got "nothing found".
    public var falseRefusals = 0.0
    /// Unanswerable ("none") queries, and the share of them refused.
    public var unanswerable = 0
    public var noAnswerAccuracy = 0.0

    public init() {}

    /// Averages over answerable queries (refusal = not found), and no-answer accuracy over the rest.
    public static func compute(_ outcomes: [EvalOutcome], k: Int) -> EvalMetrics {
        var metrics = EvalMetrics()
        let answerable = outcomes.filter(\.query.isAnswerable)
        let none = outcomes.filter { !$0.query.isAnswerable }
        metrics.queries = answerable.count
        metrics.unanswerable = none.count
        if !none.isEmpty {
            metrics.noAnswerAccuracy = Double(none.filter(\.refused).count) / Double(none.count)
        }
        guard !answerable.isEmpty else { return metrics }
        for outcome in answerable {
            let chunks = outcome.refused ? [] : Array(outcome.passages.prefix(k))
            if let rank = chunks.firstIndex(where: outcome.query.matches) {
                metrics.mrr += 1 / Double(rank + 1)
                if rank == 0 { metrics.hit1 += 1 }
                metrics.hitK += 1
            }
            if chunks.contains(where: { $0.fileName == outcome.query.file }) { metrics.fileK += 1 }
            if let rank = outcome.pages.prefix(k).firstIndex(where: outcome.query.matches) {
                metrics.pageMRR += 1 / Double(rank + 1)
                if rank == 0 { metrics.pageHit1 += 1 }
                metrics.pageHitK += 1
            }
            if outcome.refused { metrics.falseRefusals += 1 }
        }
        let count = Double(answerable.count)
        metrics.mrr /= count
        metrics.hit1 /= count
        metrics.hitK /= count
        metrics.fileK /= count
        metrics.pageMRR /= count
        metrics.pageHit1 /= count
        metrics.pageHitK /= count
        metrics.falseRefusals /= count
        return metrics
    }
}

extension ManualIndex {
    /// Runs every query through the same search the chat endpoint uses.
    public func evaluate(_ queries: [EvalQuery], k: Int, options: SearchOptions) async throws -> [EvalOutcome] {
        try await Self.evaluate(queries, k: k) { question in try await self.rankPassages(question, options: options) }
    }

    /// Runs every query through `rank` (the lexical search, or a hybrid one built on it).
    public static func evaluate(_ queries: [EvalQuery], k: Int,
                                rank: (String) async throws -> RankedPassages) async throws -> [EvalOutcome] {
        var outcomes: [EvalOutcome] = []
        outcomes.reserveCapacity(queries.count)
        let clock = ContinuousClock()
        // Build the in-memory indexes before timing anything.
        _ = try await rank("warm up")
        for query in queries {
            let started = clock.now
            let ranked = try await rank(query.question)
            let pages = ranked.distinctPages(limit: k)
            let elapsed = (clock.now - started).seconds
            outcomes.append(EvalOutcome(query: query, passages: ranked.passages, pages: pages,
                                        refused: ranked.refused, seconds: elapsed))
        }
        return outcomes
    }
}

/// p-th percentile (0…100) of `values`, nearest rank.
public func percentile(_ values: [Double], _ p: Double) -> Double {
    guard !values.isEmpty else { return 0 }
    let sorted = values.sorted()
    let rank = Int((p / 100 * Double(sorted.count)).rounded(.up)) - 1
    return sorted[min(max(rank, 0), sorted.count - 1)]
}
