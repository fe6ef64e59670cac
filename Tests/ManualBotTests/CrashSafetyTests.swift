// kill -9 at random moments during a large ingest, an upload job and an S3 sync; after a
// restart the database is intact, no document is half-indexed or duplicated, searches answer
// and every job has ended done or failed with a reason. And a full disk fails ingests with a
// clear reason while the existing index keeps serving.
import Foundation
import GRDB
import Testing
@testable import Retrieval
@testable import S3

@Suite(.serialized) struct CrashSafetyTests {
    static let largeCorpus = Paths.repo.appendingPathComponent("../shared/bench/allganize/pdfs").standardizedFileURL

    /// Integrity, every document's chunk count equal to its rows, no duplicate sources.
    func verifyIndex(at dataDirectory: String) throws -> Int {
        let queue = try DatabaseQueue(path: (dataDirectory as NSString).appendingPathComponent("manualbot.sqlite"))
        return try queue.read { db in
            #expect(try String.fetchOne(db, sql: "PRAGMA integrity_check") == "ok")
            let halfIndexed = try Int.fetchOne(db, sql: """
                SELECT count(*) FROM documents d
                WHERE d.chunks != (SELECT count(*) FROM chunks c WHERE c.document_id = d.id)
                """) ?? -1
            #expect(halfIndexed == 0)
            let orphans = try Int.fetchOne(db, sql: "SELECT count(*) FROM chunks WHERE document_id NOT IN (SELECT id FROM documents)") ?? -1
            #expect(orphans == 0)
            let duplicates = try Int.fetchOne(db, sql: "SELECT count(*) - count(DISTINCT source) FROM documents") ?? -1
            #expect(duplicates == 0)
            let unfinished = try Int.fetchOne(db, sql: "SELECT count(*) FROM jobs WHERE status IN ('pending','processing')") ?? -1
            #expect(unfinished == 0)
            let silentFailures = try Int.fetchOne(db, sql: "SELECT count(*) FROM jobs WHERE status = 'failed' AND (detail IS NULL OR detail = '')") ?? -1
            #expect(silentFailures == 0)
            return try Int.fetchOne(db, sql: "SELECT count(*) FROM documents") ?? 0
        }
    }

