// Service configuration, read from the environment (names from the contract and the README).
import Embeddings
import Foundation
import Logging
import PDFIngest
import S3
import SemanticSearch

public struct Settings: Sendable {
    public var host = "0.0.0.0"
    public var port = 9000
    public var dataDirectory = "./data"
    /// Folder of manuals indexed at start-up; the repo's own sample manuals by default.
    public var manualsDirectory = "./samples/manuals"
    public var logLevel = Logger.Level.info
    /// Largest JSON body accepted on the chat endpoint.
    public var maxJSONBodyBytes = 64 * 1024
    /// Longest extractive reply, in characters.
    public var answerMaxCharacters = 700
    /// Wall-clock limit for parsing one document in its child process.
    public var parseTimeoutSeconds = 120
    public var parseMemoryMB = 1024
    public var parseWorkers = 2
    /// OCR of pages without a usable text layer, in the parse workers (OCR, OCR_DPI, OCR_LANGUAGES,
    /// OCR_PAGE_TIMEOUT_SECONDS, OCR_MAX_PAGES).
    public var ocr = OCROptions()
    /// The `manualbot` binary that runs `extract` children; the running binary by default.
    public var extractorExecutable: String? = nil
    /// Required by `serve`; every endpoint but `OPTIONS`, `GET /` and health needs it.
    public var apiKey: String? = nil
    /// When set, `GET /metrics` needs `Authorization: Bearer <token>`; it never needs the API key.
    public var metricsToken: String? = nil
    /// Browser origins that get CORS headers.
    public var allowedOrigins = ["http://localhost:3000", "https://gaekdam.cloud"]
    public var maxUploadBytes = 50 * 1024 * 1024
    /// Lifetime of presigned upload URLs, in seconds.
    public var presignExpiresSeconds = 600
    /// LLM answers: on when `OPEN_API_KEY` is set (the old service's name for it).
    public var openAIKey: String? = nil
    public var openAIBaseURL = URL(string: "https://api.openai.com/v1")!
    public var openAIModel = "gpt-4o-mini"
    public var openAITimeoutSeconds = 30
    /// When set, this bucket (under `s3Prefix`) is the manual source instead of `manualsDirectory`.
    public var s3Bucket: String? = nil
    public var s3Prefix = ""
    public var awsRegion = "ap-northeast-2"
    /// An S3-compatible server instead of AWS (tests, MinIO, SeaweedFS).
    public var s3Endpoint: URL? = nil
    /// Path-style addressing (`host/bucket/key`); on by default with `s3Endpoint`.
    public var s3ForcePathStyle: Bool? = nil
    /// Seconds between bucket syncs after the start-up one; 0 turns periodic syncing off.
    public var syncIntervalSeconds = 300
    /// Objects larger than this are recorded as failed without being downloaded.
    public var s3MaxObjectMB = 100
    /// Replicas share parse results and vectors through the bucket (S3_ARTIFACTS, with a bucket only).
    public var s3Artifacts = true
    /// Where in the bucket (S3_ARTIFACTS_PREFIX); never read as manuals.
    public var s3ArtifactsPrefix = ".manualbot/artifacts/"
    /// Semantic search (EMBEDDINGS): nil = on when the model file is installed.
    public var embeddings: Bool? = nil
    public var embedModelPath = E5Embedder.defaultModelPath
    public var embedEnginePath = E5Embedder.defaultLibraryPath
    /// CPU threads for embedding passages in the background (EMBED_THREADS). One core is left
    /// to requests: with every core embedding, health p99 while the hotel corpus embedded was
    /// 6.1 ms on 2 cores (semantic-ready 108 s); with one, 2.6 ms (190 s; `make bench`).
    public var embedThreads = max(1, ProcessInfo.processInfo.activeProcessorCount - 1)
    /// How embedding yields to requests (EMBED_PRIORITY: idle = SCHED_IDLE, low = nice 19).
    public var embedPriority = SemanticIndex.Priority.idle
    /// Fused pages re-ordered by late interaction (RERANK_DEPTH; 0 keeps the fused order).
    public var rerankDepth = FusionParameters().rerankDepth
    /// Where S3 credentials come from; nil: the default chain over the process environment.
    public var s3Credentials: (any CredentialProvider)? = nil

