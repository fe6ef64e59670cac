// A stand-in on 127.0.0.1 for the upload API that is being built on another branch, exactly as
// the contract and the brief document it (POST /api/v1/docs/upload multipart `file` →
// {"job_id","filename","status"}, GET /api/v1/docs/status/{job_id}, GET /api/v1/docs,
// DELETE /api/v1/docs/{id}, the API key on everything but health), over the real index and
// ingest: uploads are written to the manuals folder as `<job_id>_<name>` and synced. It lets
// `manualbot smoke`'s pdf check run end to end before the real endpoints exist.
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
@testable import HTTPServer
@testable import Retrieval

final class UploadContractServer: @unchecked Sendable {
    let data: TemporaryDirectory
    let manuals: TemporaryDirectory
    let service: ManualService
    let jobs = JobTable()
    private let group: ServiceGroup
    private let task: Task<Void, Error>
    let port: Int

    /// A job is `processing` until the sync is done, then `done` (or `failed` with `failJobs`).
    init(apiKey: String, failJobs: Bool = false) async throws {
        data = try TemporaryDirectory()
        manuals = try TemporaryDirectory()
        try manuals.copy(Paths.sampleManuals.appendingPathComponent(Paths.sampleManualName))
        var settings = Settings()
        settings.host = "127.0.0.1"
        settings.port = 0
        settings.dataDirectory = data.path
        settings.manualsDirectory = manuals.path
        settings.extractorExecutable = Paths.manualbot
        let service = try makeService(settings: settings)
        self.service = service
        let logger = {
            var logger = Logger(label: "upload-contract")
            logger.logLevel = .warning
            return logger
        }()
        await service.syncManuals(logger: logger)
        let bodyLimit = settings.maxJSONBodyBytes

        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: DetailErrorMiddleware())
        router.add(middleware: KeyMiddleware(key: apiKey))
        router.get("/api/v1/health") { _, _ in try await health(service: service) }
        router.post("/api/v1/chat") { request, _ in
            var request = request
            let chat = try await decodeChat(&request, limit: bodyLimit)
            let hits = try await service.index.search(chat.message, limit: 5)
            let sources = hits.map { ChatSource(source: $0.fileName, score: $0.score, page: $0.page, snippet: snippet($0.text)) }
            return JSONBody.response(ChatResponse(reply: service.answer.reply(to: chat.message, hits: hits), sources: sources))
        }
        let manualsPath = manuals.url
        let jobs = jobs
        router.post("/api/v1/docs/upload") { request, _ in
            let body = Data(buffer: try await request.body.collect(upTo: 50 << 20))
            guard let part = MultipartFile(body: body, contentType: request.headers[.contentType] ?? ""), part.field == "file" else {
                throw APIError(.unprocessableContent, "Field required: file")
            }
            guard part.fileName.hasSuffix(".pdf") || part.fileName.hasSuffix(".txt") else {
                throw APIError(.badRequest, "Unsupported file type. Use pdf or txt.")
            }
            let jobID = UUID().uuidString.lowercased()
            try part.data.write(to: manualsPath.appendingPathComponent("\(jobID)_\(part.fileName)"))
            await jobs.set(jobID, "processing")
            Task {
                await service.syncManuals(logger: logger)
                await jobs.set(jobID, failJobs ? "failed" : "done")
            }
            return JSONBody.response(["job_id": jobID, "filename": part.fileName, "status": "processing"])
        }
        router.get("/api/v1/docs/status/{job}") { _, context in
            let jobID = context.parameters.get("job") ?? ""
            guard let status = await jobs.status(jobID) else { throw APIError(.notFound, "job not found") }
            return JSONBody.response(["job_id": jobID, "status": status, "detail": status == "failed" ? "parse failed (test)" : ""])
        }
        router.get("/api/v1/docs") { _, _ in
            let documents = try await service.index.documents().map { ["id": "\($0.id ?? 0)", "file": $0.fileName, "status": $0.status.rawValue] }
            return JSONBody.response(["documents": documents])
        }
        router.delete("/api/v1/docs/{id}") { _, context in
            let id = Int64(context.parameters.get("id") ?? "")
            guard let document = try await service.index.documents().first(where: { $0.id == id }) else {
                throw APIError(.notFound, "document not found")
            }
            try FileManager.default.removeItem(atPath: document.source)
            await service.syncManuals(logger: logger)
            return JSONBody.response(["ok": true])
        }

        let (stream, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { continuation.yield($0.localAddress?.port ?? 0) }, logger: logger)
        let group = ServiceGroup(services: [app], gracefulShutdownSignals: [], logger: logger)
        self.group = group
        task = Task { try await group.run() }
        var iterator = stream.makeAsyncIterator()
        guard let port = await iterator.next() else { throw URLError(.cannotConnectToHost) }
        self.port = port
    }

    func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }
}

actor JobTable {
    var statuses: [String: String] = [:]
    func set(_ job: String, _ status: String) { statuses[job] = status }
    func status(_ job: String) -> String? { statuses[job] }
}

/// The contract's auth: `x-api-key` or `Authorization` (optional `Bearer `); health is open.
struct KeyMiddleware<Context: RequestContext>: RouterMiddleware {
    let key: String
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if request.uri.path == "/api/v1/health" || request.method == .options { return try await next(request, context) }
        var given = request.headers[.authorization] ?? request.headers[.init("x-api-key")!] ?? ""
        if given.lowercased().hasPrefix("bearer ") { given = String(given.dropFirst(7)) }
        guard given == key else { throw APIError(.unauthorized, "Invalid or missing API Key") }
        return try await next(request, context)
    }
}

/// The first part of a multipart/form-data body: its field name, file name and bytes.
struct MultipartFile {
    var field: String
    var fileName: String
    var data: Data

    init?(body: Data, contentType: String) {
        guard contentType.lowercased().hasPrefix("multipart/form-data"),
              let boundaryRange = contentType.range(of: "boundary=") else { return nil }
        let boundary = contentType[boundaryRange.upperBound...].trimmingCharacters(in: CharacterSet(charactersIn: "\" "))
        let delimiter = Data("--\(boundary)\r\n".utf8)
        guard let start = body.range(of: delimiter),
              let headerEnd = body.range(of: Data("\r\n\r\n".utf8), in: start.upperBound..<body.endIndex),
              let end = body.range(of: Data("\r\n--\(boundary)".utf8), in: headerEnd.upperBound..<body.endIndex) else { return nil }
        let headers = String(decoding: body[start.upperBound..<headerEnd.lowerBound], as: UTF8.self)
        func quoted(_ name: String) -> String? {
            guard let range = headers.range(of: "\(name)=\"") else { return nil }
            return String(headers[range.upperBound...].prefix { $0 != "\"" })
        }
        guard let field = quoted("name"), let fileName = quoted("filename") else { return nil }
        self.field = field
        self.fileName = fileName
        self.data = body[headerEnd.upperBound..<end.lowerBound]
    }
}
