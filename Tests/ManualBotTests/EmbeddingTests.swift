// The embedding engine and semantic search, with the real multilingual-e5-small engine that
// scripts/setup.sh installs (skipped when it is missing and not required; scripts/test.sh
// requires it): the binding, vectors stored once and kept across restarts, vectors replaced
// with their document, kill -9 while embedding, EMBEDDINGS=off and a damaged model file.
import Embeddings
import Foundation
import GRDB
import Testing
@testable import HTTPServer
@testable import Retrieval
@testable import SemanticSearch

enum EngineAvailability {
    static let installed = FileManager.default.fileExists(atPath: E5Embedder.defaultModelPath)
        && FileManager.default.fileExists(atPath: E5Embedder.defaultLibraryPath)
    static let required = ProcessInfo.processInfo.environment["MANUALBOT_TEST_REQUIRE_EMBEDDINGS"] == "1"
    /// Run when installed; when required, run (and fail) even when it is not.
    static var enabled: Bool { installed || required }
    static let shared = Result { try E5Embedder() }
}

/// Counts the passages it is asked to embed.
final class CountingEmbedder: TextEmbedder, @unchecked Sendable {
    let inner: any TextEmbedder
    private let lock = NSLock()
    private var embedded = 0
    init(_ inner: any TextEmbedder) { self.inner = inner }
    var modelID: String { inner.modelID }
    var dimension: Int { inner.dimension }
    var makesTokenStates: Bool { inner.makesTokenStates }
    var count: Int { lock.withLock { embedded } }
    func embed(_ texts: [String], as role: EmbeddingRole, threads: Int) throws -> [[Float]] {
        lock.withLock { embedded += texts.count }
        return try inner.embed(texts, as: role, threads: threads)
    }
    func embedWithTokens(_ texts: [String], as role: EmbeddingRole, threads: Int) throws -> [(vector: [Float], tokens: TokenStates)] {
        lock.withLock { embedded += texts.count }
        return try inner.embedWithTokens(texts, as: role, threads: threads)
    }
}

func cosine(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }

/// Vectors no chunk uses, and the total: a consistent index has no orphans.
func vectorCounts(_ index: ManualIndex) throws -> (orphans: Int, total: Int) {
    try index.pool.read { db in
        (try Int.fetchOne(db, sql: "SELECT count(*) FROM passage_vectors WHERE text_hash NOT IN (SELECT text_hash FROM embed_passages)") ?? -1,
         try Int.fetchOne(db, sql: "SELECT count(*) FROM passage_vectors") ?? -1)
    }
}

@Suite(.enabled(if: EngineAvailability.enabled, "the embedding engine is not installed (scripts/install-embedding-engine.sh)"))
struct EmbeddingTests {
    let engine: E5Embedder

    init() throws { engine = try EngineAvailability.shared.get() }

    @Test func bindingGivesUnitVectorsThatKnowParaphrases() throws {
        #expect(engine.dimension == 384)
        #expect(engine.modelID.hasPrefix("multilingual-e5-small-q4+tokens:"))
        // What shared artifacts are named by before the engine loads is what the engine reports.
        let identity = try #require(E5Embedder.identity(ofModelAt: E5Embedder.defaultModelPath))
        #expect(identity.id == engine.modelID && identity.dimension == engine.dimension)
        let question = try engine.embed(["예약하고 안 온 손님 돈 돌려줘요?"], as: .query, threads: 2)[0]
        let passages = try engine.embed(["노쇼 고객의 환불: 첫 1박 요금은 환불되지 않습니다.", "주차장은 지하 2층에 있으며 투숙객은 무료입니다."],
                                        as: .passage, threads: 2)
        for vector in [question] + passages {
            #expect(vector.count == 384)
            #expect(abs(vector.reduce(0) { $0 + $1 * $1 } - 1) < 0.001)
        }
        #expect(cosine(question, passages[0]) > cosine(question, passages[1]) + 0.02)
        // Float16 storage keeps the ranking.
        let stored = VectorMath.decode(VectorMath.encode(passages[0])) + VectorMath.decode(VectorMath.encode(passages[1]))
        let dots = VectorMath.dotProducts(question, stored, dimension: 384)
        #expect(abs(dots[0] - cosine(question, passages[0])) < 0.005)
        #expect(dots[0] > dots[1])
    }

