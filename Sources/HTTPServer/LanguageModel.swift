// An OpenAI-compatible Chat Completions client over FoundationNetworking URLSession (no
// AsyncHTTPClient: build time): one-shot and streamed (SSE) completions, each under a timeout.
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

public struct ChatMessage: Codable, Sendable, Equatable {
    public var role: String
    public var content: String
}

public protocol LanguageModel: Sendable {
    func complete(_ messages: [ChatMessage]) async throws -> String
    /// Content deltas as they arrive.
    func stream(_ messages: [ChatMessage]) -> AsyncThrowingStream<String, Error>
}

public enum LanguageModelError: Error, CustomStringConvertible {
    case http(Int, String)
    case timeout
    case emptyReply
    case malformed(String)

    public var description: String {
        switch self {
        case .http(let status, let body): "HTTP \(status): \(body.prefix(200))"
        case .timeout: "timed out"
        case .emptyReply: "empty reply"
        case .malformed(let what): "malformed reply: \(what)"
        }
    }
}

public struct OpenAICompatibleModel: LanguageModel {
    public var baseURL: URL
    public var apiKey: String
    public var model: String
    public var timeout: Duration
    public var maxTokens = 600

    public init(baseURL: URL, apiKey: String, model: String, timeout: Duration) {
        self.baseURL = baseURL
        self.apiKey = apiKey
        self.model = model
        self.timeout = timeout
    }

    func request(_ messages: [ChatMessage], stream: Bool) throws -> URLRequest {
        var request = URLRequest(url: baseURL.appendingPathComponent("chat/completions"))
        request.httpMethod = "POST"
        request.timeoutInterval = Double(timeout.components.seconds) + 1
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue("Bearer \(apiKey)", forHTTPHeaderField: "Authorization")
        struct Body: Encodable {
            var model: String
            var messages: [ChatMessage]
            var temperature = 0.0
            var max_tokens: Int
            var stream: Bool
        }
        request.httpBody = try JSONEncoder().encode(Body(model: model, messages: messages, max_tokens: maxTokens, stream: stream))
        return request
    }

    public func complete(_ messages: [ChatMessage]) async throws -> String {
        let request = try request(messages, stream: false)
        let (data, response): (Data, URLResponse)
        do {
            (data, response) = try await withDeadline(timeout) { try await URLSession.shared.data(for: request) }
        } catch is DeadlineExceeded {
            throw LanguageModelError.timeout
        }
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard status == 200 else { throw LanguageModelError.http(status, String(decoding: data, as: UTF8.self)) }
        struct Reply: Decodable {
            struct Choice: Decodable {
                struct Message: Decodable { var content: String? }
                var message: Message
            }
            var choices: [Choice]
        }
        guard let reply = try? JSONDecoder().decode(Reply.self, from: data) else {
            throw LanguageModelError.malformed("no choices[0].message")
        }
        let content = reply.choices.first?.message.content?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        guard !content.isEmpty else { throw LanguageModelError.emptyReply }
        return content
    }

    public func stream(_ messages: [ChatMessage]) -> AsyncThrowingStream<String, Error> {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: String.self)
        do {
            let request = try request(messages, stream: true)
            let delegate = StreamingDelegate(continuation: continuation, idleTimeout: timeout)
            let session = URLSession(configuration: .ephemeral, delegate: delegate, delegateQueue: nil)
            let task = session.dataTask(with: request)
            continuation.onTermination = { _ in
                task.cancel()
                session.invalidateAndCancel()
            }
            delegate.startWatchdog(cancel: { task.cancel() })
            task.resume()
        } catch {
            continuation.finish(throwing: error)
        }
        return stream
    }
}

/// Parses the server-sent events of a streamed completion: `data: {json}` lines, `data: [DONE]`.
final class StreamingDelegate: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    private let continuation: AsyncThrowingStream<String, Error>.Continuation
    private let idleTimeout: Duration
    private let lock = NSLock()
    private var buffer = Data()
    private var status = 0
    private var errorBody = Data()
    private var lastActivity = ContinuousClock.now
    private var finished = false

    init(continuation: AsyncThrowingStream<String, Error>.Continuation, idleTimeout: Duration) {
        self.continuation = continuation
        self.idleTimeout = idleTimeout
    }

    /// Ends the stream with a timeout when nothing arrives for `idleTimeout` (a stalled server).
    func startWatchdog(cancel: @escaping @Sendable () -> Void) {
        Task { [weak self] in
            while let self {
                try? await Task.sleep(for: .milliseconds(200))
                let idle = self.lock.withLock { self.finished ? nil : ContinuousClock.now - self.lastActivity }
                guard let idle else { return }
                if idle > self.idleTimeout {
                    self.finish(throwing: LanguageModelError.timeout)
                    cancel()
                    return
                }
            }
        }
    }

    func finish(throwing error: Error?) {
        let first = lock.withLock { () -> Bool in
            defer { finished = true }
            return !finished
        }
        guard first else { return }
        if let error { continuation.finish(throwing: error) } else { continuation.finish() }
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        lock.withLock {
            status = (response as? HTTPURLResponse)?.statusCode ?? 0
            lastActivity = .now
        }
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        var deltas: [String] = []
        var done = false
        let ok = lock.withLock { () -> Bool in
            lastActivity = .now
            guard status == 200 else {
                errorBody.append(data)
                return false
            }
            buffer.append(data)
            while let newline = buffer.firstIndex(of: 0x0A) {
                let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self).trimmingCharacters(in: .whitespaces)
                buffer.removeSubrange(buffer.startIndex...newline)
                guard line.hasPrefix("data:") else { continue }
                let payload = line.dropFirst(5).trimmingCharacters(in: .whitespaces)
                if payload == "[DONE]" {
                    done = true
                    break
                }
                if let delta = Self.delta(in: payload), !delta.isEmpty { deltas.append(delta) }
            }
            return true
        }
        guard ok else { return }
        for delta in deltas { continuation.yield(delta) }
        if done { finish(throwing: nil) }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        let (status, body) = lock.withLock { (self.status, self.errorBody) }
        if let error {
            finish(throwing: error)
        } else if status != 200 {
            finish(throwing: LanguageModelError.http(status, String(decoding: body, as: UTF8.self)))
        } else {
            finish(throwing: nil)
        }
        session.finishTasksAndInvalidate()
    }

    static func delta(in payload: String) -> String? {
        struct Chunk: Decodable {
            struct Choice: Decodable {
                struct Delta: Decodable { var content: String? }
                var delta: Delta
            }
            var choices: [Choice]
        }
        return (try? JSONDecoder().decode(Chunk.self, from: Data(payload.utf8)))?.choices.first?.delta.content
    }
}
