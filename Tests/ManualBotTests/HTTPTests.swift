// The HTTP contract over a live server on 127.0.0.1, exactly as the gaekdam frontend calls it.
import Foundation
import Testing
@testable import HTTPServer
@testable import Retrieval

@Suite(.serialized) struct HTTPTests {
    @Test func rootAndHealth() async throws {
        let server = try await LiveServer()
        defer { Task { await server.stop() } }
        let root = try await server.request("GET", "/")
        #expect(root.status == 200)
        #expect(root.json["status"] as? String == "ok")
        #expect(root.json["service"] as? String == "gaekdam-ai-bot")

        let health = try await server.request("GET", "/api/v1/health")
        #expect(health.status == 200)
        #expect(health.json["status"] as? String == "ok")
        #expect(health.headers["content-type"]?.hasPrefix("application/json") == true)
        await server.stop()
    }

    @Test func chatAnswersWithPageCitations() async throws {
        let server = try await LiveServer()
        try await server.waitForIngest()
        let reply = try await server.postJSON("/api/v1/chat", [
            "userId": "anonymous", "sessionId": "1732780800000",
            "message": "노쇼 고객 환불 어떻게 해요?", "customerAttributes": [String: String](),
        ])
        #expect(reply.status == 200)
        let text = try #require(reply.json["reply"] as? String)
        #expect(text.contains("[출처: 프런트데스크_응대_매뉴얼.pdf p.2]"))
        #expect(text.contains("1박"))
        let sources = try #require(reply.json["sources"] as? [[String: Any]])
        let first = try #require(sources.first)
        #expect(first["type"] as? String == "manual")
        #expect(first["source"] as? String == Paths.sampleManualName)
        #expect(first["page"] as? Int == 2)
        #expect(first["score"] is Double)
        #expect((first["snippet"] as? String)?.isEmpty == false)
        let pairs = sources.map { "\($0["source"]!)#\($0["page"]!)" }
        #expect(Set(pairs).count == pairs.count)
        await server.stop()
    }

    @Test func nothingFoundUsesTheContractReply() async throws {
        let server = try await LiveServer()
        try await server.waitForIngest()
        let reply = try await server.postJSON("/api/v1/chat", ["message": "비트코인 시세 전망"])
        #expect(reply.status == 200)
        #expect(reply.json["reply"] as? String == "관련 매뉴얼을 찾지 못했습니다. 질문을 다르게 표현해 보시겠어요?")
        #expect((reply.json["sources"] as? [Any])?.isEmpty == true)
        await server.stop()
    }

    @Test func badRequestsGetDetail() async throws {
        let server = try await LiveServer()
        let malformed = try await server.request("POST", "/api/v1/chat", body: Data("{\"message\": ".utf8), headers: ["Content-Type": "application/json"])
        #expect(malformed.status == 400)
        #expect(malformed.json["detail"] is String)

        let missing = try await server.postJSON("/api/v1/chat", ["userId": "anonymous"])
        #expect(missing.status == 422)
        #expect((missing.json["detail"] as? String)?.contains("message") == true)

        let empty = try await server.postJSON("/api/v1/chat", ["message": "   "])
        #expect(empty.status == 422)

        let wrongType = try await server.postJSON("/api/v1/chat", ["message": 42])
        #expect(wrongType.status == 422)

        let array = try await server.postJSON("/api/v1/chat", [1, 2])
        #expect(array.status == 422)

        // Ids are strings (numbers are accepted too); anything else is the client's mistake.
        let numericID = try await server.postJSON("/api/v1/chat", ["message": "체크인", "sessionId": 1732780800000])
        #expect(numericID.status == 200)
        let objectID = try await server.postJSON("/api/v1/chat", ["message": "체크인", "userId": ["id": 1]])
        #expect(objectID.status == 422)
        #expect(objectID.json["detail"] as? String == "Invalid value for field: userId")

        let huge = try await server.postJSON("/api/v1/chat", ["message": String(repeating: "가", count: 100_000)])
        #expect(huge.status == 413)
        #expect(huge.json["detail"] is String)

        let unknown = try await server.request("GET", "/api/v1/nope")
        #expect(unknown.status == 404)
        #expect(unknown.json["detail"] as? String == "Not Found")

        // Still serving after all of that.
        #expect(try await server.request("GET", "/api/v1/health").status == 200)
        await server.stop()
    }

    @Test func docsListsStatusAndReasons() async throws {
        let folder = try TemporaryDirectory()
        let broken = folder.url.appendingPathComponent("broken.pdf")
        try Data("%PDF-1.4\nthis is not really a pdf".utf8).write(to: broken)
        let server = try await LiveServer(manualFiles: [
            Paths.sampleManuals.appendingPathComponent(Paths.sampleManualName),
            Paths.fixtures.appendingPathComponent("blank_pages.pdf"),
            broken,
        ])
        try await server.waitForIngest()
        let docs = try await server.request("GET", "/api/v1/docs")
        #expect(docs.status == 200)
        let list = try #require(docs.json["documents"] as? [[String: Any]])
        let byFile = Dictionary(uniqueKeysWithValues: list.map { ($0["file"] as! String, $0) })
        #expect(byFile[Paths.sampleManualName]?["status"] as? String == "done")
        #expect(byFile[Paths.sampleManualName]?["pages"] as? Int == 6)
        #expect(byFile["blank_pages.pdf"]?["status"] as? String == "needs_ocr")
        #expect(byFile["broken.pdf"]?["status"] as? String == "failed")
        #expect((byFile["broken.pdf"]?["reason"] as? String)?.contains("damaged") == true)

        let health = try await server.request("GET", "/api/v1/health")
        #expect(health.json["documents"] as? Int == 3)
        #expect(health.json["failed"] as? Int == 1)
        await server.stop()
    }

    /// Health answers while a slow ingest is still running.
    @Test func healthDoesNotWaitForIngest() async throws {
        let folder = try TemporaryDirectory()
        let hang = try folder.writeScript("slow.sh", "#!/bin/sh\nexec sleep 5\n")
        let server = try await LiveServer { settings in
            settings.extractorExecutable = hang
            settings.parseTimeoutSeconds = 3
        }
        try await Task.sleep(for: .milliseconds(200))
        let clock = ContinuousClock()
        let started = clock.now
        let health = try await server.request("GET", "/api/v1/health")
        #expect(clock.now - started < .seconds(2), "health waited for the ingest")
        #expect(health.status == 200)
        #expect((health.json["ingest"] as? [String: Any])?["running"] as? Bool == true)
        try await server.waitForIngest()
        let docs = try await server.request("GET", "/api/v1/docs")
        let first = (docs.json["documents"] as? [[String: Any]])?.first
        #expect(first?["status"] as? String == "failed")
        #expect((first?["reason"] as? String)?.contains("longer than") == true)
        await server.stop()
    }
}