    @Test func damagedModelFilesAreRefusedWithAReason() throws {
        let folder = try TemporaryDirectory()
        let model = try Data(contentsOf: URL(fileURLWithPath: E5Embedder.defaultModelPath), options: .alwaysMapped)
        for (name, bytes) in [("empty.bin", Data()), ("header.bin", model.prefix(64)), ("half.bin", model.prefix(model.count / 2)),
                              ("short.bin", model.prefix(model.count - 1)), ("text.bin", Data("not a model".utf8))] {
            let path = try folder.write(name, bytes)
            #expect(throws: EmbeddingError.self, "\(name)") { try E5Embedder(modelPath: path) }
        }
        let missing = #expect(throws: EmbeddingError.self) { try E5Embedder(modelPath: folder.path + "/nothing.bin") }
        #expect(missing?.message.contains("not found") == true)
    }

    @Test func vectorsAreComputedOnceAndSurviveARestart() async throws {
        let repeated = "VIP 고객 응대: 도착 30분 전에 객실 점검을 마치고 웰컴 과일을 준비합니다."
        let manuals = try await IndexedTexts([
            "a.txt": "체크인은 오후 3시부터입니다. 얼리 체크인은 객실 상황에 따라 가능합니다.",
            "b.txt": repeated,
            "c.txt": repeated,
        ])
        let counting = CountingEmbedder(engine)
        try SemanticIndex(index: manuals.index, threads: 2).embedAll(with: counting)
        let distinct = try await manuals.index.semanticCounts(model: engine.modelID)
        #expect(distinct.pendingPassages == 0)
        #expect(counting.count == distinct.readyPassages)
        // The repeated passage (in both files) was embedded once.
        let chunks = try await manuals.index.stats().chunks
        #expect(counting.count < chunks)

        // A restart on the same database: nothing to embed.
        let reopened = try ManualIndex(path: manuals.data.url.appendingPathComponent("index.sqlite").path)
        let again = CountingEmbedder(engine)
        try SemanticIndex(index: reopened, threads: 2).embedAll(with: again)
        #expect(again.count == 0)
        #expect(try vectorCounts(reopened).orphans == 0)
    }

    @Test func aDocumentUpdateReplacesItsVectorsAndARemovalTakesThem() async throws {
        let manuals = try await IndexedTexts(["a.txt": "수영장은 오전 6시부터 밤 10시까지 운영합니다.", "b.txt": "조식은 2층 레스토랑에서 7시부터 제공합니다."])
        let semantic = SemanticIndex(index: manuals.index, threads: 2)
        try semantic.embedAll(with: engine)
        #expect(try vectorCounts(manuals.index) == (0, 2))

        try manuals.manuals.write("a.txt", Data("수영장은 리모델링으로 3월까지 문을 닫습니다.".utf8))
        try await FolderIngestor(index: manuals.index, extractor: isolatedExtractor()).sync(folder: manuals.manuals.path)
        // The old passage's vector left with it; the new passage waits for its own.
        #expect(try vectorCounts(manuals.index) == (0, 1))
        #expect(try manuals.index.pendingPassages(model: engine.modelID, limit: 10).map(\.text) == ["수영장은 리모델링으로 3월까지 문을 닫습니다."])
        let counting = CountingEmbedder(engine)
        try semantic.embedAll(with: counting)
        #expect(counting.count == 1)

        try await manuals.index.remove(source: manuals.manuals.url.appendingPathComponent("b.txt").standardizedFileURL.path)
        #expect(try vectorCounts(manuals.index) == (0, 1))
    }

    @Test func denseSearchFindsAParaphrasedQuestion() async throws {
        let manuals = try await IndexedTexts([
            "pool.txt": "수영장은 오전 6시부터 밤 10시까지 운영하며 수영모 착용이 필요합니다.",
            "parking.txt": "주차장은 지하 2층이며 투숙객은 1대 무료 주차가 가능합니다.",
            "breakfast.txt": "조식 뷔페는 2층 레스토랑에서 오전 7시부터 10시까지 제공됩니다.",
        ])
        let semantic = SemanticIndex(index: manuals.index, threads: 2)
        try semantic.embedAll(with: engine)
        var search = HybridSearch(semantic: semantic)
        // The refusal threshold was calibrated on a 656-page corpus; three one-line manuals give
        // lower cosines. This test is about ranking.
        search.fusion.refusalThreshold = 0
        let dense = try await search.rank("아침밥 몇 시에 먹을 수 있어요?", mode: .dense)
        #expect(dense.passages.first?.fileName == "breakfast.txt")
        let hybrid = try await search.find("차 세워둘 곳 있나요?", limit: 3)
        #expect(hybrid.hits.first?.fileName == "parking.txt")
        #expect(hybrid.hits.first?.text.contains("지하 2층") == true)
    }

