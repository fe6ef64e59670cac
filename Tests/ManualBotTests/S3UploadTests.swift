// Both upload flows of the frontend against the real S3 test server: presign → browser PUT →
// notify_upload → status → chat, and the direct upload stored in the bucket.
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
@testable import HTTPServer
@testable import S3

@Suite(.serialized, .enabled(if: S3TestServer.enabled)) struct S3UploadTests {
    let koreanPages = Paths.fixtures.appendingPathComponent("korean_pages.pdf")

    func start() async throws -> (LiveServer, S3Client, String) {
        let client = try S3TestServer.client()
        let bucket = try await S3TestServer.freshBucket(client)
        let server = try await S3SyncTests.startServer(bucket: bucket)
        try await server.waitForIngest()
        return (server, client, bucket)
    }

    /// The browser's PUT to the presigned URL, with the file's content type.
    func browserPut(_ url: String, _ data: Data, contentType: String = "application/pdf") async throws -> Int {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = "PUT"
        request.httpBody = data
        request.setValue(contentType, forHTTPHeaderField: "Content-Type")
        let (_, response) = try await URLSession.shared.data(for: request)
        return (response as! HTTPURLResponse).statusCode
    }

    func frontendJSON(_ server: LiveServer, _ path: String, _ body: [String: String]) async throws -> LiveServer.Reply {
        try await server.request("POST", path, body: JSONSerialization.data(withJSONObject: body),
                                 headers: ["Content-Type": "application/json", "x-api-key": LiveServer.apiKey])
    }

    @Test func presignedFlowAsTheFrontendDrivesIt() async throws {
        let (server, client, bucket) = try await start()
        let presign = try await frontendJSON(server, "/api/v1/docs/presign", ["filename": "주차 안내.pdf", "content_type": "application/pdf"])
        #expect(presign.status == 200)
        let url = try #require(presign.json["url"] as? String)
        let jobID = try #require(presign.json["job_id"] as? String)
        let key = try #require(presign.json["s3_key"] as? String)
        #expect(key == "uploads/\(jobID)_주차 안내.pdf")
        #expect(presign.json["expires_in"] as? Int == 600)
        #expect(url.contains("X-Amz-Expires=600") && url.contains("X-Amz-Signature="))

        // Reporting before the PUT is refused with a reason.
        let early = try await frontendJSON(server, "/api/v1/docs/notify_upload", ["job_id": jobID, "s3_key": key])
        #expect(early.status == 400)

        #expect(try await browserPut(url, Data(contentsOf: koreanPages)) == 200)
        let wrongKey = try await frontendJSON(server, "/api/v1/docs/notify_upload", ["job_id": jobID, "s3_key": "uploads/other.pdf"])
        #expect(wrongKey.status == 400)
        let unknown = try await frontendJSON(server, "/api/v1/docs/notify_upload", ["job_id": "nope", "s3_key": key])
        #expect(unknown.status == 404)

        let notify = try await frontendJSON(server, "/api/v1/docs/notify_upload", ["job_id": jobID, "s3_key": key])
        #expect(notify.status == 200)
        #expect(notify.json["ok"] as? Bool == true)
        let status = try await server.waitForJob(jobID)
        #expect(status["status"] as? String == "done")
        #expect(status["s3_key"] as? String == key)

        let chat = try await server.postJSON("/api/v1/chat", ["message": "투숙객 차량 주차 요금은요?"])
        let first = (chat.json["sources"] as? [[String: Any]])?.first
        #expect(first?["source"] as? String == "주차 안내.pdf")
        #expect(first?["page"] as? Int == 3)

        // The next bucket sync finds it indexed already: no duplicate.
        let sync = try await server.request("POST", "/api/v1/docs/sync")
        #expect((sync.json["added"] as? [Any])?.isEmpty == true)
        let docs = try await server.request("GET", "/api/v1/docs").json
        #expect(docs["count"] as? Int == 1)

        // Delete: out of the index and out of the bucket.
        let id = try #require((docs["documents"] as? [[String: Any]])?.first?["id"] as? Int)
        let deleted = try await server.request("DELETE", "/api/v1/docs/\(id)")
        #expect(deleted.status == 200)
        #expect(try await client.listObjects(bucket: bucket, prefix: "uploads/").isEmpty)
        await server.stop()
    }

    @Test func directUploadGoesToTheBucket() async throws {
        let (server, client, bucket) = try await start()
        let upload = try await server.upload(fileName: "주차.pdf", data: Data(contentsOf: koreanPages))
        #expect(upload.status == 200)
        let jobID = try #require(upload.json["job_id"] as? String)
        let status = try await server.waitForJob(jobID)
        #expect(status["status"] as? String == "done")
        let keys = try await client.listObjects(bucket: bucket, prefix: "uploads/").map(\.key)
        #expect(keys == ["uploads/\(jobID)_주차.pdf"])
        // Same bytes through the presigned flow: done as a duplicate, and not left in the bucket.
        let presign = try await frontendJSON(server, "/api/v1/docs/presign", ["filename": "again.pdf", "content_type": "application/pdf"])
        let key = try #require(presign.json["s3_key"] as? String)
        #expect(try await browserPut(try #require(presign.json["url"] as? String), Data(contentsOf: koreanPages)) == 200)
        _ = try await frontendJSON(server, "/api/v1/docs/notify_upload", ["job_id": presign.json["job_id"] as! String, "s3_key": key])
        let duplicate = try await server.waitForJob(presign.json["job_id"] as! String)
        #expect(duplicate["status"] as? String == "done")
        #expect((duplicate["meta"] as? [String: Any])?["duplicate_of"] as? String == "주차.pdf")
        #expect(try await client.listObjects(bucket: bucket, prefix: "uploads/").count == 1)
        await server.stop()
    }

    @Test func badPresignedUploadsFailAndLeaveNothing() async throws {
        let (server, client, bucket) = try await start()
        let docx = try await frontendJSON(server, "/api/v1/docs/presign", ["filename": "manual.docx", "content_type": "application/octet-stream"])
        #expect(docx.status == 400)
        #expect(docx.json["detail"] as? String == "Unsupported file type. Use pdf or txt.")

        let presign = try await frontendJSON(server, "/api/v1/docs/presign", ["filename": "fake.pdf", "content_type": "application/pdf"])
        let key = try #require(presign.json["s3_key"] as? String)
        #expect(try await browserPut(try #require(presign.json["url"] as? String), Data("not a pdf".utf8)) == 200)
        _ = try await frontendJSON(server, "/api/v1/docs/notify_upload", ["job_id": presign.json["job_id"] as! String, "s3_key": key])
        let status = try await server.waitForJob(presign.json["job_id"] as! String)
        #expect(status["status"] as? String == "failed")
        #expect(status["detail"] as? String == "Unsupported file type. Use pdf or txt.")
        #expect(try await client.listObjects(bucket: bucket, prefix: "uploads/").isEmpty)
        await server.stop()
    }

    /// S3 refusing the check (here: a wrong secret) is upstream's fault, a 502 with the reason,
    /// not a 500 (presigning is local, so it still works).
    @Test func notifyWhenS3RefusesIsABadGateway() async throws {
        let client = try S3TestServer.client()
        let bucket = try await S3TestServer.freshBucket(client)
        var wrong = try S3TestServer.credentials()
        wrong.secretAccessKey = "wrong-secret"
        let server = try await S3SyncTests.startServer(bucket: bucket, credentials: wrong)
        try await server.waitForIngest()
        let presign = try await frontendJSON(server, "/api/v1/docs/presign", ["filename": "a.pdf", "content_type": "application/pdf"])
        #expect(presign.status == 200)
        let notify = try await frontendJSON(server, "/api/v1/docs/notify_upload",
                                            ["job_id": try #require(presign.json["job_id"] as? String),
                                             "s3_key": try #require(presign.json["s3_key"] as? String)])
        #expect(notify.status == 502)
        #expect((notify.json["detail"] as? String)?.contains("403") == true, "\(notify.text)")
        await server.stop()
    }

    @Test func presignWithoutABucketIsAClearError() async throws {
        let server = try await LiveServer(manualFiles: [])
        let reply = try await frontendJSON(server, "/api/v1/docs/presign", ["filename": "a.pdf", "content_type": "application/pdf"])
        #expect(reply.status == 503)
        #expect((reply.json["detail"] as? String)?.contains("S3_BUCKET") == true)
        await server.stop()
    }
}

/// The post-deploy checklist against a ManualBot whose manuals are in the real S3 test server.
@Suite(.serialized, .enabled(if: S3TestServer.enabled)) struct SmokeWithS3Tests {
    @Test func everyCheckPassesWithABucket() async throws {
        let client = try S3TestServer.client()
        let bucket = try await S3TestServer.freshBucket(client)
        _ = try await client.putObject(bucket: bucket, key: "manuals/\(Paths.sampleManualName)",
                                       data: Data(contentsOf: Paths.sampleManuals.appendingPathComponent(Paths.sampleManualName)))
        let server = try await S3SyncTests.startServer(bucket: bucket)
        try await server.waitForIngest()
        let run = try await runManualbot(["smoke", "--url", "http://127.0.0.1:\(server.port)", "--json", "--ingest-timeout", "60"])
        #expect(run.status == 0, "\(run.output)")
        let checks = try #require(run.json["checks"] as? [[String: Any]], "\(run.output)")
        #expect(checks.map { $0["name"] as? String } == ["health", "s3", "answer", "pdf"])
        #expect(checks.allSatisfy { $0["ok"] as? Bool == true }, "\(checks)")
        // The smoke PDF went through the bucket and is gone again.
        #expect(try await client.listObjects(bucket: bucket, prefix: "uploads/").isEmpty)
        await server.stop()
    }
}
