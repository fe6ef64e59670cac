// Upload jobs whose file is in the bucket (`uploads/<job_id>_<name>`): the object is read back,
// checked by content, and indexed under its S3 identity, so the next bucket sync finds it
// already indexed at the same ETag. Rejected or duplicate uploads are deleted from the bucket,
// or every replica's sync would index them.
import Foundation
import PDFIngest
import Retrieval
import S3

extension UploadJobs {
    func processObject(_ job: UploadJob, key: String, bucket: BucketIngestor) async throws {
        let object: S3ObjectData
        do {
            object = try await bucket.client.getObject(bucket: bucket.bucket, key: key, maxBytes: maxUploadBytes)
        } catch let error as S3Error where error.code == "NoSuchKey" || error.status == 404 {
            try await fail(job.id, "the upload is not in the bucket (\(key)); upload the file first")
            return
        } catch let error as S3Error where error.code == "ObjectTooLarge" {
            try await discard(key, bucket: bucket)
            try await fail(job.id, UploadReceiver.tooLarge(maxUploadBytes).detail)
            return
        }
        let data = object.data
        let isPDF = PopplerExtractor.looksLikePDF(data)
        let isText = !isPDF && ManualKind(fileName: job.filename) == .txt && !data.contains(0)
            && String(validating: data, as: UTF8.self) != nil
        guard !data.isEmpty, isPDF || isText else {
            try await discard(key, bucket: bucket)
            try await fail(job.id, data.isEmpty ? "The uploaded file is empty" : UploadReceiver.unsupported)
            return
        }
        let sha = SHA256.hex(data)
        let source = bucket.source(forKey: key)
        if let existing = try await index.document(sha256: sha), existing.source != source {
            try await discard(key, bucket: bucket)
            let meta = Self.json(["duplicate_of": existing.fileName, "document_id": existing.id ?? 0, "pages": existing.pages])
            try await index.updateJob(job.id) { job in
                job.status = .done
                job.detail = "already indexed as \(existing.fileName); not added again"
                job.documentID = existing.id
                job.sha256 = sha
                job.meta = meta
            }
            return
        }
        let outcome = await bucket.extractDownloaded(data, fileName: job.filename)
        let record = try await index.store(outcome: outcome, fileName: job.filename, source: source, size: Int64(data.count),
                                           modifiedAt: object.lastModified?.timeIntervalSince1970 ?? Date().timeIntervalSince1970,
                                           sha256: sha, s3Key: key, etag: object.etag, chunker: chunker)
        try await finish(job.id, record: record, sha: sha)
    }

    func discard(_ key: String, bucket: BucketIngestor) async throws {
        do {
            try await bucket.client.deleteObject(bucket: bucket.bucket, key: key)
        } catch {
            logger.warning("cannot delete a rejected upload", metadata: ["key": "\(key)", "error": "\(error)"])
        }
    }
}
