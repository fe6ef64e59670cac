// A local OpenAI-compatible Chat Completions server for tests (127.0.0.1, random port): it
// records every request and answers, streams, stalls or fails as the test tells it.
import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

final class FakeOpenAI: @unchecked Sendable {
    enum Behaviour: Sendable {
        case answer(String)
        case stream([String])
        case streamThenDrop([String])
        case stall
        case status(Int)
        case empty
    }

    private let lock = NSLock()
    private var _behaviour: Behaviour = .answer("기본 답변입니다. [출처: 테스트.pdf p.1]")
    private var _requests: [[String: Any]] = []
    private let group: ServiceGroup
    private let task: Task<Void, Error>
    let port: Int

    var behaviour: Behaviour {
        get { lock.withLock { _behaviour } }
        set { lock.withLock { _behaviour = newValue } }
    }
    var requests: [[String: Any]] { lock.withLock { _requests } }
    var baseURL: URL { URL(string: "http://127.0.0.1:\(port)/v1")! }

    init() async throws {
        let router = Router()
        let (stream, continuation) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: "fake-openai")
        logger.logLevel = .critical
        let box = Box()
        router.post("/v1/chat/completions") { request, _ in
            var request = request
            let body = try await request.collectBody(upTo: 10_000_000)
            guard let fake = box.fake else { return Response(status: .internalServerError) }
            return try await fake.respond(to: Data(buffer: body), authorization: request.headers[.authorization])
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { continuation.yield($0.localAddress?.port ?? 0) }, logger: logger)
        group = ServiceGroup(services: [app], gracefulShutdownSignals: [], logger: logger)
        let group = self.group
        task = Task { try await group.run() }
        var iterator = stream.makeAsyncIterator()
        port = await iterator.next() ?? 0
        box.fake = self
    }

    final class Box: @unchecked Sendable { weak var fake: FakeOpenAI? }

    func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }

    func respond(to body: Data, authorization: String?) async throws -> Response {
        var record = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:]
        record["_authorization"] = authorization ?? ""
        lock.withLock { _requests.append(record) }
        switch behaviour {
        case .answer(let text):
            return json(["choices": [["message": ["role": "assistant", "content": text]]]])
        case .empty:
            return json(["choices": [["message": ["role": "assistant", "content": ""]]]])
        case .status(let code):
            return Response(status: .init(code: code), body: .init(byteBuffer: ByteBuffer(string: #"{"error":{"message":"fake failure"}}"#)))
        case .stall:
            try await Task.sleep(for: .seconds(4))
            return json(["choices": []])
        case .stream(let deltas), .streamThenDrop(let deltas):
            let drop: Bool = if case .streamThenDrop = behaviour { true } else { false }
            var headers = HTTPFields()
            headers[.contentType] = "text/event-stream"
            return Response(status: .ok, headers: headers, body: ResponseBody { writer in
                for delta in deltas {
                    let chunk = ["choices": [["delta": ["content": delta]]]]
                    let data = try JSONSerialization.data(withJSONObject: chunk)
                    try await writer.write(ByteBuffer(string: "data: \(String(decoding: data, as: UTF8.self))\n\n"))
                    try await Task.sleep(for: .milliseconds(20))
                }
                if drop { throw CancellationError() }
                try await writer.write(ByteBuffer(string: "data: [DONE]\n\n"))
                try await writer.finish(nil)
            })
        }
    }

    func json(_ object: Any) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object)) ?? Data()
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
