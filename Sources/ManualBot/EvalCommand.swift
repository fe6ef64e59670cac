// `manualbot eval`: ingests a folder into fresh temporary indexes (one per tokenizer; dense and
// hybrid share the standard one and embed its passages first) and prints retrieval metrics for a
// JSONL query file, overall and per kind/domain.
import ArgumentParser
import Embeddings
import Foundation
import PDFIngest
import Retrieval
import SemanticSearch

struct Eval: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure retrieval: MRR@k, Hit@1, Hit@k, File@k, no-answer accuracy, timings.")

    @Option(help: "Folder of the PDFs (and .txt) to search; repeat for several.")
    var pdfs: [String]

    @Option(help: "JSONL queries: {id, question, file, pages, [domain], [kind], [context_type]}.")
    var queries: String

    @Option(help: "Top k.")
    var k = 5

    @Option(help: "Comma-separated modes: standard (lexical, the service with EMBEDDINGS=off), bigram, whitespace (baselines), dense (e5 alone), hybrid (the service), rrf (plain reciprocal-rank fusion).")
    var modes = "whitespace,bigram,standard,dense,hybrid"

    @Option(help: "Only the queries of this split (dev or test; the sha256(id) rule unless the file says).")
    var split: String?

    @Option(help: "Keep the indexes and passage vectors in this folder between runs (default: a temporary one).")
    var data: String?

    @Option(help: "Embedding model file (default: EMBED_MODEL_PATH or the installed e5-small-q4.bin).")
    var embedModel: String?

    @Option(help: "Threads for embedding passages.")
    var embedThreads = 2

    @Option(help: "Hybrid: how the two rankings are fused.")
    var fusionMethod: FusionParameters.Method?

    @Option(help: "Hybrid, score fusion: temperature of exp((cosine − best cosine) / T).")
    var denseTemperature: Double?

    @Option(help: "Hybrid, reciprocal-rank fusion: rank offset k.")
    var rrfK: Double?

    @Option(help: "Hybrid: lexical share (score fusion) or weight (RRF) = base + slope × best coverage.")
    var lexicalBase: Double?

    @Option(help: "Hybrid: lexical weight slope on the best passage's coverage.")
    var lexicalSlope: Double?

    @Option(help: "Hybrid: dense candidates fused.")
    var denseDepth: Int?

    @Option(help: "Hybrid: refuse when coverage weight × coverage + best cosine is below this.")
    var refusalThreshold: Double?

    @Option(help: "Hybrid: weight of the lexical coverage in the refusal rule.")
    var refusalCoverageWeight: Double?

    @Option(help: "Hybrid: fused pages re-ordered by late interaction (MaxSim); 0 keeps the fused order.")
    var rerankDepth: Int?

    @Option(help: "Hybrid: weight of the late-interaction z-score beside the fused score's.")
    var rerankWeight: Double?

    @Option(help: "Write each query's lexical and dense candidates (JSON lines) here, for offline calibration.")
    var dumpCandidates: String?

    @Option(help: "Write all figures as JSON here.")
    var json: String?

    @Flag(help: "Print each missed query of the standard mode.")
    var misses = false

    @Option(help: "Standard mode: write one JSON line per query (top passages' scores) here, for calibration.")
    var dump: String?

    @Option(help: "Passage size in characters (all modes).")
    var chunkSize = 500

    @Option(help: "Passage overlap in characters (all modes).")
    var overlap = 100

    @Option(help: "BM25 k1 (all modes).")
    var k1: Double?

    @Option(help: "BM25 b (all modes).")
    var b: Double?

    @Option(help: "Standard mode: coverage weight in the final score (0…1).")
    var coverageWeight: Double?

    @Option(help: "Standard mode: exponent of the coverage factor in the final score.")
    var coverageExponent: Double?

    @Option(help: "Standard mode: least coverage of the best passage, else \"nothing found\".")
    var minCoverage: Double?

    @Flag(help: "Standard mode: no typo correction of question words (to measure what it adds).")
    var noTypoCorrection = false

    func options(for mode: KoreanTokenizer.Mode) -> SearchOptions {
        var options = mode == .standard ? SearchOptions() : .plainBM25
        if let k1 { options.bm25.k1 = k1 }
        if let b { options.bm25.b = b }
        if mode == .standard {
            if let coverageWeight { options.coverageWeight = coverageWeight }
            if let coverageExponent { options.coverageExponent = coverageExponent }
            if noTypoCorrection { options.correctTypos = false }
            if let minCoverage { options.minimumCoverage = minCoverage }
        }
        return options
    }

    enum Mode: String, CaseIterable {
        case whitespace, bigram, standard, dense, hybrid, rrf

        var tokenizer: KoreanTokenizer.Mode {
            switch self {
            case .whitespace: .whitespace
            case .bigram: .plainBigrams
            default: .standard
            }
        }
        var needsVectors: Bool { self == .dense || self == .hybrid || self == .rrf }
    }

    func fusion() -> FusionParameters {
        var fusion = FusionParameters()
        if let fusionMethod { fusion.method = fusionMethod }
        if let denseTemperature { fusion.denseTemperature = denseTemperature }
        if let rrfK { fusion.rankOffset = rrfK }
        if let lexicalBase { fusion.lexicalBase = lexicalBase }
        if let lexicalSlope { fusion.lexicalSlope = lexicalSlope }
        if let denseDepth { fusion.denseDepth = denseDepth }
        if let refusalThreshold { fusion.refusalThreshold = refusalThreshold }
        if let refusalCoverageWeight { fusion.refusalCoverageWeight = refusalCoverageWeight }
        if let rerankDepth { fusion.rerankDepth = rerankDepth }
        if let rerankWeight { fusion.rerankWeight = rerankWeight }
        return fusion
    }

    func run() async throws {
        var queryList = try EvalQuery.load(jsonl: queries)
        if let split { queryList = queryList.filter { $0.split == split } }
        guard !queryList.isEmpty else { throw ValidationError("no queries in \(queries)") }
        let selected = try modes.split(separator: ",").map { name in
            guard let mode = Mode(rawValue: String(name)) else {
                throw ValidationError("unknown mode \(name); use \(Mode.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return mode
        }
        let temporary = FileManager.default.temporaryDirectory.appendingPathComponent("manualbot-eval-\(UUID().uuidString)")
        let workspace = data.map { URL(fileURLWithPath: $0) } ?? temporary
        defer { try? FileManager.default.removeItem(at: temporary) }
        // OCR and its limits as the server would have them (OCR=off to compare with text-only runs).
        let extractor = IsolatedExtractor(executable: IsolatedExtractor.currentExecutable, ocr: try loadSettings().ocr)

        var indexes: [KoreanTokenizer.Mode: (ManualIndex, IngestReport)] = [:]
        func index(for tokenizer: KoreanTokenizer.Mode) async throws -> (ManualIndex, IngestReport) {
            if let open = indexes[tokenizer] { return open }
            let name = "\(tokenizer.rawValue)-\(chunkSize)-\(overlap).sqlite"
            let index = try ManualIndex(path: workspace.appendingPathComponent(name).path, tokenizer: KoreanTokenizer(mode: tokenizer))
            var report = IngestReport()
            for folder in pdfs {
                var ingestor = FolderIngestor(index: index, extractor: extractor)
                ingestor.chunker = Chunker(maxCharacters: chunkSize, overlapCharacters: overlap)
                let part = try await ingestor.sync(folder: folder)
                report.seconds += part.seconds
                report.pages += part.pages
                report.failed.merge(part.failed) { a, _ in a }
            }
            indexes[tokenizer] = (index, report)
            return (index, report)
        }
        var semantic: SemanticIndex?
        func hybridSearch(_ index: ManualIndex) throws -> HybridSearch {
            if semantic == nil {
                let embedder = try E5Embedder(modelPath: embedModel ?? ProcessInfo.processInfo.environment["EMBED_MODEL_PATH"] ?? E5Embedder.defaultModelPath)
                let created = SemanticIndex(index: index, threads: embedThreads, batchSize: 16)
                let started = ContinuousClock.now
                try created.embedAll(with: embedder) { counts in
                    FileHandle.standardError.write(Data("\rembedding: \(counts.readyPassages) done, \(counts.pendingPassages) to go, \(Int((ContinuousClock.now - started).seconds)) s   ".utf8))
                }
                FileHandle.standardError.write(Data("\n".utf8))
                semantic = created
            }
            var search = HybridSearch(semantic: semantic!)
            search.options = options(for: .standard)
            search.fusion = fusion()
            return search
        }

        var results: [ModeResult] = []
        for mode in selected {
            let (index, report) = try await index(for: mode.tokenizer)
            let outcomes: [EvalOutcome]
            if mode.needsVectors {
                var search = try hybridSearch(index)
                if mode == .rrf { search.fusion = FusionParameters.plainRRF }
                let hybridMode: HybridSearch.Mode = mode == .dense ? .dense : .hybrid
                outcomes = try await ManualIndex.evaluate(queryList, k: k) { try await search.rank($0, mode: hybridMode) }
                if let dumpCandidates, mode == .hybrid { try await Self.dumpCandidates(queryList, search: search, to: dumpCandidates) }
            } else {
                outcomes = try await index.evaluate(queryList, k: k, options: options(for: mode.tokenizer))
            }
            let latencies = outcomes.map { $0.seconds * 1000 }
            results.append(ModeResult(
                mode: mode.rawValue, ingestSeconds: report.seconds, pages: report.pages,
                failedFiles: report.failed.count, p50ms: percentile(latencies, 50), p99ms: percentile(latencies, 99),
                overall: EvalMetrics.compute(outcomes, k: k),
                groups: Self.groups(outcomes, k: k)))
            if misses, mode == .standard || mode == .hybrid { Self.printMisses(outcomes, k: k) }
            if let dump, mode == .standard { try Self.dump(outcomes, k: k, to: dump) }
        }
        printTable(results, queryCount: queryList.count)
        if let json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            try encoder.encode(results).write(to: URL(fileURLWithPath: json))
        }
    }

    /// Per query: the lexical candidates (score, coverage) and the dense ones (cosine), with the
    /// labels, so that fusion and refusal can be calibrated offline on the dev split.
    static func dumpCandidates(_ queries: [EvalQuery], search: HybridSearch, to path: String) async throws {
        var lines = ""
        for query in queries {
            let lexical = try await search.rank(query.question, mode: .lexical)
            let dense = try await search.nearest(query.question) ?? []
            let object: [String: Any] = [
                "id": query.id, "split": query.split, "answerable": query.isAnswerable, "kind": query.kind ?? "",
                "file": query.file ?? "", "pages": query.pages, "lexical_refused": lexical.refused,
                "lexical": lexical.passages.prefix(80).map { ["chunk": $0.chunkID, "score": $0.score, "coverage": $0.coverage, "file": $0.fileName, "page": $0.page] as [String: Any] },
                "dense": dense.map { ["chunk": $0.chunkID, "cosine": Double($0.cosine), "file": $0.fileName, "page": $0.page] as [String: Any] },
            ]
            lines += String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self) + "\n"
        }
        try lines.write(toFile: path, atomically: true, encoding: .utf8)
    }

    struct ModeResult: Codable {
        var mode: String
        var ingestSeconds: Double
        var pages: Int
        var failedFiles: Int
        var p50ms: Double
        var p99ms: Double
        var overall: EvalMetrics
        var groups: [String: EvalMetrics]
    }

    static func groups(_ outcomes: [EvalOutcome], k: Int) -> [String: EvalMetrics] {
        var grouped: [String: [EvalOutcome]] = [:]
        for outcome in outcomes {
            if let kind = outcome.query.kind { grouped["kind=\(kind)", default: []].append(outcome) }
            if let domain = outcome.query.domain { grouped["domain=\(domain)", default: []].append(outcome) }
            if let context = outcome.query.contextType { grouped["context=\(context)", default: []].append(outcome) }
        }
        return grouped.mapValues { EvalMetrics.compute($0, k: k) }
    }

    static func dump(_ outcomes: [EvalOutcome], k: Int, to path: String) throws {
        var lines = ""
        for outcome in outcomes {
            let top = outcome.passages.prefix(k).map { ["score": $0.score, "coverage": $0.coverage, "file": $0.fileName, "page": $0.page] as [String: Any] }
            let found = outcome.query.isAnswerable && outcome.passages.prefix(k).contains(where: outcome.query.matches)
            // Where the first right passage sits among all candidates (0 = not among them).
            let rank = (outcome.passages.firstIndex(where: outcome.query.matches) ?? -1) + 1
            let object: [String: Any] = ["id": outcome.query.id, "answerable": outcome.query.isAnswerable, "found": found,
                                         "rank": rank, "top": top]
            lines += String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self) + "\n"
        }
        try lines.write(toFile: path, atomically: true, encoding: .utf8)
    }

    static func printMisses(_ outcomes: [EvalOutcome], k: Int) {
        for outcome in outcomes {
            let query = outcome.query
            if query.isAnswerable, !outcome.pages.prefix(k).contains(where: query.matches) {
                let got = outcome.refused ? "refused" : outcome.pages.prefix(3).map { "\($0.fileName.prefix(20)) p.\($0.page)" }.joined(separator: ", ")
                print("MISS \(query.id) \(query.question.prefix(40)) → want \(query.file ?? "") \(query.pages.prefix(3)); got \(got)")
            } else if !query.isAnswerable, !outcome.refused {
                print("ANSWERED-NONE \(query.id) \(query.question.prefix(40)) → \(outcome.pages.first.map { "\($0.fileName.prefix(20)) p.\($0.page) cov \(String(format: "%.2f", $0.coverage))" } ?? "")")
            }
        }
    }

    func printTable(_ results: [ModeResult], queryCount: Int) {
        func pct(_ value: Double) -> String { String(format: "%5.1f%%", value * 100) }
        func num(_ value: Double) -> String { String(format: "%.3f", value) }
        print("\n\(queries): \(queryCount) queries, k=\(k), pdfs: \(pdfs.joined(separator: ", "))")
        print("| mode | MRR@\(k) | Hit@1 | Hit@\(k) | File@\(k) | page MRR@\(k) | page Hit@\(k) | false refusals | no-answer acc. | ingest s | query p50 ms | p99 ms |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|")
        for result in results {
            let m = result.overall
            print("| \(result.mode) | \(num(m.mrr)) | \(pct(m.hit1)) | \(pct(m.hitK)) | \(pct(m.fileK)) | \(num(m.pageMRR)) | \(pct(m.pageHitK)) | \(pct(m.falseRefusals)) | \(m.unanswerable > 0 ? pct(m.noAnswerAccuracy) : "–") | \(String(format: "%.2f", result.ingestSeconds)) | \(String(format: "%.2f", result.p50ms)) | \(String(format: "%.2f", result.p99ms)) |")
        }
        guard let standard = results.first(where: { $0.mode == "hybrid" }) ?? results.first(where: { $0.mode == "standard" }) ?? results.last,
              !standard.groups.isEmpty else { return }
        print("\nby group (\(standard.mode)):")
        print("| group | n | MRR@\(k) | Hit@1 | Hit@\(k) | page Hit@\(k) | false refusals | none n | no-answer acc. |")
        print("|---|---|---|---|---|---|---|---|---|")
        for (name, m) in standard.groups.sorted(by: { $0.key < $1.key }) {
            print("| \(name) | \(m.queries) | \(num(m.mrr)) | \(pct(m.hit1)) | \(pct(m.hitK)) | \(pct(m.pageHitK)) | \(pct(m.falseRefusals)) | \(m.unanswerable) | \(m.unanswerable > 0 ? pct(m.noAnswerAccuracy) : "–") |")
        }
    }
}

/// `--fusion-method score|reciprocalRank`, parsed and listed in --help by ArgumentParser.
extension FusionParameters.Method: ExpressibleByArgument {}
