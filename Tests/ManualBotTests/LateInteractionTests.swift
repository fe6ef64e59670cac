// Late interaction: token states from the engine (the same vector as `embed`, unit rows, a
// paraphrase matched token by token), their Int8 storage, MaxSim, the re-ordering of fused pages,
// token states stored with every vector, and an index embedded by an engine without them being
// embedded again, once.
@testable import Embeddings
import Foundation
import GRDB
import Testing
@testable import Retrieval
@testable import SemanticSearch

/// The engine without its token states: what an index made before them was embedded with.
final class VectorsOnlyEmbedder: TextEmbedder, @unchecked Sendable {
    let inner: any TextEmbedder
    init(_ inner: any TextEmbedder) { self.inner = inner }
    var modelID: String { inner.modelID.replacingOccurrences(of: "+tokens", with: "") }
    var dimension: Int { inner.dimension }
    func embed(_ texts: [String], as role: EmbeddingRole, threads: Int) throws -> [[Float]] {
        try inner.embed(texts, as: role, threads: threads)
    }
}

private func states(_ rows: [[Float]]) -> TokenStates {
    TokenStates(normalizing: rows.flatMap { $0 }, dimension: rows[0].count)
}

private func page(_ page: Int, score: Double) -> SearchHit {
    SearchHit(chunkID: Int64(page), fileName: "a.pdf", source: "a.pdf", page: page, text: "", isQuestionBlock: false,
              score: score, coverage: 0)
}

@Suite struct LateInteractionTests {
    @Test func int8StorageKeepsTokenStatesWithinAHundredth() throws {
        var generator = SystemRandomNumberGenerator()
        let rows = (0..<5).map { _ in (0..<32).map { _ in Float.random(in: -1...1, using: &generator) } }
        let original = states(rows)
        let bytes = original.encoded()
        #expect(bytes.count == 5 * TokenStates.bytesPerToken(dimension: 32))
        let decoded = try #require(TokenStates(encoded: bytes, dimension: 32))
        #expect(decoded.count == 5)
        #expect(zip(original.values, decoded.values).allSatisfy { abs($0 - $1) < 0.01 })
        #expect(TokenStates(encoded: Array(bytes.dropLast()), dimension: 32) == nil)
    }

    @Test func maxSimAveragesEachQuestionTokensBestMatch() {
        let x: [Float] = [1] + [Float](repeating: 0, count: 15), y: [Float] = [0, 1] + [Float](repeating: 0, count: 14)
        let z: [Float] = [0, 0, 1] + [Float](repeating: 0, count: 13)
        let question = states([x, y])
        #expect(LateInteraction.maxSim(question, states([x, y, z])) == 1)
        #expect(LateInteraction.maxSim(question, states([x, z])) == 0.5)   // y finds nothing
        #expect(LateInteraction.maxSim(question, states([z])) == 0)
        #expect(LateInteraction.pageScore(question, windows: [states([z]), states([x, z])]) == 0.5)
    }

    @Test func reorderMovesNearTiesAndLeavesTheRest() {
        let fused = RankedPassages(passages: [page(1, score: 1.0), page(2, score: 0.98), page(3, score: 0.97), page(4, score: 0.2),
                                              page(5, score: 0.1)],
                                   refused: false)
        // Pages 1–3 are near ties: page 3's tokens match the question far better, page 2's a
        // little; page 4 is far behind and stays there; page 5 is beyond the depth.
        let reordered = LateInteraction.reorder(fused, pageScores: [0.80, 0.81, 0.95, 0.80], weight: 1)
        #expect(reordered.passages.map(\.page) == [3, 2, 1, 4, 5])
        // A clear fused winner keeps its place; behind it MaxSim orders the near ties.
        let clear = RankedPassages(passages: [page(1, score: 1.0), page(2, score: 0.5), page(3, score: 0.45), page(4, score: 0.4)],
                                   refused: false)
        #expect(LateInteraction.reorder(clear, pageScores: [0.80, 0.81, 0.82, 0.83], weight: 0.5).passages.map(\.page) == [1, 4, 3, 2])
        // One page against copies of another: the z-scores mirror each other, and the tie keeps
        // the fused order whatever the rounding.
        let copies = RankedPassages(passages: [page(1, score: 0.8995)] + (2...10).map { page($0, score: 0.8443) }, refused: false)
        let mirrored = LateInteraction.reorder(copies, pageScores: [0.8391] + Array(repeating: 0.8472, count: 9), weight: 1)
        #expect(mirrored.passages.map(\.page) == Array(1...10))
        // Equal MaxSim keeps the fused order; a refusal stays a refusal.
        let refused = RankedPassages(passages: fused.passages, refused: true)
        let same = LateInteraction.reorder(refused, pageScores: [0.5, 0.5, 0.5, 0.5, 0.5], weight: 1)
        #expect(same.passages.map(\.page) == [1, 2, 3, 4, 5] && same.refused)
    }
}

