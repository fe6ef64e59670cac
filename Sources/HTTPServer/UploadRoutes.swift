// Upload endpoints of the contract: direct multipart upload, job status, and document delete.
import Foundation
import Hummingbird
import PDFIngest
import Retrieval

struct UploadAccepted: Encodable {
    var job_id: String
    var filename: String
    var status: String
    var duplicate_of: String?
}

struct JobStatusBody: Encodable {
    var job_id: String
    var status: String
    /// The frontend reads `status` or `state`.
    var state: String
    var detail: String?
    var s3_key: String?
    var source: String?
    var filename: String
    var updated_at: Date
    var meta: JSONValue

    enum CodingKeys: String, CodingKey { case job_id, status, state, detail, s3_key, source, filename, updated_at, meta }

    /// Every contract field is present, `null` when unknown (the synthesized encoder omits nils).
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(job_id, forKey: .job_id)
        try container.encode(status, forKey: .status)
        try container.encode(state, forKey: .state)
        try container.encode(detail, forKey: .detail)
        try container.encode(s3_key, forKey: .s3_key)
        try container.encode(source, forKey: .source)
        try container.encode(filename, forKey: .filename)
        try container.encode(updated_at, forKey: .updated_at)
        try container.encode(meta, forKey: .meta)
    }
}

func addUploadRoutes(to router: Router<BasicRequestContext>, service: ManualService, settings: Settings) {
    router.post("/api/v1/docs/upload") { request, _ in
        let upload = try await UploadReceiver.receive(request, limit: settings.maxUploadBytes,
                                                      temporaryDirectory: (settings.dataDirectory as NSString).appendingPathComponent("incoming"))
        return try await service.acceptUpload(upload, settings: settings)
    }

    router.get("/api/v1/docs/status/{job_id}") { _, context in
        let id = context.parameters.get("job_id") ?? ""
        guard let job = try await service.index.job(id: id) else { throw APIError(.notFound, "job not found") }
        let meta = (try? JSONDecoder().decode(JSONValue.self, from: Data(job.meta.utf8))) ?? .object([:])
        return JSONBody.response(JobStatusBody(job_id: job.id, status: job.status.rawValue, state: job.status.rawValue,
                                               detail: job.detail, s3_key: job.s3Key, source: job.filename,
                                               filename: job.filename, updated_at: job.updatedAt, meta: meta))
    }

    router.delete("/api/v1/docs/{id}") { _, context in
        guard let id = context.parameters.get("id").flatMap(Int64.init) else {
            throw APIError(.unprocessableContent, "id must be a document id from GET /api/v1/docs")
        }
        guard let document = try await service.index.document(id: id) else { throw APIError(.notFound, "document not found") }
        try await service.index.remove(source: document.source)
        var deletedFile = false
        let uploads = URL(fileURLWithPath: settings.uploadsDirectory).standardizedFileURL.path + "/"
        if document.source.hasPrefix(uploads) {
            deletedFile = (try? FileManager.default.removeItem(atPath: document.source)) != nil
        }
        return JSONBody.response(DeleteBody(ok: true, id: id, file: document.fileName, deleted_file: deletedFile))
    }
}

struct DeleteBody: Encodable {
    var ok: Bool
    var id: Int64
    var file: String
    var deleted_file: Bool
}

extension ManualService {
    /// Stores a received upload and starts its job; the same bytes uploaded again are not
    /// indexed twice: that job is done at once and names the existing document.
    func acceptUpload(_ upload: ReceivedUpload, settings: Settings) async throws -> Response {
        let jobID = UUID().uuidString.lowercased()
        if let existing = try await index.document(sha256: upload.sha256) {
            try? FileManager.default.removeItem(atPath: upload.path)
            var job = UploadJob(id: jobID, filename: upload.filename, status: .done, source: existing.source)
            job.sha256 = upload.sha256
            job.documentID = existing.id
            job.detail = "already indexed as \(existing.fileName); not added again"
            job.meta = UploadJobs.json(["duplicate_of": existing.fileName, "document_id": existing.id ?? 0, "pages": existing.pages])
            try await index.insert(job)
            return JSONBody.response(UploadAccepted(job_id: jobID, filename: upload.filename, status: "done", duplicate_of: existing.fileName))
        }
        let destination = (settings.uploadsDirectory as NSString).appendingPathComponent("\(jobID)_\(upload.filename)")
        do {
            try FileManager.default.createDirectory(atPath: settings.uploadsDirectory, withIntermediateDirectories: true)
            try FileManager.default.moveItem(atPath: upload.path, toPath: destination)
        } catch {
            try? FileManager.default.removeItem(atPath: upload.path)
            throw APIError(.init(code: 507, reasonPhrase: "Insufficient Storage"), "cannot store the upload: \(error.localizedDescription)")
        }
        var job = UploadJob(id: jobID, filename: upload.filename, status: .pending, source: destination)
        job.sha256 = upload.sha256
        job.meta = UploadJobs.json(["size": upload.size, "type": upload.kind.rawValue])
        try await index.insert(job)
        jobs.start(jobID)
        return JSONBody.response(UploadAccepted(job_id: jobID, filename: upload.filename, status: "processing"))
    }
}
