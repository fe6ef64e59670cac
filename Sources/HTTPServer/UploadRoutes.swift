// Upload endpoints of the contract: direct multipart upload, job status, and document delete.
import Foundation
import Hummingbird
import PDFIngest
import Retrieval
import S3

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
        guard var job = try await service.index.job(id: id) else { throw APIError(.notFound, "job not found") }
        // A presigned upload that was never reported: failed once its URL has long expired.
        if job.status == .pending, job.s3Key != nil, job.metaObject["notified"] as? Bool != true,
           Date().timeIntervalSince(job.createdAt) > Double(settings.presignExpiresSeconds + 300) {
            job = try await service.index.updateJob(id) { job in
                job.status = .failed
                job.detail = "the upload was not reported with notify_upload before the upload URL expired"
            } ?? job
        }
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
        try await service.index.refreshSearch()
        var deletedFile = false
        let uploads = URL(fileURLWithPath: settings.uploadsDirectory).standardizedFileURL.path + "/"
        if document.source.hasPrefix(uploads) {
            deletedFile = (try? FileManager.default.removeItem(atPath: document.source)) != nil
        } else if let key = document.s3Key, key.hasPrefix(UploadRoutes.prefix), let bucket = service.bucket {
            // Uploads leave the bucket too; other bucket manuals are the bucket owner's to delete.
            do {
                try await bucket.client.deleteObject(bucket: bucket.bucket, key: key)
                deletedFile = true
            } catch {
                throw APIError(.badGateway, "removed from the index, but the bucket refused the delete: \(error)")
            }
        }
        return JSONBody.response(DeleteBody(ok: true, id: id, file: document.fileName, deleted_file: deletedFile))
    }

    router.post("/api/v1/docs/presign") { request, _ in
        // The request is judged before the configuration, as FastAPI validates bodies first.
        struct Body: Decodable { var filename: String; var content_type: String? }
        let body = try await decodeJSON(Body.self, from: request, limit: settings.maxJSONBodyBytes)
        let name = UploadReceiver.sanitizedFileName(body.filename)
        guard ManualKind(fileName: name) != nil else { throw APIError(.badRequest, UploadReceiver.unsupported) }
        guard let bucket = service.bucket else { throw UploadRoutes.noBucket }
        let jobID = UUID().uuidString.lowercased()
        let key = UploadRoutes.prefix + "\(jobID)_\(name)"
        let url: URL
        do {
            url = try await bucket.client.presignedURL(method: "PUT", bucket: bucket.bucket, key: key, expires: settings.presignExpiresSeconds)
        } catch {
            // E.g. the task role's credentials could not be fetched: upstream, not our 500.
            throw APIError(.badGateway, "cannot presign the upload: \(error)")
        }
        var job = UploadJob(id: jobID, filename: name, status: .pending, s3Key: key)
        job.detail = "waiting for the browser's upload"
        job.meta = UploadJobs.json(["content_type": body.content_type ?? "", "flow": "presign"])
        try await service.index.insert(job)
        return JSONBody.response(PresignBody(url: url.absoluteString, put_url: url.absoluteString, method: "PUT", job_id: jobID,
                                             s3_key: key, expires_in: settings.presignExpiresSeconds, filename: name))
    }

    router.post("/api/v1/docs/notify_upload") { request, _ in
        struct Body: Decodable { var job_id: String; var s3_key: String }
        let body = try await decodeJSON(Body.self, from: request, limit: settings.maxJSONBodyBytes)
        guard let bucket = service.bucket else { throw UploadRoutes.noBucket }
        guard let job = try await service.index.job(id: body.job_id) else { throw APIError(.notFound, "job not found") }
        guard job.s3Key == body.s3_key else { throw APIError(.badRequest, "s3_key is not the one presigned for this job") }
        guard job.status == .pending else {
            return JSONBody.response(NotifyBody(ok: true, job_id: job.id, s3_key: body.s3_key, status: job.status.rawValue))
        }
        let head: S3ObjectHead
        do {
            head = try await bucket.client.headObject(bucket: bucket.bucket, key: body.s3_key)
        } catch let error as S3Error where error.status == 404 {
            throw APIError(.badRequest, "the object is not in the bucket yet: PUT the file to the presigned URL first")
        } catch {
            throw APIError(.badGateway, "cannot check the upload in the bucket: \(error)")
        }
        guard head.size <= Int64(settings.maxUploadBytes) else {
            try? await bucket.client.deleteObject(bucket: bucket.bucket, key: body.s3_key)
            throw UploadReceiver.tooLarge(settings.maxUploadBytes)
        }
        try await service.index.updateJob(job.id) { job in
            job.detail = "queued"
            var meta = job.metaObject
            meta["notified"] = true
            meta["size"] = head.size
            job.meta = UploadJobs.json(meta)
        }
        service.jobs.start(job.id)
        return JSONBody.response(NotifyBody(ok: true, job_id: job.id, s3_key: body.s3_key, status: "processing"))
    }
}

enum UploadRoutes {
    static let prefix = "uploads/"
    static let noBucket = APIError(.serviceUnavailable, "S3 is not configured (S3_BUCKET): use POST /api/v1/docs/upload")
}

struct PresignBody: Encodable {
    var url: String
    var put_url: String
    var method: String
    var job_id: String
    var s3_key: String
    var expires_in: Int
    var filename: String
}

struct NotifyBody: Encodable {
    var ok: Bool
    var job_id: String
    var s3_key: String
    var status: String
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
        if let bucket {
            // With a bucket, the bucket is the source of truth: the upload goes there.
            let key = UploadRoutes.prefix + "\(jobID)_\(upload.filename)"
            defer { try? FileManager.default.removeItem(atPath: upload.path) }
            do {
                let data = try Data(contentsOf: URL(fileURLWithPath: upload.path))
                _ = try await bucket.client.putObject(bucket: bucket.bucket, key: key, data: data,
                                                      contentType: upload.kind == .pdf ? "application/pdf" : "text/plain; charset=utf-8")
            } catch {
                throw APIError(.badGateway, "cannot store the upload in the bucket: \(error)")
            }
            var job = UploadJob(id: jobID, filename: upload.filename, status: .pending, s3Key: key)
            job.sha256 = upload.sha256
            job.meta = UploadJobs.json(["size": upload.size, "type": upload.kind.rawValue, "notified": true])
            try await index.insert(job)
            jobs.start(jobID)
            return JSONBody.response(UploadAccepted(job_id: jobID, filename: upload.filename, status: "processing"))
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