    @Test(arguments: [0.15, 0.6, 1.2])
    func killDuringLargeIngest(after seconds: Double) async throws {
        let data = try TemporaryDirectory()
        // OCR off: this is about the index surviving kills, and OCR of the corpus's 170 pages
        // without a text layer would take ~7 minutes of the two cores per ingest.
        let first = try ServeProcess(manualsDirectory: Self.largeCorpus.path, dataDirectory: data.path, environment: ["OCR": "off"])
        try await first.start()
        try await Task.sleep(for: .milliseconds(Int(seconds * 1000 * Double.random(in: 0.7...1.3))))
        first.killHard()

        let second = try ServeProcess(manualsDirectory: Self.largeCorpus.path, dataDirectory: data.path, environment: ["OCR": "off"])
        try await second.start()
        let health = try await second.waitForIngest()
        #expect(health["documents"] as? Int == 56)
        let (status, chat) = try await second.request("POST", "/api/v1/chat", body: Data(#"{"message":"지방은행의 시중은행 전환 인가 절차"}"#.utf8),
                                                     headers: ["Content-Type": "application/json"])
        #expect(status == 200)
        #expect((chat["sources"] as? [Any])?.isEmpty == false)
        second.killHard()
        #expect(try verifyIndex(at: data.path) == 56)
    }

    @Test(arguments: [0.0, 0.05, 0.3])
    func killDuringUploadJob(after seconds: Double) async throws {
        let data = try TemporaryDirectory()
        let manuals = try TemporaryDirectory()
        let first = try ServeProcess(manualsDirectory: manuals.path, dataDirectory: data.path)
        try await first.start()
        _ = try await first.waitForIngest()
        let big = Paths.sharedFixtures.appendingPathComponent("009-pdflatex-geotopo_GeoTopo-komprimiert.pdf")
        let form = LiveServer.multipart(fileName: "geotopo.pdf", data: try Data(contentsOf: big))
        let (code, accepted) = try await first.request("POST", "/api/v1/docs/upload", body: form.body, headers: ["Content-Type": form.contentType])
        #expect(code == 200)
        let jobID = try #require(accepted["job_id"] as? String)
        try await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
        first.killHard()

        let second = try ServeProcess(manualsDirectory: manuals.path, dataDirectory: data.path)
        try await second.start()
        var final: [String: Any] = [:]
        for _ in 0..<600 {
            final = try await second.request("GET", "/api/v1/docs/status/\(jobID)").1
            if let state = final["status"] as? String, state == "done" || state == "failed" { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(final["status"] as? String == "done", "\(final)")
        _ = try await second.waitForIngest()
        second.killHard()
        #expect(try verifyIndex(at: data.path) == 1)
    }

    @Test(.enabled(if: S3TestServer.enabled), arguments: [0.1, 0.4])
    func killDuringS3Sync(after seconds: Double) async throws {
        let client = try S3TestServer.client()
        let bucket = try await S3TestServer.freshBucket(client)
        let corpus = Paths.repo.appendingPathComponent("../shared/corpus/hotel-manuals").standardizedFileURL
        let files = try FileManager.default.contentsOfDirectory(atPath: corpus.path).filter { $0.hasSuffix(".pdf") }
        for file in files {
            _ = try await client.putObject(bucket: bucket, key: "manuals/\(file)", data: Data(contentsOf: corpus.appendingPathComponent(file)))
        }
        let keys = try S3TestServer.credentials()
        let data = try TemporaryDirectory()
        let empty = try TemporaryDirectory()
        let environment = [
            "S3_BUCKET": bucket, "S3_ENDPOINT": try S3TestServer.endpoint().absoluteString,
            "AWS_REGION": S3TestServer.region, "AWS_ACCESS_KEY_ID": keys.accessKeyId, "AWS_SECRET_ACCESS_KEY": keys.secretAccessKey,
            "SYNC_INTERVAL_SECONDS": "0",
        ]
        let first = try ServeProcess(manualsDirectory: empty.path, dataDirectory: data.path, environment: environment)
        try await first.start()
        try await Task.sleep(for: .milliseconds(Int(seconds * 1000 * Double.random(in: 0.7...1.3))))
        first.killHard()

        let second = try ServeProcess(manualsDirectory: empty.path, dataDirectory: data.path, environment: environment)
        try await second.start()
        let health = try await second.waitForIngest()
        #expect(health["documents"] as? Int == files.count)
        #expect(health["failed"] as? Int == 0)
        second.killHard()
        #expect(try verifyIndex(at: data.path) == files.count)
    }

    /// DATA_DIR on a 2 MB tmpfs: the sample manual fits, the hotel corpus does not.
    @Test func fullDiskFailsIngestsAndKeepsServing() async throws {
        let data = try TemporaryDirectory()
        let mount = Process()
        mount.executableURL = URL(fileURLWithPath: "/bin/mount")
        mount.arguments = ["-t", "tmpfs", "-o", "size=2m", "tmpfs", data.path]
        try mount.run()
        mount.waitUntilExit()
        try #require(mount.terminationStatus == 0, "mounting a tmpfs needs root (CI and the dev machines run as root)")
        defer {
            let unmount = Process()
            unmount.executableURL = URL(fileURLWithPath: "/bin/umount")
            unmount.arguments = ["-l", data.path]
            try? unmount.run()
            unmount.waitUntilExit()
        }
        let manuals = try TemporaryDirectory()
        try manuals.copy(Paths.sampleManuals.appendingPathComponent(Paths.sampleManualName))
        let server = try ServeProcess(manualsDirectory: manuals.path, dataDirectory: data.path)
        try await server.start()
        _ = try await server.waitForIngest()

        let corpus = Paths.repo.appendingPathComponent("../shared/corpus/hotel-manuals").standardizedFileURL
        for file in try FileManager.default.contentsOfDirectory(atPath: corpus.path) where file.hasSuffix(".pdf") {
            try manuals.copy(corpus.appendingPathComponent(file))
        }
        let (syncStatus, sync) = try await server.request("POST", "/api/v1/docs/sync")
        #expect(syncStatus == 502)
        #expect((sync["detail"] as? String)?.contains("disk full") == true, "\(sync)")
        let (healthStatus, health) = try await server.request("GET", "/api/v1/health")
        #expect(healthStatus == 200)
        #expect(((health["ingest"] as? [String: Any])?["lastError"] as? String)?.contains("disk full") == true)
        let (chatStatus, chat) = try await server.request("POST", "/api/v1/chat", body: Data(#"{"message":"노쇼 고객 환불 어떻게 해요?"}"#.utf8),
                                                         headers: ["Content-Type": "application/json"])
        #expect(chatStatus == 200)
        #expect(((chat["sources"] as? [[String: Any]])?.first?["source"] as? String) == Paths.sampleManualName)
        server.killHard()
    }
}