@Suite(.enabled(if: EngineAvailability.enabled, "the embedding engine is not installed (scripts/install-embedding-engine.sh)"))
struct LateInteractionEngineTests {
    let engine: E5Embedder

    init() throws { engine = try EngineAvailability.shared.get() }

    @Test func tokenStatesComeWithTheSameVectorAndMatchAParaphrase() throws {
        #expect(engine.makesTokenStates)
        let texts = ["Q. 욕실 배수 문제", "Q. 콘센트 고장", String(repeating: "객실 ", count: 400)]
        let embedded = try engine.embedWithTokens(texts, as: .passage, threads: 2)
        let plain = try engine.embed(texts, as: .passage, threads: 2)
        for (pair, vector) in zip(embedded, plain) {
            #expect(cosine(pair.vector, vector) > 0.9999)
            #expect(pair.tokens.dimension == 384 && pair.tokens.count > 0)
            for row in 0..<pair.tokens.count {
                let norm = pair.tokens.values[row * 384..<(row + 1) * 384].reduce(0) { $0 + $1 * $1 }
                #expect(abs(norm - 1) < 0.001)
            }
        }
        // A text longer than one window keeps its first window's tokens.
        #expect(embedded[2].tokens.count == E5Embedder.maxTokens)
        let question = try engine.embedWithTokens(["화장실 물 안 빠진다는 컴플 들어옴"], as: .query, threads: 2)[0].tokens
        #expect(LateInteraction.maxSim(question, embedded[0].tokens) > LateInteraction.maxSim(question, embedded[1].tokens))
    }

    @Test func everyVectorIsStoredWithItsTokenStatesAndOldVectorsAreEmbeddedAgainOnce() async throws {
        let manuals = try await IndexedTexts([
            "a.txt": "욕실 배수 문제: 즉시 시설팀을 보내고 다른 객실을 안내합니다.",
            "b.txt": "콘센트 고장: 전기 담당이 점검하고 멀티탭을 제공합니다.",
        ])
        // An index embedded before token states existed.
        try SemanticIndex(index: manuals.index, threads: 2).embedAll(with: VectorsOnlyEmbedder(engine))
        let counting = CountingEmbedder(engine)
        let semantic = SemanticIndex(index: manuals.index, threads: 2)
        try semantic.embedAll(with: counting)
        let ready = try await manuals.index.semanticCounts(model: engine.modelID)
        #expect(ready.pendingPassages == 0 && counting.count == ready.readyPassages && ready.readyPassages > 0)
        let sizes = try await manuals.index.pool.read { db in
            try Int.fetchAll(db, sql: "SELECT length(tokens) FROM passage_vectors WHERE model = ?", arguments: [engine.modelID])
        }
        #expect(sizes.count == ready.readyPassages)
        #expect(sizes.allSatisfy { $0 > 0 && $0 % TokenStates.bytesPerToken(dimension: 384) == 0 })
        // Once is enough.
        let again = CountingEmbedder(engine)
        try SemanticIndex(index: manuals.index, threads: 2).embedAll(with: again)
        #expect(again.count == 0)

        // The hybrid search reads them back for the pages it re-orders.
        let source = try #require(try await manuals.index.pool.read { db in
            try String.fetchOne(db, sql: "SELECT source FROM documents WHERE file_name = 'a.txt'")
        })
        let pages = [PageRef(source: source, page: 1)]
        let stored = try await manuals.index.tokenStates(model: engine.modelID, pages: pages)
        #expect(stored[pages[0]]?.isEmpty == false && stored.values.flatMap { $0 }.allSatisfy { $0 != nil })
        let hits = try await HybridSearch(semantic: semantic).find("화장실 물이 안 내려가요", limit: 2).hits
        #expect(hits.first?.fileName == "a.txt")
    }
}
