// Shared helpers: paths of the repo, its fixtures and the built `manualbot` binary, temporary
// folders, and a live server on 127.0.0.1 for HTTP tests.
import Foundation
#if canImport(Glibc)
import Glibc
#endif
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import HTTPServer
import Logging
import PDFIngest
import Retrieval
import ServiceLifecycle

enum Paths {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let fixtures = repo.appendingPathComponent("Tests/Fixtures")
    static let sampleManuals = repo.appendingPathComponent("samples/manuals")
    static let sharedFixtures = repo.appendingPathComponent("../shared/fixtures/real-pdfs").standardizedFileURL
    static let sampleManualName = "프런트데스크_응대_매뉴얼.pdf"

    /// The `manualbot` binary that runs isolated `extract` children (built by `swift build`).
    static var manualbot: String {
        if let path = ProcessInfo.processInfo.environment["MANUALBOT_BIN"] { return path }
        return repo.appendingPathComponent(".build/debug/manualbot").path
    }
}

final class TemporaryDirectory: @unchecked Sendable {
    let url: URL
    var path: String { url.path }

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("manualbot-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    @discardableResult
    func write(_ name: String, _ data: Data) throws -> String {
        let file = url.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: file)
        return file.path
    }

    /// An executable shell script. Written through a descriptor opened with O_CLOEXEC: a test
    /// starting a process on another thread at that moment must not inherit it, or the kernel
    /// refuses to run the script ("Text file busy") for as long as that process lives.
    func writeScript(_ name: String, _ text: String) throws -> String {
        let path = url.appendingPathComponent(name).path
        let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o755)
        guard fd >= 0 else { throw CocoaError(.fileWriteUnknown) }
        defer { Glibc.close(fd) }
        let bytes = Array(text.utf8)
        guard Glibc.write(fd, bytes, bytes.count) == bytes.count else { throw CocoaError(.fileWriteUnknown) }
        return path
    }

    func copy(_ source: URL, as name: String? = nil) throws {
        try write(name ?? source.lastPathComponent, Data(contentsOf: source))
    }
}

func isolatedExtractor(timeout: Duration = .seconds(60)) -> IsolatedExtractor {
    IsolatedExtractor(executable: Paths.manualbot, timeout: timeout)
}

/// Text manuals (file name → text) written to a temporary folder and synced into a fresh index;
/// both folders live as long as this value.
struct IndexedTexts {
    let data: TemporaryDirectory
    let manuals: TemporaryDirectory
    let index: ManualIndex

    init(_ files: [String: String]) async throws {
        data = try TemporaryDirectory()
        manuals = try TemporaryDirectory()
        for (name, text) in files { try manuals.write(name, Data(text.utf8)) }
        index = try ManualIndex(path: data.url.appendingPathComponent("index.sqlite").path)
        try await FolderIngestor(index: index, extractor: isolatedExtractor()).sync(folder: manuals.path)
    }
}

/// Counts parses, to prove that unchanged files are not parsed again.
actor ParseCounter {
    var paths: [String] = []
    func add(_ path: String) { paths.append(path) }
}

struct CountingExtractor: DocumentExtractor {
    let inner: any DocumentExtractor
    let counter = ParseCounter()
    func extract(fileAt path: String) async -> ExtractionOutcome {
        await counter.add(path)
        return await inner.extract(fileAt: path)
    }
}

/// A ManualBot listening on 127.0.0.1 (random port) with its own data and manuals folders.
final class LiveServer: @unchecked Sendable {
    let data: TemporaryDirectory
    let manuals: TemporaryDirectory
    let service: ManualService
    let settings: Settings
    private let running: RunningService
    var port: Int { running.port }
    static let apiKey = "test-key-\(UUID().uuidString)"

    init(manualFiles: [URL] = [Paths.sampleManuals.appendingPathComponent(Paths.sampleManualName)],
         data: TemporaryDirectory? = nil, manuals: TemporaryDirectory? = nil,
         configure: (inout Settings) -> Void = { _ in }) async throws {
        self.data = try data ?? TemporaryDirectory()
        self.manuals = try manuals ?? TemporaryDirectory()
        for file in manualFiles { try self.manuals.copy(file) }
        var settings = Settings()
        settings.host = "127.0.0.1"
        settings.port = 0
        settings.dataDirectory = self.data.path
        settings.manualsDirectory = self.manuals.path
        settings.extractorExecutable = Paths.manualbot
        settings.apiKey = LiveServer.apiKey
        // Embedding the manuals costs seconds of CPU: only the tests about it turn it on.
        settings.embeddings = false
        // A parallel test run keeps both CPUs busy: under SCHED_IDLE embedding would never run.
        settings.embedPriority = .low
        configure(&settings)
        self.settings = settings
        let service = try makeService(settings: settings)
        self.service = service
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        running = try await RunningService(logger: logger) { reportPort in
            buildApplication(settings: settings, service: service, logger: logger) { port in reportPort(port) }
        }
    }

    /// Waits for the start-up sync to finish (bounded: 60 s, as a scanned page's OCR can take
    /// several seconds when the suite's parallel tests share two cores).
    func waitForIngest() async throws {
        for _ in 0..<3000 {
            if let status = Optional(await service.ingestStatus()), !status.running, status.lastFinishedAt != nil { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw URLError(.timedOut)
    }

    func stop() async {
        await running.stop()
    }

    struct Reply {
        var status: Int
        var data: Data
        var headers: [String: String]
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:] }
        var text: String { String(decoding: data, as: UTF8.self) }
    }

    /// Sends the API key as the frontend does (`Authorization: Bearer …`) unless `authorized` is false.
    func request(_ method: String, _ path: String, body: Data? = nil, headers: [String: String] = [:], authorized: Bool = true) async throws -> Reply {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = method
        request.httpBody = body
        if authorized { request.setValue("Bearer \(LiveServer.apiKey)", forHTTPHeaderField: "Authorization") }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as! HTTPURLResponse
        var fields: [String: String] = [:]
        for (name, value) in http.allHeaderFields { fields["\(name)".lowercased()] = "\(value)" }
        return Reply(status: http.statusCode, data: data, headers: fields)
    }

    func postJSON(_ path: String, _ object: Any) async throws -> Reply {
        try await request("POST", path, body: JSONSerialization.data(withJSONObject: object), headers: ["Content-Type": "application/json"])
    }

    /// A multipart/form-data body with one `file` part, as browsers send it.
    static func multipart(fileName: String, data: Data, contentType: String = "application/pdf", field: String = "file") -> (body: Data, contentType: String) {
        let boundary = "----ManualBotTest\(UUID().uuidString)"
        var body = Data()
        body.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(field)\"; filename=\"\(fileName)\"\r\nContent-Type: \(contentType)\r\n\r\n".utf8))
        body.append(data)
        body.append(Data("\r\n--\(boundary)--\r\n".utf8))
        return (body, "multipart/form-data; boundary=\(boundary)")
    }

    func upload(fileName: String, data: Data, contentType: String = "application/pdf") async throws -> Reply {
        let form = Self.multipart(fileName: fileName, data: data, contentType: contentType)
        return try await request("POST", "/api/v1/docs/upload", body: form.body,
                                 headers: ["Content-Type": form.contentType, "x-api-key": LiveServer.apiKey])
    }

    /// Polls the job like the frontend (bounded), until done or failed.
    func waitForJob(_ id: String) async throws -> [String: Any] {
        for _ in 0..<300 {
            let status = try await request("GET", "/api/v1/docs/status/\(id)").json
            if let state = status["status"] as? String, state == "done" || state == "failed" { return status }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw URLError(.timedOut)
    }
}
