// Uploads, jobs, API key and CORS, driven exactly as the gaekdam frontend drives them.
import Foundation
import Testing
@testable import HTTPServer
@testable import Retrieval

@Suite(.serialized) struct UploadTests {
    let koreanPages = Paths.fixtures.appendingPathComponent("korean_pages.pdf")

    @Test func directUploadIsIndexedAndAnswers() async throws {
        let server = try await LiveServer(manualFiles: [])
        try await server.waitForIngest()
        let upload = try await server.upload(fileName: "주차_안내.pdf", data: Data(contentsOf: koreanPages))
        #expect(upload.status == 200)
        #expect(upload.json["status"] as? String == "processing")
        #expect(upload.json["filename"] as? String == "주차_안내.pdf")
        let jobID = try #require(upload.json["job_id"] as? String)

        let status = try await server.waitForJob(jobID)
        #expect(status["status"] as? String == "done")
        #expect(status["state"] as? String == "done")
        #expect(status["job_id"] as? String == jobID)
        #expect((status["meta"] as? [String: Any])?["pages"] as? Int == 3)
        #expect(status.keys.contains("updated_at") && status.keys.contains("detail") && status.keys.contains("s3_key"))

        let chat = try await server.postJSON("/api/v1/chat", ["message": "투숙객 차량 주차 요금은요?"])
        let sources = try #require(chat.json["sources"] as? [[String: Any]])
        #expect(sources.first?["source"] as? String == "주차_안내.pdf")
        #expect(sources.first?["page"] as? Int == 3)

        // Delete: gone from the index and from disk.
        let docs = try await server.request("GET", "/api/v1/docs").json["documents"] as? [[String: Any]] ?? []
        let id = try #require(docs.first?["id"] as? Int)
        let deleted = try await server.request("DELETE", "/api/v1/docs/\(id)")
        #expect(deleted.status == 200)
        #expect(deleted.json["deleted_file"] as? Bool == true)
        let after = try await server.postJSON("/api/v1/chat", ["message": "투숙객 차량 주차 요금은요?"])
        #expect((after.json["sources"] as? [Any])?.isEmpty == true)
        #expect(try await server.request("DELETE", "/api/v1/docs/\(id)").status == 404)
        await server.stop()
    }

