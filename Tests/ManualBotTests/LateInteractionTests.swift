// Late interaction: token states from the engine (the same vector as `embed`, unit rows, a
// paraphrase matched token by token), their Int8 storage, MaxSim (the C kernel, both its paths,
// against the decoded arithmetic), the dense index's windows per page, the re-ordering of fused
// pages, token states stored with every vector and scored where they are stored, and an index
// embedded by an engine without them being embedded again, once.
import CMaxSim
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

private func stored(_ rows: [[Float]]) -> Data { Data(states(rows).encoded()) }

/// MaxSim over the decoded Int8 states, written out: what the kernel must compute.
private func referenceMaxSim(_ question: TokenStates, _ window: TokenStates) -> Float {
    let d = question.dimension
    let best = (0..<question.count).map { q in
        (0..<window.count).map { w in (0..<d).reduce(Float(0)) { $0 + question.values[q * d + $1] * window.values[w * d + $1] } }.max()!
    }
    return best.reduce(0, +) / Float(question.count)
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

    @Test func maxSimAveragesEachQuestionTokensBestMatch() throws {
        let x: [Float] = [1] + [Float](repeating: 0, count: 15), y: [Float] = [0, 1] + [Float](repeating: 0, count: 14)
        let z: [Float] = [0, 0, 1] + [Float](repeating: 0, count: 13)
        let question = states([x, y])
        // Int8 storage: 127 × a Float16 scale of 1/127 is 1 within a ten-thousandth.
        #expect(abs(try #require(LateInteraction.maxSim(question, encoded: stored([x, y, z]))) - 1) < 1e-3)
        #expect(abs(try #require(LateInteraction.maxSim(question, encoded: stored([x, z]))) - 0.5) < 1e-3)   // y finds nothing
        #expect(LateInteraction.maxSim(question, encoded: stored([z])) == 0)
        #expect(LateInteraction.maxSim(question, encoded: Data()) == 0)
        // Opposite tokens score −1: a negative score is a score, not the kernel's error (random
        // rows below gave one half the time).
        #expect(abs(try #require(LateInteraction.maxSim(states([x]), encoded: stored([x.map { -$0 }]))) + 1) < 1e-3)
        #expect(LateInteraction.maxSim(question, encoded: stored([x]).dropLast()) == nil)
    }

    @Test func kernelComputesTheDecodedArithmeticOnBothPaths() throws {
        var generator = SystemRandomNumberGenerator()
        func random(_ count: Int) -> [[Float]] { (0..<count).map { _ in (0..<384).map { _ in Float.random(in: -1...1, using: &generator) } } }
        // 13 question tokens: three groups of four and one left over, the kernel's two loops.
        for (questionCount, windowCount) in [(13, 37), (4, 1), (1, 5)] {
            let question = states(random(questionCount))
            let window = states(random(windowCount))
            let bytes = window.encoded()
            let expected = referenceMaxSim(question, try #require(TokenStates(encoded: bytes, dimension: 384)))
            let fast = try #require(LateInteraction.maxSim(question, encoded: Data(bytes)))
            let portable = question.values.withUnsafeBufferPointer { q in
                bytes.withUnsafeBufferPointer { w in
                    manualbot_maxsim_q8_portable(q.baseAddress, Int32(questionCount), w.baseAddress, Int32(windowCount), 384)
                }
            }
            #expect(abs(fast - expected) < 1e-5 && abs(portable - expected) < 1e-5, "\(questionCount)×\(windowCount): \(fast), \(portable), \(expected)")
        }
    }

    @Test func denseIndexListsEachPagesWindowsOnce() {
        func row(_ chunk: Int64, page: Int, hash: String, _ value: Float) -> StoredVectorRow {
            StoredVectorRow(chunkID: chunk, fileName: "a.pdf", source: "a.pdf", page: page, isQuestionBlock: false, textHash: hash,
                            vector: VectorMath.encode([value] + [Float](repeating: 0, count: 15)))
        }
        // Page 1 holds windows h1 and h2, page 2 repeats h2 twice (a Q/A block on every page).
        let index = DenseIndex(rows: [row(1, page: 1, hash: "h1", 1), row(1, page: 1, hash: "h2", 0.5),
                                      row(2, page: 2, hash: "h2", 0.5), row(3, page: 2, hash: "h2", 0.5)], dimension: 16)
        #expect(index.windowHashes(onPage: PageRef(source: "a.pdf", page: 1)) == ["h1", "h2"])
        #expect(index.windowHashes(onPage: PageRef(source: "a.pdf", page: 2)) == ["h2"])
        #expect(index.windowHashes(onPage: PageRef(source: "a.pdf", page: 3)).isEmpty)
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
        let bathroom = try #require(LateInteraction.maxSim(question, encoded: Data(embedded[0].tokens.encoded())))
        let socket = try #require(LateInteraction.maxSim(question, encoded: Data(embedded[1].tokens.encoded())))
        #expect(bathroom > socket)
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

        // The hybrid search scores them where they are stored, for the pages it re-orders.
        let dense = try #require(try await semantic.denseIndex())
        let source = try #require(try await manuals.index.pool.read { db in
            try String.fetchOne(db, sql: "SELECT source FROM documents WHERE file_name = 'a.txt'")
        })
        let windows = dense.windowHashes(onPage: PageRef(source: source, page: 1))
        #expect(!windows.isEmpty)
        let scores = try await manuals.index.scoreTokenStates(model: engine.modelID, textHashes: Set(windows + ["unknown"])) {
            Float($0.count)
        }
        #expect(Set(scores.keys) == Set(windows) && scores.values.allSatisfy { $0 > 0 })
        let hits = try await HybridSearch(semantic: semantic).find("화장실 물이 안 내려가요", limit: 2).hits
        #expect(hits.first?.fileName == "a.txt")
    }
}