    public init() {}

    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Settings {
        var settings = Settings()
        func integer(_ name: String, _ range: ClosedRange<Int>) throws -> Int? {
            guard let raw = environment[name], !raw.isEmpty else { return nil }
            guard let value = Int(raw), range.contains(value) else {
                throw SettingsError(message: "\(name) must be a whole number in \(range.lowerBound)...\(range.upperBound), got \"\(raw)\"")
            }
            return value
        }
        func boolean(_ name: String, _ expected: String = "on or off") throws -> Bool? {
            guard let raw = environment[name], !raw.isEmpty else { return nil }
            switch raw.lowercased() {
            case "1", "true", "yes", "on": return true
            case "0", "false", "no", "off": return false
            default: throw SettingsError(message: "\(name) must be \(expected), got \"\(raw)\"")
            }
        }
        if let host = environment["HOST"], !host.isEmpty { settings.host = host }
        if let port = try integer("PORT", 0...65535) { settings.port = port }
        if let dir = environment["DATA_DIR"], !dir.isEmpty { settings.dataDirectory = dir }
        if let dir = environment["MANUALS_DIR"], !dir.isEmpty { settings.manualsDirectory = dir }
        if let raw = environment["LOG_LEVEL"], !raw.isEmpty {
            guard let level = Logger.Level(rawValue: raw.lowercased()) ?? (raw.lowercased() == "warn" ? .warning : nil) else {
                throw SettingsError(message: "LOG_LEVEL must be one of trace, debug, info, notice, warning, error, critical, got \"\(raw)\"")
            }
            settings.logLevel = level
        }
        if let key = environment["API_KEY"], !key.isEmpty { settings.apiKey = key }
        if let token = environment["METRICS_TOKEN"], !token.isEmpty { settings.metricsToken = token }
        if let raw = environment["ALLOWED_ORIGINS"] {
            settings.allowedOrigins = raw.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        if let value = try integer("MAX_UPLOAD_MB", 1...4096) { settings.maxUploadBytes = value * 1024 * 1024 }
        if let value = try integer("PRESIGN_EXPIRES", 1...604_800) { settings.presignExpiresSeconds = value }
        if let key = environment["OPEN_API_KEY"], !key.isEmpty { settings.openAIKey = key }
        if let raw = environment["OPENAI_BASE_URL"], !raw.isEmpty {
            guard let url = URL(string: raw), url.scheme == "http" || url.scheme == "https" else {
                throw SettingsError(message: "OPENAI_BASE_URL must be an http(s) URL, got \"\(raw)\"")
            }
            settings.openAIBaseURL = url
        }
        if let model = environment["OPEN_MODEL"], !model.isEmpty { settings.openAIModel = model }
        if let value = try integer("OPENAI_TIMEOUT", 1...600) { settings.openAITimeoutSeconds = value }
        if let value = try integer("ANSWER_MAX_CHARS", 120...10_000) { settings.answerMaxCharacters = value }
        if let value = try integer("PARSE_TIMEOUT_SECONDS", 1...3600) { settings.parseTimeoutSeconds = value }
        if let value = try integer("PARSE_MEMORY_MB", 64...65536) { settings.parseMemoryMB = value }
        if let value = try integer("PARSE_WORKERS", 1...64) { settings.parseWorkers = value }
        if let value = try boolean("OCR") { settings.ocr.enabled = value }
        if let value = try integer("OCR_DPI", 72...600) { settings.ocr.dpi = value }
        if let raw = environment["OCR_LANGUAGES"], !raw.isEmpty {
            // Tesseract language codes joined by '+', e.g. kor+eng; nothing else reaches its loader.
            let codes = raw.split(separator: "+", omittingEmptySubsequences: false)
            guard codes.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") } }) else {
                throw SettingsError(message: "OCR_LANGUAGES must be Tesseract language codes joined by '+', e.g. kor+eng, got \"\(raw)\"")
            }
            settings.ocr.languages = raw
        }
        if let value = try integer("OCR_PAGE_TIMEOUT_SECONDS", 1...3600) { settings.ocr.pageTimeoutSeconds = Double(value) }
        if let value = try integer("OCR_MAX_PAGES", 0...100_000) { settings.ocr.maxPages = value }
        if let bucket = environment["S3_BUCKET"], !bucket.isEmpty {
            guard bucket.count >= 3, bucket.count <= 63, bucket.allSatisfy({ $0.isLowercase || $0.isNumber || $0 == "-" || $0 == "." }),
                  bucket.unicodeScalars.allSatisfy(\.isASCII) else {
                throw SettingsError(message: "S3_BUCKET must be an S3 bucket name (3-63 lower-case letters, digits, '-', '.'), got \"\(bucket)\"")
            }
            settings.s3Bucket = bucket
        }
        if let prefix = environment["S3_PREFIX"] { settings.s3Prefix = prefix.hasPrefix("/") ? String(prefix.drop { $0 == "/" }) : prefix }
        if let region = environment["AWS_REGION"] ?? environment["AWS_DEFAULT_REGION"], !region.isEmpty {
            guard region.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") }) else {
                throw SettingsError(message: "AWS_REGION must look like ap-northeast-2, got \"\(region)\"")
            }
            settings.awsRegion = region
        }
        if let raw = environment["S3_ENDPOINT"], !raw.isEmpty {
            guard let url = URL(string: raw), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https", url.host != nil else {
                throw SettingsError(message: "S3_ENDPOINT must be an http(s) URL such as http://127.0.0.1:8333, got \"\(raw)\"")
            }
            settings.s3Endpoint = url
        }
        if let value = try boolean("S3_FORCE_PATH_STYLE", "true or false") { settings.s3ForcePathStyle = value }
        if let value = try integer("SYNC_INTERVAL_SECONDS", 0...86_400) { settings.syncIntervalSeconds = value }
        if let value = try integer("S3_MAX_OBJECT_MB", 1...4096) { settings.s3MaxObjectMB = value }
        if let value = try boolean("S3_ARTIFACTS") { settings.s3Artifacts = value }
        if let raw = environment["S3_ARTIFACTS_PREFIX"] {
            let prefix = String(raw.drop { $0 == "/" })
            guard !prefix.isEmpty, prefix.utf8.count <= 512 else {
                throw SettingsError(message: "S3_ARTIFACTS_PREFIX must be a non-empty key prefix such as .manualbot/artifacts/, got \"\(raw)\"")
            }
            settings.s3ArtifactsPrefix = prefix.hasSuffix("/") ? prefix : prefix + "/"
        }
        if let value = try boolean("EMBEDDINGS") { settings.embeddings = value }
        if let path = environment["EMBED_MODEL_PATH"], !path.isEmpty { settings.embedModelPath = path }
        if let path = environment["EMBED_ENGINE_PATH"], !path.isEmpty { settings.embedEnginePath = path }
        if let value = try integer("EMBED_THREADS", 1...256) { settings.embedThreads = value }
        if let value = try integer("RERANK_DEPTH", 0...50) { settings.rerankDepth = value }
        if let raw = environment["EMBED_PRIORITY"], !raw.isEmpty {
            guard let priority = SemanticIndex.Priority(rawValue: raw.lowercased()) else {
                throw SettingsError(message: "EMBED_PRIORITY must be idle or low, got \"\(raw)\"")
            }
            settings.embedPriority = priority
        }
        return settings
    }

    /// Semantic search runs: EMBEDDINGS=on, or unset and the model file installed.
    public var embeddingsEnabled: Bool {
        embeddings ?? FileManager.default.fileExists(atPath: embedModelPath)
    }

    public var databasePath: String { (dataDirectory as NSString).appendingPathComponent("manualbot.sqlite") }

    /// Where direct uploads are stored when there is no bucket: inside the manuals folder, so
    /// that a restart's folder sync sees them as indexed.
    public var uploadsDirectory: String { (manualsDirectory as NSString).appendingPathComponent("uploads") }
}

public struct SettingsError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
