// The HTTP API: root, health, chat and the document list, with the contract's paths and bodies;
// the other routes come from Routes+*.swift and UploadRoutes.swift.
import Foundation
import Hummingbird
import Metrics
import NIOCore
import Retrieval

public func buildRouter(service: ManualService, settings: Settings) -> Router<BasicRequestContext> {
    let router = Router(context: BasicRequestContext.self)
    router.add(middleware: RequestIDMiddleware())
    router.add(middleware: RequestLogMiddleware())
    router.add(middleware: AllowedOriginsCORS(origins: settings.allowedOrigins))
    router.add(middleware: DetailErrorMiddleware())
    router.add(middleware: MetricsMiddleware())
    if let key = settings.apiKey {
        router.add(middleware: APIKeyMiddleware(key: key))
    }

    router.get("/") { _, _ in
        JSONBody.response(["status": "ok", "service": "gaekdam-ai-bot"])
    }

    Telemetry.bootstrap()
    router.get("/metrics") { request, _ in
        if let token = settings.metricsToken {
            let presented = request.headers[.authorization].map(APIKeyMiddleware<BasicRequestContext>.stripBearer) ?? ""
            guard constantTimeEquals(Array(presented.utf8), Array(token.utf8)) else {
                throw APIError(.unauthorized, "Invalid or missing metrics token")
            }
        }
        let stats = try await service.index.stats()
        Gauge(label: "manualbot_index_documents").record(stats.documents)
        Gauge(label: "manualbot_index_chunks").record(stats.chunks)
        Gauge(label: "manualbot_index_pages").record(stats.pages)
        Gauge(label: "manualbot_index_failed_documents").record(stats.failed)
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: Telemetry.registry.emitToBuffer())))
    }

    router.get("/api/v1/health") { request, _ in
        // ?deep=1 also checks S3 permissions; the plain check never leaves the process.
        if let deep = request.uri.queryParameters.get("deep"), ["1", "true", "yes"].contains(deep.lowercased()) {
            return try await deepHealth(service: service)
        }
        return try await health(service: service)
    }

    router.post("/api/v1/chat") { request, context in
        let chat = try await decodeChat(request, limit: settings.maxJSONBodyBytes)
        let found = try await service.find(chat.message, limit: 5)
        let answer = await service.composer.answer(question: chat.message, found: found, attributes: chat.customerAttributes)
        context.logger.debug("chat answered", metadata: ["hits": "\(found.hits.count)", "mode": "\(answer.mode)"])
        return JSONBody.response(ChatResponse(reply: answer.reply, sources: found.hits.map(ChatSource.init), mode: answer.mode))
    }

    // Same request; `text/event-stream`: `sources`, then `delta`s, then `done`.
    router.post("/api/v1/chat/stream") { request, _ in
        let chat = try await decodeChat(request, limit: settings.maxJSONBodyBytes)
        let found = try await service.find(chat.message, limit: 5)
        let events = service.composer.stream(question: chat.message, found: found, attributes: chat.customerAttributes)
        let sources = found.hits.map(ChatSource.init)
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream; charset=utf-8"
        headers[.cacheControl] = "no-cache"
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            try await writer.write(ServerSentEvent.buffer("sources", ["sources": sources]))
            for await event in events {
                switch event {
                case .delta(let text):
                    try await writer.write(ServerSentEvent.buffer("delta", ["text": text]))
                case .done(let mode):
                    try await writer.write(ServerSentEvent.buffer("done", ["mode": mode]))
                }
            }
            try await writer.finish(nil)
        })
    }

    router.get("/api/v1/docs") { _, _ in
        let documents = try await service.index.documents().map { record in
            DocumentSummary(id: record.id ?? 0, file: record.fileName, source: record.source, title: record.title,
                            pages: record.pages, chunks: record.chunks, ocrPages: record.ocrPageList, status: record.status.rawValue,
                            reason: record.reason, sha256: record.sha256, indexedAt: record.indexedAt,
                            s3Key: record.s3Key, etag: record.etag)
        }
        return JSONBody.response(DocumentList(documents: documents, count: documents.count))
    }

    addUploadRoutes(to: router, service: service, settings: settings)
    addSyncRoutes(to: router, service: service)
    addOpenAPIRoute(to: router)
    // Last: it must see every route, and then only wraps the not-found responder.
    router.add(middleware: MethodNotAllowedMiddleware(routes: router.routes.map { ($0.path.description, $0.method) }))
    return router
}

struct DocumentList: Encodable {
    var documents: [DocumentSummary]
    var count: Int
}

struct HealthBody: Encodable, Equatable {
    var status = "ok"
    var service = "gaekdam-ai-bot"
    var documents: Int
    var chunks: Int
    var pages: Int
    var failed: Int
    var ingest: IngestStatus
    var semantic: SemanticHealth
}

/// Cheap: the index's statistics (cached for a second, see StatsCache) and the in-memory ingest
/// state; never waits on ingest.
func health(service: ManualService) async throws -> Response {
    let stats = try await service.index.cachedStats()
    let ingest = await service.ingestStatus()
    let body = HealthBody(documents: stats.documents, chunks: stats.chunks, pages: stats.pages, failed: stats.failed, ingest: ingest,
                          semantic: await service.semanticHealth())
    return JSONBody.response(encoded: service.healthResponses.bytes(for: body))
}

/// Reads and validates a chat body: too large → 413, not JSON → 400, no usable message → 422.
func decodeChat(_ request: Request, limit: Int) async throws -> ChatRequest {
    let chat = try await decodeJSON(ChatRequest.self, from: request, limit: limit)
    guard !chat.message.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
        throw APIError(.unprocessableContent, "message must not be empty")
    }
    return chat
}

/// Reads a small JSON body: too large → 413, not JSON → 400, wrong shape → 422 naming the field.
func decodeJSON<T: Decodable>(_ type: T.Type, from request: Request, limit: Int) async throws -> T {
    var request = request
    let body: ByteBuffer
    do {
        body = try await request.collectBody(upTo: limit)
    } catch is NIOTooManyBytesError {
        throw APIError(.contentTooLarge, "Request body too large (limit \(limit / 1024) KB)")
    } catch let error as HTTPError where error.status == .contentTooLarge {
        throw APIError(.contentTooLarge, "Request body too large (limit \(limit / 1024) KB)")
    }
    let data = Data(buffer: body)
    guard (try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])) != nil else {
        throw APIError(.badRequest, "Malformed JSON body")
    }
    do {
        return try JSONDecoder().decode(T.self, from: data)
    } catch let DecodingError.keyNotFound(key, _) {
        throw APIError(.unprocessableContent, "Field required: \(key.stringValue)")
    } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
        let field = context.codingPath.map(\.stringValue).joined(separator: ".")
        throw APIError(.unprocessableContent, field.isEmpty ? "Body must be a JSON object" : "Invalid value for field: \(field)")
    } catch {
        throw APIError(.unprocessableContent, "Invalid request body")
    }
}

/// The passage as one line, cut to a preview length at a word boundary.
func snippet(_ text: String, limit: Int = 300) -> String {
    let flat = text.split(whereSeparator: \.isNewline).joined(separator: " ")
    guard flat.count > limit else { return flat }
    let window = flat.prefix(limit)
    let cut = window.lastIndex(of: " ") ?? window.endIndex
    return String(window[..<cut]) + "…"
}