    @Test func textUploadAndUnknownJob() async throws {
        let server = try await LiveServer(manualFiles: [])
        let upload = try await server.upload(fileName: "미니바.txt", data: Data("미니바 음료는 체크아웃 때 정산합니다. 생수는 무료입니다.".utf8), contentType: "text/plain")
        let status = try await server.waitForJob(try #require(upload.json["job_id"] as? String))
        #expect(status["status"] as? String == "done")
        let chat = try await server.postJSON("/api/v1/chat", ["message": "미니바 정산"])
        #expect((chat.json["sources"] as? [[String: Any]])?.first?["page"] as? Int == 1)

        let unknown = try await server.request("GET", "/api/v1/docs/status/nope")
        #expect(unknown.status == 404)
        #expect(unknown.json["detail"] as? String == "job not found")
        await server.stop()
    }

    @Test func wrongTypesAreRefused() async throws {
        let server = try await LiveServer(manualFiles: [])
        for (name, bytes) in [("manual.docx", Data([0x50, 0x4B, 0x03, 0x04, 0xFF, 0x00])),
                              ("fake.pdf", Data("just text, not a PDF".utf8)),
                              ("notes.md", Data("# 제목".utf8)),
                              ("binary.txt", Data([0xFF, 0xFE, 0x00, 0x41]))] {
            let reply = try await server.upload(fileName: name, data: bytes)
            #expect(reply.status == 400, "\(name)")
            #expect(reply.json["detail"] as? String == "Unsupported file type. Use pdf or txt.", "\(name)")
        }
        let empty = try await server.upload(fileName: "empty.pdf", data: Data())
        #expect(empty.status == 400)
        let noFile = try await server.request("POST", "/api/v1/docs/upload", body: Data("x".utf8), headers: ["Content-Type": "application/json"])
        #expect(noFile.status == 422)
        // A PDF under a .txt name is judged by its content.
        let renamed = try await server.upload(fileName: "actually_pdf.txt", data: Data(contentsOf: koreanPages))
        #expect(renamed.status == 200)
        #expect(renamed.json["filename"] as? String == "actually_pdf.txt.pdf")
        await server.stop()
    }

    /// Two bodies that crashed the server (schemathesis found the first): a non-ASCII byte in a
    /// part's header name, and an empty boundary. Both are client errors; the server stays up.
    @Test func malformedMultipartNeverCrashes() async throws {
        let server = try await LiveServer(manualFiles: [])
        let boundary = "b0undary"
        let headerName = Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\nX-\u{00E9}t\u{00E9}: 1\r\n\r\nhello\r\n--\(boundary)--\r\n".utf8)
        let reply = try await server.request("POST", "/api/v1/docs/upload", body: headerName,
                                             headers: ["Content-Type": "multipart/form-data; boundary=\(boundary)"])
        #expect(reply.status == 400)
        #expect(reply.json["detail"] as? String == "Malformed multipart body")
        let empty = try await server.request("POST", "/api/v1/docs/upload", body: Data("--\r\n".utf8),
                                             headers: ["Content-Type": "multipart/form-data; boundary=\"\""])
        #expect(empty.status == 422)
        // Non-ASCII in header values (a browser's Korean file name) is fine, and the server is up.
        let korean = try await server.upload(fileName: "객실_안내.txt", data: Data("체크아웃은 오전 11시입니다.".utf8), contentType: "text/plain")
        #expect(korean.status == 200)
        #expect(korean.json["filename"] as? String == "객실_안내.txt")
        await server.stop()
    }

    @Test func tooLargeIsRefusedWith413() async throws {
        let server = try await LiveServer(manualFiles: []) { $0.maxUploadBytes = 256 * 1024 }
        var big = Data("%PDF-1.4\n".utf8)
        big.append(Data(repeating: 0x41, count: 1024 * 1024))
        let reply = try await server.upload(fileName: "big.pdf", data: big)
        #expect(reply.status == 413)
        #expect((reply.json["detail"] as? String)?.contains("too large") == true)
        let incoming = server.data.url.appendingPathComponent("incoming")
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: incoming.path)) ?? []).isEmpty)
        #expect(try await server.request("GET", "/api/v1/health").status == 200)
        await server.stop()
    }

    @Test func nfdNamesAndDuplicates() async throws {
        let server = try await LiveServer(manualFiles: [])
        let nfd = "객실_안내/../../주차_안내.pdf".decomposedStringWithCanonicalMapping
        let first = try await server.upload(fileName: nfd, data: Data(contentsOf: koreanPages))
        #expect(first.json["filename"] as? String == "주차_안내.pdf")  // NFC, no folders
        _ = try await server.waitForJob(try #require(first.json["job_id"] as? String))

        let again = try await server.upload(fileName: "복사본.pdf", data: Data(contentsOf: koreanPages))
        #expect(again.status == 200)
        let status = try await server.waitForJob(try #require(again.json["job_id"] as? String))
        #expect(status["status"] as? String == "done")
        #expect((status["meta"] as? [String: Any])?["duplicate_of"] as? String == "주차_안내.pdf")
        let docs = try await server.request("GET", "/api/v1/docs").json
        #expect(docs["count"] as? Int == 1)
        await server.stop()
    }

    @Test func brokenUploadFailsWithAReason() async throws {
        let server = try await LiveServer(manualFiles: [])
        let locked = Paths.sharedFixtures.appendingPathComponent("005-libreoffice-writer-password_libreoffice-writer-password.pdf")
        let upload = try await server.upload(fileName: "locked.pdf", data: Data(contentsOf: locked))
        let status = try await server.waitForJob(try #require(upload.json["job_id"] as? String))
        #expect(status["status"] as? String == "failed")
        #expect((status["detail"] as? String)?.contains("encrypted") == true)

        let scan = try await server.upload(fileName: "scan.pdf", data: Data(contentsOf: Paths.fixtures.appendingPathComponent("blank_pages.pdf")))
        let scanStatus = try await server.waitForJob(try #require(scan.json["job_id"] as? String))
        #expect(scanStatus["status"] as? String == "failed")
        #expect((scanStatus["detail"] as? String)?.contains("OCR") == true)
        await server.stop()
    }

    @Test func restartResumesOrFailsUnfinishedJobs() async throws {
        let data = try TemporaryDirectory()
        let manuals = try TemporaryDirectory()
        let stored = try manuals.write("uploads/job-a_주차.pdf", Data(contentsOf: koreanPages))
        do {
            // As if the server died after storing one upload and before storing another.
            let index = try ManualIndex(path: data.url.appendingPathComponent("manualbot.sqlite").path)
            try await index.insert(UploadJob(id: "job-a", filename: "주차.pdf", status: .processing, source: stored))
            try await index.insert(UploadJob(id: "job-b", filename: "lost.pdf", status: .pending, source: manuals.url.appendingPathComponent("uploads/missing.pdf").path))
        }
        let server = try await LiveServer(manualFiles: [], data: data, manuals: manuals)
        let resumed = try await server.waitForJob("job-a")
        #expect(resumed["status"] as? String == "done")
        let lost = try await server.waitForJob("job-b")
        #expect(lost["status"] as? String == "failed")
        #expect((lost["detail"] as? String)?.contains("restart") == true)
        await server.stop()
    }

    @Test func apiKeyIsRequired() async throws {
        let server = try await LiveServer(manualFiles: [])
        let chatBody = try JSONSerialization.data(withJSONObject: ["message": "체크인"])
        let json = ["Content-Type": "application/json"]
        let missing = try await server.request("POST", "/api/v1/chat", body: chatBody, headers: json, authorized: false)
        #expect(missing.status == 401)
        #expect(missing.json["detail"] as? String == "Invalid or missing API Key")
        let wrong = try await server.request("POST", "/api/v1/chat", body: chatBody, headers: json.merging(["Authorization": "Bearer nope"]) { a, _ in a }, authorized: false)
        #expect(wrong.status == 401)
        // The old service's hole: an allowed Origin is no key.
        let origin = try await server.request("POST", "/api/v1/chat", body: chatBody,
                                              headers: json.merging(["Origin": "http://localhost:3000"]) { a, _ in a }, authorized: false)
        #expect(origin.status == 401)
        #expect(try await server.request("GET", "/api/v1/docs", authorized: false).status == 401)
        #expect(try await server.request("GET", "/api/v1/docs/status/x", authorized: false).status == 401)

        for header in [["x-api-key": LiveServer.apiKey], ["Authorization": LiveServer.apiKey],
                       ["Authorization": "bearer \(LiveServer.apiKey)"], ["Authorization": "BEARER \(LiveServer.apiKey)"]] {
            let ok = try await server.request("POST", "/api/v1/chat", body: chatBody, headers: json.merging(header) { a, _ in a }, authorized: false)
            #expect(ok.status == 200, "\(header.keys)")
        }
        #expect(try await server.request("GET", "/api/v1/health", authorized: false).status == 200)
        #expect(try await server.request("GET", "/", authorized: false).status == 200)
        await server.stop()
    }

    @Test func corsAllowsOnlyConfiguredOrigins() async throws {
        let server = try await LiveServer(manualFiles: [])
        let preflight = try await server.request("OPTIONS", "/api/v1/chat", headers: [
            "Origin": "https://gaekdam.cloud", "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type,x-api-key",
        ], authorized: false)
        #expect(preflight.status == 204)
        #expect(preflight.headers["access-control-allow-origin"] == "https://gaekdam.cloud")
        #expect(preflight.headers["access-control-allow-credentials"] == "true")
        let allowed = preflight.headers["access-control-allow-headers"]?.lowercased() ?? ""
        #expect(allowed.contains("authorization") && allowed.contains("x-api-key") && allowed.contains("content-type"))

        let evil = try await server.request("OPTIONS", "/api/v1/chat", headers: [
            "Origin": "https://evil.example", "Access-Control-Request-Method": "POST",
        ], authorized: false)
        #expect(evil.headers.keys.allSatisfy { !$0.hasPrefix("access-control-") })
        #expect(evil.status == 403)

        let get = try await server.request("GET", "/api/v1/health", headers: ["Origin": "http://localhost:3000"])
        #expect(get.headers["access-control-allow-origin"] == "http://localhost:3000")
        let other = try await server.request("GET", "/api/v1/health", headers: ["Origin": "https://evil.example"])
        #expect(other.headers["access-control-allow-origin"] == nil)
        // Errors carry CORS headers too, so the browser can show `detail`.
        let unauthorized = try await server.request("GET", "/api/v1/docs", headers: ["Origin": "https://gaekdam.cloud"], authorized: false)
        #expect(unauthorized.status == 401)
        #expect(unauthorized.headers["access-control-allow-origin"] == "https://gaekdam.cloud")
        await server.stop()
    }
}
