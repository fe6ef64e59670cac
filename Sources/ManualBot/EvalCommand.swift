// `manualbot eval`: ingests a folder into fresh temporary indexes (one per tokenizer mode) and
// prints retrieval metrics for a JSONL query file, overall and per kind/domain.
import ArgumentParser
import Foundation
import PDFIngest
import Retrieval

struct Eval: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure retrieval: MRR@k, Hit@1, Hit@k, File@k, no-answer accuracy, timings.")

    @Option(help: "Folder of the PDFs (and .txt) to search; repeat for several.")
    var pdfs: [String]

    @Option(help: "JSONL queries: {id, question, file, pages, [domain], [kind], [context_type]}.")
    var queries: String

    @Option(help: "Top k.")
    var k = 5

    @Option(help: "Comma-separated modes: standard (the service), bigram, whitespace (baselines).")
    var modes = "whitespace,bigram,standard"

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

    func run() async throws {
        let queryList = try EvalQuery.load(jsonl: queries)
        guard !queryList.isEmpty else { throw ValidationError("no queries in \(queries)") }
        let selected = try modes.split(separator: ",").map { name in
            guard let mode = KoreanTokenizer.Mode(rawValue: String(name)) else {
                throw ValidationError("unknown mode \(name); use standard, bigram, whitespace")
            }
            return mode
        }
        let workspace = FileManager.default.temporaryDirectory.appendingPathComponent("manualbot-eval-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: workspace) }
        // OCR and its limits as the server would have them (OCR=off to compare with text-only runs).
        let extractor = IsolatedExtractor(executable: IsolatedExtractor.currentExecutable, ocr: try loadSettings().ocr)

        var results: [ModeResult] = []
        for mode in selected {
            let index = try ManualIndex(path: workspace.appendingPathComponent("\(mode.rawValue).sqlite").path,
                                        tokenizer: KoreanTokenizer(mode: mode))
            var report = IngestReport()
            for folder in pdfs {
                var ingestor = FolderIngestor(index: index, extractor: extractor)
                ingestor.chunker = Chunker(maxCharacters: chunkSize, overlapCharacters: overlap)
                let part = try await ingestor.sync(folder: folder)
                report.seconds += part.seconds
                report.pages += part.pages
                report.failed.merge(part.failed) { a, _ in a }
            }
            let options = options(for: mode)
            let outcomes = try await index.evaluate(queryList, k: k, options: options)
            let latencies = outcomes.map { $0.seconds * 1000 }
            results.append(ModeResult(
                mode: mode.rawValue, ingestSeconds: report.seconds, pages: report.pages,
                failedFiles: report.failed.count, p50ms: percentile(latencies, 50), p99ms: percentile(latencies, 99),
                overall: EvalMetrics.compute(outcomes, k: k),
                groups: Self.groups(outcomes, k: k)))
            if misses, mode == .standard { Self.printMisses(outcomes, k: k) }
            if let dump, mode == .standard { try Self.dump(outcomes, k: k, to: dump) }
        }
        printTable(results, queryCount: queryList.count)
        if let json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            try encoder.encode(results).write(to: URL(fileURLWithPath: json))
        }
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
        guard let standard = results.first(where: { $0.mode == "standard" }) ?? results.last, !standard.groups.isEmpty else { return }
        print("\nby group (\(standard.mode)):")
        print("| group | n | MRR@\(k) | Hit@1 | Hit@\(k) | page Hit@\(k) | false refusals | none n | no-answer acc. |")
        print("|---|---|---|---|---|---|---|---|---|")
        for (name, m) in standard.groups.sorted(by: { $0.key < $1.key }) {
            print("| \(name) | \(m.queries) | \(num(m.mrr)) | \(pct(m.hit1)) | \(pct(m.hitK)) | \(pct(m.pageHitK)) | \(pct(m.falseRefusals)) | \(m.unanswerable) | \(m.unanswerable > 0 ? pct(m.noAnswerAccuracy) : "–") |")
        }
    }
}
