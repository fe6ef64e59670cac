// LLM answers against a local OpenAI-compatible server: what the prompt holds (retrieved
// passages only, no personal data), citations, every fallback path, and the SSE event order.
import Foundation
import Testing
@testable import HTTPServer
@testable import Retrieval

@Suite(.serialized) struct LLMAnswerTests {
    func server(_ fake: FakeOpenAI, timeout: Int = 2) async throws -> LiveServer {
        let server = try await LiveServer { settings in
            settings.openAIKey = "sk-test-key"
            settings.openAIBaseURL = fake.baseURL
            settings.openAITimeoutSeconds = timeout
        }
        try await server.waitForIngest()
        return server
    }

    let question = "노쇼 고객 환불 어떻게 해요? 고객 010-1234-5678, kim@example.com"

    @Test func llmAnswerIsGroundedAndMasked() async throws {
        let fake = try await FakeOpenAI()
        fake.behaviour = .answer("첫 1박 요금은 환불되지 않습니다. [출처: 프런트데스크_응대_매뉴얼.pdf p.2]")
        let server = try await server(fake)
        let reply = try await server.postJSON("/api/v1/chat", [
            "userId": "anonymous", "sessionId": "1", "message": question,
            "customerAttributes": ["name": "김철수", "card": "4111 1111 1111 1111", "room": "1203호", "rrn": "900101-1234567"],
        ])
        #expect(reply.status == 200)
        #expect(reply.json["mode"] as? String == "llm")
        #expect(reply.json["reply"] as? String == "첫 1박 요금은 환불되지 않습니다. [출처: 프런트데스크_응대_매뉴얼.pdf p.2]")
        #expect((reply.json["sources"] as? [Any])?.isEmpty == false)

        let sent = try #require(fake.requests.first)
        #expect(sent["_authorization"] as? String == "Bearer sk-test-key")
        #expect(sent["model"] as? String == "gpt-4o-mini")
        #expect(sent["temperature"] as? Double == 0)
        #expect((sent["max_tokens"] as? Int ?? 0) > 0)
        let messages = try #require(sent["messages"] as? [[String: String]])
        let prompt = messages.map { $0["content"] ?? "" }.joined(separator: "\n")
        for secret in ["010-1234-5678", "kim@example.com", "4111 1111 1111 1111", "900101-1234567"] {
            #expect(!prompt.contains(secret), "\(secret) leaked")
        }
        #expect(prompt.contains("[PHONE_REDACTED]") && prompt.contains("[EMAIL_REDACTED]"))
        #expect(prompt.contains("[CARD_REDACTED]") && prompt.contains("[ID_REDACTED]"))
        #expect(prompt.contains("1203호"))  // not personal data
        #expect(prompt.contains("[출처: 파일명 p.페이지]"))
        // Only retrieved passages, numbered with file and page.
        #expect(prompt.contains("[1] 프런트데스크_응대_매뉴얼.pdf p.2"))
        #expect(!prompt.contains("Q15"))  // a page that was not retrieved
        await server.stop()
        await fake.stop()
    }

    @Test(arguments: [FakeOpenAI.Behaviour.status(500), .status(429), .status(503), .empty, .stall])
    func failuresFallBackToExtractive(_ behaviour: FakeOpenAI.Behaviour) async throws {
        let fake = try await FakeOpenAI()
        fake.behaviour = behaviour
        let server = try await server(fake, timeout: 1)
        let reply = try await server.postJSON("/api/v1/chat", ["message": "노쇼 고객 환불 어떻게 해요?"])
        #expect(reply.status == 200)
        #expect(reply.json["mode"] as? String == "extractive")
        #expect((reply.json["reply"] as? String)?.contains("[출처: 프런트데스크_응대_매뉴얼.pdf p.2]") == true)
        await server.stop()
        await fake.stop()
    }

    @Test func connectionRefusedFallsBack() async throws {
        let server = try await LiveServer { settings in
            settings.openAIKey = "sk-test"
            settings.openAIBaseURL = URL(string: "http://127.0.0.1:1/v1")!
        }
        try await server.waitForIngest()
        let reply = try await server.postJSON("/api/v1/chat", ["message": "노쇼 고객 환불 어떻게 해요?"])
        #expect(reply.status == 200)
        #expect(reply.json["mode"] as? String == "extractive")
        await server.stop()
    }