    @Test func healthReportsSemanticProgressAndChatUsesIt() async throws {
        let server = try await LiveServer { settings in settings.embeddings = true }
        defer { Task { await server.stop() } }
        try await server.waitForIngest()
        var semantic: [String: Any] = [:]
        // Bounded, but generous: the embedding thread runs at nice 19 beside a parallel test run.
        for _ in 0..<3600 {
            let health = try await server.request("GET", "/api/v1/health").json
            semantic = health["semantic"] as? [String: Any] ?? [:]
            if semantic["ready"] as? Bool == true { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(semantic["ready"] as? Bool == true, "\(semantic)")
        #expect(semantic["state"] as? String == "ready")
        #expect(semantic["pending"] as? Int == 0)
        #expect(semantic["pending_passages"] as? Int == 0)
        #expect((semantic["ready_passages"] as? Int ?? 0) > 5)
        #expect((semantic["model"] as? String)?.hasPrefix("multilingual-e5-small") == true)
        let reply = try await server.postJSON("/api/v1/chat", ["message": "예약하고 안 온 손님 돈 돌려줘야 돼요?"]).json
        #expect((reply["reply"] as? String)?.contains("p.2]") == true, "\(reply)")
        let metrics = try await server.request("GET", "/metrics").text
        #expect(metrics.contains("manualbot_embedded_passages_total"))
        #expect(metrics.contains("manualbot_embed_seconds_total"))
    }

    @Test func aBrokenModelLeavesLexicalServiceAndSaysWhy() async throws {
        let folder = try TemporaryDirectory()
        let model = try Data(contentsOf: URL(fileURLWithPath: E5Embedder.defaultModelPath), options: .alwaysMapped)
        let truncated = try folder.write("truncated.bin", model.prefix(model.count / 3))
        let server = try await LiveServer { settings in
            settings.embeddings = true
            settings.embedModelPath = truncated
        }
        defer { Task { await server.stop() } }
        try await server.waitForIngest()
        var semantic: [String: Any] = [:]
        for _ in 0..<200 {
            semantic = try await server.request("GET", "/api/v1/health").json["semantic"] as? [String: Any] ?? [:]
            if semantic["state"] as? String == "unavailable" { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(semantic["state"] as? String == "unavailable")
        #expect(semantic["ready"] as? Bool == false)
        #expect((semantic["reason"] as? String)?.contains("truncated") == true, "\(semantic)")
        let chat = try await server.postJSON("/api/v1/chat", ["message": "노쇼 고객 환불 어떻게 해요?"])
        #expect(chat.status == 200)
        #expect((chat.json["sources"] as? [Any])?.isEmpty == false)
    }

    @Test func embeddingsOffIsLexicalOnly() async throws {
        let server = try await LiveServer { settings in settings.embeddings = false }
        defer { Task { await server.stop() } }
        try await server.waitForIngest()
        let semantic = try await server.request("GET", "/api/v1/health").json["semantic"] as? [String: Any] ?? [:]
        #expect(semantic["enabled"] as? Bool == false)
        #expect(semantic["state"] as? String == "off")
        #expect(semantic["reason"] as? String == "EMBEDDINGS=off")
        #expect(server.service.semantic == nil)
        let lexical = try await server.service.index.find("노쇼 고객 환불 어떻게 해요?", limit: 5)
        let served = try await server.service.find("노쇼 고객 환불 어떻게 해요?", limit: 5)
        #expect(served.hits == lexical.hits)
        #expect(try vectorCounts(server.service.index).total == 0)
    }

    /// Many chats at once, with health checks among them, all answered: no request may block
    /// one of Swift's concurrency threads (one per core) waiting for a database connection. The
    /// dense index's version and the semantic counts were read that way, and 64 concurrent chats
    /// on 2 cores stopped the server for good (`make load`).
    @Test func concurrentChatsAndHealthChecksAllComplete() async throws {
        let data = try TemporaryDirectory()
        let server = try ServeProcess(manualsDirectory: Paths.sampleManuals.path, dataDirectory: data.path,
                                      environment: ["EMBEDDINGS": "on"])
        try await server.start()
        defer { server.killHard() }
        _ = try await server.waitForIngest()
        // While the passages are embedding (the dense index is rebuilt as vectors arrive) and after.
        var statuses: [Int] = []
        for wave in 0..<6 {
            if wave == 3 { _ = try await server.waitForSemanticReady() }
            statuses += try await withThrowingTaskGroup(of: Int.self) { group in
                for number in 0..<96 {
                    group.addTask {
                        if number % 3 == 2 { return try await server.request("GET", "/api/v1/health").0 }
                        let body = try JSONSerialization.data(withJSONObject: [
                            "userId": "load", "sessionId": "\(number)", "message": "노쇼 고객 환불 어떻게 해요? \(wave) \(number)",
                            "customerAttributes": [:],
                        ])
                        return try await server.request("POST", "/api/v1/chat", body: body, headers: ["Content-Type": "application/json"]).0
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
        }
        #expect(statuses.count == 6 * 96 && statuses.allSatisfy { $0 == 200 }, "\(statuses)")
    }

    /// EMBED_THREADS is what the engine runs on. A thread starts with its creator's name, so the
    /// embedding thread's OpenMP workers are named manualbot-embed too: n of them with
    /// EMBED_THREADS=n. (The engine once bound to the system libgomp that Tesseract loads, and ran
    /// every call on all cores whatever was set.)
    @Test(arguments: [1, 2]) func embedThreadsIsWhatTheEngineRunsOn(_ threads: Int) async throws {
        let data = try TemporaryDirectory()
        let server = try ServeProcess(manualsDirectory: Paths.sampleManuals.path, dataDirectory: data.path,
                                      environment: ["EMBEDDINGS": "on", "EMBED_THREADS": "\(threads)"])
        try await server.start()
        let semantic = try await server.waitForSemanticReady()
        #expect(semantic["ready"] as? Bool == true, "\(semantic)")
        let pid = server.process.processIdentifier
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        let names = tasks.compactMap { try? String(contentsOfFile: "/proc/\(pid)/task/\($0)/comm", encoding: .utf8) }
            .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        #expect(names.filter { $0 == "manualbot-embed" }.count == threads, "\(names.sorted())")
        server.killHard()
    }

    @Test func killDuringEmbeddingLeavesAConsistentIndexThatResumes() async throws {
        let data = try TemporaryDirectory()
        let environment = ["EMBEDDINGS": "on", "EMBED_THREADS": "1"]
        let first = try ServeProcess(manualsDirectory: Paths.sampleManuals.path, dataDirectory: data.path, environment: environment)
        try await first.start()
        var pendingAtKill = 0
        for _ in 0..<2400 {
            let semantic = try await first.request("GET", "/api/v1/health").1["semantic"] as? [String: Any] ?? [:]
            if (semantic["ready_passages"] as? Int ?? 0) > 0, let pending = semantic["pending_passages"] as? Int, pending > 0 {
                pendingAtKill = pending
                break
            }
            try await Task.sleep(for: .milliseconds(25))
        }
        first.killHard()
        #expect(pendingAtKill > 0)

        let index = try ManualIndex(path: data.url.appendingPathComponent("manualbot.sqlite").path)
        #expect(try await index.integrityCheck() == "ok")
        #expect(try vectorCounts(index).orphans == 0)

        let second = try ServeProcess(manualsDirectory: Paths.sampleManuals.path, dataDirectory: data.path, environment: environment)
        try await second.start()
        let semantic = try await second.waitForSemanticReady()
        #expect(semantic["ready"] as? Bool == true, "\(semantic)")
        let embedded = ServeProcess.metric(try await second.metricsText(), "manualbot_embedded_passages_total")
        // The second run embedded only what the first had not stored (and at most one batch more
        // that was in flight when the first was killed).
        #expect(embedded > 0 && embedded <= pendingAtKill, "embedded \(embedded), pending at kill \(pendingAtKill)")
        second.killHard()
        #expect(try vectorCounts(index).orphans == 0)
    }
}
