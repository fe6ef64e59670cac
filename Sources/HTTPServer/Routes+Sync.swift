// POST /api/v1/docs/sync (sync the manual source now and say what changed) and the deep
// health check, GET /api/v1/health?deep=1, which proves S3 list and read permission with the
// credentials in use — the post-deploy "S3 read permission (Task Role)" check.
import Foundation
import Hummingbird
import Logging
import Retrieval
import S3

func addSyncRoutes(to router: Router<BasicRequestContext>, service: ManualService) {
    router.post("/api/v1/docs/sync") { _, context in
        try await syncNow(service: service, logger: context.logger)
    }
}

struct SyncResponse: Encodable {
    var source: String
    var added: [String]
    var updated: [String]
    var removed: [String]
    /// Key (or file) → reason.
    var failed: [String: String]
    var unchanged: Int
    var pages: Int
    var seconds: Double
}

/// Runs a sync now; if one is running, waits for it and then runs one (so that what was just
/// uploaded is seen). The source being unreadable is a 502: the fault is upstream.
func syncNow(service: ManualService, logger: Logger) async throws -> Response {
    while true {
        switch await service.runSync(logger: logger) {
        case .finished(let report):
            return JSONBody.response(SyncResponse(source: service.manualSource, added: report.added, updated: report.updated,
                                                  removed: report.removed, failed: report.failed, unchanged: report.unchanged,
                                                  pages: report.pages, seconds: (report.seconds * 1000).rounded() / 1000))
        case .failed(let reason):
            throw APIError(.badGateway, "sync of \(service.manualSource) failed: \(reason)")
        case .busy:
            await service.waitForIdle()
            try Task.checkCancellation()
        }
    }
}

struct DeepHealthBody: Encodable {
    var status: String
    var service = "gaekdam-ai-bot"
    var source: String
    var documents: Int
    var chunks: Int
    var pages: Int
    var failed: Int
    var ingest: IngestStatus
    var semantic: SemanticHealth
    var s3: S3Check?
}

struct S3Check: Encodable {
    var bucket: String
    var prefix: String
    var endpoint: String
    var region: String
    var credentials: String
    /// "ok" or the error.
    var list: String
    /// "ok", the error, or why it was not tried (nothing to read).
    var read: String
    var readKey: String?
    var ok: Bool
}

/// Index and sync state, plus (with a bucket) one list call and one HEAD of an object, each
/// bounded by `timeout`. 503 when S3 cannot be listed or read.
func deepHealth(service: ManualService, timeout: Duration = .seconds(10)) async throws -> Response {
    let stats = try await service.index.stats()
    let ingest = await service.ingestStatus()
    var check: S3Check?
    if let bucket = service.bucket {
        check = await checkBucket(bucket, timeout: timeout)
    }
    let ok = check?.ok ?? true
    let body = DeepHealthBody(status: ok ? "ok" : "error", source: service.manualSource, documents: stats.documents,
                              chunks: stats.chunks, pages: stats.pages, failed: stats.failed, ingest: ingest,
                              semantic: await service.semanticHealth(), s3: check)
    return JSONBody.response(body, status: ok ? .ok : .serviceUnavailable)
}

func checkBucket(_ bucket: BucketIngestor, timeout: Duration) async -> S3Check {
    let client = bucket.client
    var check = S3Check(bucket: bucket.bucket, prefix: bucket.prefix, endpoint: client.endpoint.description,
                        region: client.endpoint.region, credentials: client.credentialProvider.name,
                        list: "not tried", read: "not tried", ok: false)
    let first: S3Object?
    do {
        let page = try await withDeadline(timeout) {
            try await client.listFirstPage(bucket: bucket.bucket, prefix: bucket.prefix, maxKeys: 20)
        }
        check.list = "ok"
        first = page.first { !$0.key.hasSuffix("/") }
    } catch {
        check.list = "\(error)"
        return check
    }
    guard let first else {
        check.read = "skipped: no object under the prefix"
        check.ok = true
        return check
    }
    check.readKey = first.key
    do {
        _ = try await withDeadline(timeout) { try await client.headObject(bucket: bucket.bucket, key: first.key) }
        check.read = "ok"
        check.ok = true
    } catch {
        check.read = "\(error)"
    }
    return check
}