    @Test func nothingFoundNeverCallsTheLLM() async throws {
        let fake = try await FakeOpenAI()
        let server = try await server(fake)
        let reply = try await server.postJSON("/api/v1/chat", ["message": "비트코인 시세 전망"])
        #expect(reply.json["reply"] as? String == ExtractiveAnswer.notFoundReply)
        #expect(fake.requests.isEmpty)
        await server.stop()
        await fake.stop()
    }

    func events(_ reply: LiveServer.Reply) -> [(name: String, data: [String: Any])] {
        reply.text.components(separatedBy: "\n\n").compactMap { block in
            let lines = block.split(separator: "\n")
            guard let name = lines.first(where: { $0.hasPrefix("event: ") })?.dropFirst(7),
                  let data = lines.first(where: { $0.hasPrefix("data: ") })?.dropFirst(6) else { return nil }
            let object = (try? JSONSerialization.jsonObject(with: Data(data.utf8))) as? [String: Any] ?? [:]
            return (String(name), object)
        }
    }

    @Test func streamOrderWithLLM() async throws {
        let fake = try await FakeOpenAI()
        fake.behaviour = .stream(["첫 1박 요금은 ", "환불되지 않습니다. ", "[출처: 프런트데스크_응대_매뉴얼.pdf p.2]"])
        let server = try await server(fake)
        let reply = try await server.postJSON("/api/v1/chat/stream", ["message": "노쇼 고객 환불 어떻게 해요?"])
        #expect(reply.headers["content-type"]?.hasPrefix("text/event-stream") == true)
        let events = events(reply)
        #expect(events.first?.name == "sources")
        #expect(events.last?.name == "done")
        #expect(events.last?.data["mode"] as? String == "llm")
        let text = events.filter { $0.name == "delta" }.compactMap { $0.data["text"] as? String }.joined()
        #expect(text == "첫 1박 요금은 환불되지 않습니다. [출처: 프런트데스크_응대_매뉴얼.pdf p.2]")
        #expect(fake.requests.first?["stream"] as? Bool == true)
        await server.stop()
        await fake.stop()
    }

    @Test(arguments: [FakeOpenAI.Behaviour.status(500), .stall])
    func streamFallsBackToExtractive(_ behaviour: FakeOpenAI.Behaviour) async throws {
        let fake = try await FakeOpenAI()
        fake.behaviour = behaviour
        let server = try await server(fake, timeout: 1)
        let reply = try await server.postJSON("/api/v1/chat/stream", ["message": "노쇼 고객 환불 어떻게 해요?"])
        let events = events(reply)
        #expect(events.map(\.name).first == "sources")
        #expect(events.last?.data["mode"] as? String == "extractive")
        let text = events.filter { $0.name == "delta" }.compactMap { $0.data["text"] as? String }.joined()
        #expect(text.contains("[출처: 프런트데스크_응대_매뉴얼.pdf p.2]"))
        await server.stop()
        await fake.stop()
    }

    @Test func extractiveStreamWithoutLLM() async throws {
        let server = try await LiveServer()
        try await server.waitForIngest()
        let reply = try await server.postJSON("/api/v1/chat/stream", ["message": "노쇼 고객 환불 어떻게 해요?"])
        let events = events(reply)
        #expect(events.map(\.name).first == "sources")
        #expect(((events.first?.data["sources"] as? [[String: Any]])?.first?["page"] as? Int) == 2)
        #expect(events.last?.name == "done")
        #expect(events.last?.data["mode"] as? String == "extractive")
        let plain = try await server.postJSON("/api/v1/chat", ["message": "노쇼 고객 환불 어떻게 해요?"])
        let text = events.filter { $0.name == "delta" }.compactMap { $0.data["text"] as? String }.joined()
        #expect(text == plain.json["reply"] as? String)
        await server.stop()
    }
}
