// Turns search hits into the chat reply: the extractive answer by default; with an LLM
// configured, a grounded answer written from the retrieved passages only, with personal data
// masked before anything leaves the process. Any LLM failure (timeout, connection, 429, 5xx,
// empty reply) falls back to the extractive answer: the chat never answers 500 for it.
import Foundation
import Logging
import Metrics
import Retrieval

public struct ComposedAnswer: Sendable {
    public var reply: String
    /// "extractive" or "llm".
    public var mode: String
}

public struct AnswerComposer: Sendable {
    public let extractive: ExtractiveAnswer
    public let model: (any LanguageModel)?
    let logger: Logger

    public init(extractive: ExtractiveAnswer, model: (any LanguageModel)?, logger: Logger) {
        self.extractive = extractive
        self.model = model
        self.logger = logger
    }

    public func answer(question: String, found: SearchResult, attributes: [String: JSONValue]?) async -> ComposedAnswer {
        let hits = found.hits
        let fallback = ComposedAnswer(reply: extractive.reply(to: found), mode: "extractive")
        // Nothing retrieved: the fixed reply, and no LLM call.
        guard let model, !hits.isEmpty else { return fallback }
        do {
            let reply = try await model.complete(GroundedPrompt.messages(question: question, hits: hits, attributes: attributes))
            Self.count("ok")
            return ComposedAnswer(reply: reply, mode: "llm")
        } catch {
            Self.count("fallback")
            logger.warning("LLM answer failed; extractive answer instead", metadata: ["error": "\(error)"])
            return fallback
        }
    }

    public enum StreamEvent: Sendable {
        case delta(String)
        case done(mode: String)
    }

    /// The answer as deltas. The LLM's deltas when it answers; the extractive answer in pieces
    /// when there is none, or when it fails before its first delta. A failure after that ends
    /// the stream with what was sent.
    public func stream(question: String, found: SearchResult, attributes: [String: JSONValue]?) -> AsyncStream<StreamEvent> {
        let hits = found.hits
        return AsyncStream { continuation in
            let task = Task {
                let fallback = extractive.reply(to: found)
                if let model, !hits.isEmpty {
                    var sent = false
                    do {
                        for try await delta in model.stream(GroundedPrompt.messages(question: question, hits: hits, attributes: attributes)) {
                            sent = true
                            continuation.yield(.delta(delta))
                        }
                        if sent {
                            Self.count("ok")
                            continuation.yield(.done(mode: "llm"))
                            continuation.finish()
                            return
                        }
                        Self.count("fallback")
                        logger.warning("LLM stream was empty; extractive answer instead")
                    } catch {
                        Self.count(sent ? "truncated" : "fallback")
                        logger.warning("LLM stream failed", metadata: ["error": "\(error)", "after_first_delta": "\(sent)"])
                        if sent {
                            continuation.yield(.done(mode: "llm"))
                            continuation.finish()
                            return
                        }
                    }
                }
                for piece in Self.pieces(of: fallback) { continuation.yield(.delta(piece)) }
                continuation.yield(.done(mode: "extractive"))
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    static func count(_ result: String) {
        Counter(label: "manualbot_llm_calls_total", dimensions: [("result", result)]).increment()
    }

    /// Splits a reply into line-sized deltas, keeping the line breaks.
    static func pieces(of text: String) -> [String] {
        var result: [String] = []
        var current = ""
        for character in text {
            current.append(character)
            if character == "\n" || current.count >= 40 {
                result.append(current)
                current = ""
            }
        }
        if !current.isEmpty { result.append(current) }
        return result
    }
}

/// The Korean instructions and the numbered, masked passages the LLM answers from.
public enum GroundedPrompt {
    public static let system = """
        당신은 호텔 직원을 돕는 고객응대 매뉴얼 도우미입니다.
        반드시 아래 [자료]에 있는 내용만 근거로, 한국어 존댓말로 짧고 정확하게 답하세요.
        각 문단 끝에 근거가 된 자료를 [출처: 파일명 p.페이지] 형식으로 표시하세요.
        자료에 답이 없으면 "제공된 매뉴얼에서 해당 내용을 찾지 못했습니다."라고 답하고 추측하지 마세요.
        개인정보는 [..._REDACTED]로 가려져 있으니 복원하려 하지 마세요.
        """

    public static func messages(question: String, hits: [SearchHit], attributes: [String: JSONValue]?) -> [ChatMessage] {
        var user = "[자료]\n"
        for (number, hit) in hits.enumerated() {
            user += "[\(number + 1)] \(hit.fileName) p.\(hit.page)\n\(PIIMasker.mask(hit.text))\n\n"
        }
        if let attributes, !attributes.isEmpty,
           let data = try? JSONEncoder.sorted.encode(attributes) {
            user += "[고객 정보]\n\(PIIMasker.mask(String(decoding: data, as: UTF8.self)))\n\n"
        }
        user += "[질문]\n\(PIIMasker.mask(question))"
        return [ChatMessage(role: "system", content: system), ChatMessage(role: "user", content: user)]
    }
}

extension JSONEncoder {
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
