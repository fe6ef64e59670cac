// The `manualbot` command: serve the API, ingest manuals, ask a question offline, or parse one
// file as the isolated child process of an ingest.
import ArgumentParser
import Foundation
import HTTPServer
import Logging
import PDFIngest
import Retrieval
import SemanticSearch
import Embeddings

@main
struct ManualBot: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "manualbot",
        abstract: "Answers hotel staff questions from PDF manuals, citing file and page.",
        subcommands: [Serve.self, Ingest.self, Ask.self, Eval.self, Extract.self, Smoke.self, Healthcheck.self])
}

/// Logging to stdout as JSON lines, at the configured level.
func bootstrapLogging(level: Logger.Level) -> Logger {
    LoggingSystem.bootstrap { label in JSONLogHandler(label: label, level: level) }
    return Logger(label: "manualbot")
}

func loadSettings() throws -> Settings {
    do {
        return try Settings.fromEnvironment()
    } catch {
        throw ValidationError("configuration: \(error)")
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the HTTP API (API_KEY required; HOST, PORT, DATA_DIR, MANUALS_DIR or S3_BUCKET, … from the environment).")

    func run() async throws {
        let settings = try loadSettings()
        guard settings.apiKey != nil else {
            throw ValidationError("API_KEY is not set: every endpoint but health needs it. Set API_KEY (from Secrets Manager on ECS; `bash scripts/run.sh` sets a local development key).")
        }
        let logger = bootstrapLogging(level: settings.logLevel)
        let service = try makeService(settings: settings)
        let app = buildApplication(settings: settings, service: service, logger: logger) { port in
            logger.info("listening", metadata: ["host": "\(settings.host)", "port": "\(port)", "manuals": "\(service.manualSource)"])
        }
        try await app.runService()
    }
}

struct Ingest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Index manual folders into DATA_DIR's index, offline; exits non-zero when a file fails.")

    @Argument(help: "Folders of .pdf/.txt manuals.")
    var paths: [String]

    func run() async throws {
        let settings = try loadSettings()
        let service = try makeService(settings: settings)
        var failures = 0
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw ValidationError("\(path) is not a folder")
            }
            var ingestor = service.ingestor
            ingestor.refreshesSearch = false
            let report = try await ingestor.sync(folder: path) { progress in
                let rate = progress.elapsed > 0 ? Double(progress.pages) / progress.elapsed : 0
                FileHandle.standardError.write(Data(String(format: "\r%d/%d files, %d pages, %.0f pages/s",
                                                           progress.filesDone, progress.filesTotal, progress.pages, rate).utf8))
            }
            FileHandle.standardError.write(Data("\n".utf8))
            print(String(format: "%@: %d added, %d updated, %d removed, %d unchanged, %d failed, %d pages in %.2f s",
                         path, report.added.count, report.updated.count, report.removed.count, report.unchanged,
                         report.failed.count, report.pages, report.seconds))
            for (file, reason) in report.failed.sorted(by: { $0.key < $1.key }) {
                print("  failed: \(file): \(reason)")
            }
            failures += report.failed.count
        }
        if failures > 0 { throw ExitCode(1) }
    }
}

struct Ask: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Answer one question from DATA_DIR's index, offline.")

    @Argument(help: "The question, e.g. \"노쇼 고객 환불 어떻게 해요?\"")
    var question: String

    @Option(help: "How many sources to show.")
    var k = 5

    @Flag(help: "Also print the terms searched for: word group, weight, synonym or typo alternative.")
    var terms = false

    func run() async throws {
        let settings = try loadSettings()
        let index = try ManualIndex(path: settings.databasePath)
        // The server's search: hybrid when the model is installed (with the vectors `serve` has
        // stored so far), lexical otherwise.
        var result = try await index.find(question, limit: k)
        if settings.embeddingsEnabled {
            do {
                let semantic = SemanticIndex(index: index, threads: 1)
                semantic.attach(try E5Embedder(libraryPath: settings.embedEnginePath, modelPath: settings.embedModelPath))
                result = try await HybridSearch(semantic: semantic).find(question, limit: k)
            } catch {
                FileHandle.standardError.write(Data("semantic search unavailable, lexical only: \(error)\n".utf8))
            }
        }
        let hits = result.hits
        if terms {
            for group in Dictionary(grouping: result.terms, by: \.group).sorted(by: { $0.key < $1.key }) {
                let alternatives = Dictionary(grouping: group.value, by: \.alternative).sorted { $0.key < $1.key }
                let text = alternatives.map { alternative, items in
                    (alternative == 0 ? "" : "| ") + items.map(\.term).joined(separator: " ")
                }.joined(separator: " ")
                print(String(format: "terms %d (weight %.1f): ", group.key, group.value[0].weight) + text)
            }
            print("")
        }
        print(ExtractiveAnswer(maxCharacters: settings.answerMaxCharacters).reply(to: result))
        if !hits.isEmpty { print("") }
        for (rank, hit) in hits.enumerated() {
            print(String(format: "%d. %@ p.%d  score %.3f  coverage %.2f", rank + 1, hit.fileName, hit.page, hit.score, hit.coverage))
        }
    }
}

struct Extract: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Parse one PDF or text file and print its pages as JSON (the isolated parse worker).")

    @Argument(help: "The file to parse (none with --serve).")
    var file: String?

    @Flag(help: "Stay running: parse the files named on stdin, one request a line (the server's worker).")
    var serve = false

    @Option(help: "Address-space limit for this process, in MB.")
    var maxMemoryMb = 1024

    @Option(help: "CPU-time limit for this process, in seconds.")
    var maxCpuSeconds = 120

    @Option(help: "The parent's wall-clock timeout for one file, in seconds (OCR stops starting pages before it).")
    var wallSeconds: Int?

    @Option(help: "OCR pages without a usable text layer: on or off.")
    var ocr = "on"

    @Option(help: "OCR rendering resolution.")
    var ocrDpi = 300

    @Option(help: "Tesseract languages.")
    var ocrLanguages = "kor+eng"

    @Option(help: "Longest OCR of one page, in seconds.")
    var ocrPageTimeout = 30.0

    @Option(help: "Most pages OCR'd in one document.")
    var ocrMaxPages = 100

    @Option(help: "Largest page image for OCR, in pixels.")
    var ocrMaxPixels = 40_000_000

    func run() throws {
        let limits = ExtractWorker.Limits(memoryBytes: maxMemoryMb << 20, cpuSeconds: maxCpuSeconds)
        guard ocr == "on" || ocr == "off" else { throw ValidationError("--ocr must be on or off") }
        let options = OCROptions(enabled: ocr == "on", dpi: ocrDpi, languages: ocrLanguages, pageTimeoutSeconds: ocrPageTimeout,
                                 maxPages: ocrMaxPages, maxPixels: ocrMaxPixels)
        if serve { throw ExitCode(ExtractWorker.serve(limits: limits, ocr: options, wallSeconds: wallSeconds)) }
        guard let file else { throw ValidationError("name the file to parse, or use --serve") }
        let status = ExtractWorker.runChild(path: file, limits: limits, ocr: options)
        if status != 0 { throw ExitCode(status) }
    }
}
