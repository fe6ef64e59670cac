// The bucket as the manual source, end to end against the S3 test server: start-up sync,
// POST /api/v1/docs/sync adding, updating and removing documents, the deep health check, and a
// sync through a proxy that fails the first requests — it converges and nothing is ever
// half-indexed.
import Foundation
import GRDB
import Testing
@testable import HTTPServer
@testable import Retrieval
@testable import S3

@Suite(.serialized, .enabled(if: S3TestServer.enabled)) struct S3SyncTests {
    static func startServer(bucket: String, credentials: AWSCredentials? = nil, interval: Int = 0) async throws -> LiveServer {
        let endpoint = try S3TestServer.endpoint()
        let keys = try credentials ?? S3TestServer.credentials()
        return try await LiveServer { settings in
            settings.s3Bucket = bucket
            settings.s3Endpoint = endpoint
            settings.awsRegion = S3TestServer.region
            settings.s3Credentials = StaticCredentialProvider(keys)
            settings.syncIntervalSeconds = interval
        }
    }

    func text(_ string: String) -> Data { Data(string.utf8) }

    @Test func bucketSyncAddsUpdatesAndRemoves() async throws {
        let client = try S3TestServer.client()
        let bucket = try await S3TestServer.freshBucket(client)
        let pdfKey = "매뉴얼/프런트데스크_응대_매뉴얼.pdf"
        let notesKey = "하우스키핑/분실물 안내 (v1)+메모.txt"
        try await client.putObject(bucket: bucket, key: pdfKey,
                                   data: Data(contentsOf: Paths.sampleManuals.appendingPathComponent(Paths.sampleManualName)))
        try await client.putObject(bucket: bucket, key: notesKey, data: text("분실물은 3개월간 보관합니다."))
        try await client.putObject(bucket: bucket, key: "readme.md", data: text("not a manual"))

        let server = try await Self.startServer(bucket: bucket)
        try await server.waitForIngest()

        // Only the bucket is the source: the LiveServer's local sample folder is not indexed.
        let docs = try await server.request("GET", "/api/v1/docs")
        let list = try #require(docs.json["documents"] as? [[String: Any]])
        #expect(Set(list.compactMap { $0["s3_key"] as? String }) == [pdfKey, notesKey])
        #expect(list.allSatisfy { ($0["etag"] as? String)?.isEmpty == false })
        #expect(list.contains { $0["source"] as? String == "s3://\(bucket)/\(pdfKey)" && $0["file"] as? String == Paths.sampleManualName })

        let chat = try await server.postJSON("/api/v1/chat", ["message": "노쇼 고객 환불 어떻게 해요?"])
        let sources = try #require(chat.json["sources"] as? [[String: Any]])
        #expect(sources.first?["source"] as? String == Paths.sampleManualName)

        // Change the bucket: update one, add two (one broken), delete one.
        try await client.putObject(bucket: bucket, key: notesKey, data: text("분실물은 6개월간 보관합니다."))
        try await client.putObject(bucket: bucket, key: "new+file=1.txt", data: text("조식은 오전 7시부터 제공됩니다."))
        try await client.putObject(bucket: bucket, key: "broken.pdf", data: text("%PDF-1.4 not really a pdf"))
        try await client.deleteObject(bucket: bucket, key: pdfKey)

        let sync = try await server.request("POST", "/api/v1/docs/sync")
        #expect(sync.status == 200, "\(sync.text)")
        #expect(sync.json["source"] as? String == "s3://\(bucket)/")
        #expect(sync.json["added"] as? [String] == ["broken.pdf", "new+file=1.txt"])
        #expect(sync.json["updated"] as? [String] == [notesKey])
        #expect(sync.json["removed"] as? [String] == [pdfKey])
        let failed = try #require(sync.json["failed"] as? [String: String])
        #expect(failed.keys.sorted() == ["broken.pdf"])
        #expect(failed["broken.pdf"]?.contains("damaged") == true)

        let hits = try await server.service.index.search("분실물 보관 기간")
        #expect(hits.first?.text.contains("6개월") == true)
        #expect(!hits.contains { $0.text.contains("3개월") })
        #expect(try await server.service.index.search("노쇼 고객 환불").isEmpty)

        // Nothing changed: nothing is downloaded again, but the failed object is retried.
        let again = try await server.request("POST", "/api/v1/docs/sync")
        #expect(again.json["added"] as? [String] == [])
        #expect(again.json["updated"] as? [String] == [])
        #expect(again.json["removed"] as? [String] == [])
        #expect((again.json["failed"] as? [String: String])?.keys.sorted() == ["broken.pdf"])
        #expect(again.json["unchanged"] as? Int == 3)

        // Fixed in the bucket: indexed on the next round.
        try await client.putObject(bucket: bucket, key: "broken.pdf",
                                   data: Data(contentsOf: Paths.fixtures.appendingPathComponent("korean_pages.pdf")))
        let fixed = try await server.request("POST", "/api/v1/docs/sync")
        #expect(fixed.json["updated"] as? [String] == ["broken.pdf"])
        #expect((fixed.json["failed"] as? [String: String])?.isEmpty == true)
        await server.stop()
    }

    /// Replicas follow the bucket by themselves, every SYNC_INTERVAL_SECONDS.
    @Test func periodicSyncFollowsTheBucket() async throws {
        let client = try S3TestServer.client()
        let bucket = try await S3TestServer.freshBucket(client)
        try await client.putObject(bucket: bucket, key: "first.txt", data: text("수영장은 오전 6시에 엽니다."))
        let server = try await Self.startServer(bucket: bucket, interval: 1)
        try await server.waitForIngest()
        #expect(try await server.service.index.stats().documents == 1)
        try await client.putObject(bucket: bucket, key: "second.txt", data: text("사우나는 밤 10시에 닫습니다."))
        try await client.deleteObject(bucket: bucket, key: "first.txt")
        var keys: [String] = []
        for _ in 0..<100 {
            try await Task.sleep(for: .milliseconds(100))
            keys = try await server.service.index.documents().compactMap(\.s3Key)
            if keys == ["second.txt"] { break }
        }
        #expect(keys == ["second.txt"])
        await server.stop()
    }

    @Test func deepHealthChecksS3Permissions() async throws {
        let client = try S3TestServer.client()
        let bucket = try await S3TestServer.freshBucket(client)
        try await client.putObject(bucket: bucket, key: "안내.txt", data: text("체크아웃은 11시입니다."))
        let server = try await Self.startServer(bucket: bucket)
        try await server.waitForIngest()
        let deep = try await server.request("GET", "/api/v1/health?deep=1")
        #expect(deep.status == 200, "\(deep.text)")
        #expect(deep.json["status"] as? String == "ok")
        #expect(deep.json["documents"] as? Int == 1)
        let s3 = try #require(deep.json["s3"] as? [String: Any])
        #expect(s3["list"] as? String == "ok")
        #expect(s3["read"] as? String == "ok")
        #expect(s3["readKey"] as? String == "안내.txt")
        #expect(s3["bucket"] as? String == bucket)
        #expect(s3["credentials"] as? String == "static")
        let plain = try await server.request("GET", "/api/v1/health")
        #expect(plain.json["s3"] == nil)
        await server.stop()

        // Wrong secret: deep health says why with 503; a sync is a 502; plain health is fine.
        var wrong = try S3TestServer.credentials()
        wrong.secretAccessKey = "wrong-secret"
        let broken = try await Self.startServer(bucket: bucket, credentials: wrong)
        try await broken.waitForIngest()
        let failing = try await broken.request("GET", "/api/v1/health?deep=1")
        #expect(failing.status == 503)
        #expect(failing.json["status"] as? String == "error")
        #expect(((failing.json["s3"] as? [String: Any])?["list"] as? String)?.contains("SignatureDoesNotMatch") == true)
        let sync = try await broken.request("POST", "/api/v1/docs/sync")
        #expect(sync.status == 502)
        #expect((sync.json["detail"] as? String)?.contains("SignatureDoesNotMatch") == true)
        let health = try await broken.request("GET", "/api/v1/health")
        #expect(health.status == 200)
        #expect(((health.json["ingest"] as? [String: Any])?["lastError"] as? String)?.contains("SignatureDoesNotMatch") == true)
        await broken.stop()
    }

    /// Every document in the index is whole: its chunk count matches, and all its chunks come
    /// from one version of the object.
    func assertWhole(_ index: ManualIndex) async throws -> [String: String] {
        try await index.pool.read { db in
            var versions: [String: String] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT d.s3_key AS key, d.chunks AS expected, d.status AS status, count(c.id) AS actual,
                       group_concat(c.text, '|') AS text
                FROM documents d LEFT JOIN chunks c ON c.document_id = d.id GROUP BY d.id
                """) {
                let key: String = row["key"]
                let expected: Int = row["expected"]
                let actual: Int = row["actual"]
                #expect(expected == actual, "\(key): \(actual) of \(expected) chunks")
                let text: String = row["text"] ?? ""
                let marks = Set(["v1", "v2"].filter { text.contains("버전\($0)") })
                #expect(marks.count <= 1, "\(key) mixes versions")
                versions[key] = marks.first ?? (row["status"] as String)
            }
            return versions
        }
    }

    @Test func syncConvergesThroughFailuresAndNeverHalfIndexes() async throws {
        let direct = try S3TestServer.client()
        let bucket = try await S3TestServer.freshBucket(direct)
        func body(_ key: String, _ version: String) -> Data {
            // Several chunks per document, each tagged with its version.
            Data((1...6).map { "\(key) 안내 버전\(version) 항목 \($0). " + String(repeating: "객실 청소와 비품 보충 절차를 따릅니다. ", count: 12) }
                .joined(separator: "\n\n").utf8)
        }
        let keys = ["a.txt", "b/두번째.txt", "c (3).txt", "d+e=f.txt"]
        for key in keys { try await direct.putObject(bucket: bucket, key: key, data: body(key, "v1")) }

        let data = try TemporaryDirectory()
        let index = try ManualIndex(path: data.url.appendingPathComponent("index.sqlite").path)
        let first = try await BucketIngestor(index: index, extractor: isolatedExtractor(), client: direct, bucket: bucket).sync()
        #expect(first.added.count == 4)
        #expect(try await assertWhole(index) == Dictionary(uniqueKeysWithValues: keys.map { ($0, "v1") }))

        // The bucket changes; then S3 has a bad minute.
        for key in keys.prefix(3) { try await direct.putObject(bucket: bucket, key: key, data: body(key, "v2")) }
        try await direct.putObject(bucket: bucket, key: "new.txt", data: body("new.txt", "v2"))
        try await direct.deleteObject(bucket: bucket, key: "d+e=f.txt")

        // The listing passes; the first six downloads fail. With two attempts per request the
        // four objects use up four faults, then two of them two more: round 1 indexes two
        // objects and records two failures, round 2 gets the rest.
        let proxy = try FaultProxy(upstreamPort: try S3TestServer.endpoint().port!,
                                   faults: [.slowDown, .reset, .internalError, .reset, .slowDown, .internalError], spareListings: true)
        defer { proxy.stop() }
        let flaky = try S3TestServer.client(endpoint: URL(string: "http://127.0.0.1:\(proxy.port)")!,
                                            retry: RetryPolicy(maxAttempts: 2, baseDelay: .milliseconds(10)))
        let ingestor = BucketIngestor(index: index, extractor: isolatedExtractor(), client: flaky, bucket: bucket)
        var rounds = 0
        var sawFailure = false
        var listingFailed = false
        var converged = false
        while rounds < 8, !converged {
            rounds += 1
            do {
                let report = try await ingestor.sync()
                sawFailure = sawFailure || !report.failed.isEmpty
                converged = report.failed.isEmpty
                if rounds == 1 {
                    #expect(report.failed.count == 2, "\(report.failed)")
                    #expect(report.failed.values.allSatisfy { $0.hasPrefix("download failed: S3 GetObject") })
                }
            } catch {
                // The listing itself failed: nothing may have changed.
                listingFailed = true
            }
            // After every round, whatever happened: each document is one whole version.
            _ = try await assertWhole(index)
        }
        #expect(converged, "not converged after \(rounds) rounds")
        #expect(proxy.faultsServed == 6)
        #expect(sawFailure)
        #expect(!listingFailed)
        #expect(rounds == 2)
        let final = try await assertWhole(index)
        #expect(final == ["a.txt": "v2", "b/두번째.txt": "v2", "c (3).txt": "v2", "new.txt": "v2"])
    }
}
