// One HTTP exchange over URLSession with a cap on the response body: a delegate sees the
// headers and each piece of the body, so an object over the limit is cut off after at most
// limit bytes instead of filling memory. Redirects are not followed (a redirected signed S3
// request fails its signature anyway; S3's own 301 error says which region to use).
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

struct HTTPResponse: Sendable {
    var status: Int
    /// Lower-cased names.
    var headers: [String: String]
    var body: Data
}

/// The body went over `limit`; `length` is what the server announced, if it did.
struct BodyTooLarge: Error {
    var limit: Int
    var length: Int64?
}

final class HTTPTransport: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    // All mutable state is behind `lock`: the delegate runs on URLSession's queue, callers on
    // the concurrency pool.
    private let lock = NSLock()
    private var exchanges: [Int: Exchange] = [:]
    private var sessionStorage: URLSession?

    final class Exchange {
        let continuation: CheckedContinuation<HTTPResponse, any Error>
        let limit: Int
        var response: HTTPURLResponse?
        var body = Data()
        var tooLarge: BodyTooLarge?
        init(continuation: CheckedContinuation<HTTPResponse, any Error>, limit: Int) {
            self.continuation = continuation
            self.limit = limit
        }
    }

    init(requestTimeout: TimeInterval, resourceTimeout: TimeInterval) {
        super.init()
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = requestTimeout
        configuration.timeoutIntervalForResource = resourceTimeout
        configuration.urlCache = nil
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.httpShouldSetCookies = false
        sessionStorage = URLSession(configuration: configuration, delegate: self, delegateQueue: nil)
    }

    private var session: URLSession { lock.withLock { sessionStorage! } }

    /// Ends the session once running requests are done (it holds its delegate, this object).
    func shutdown() {
        let session = lock.withLock { () -> URLSession? in
            defer { sessionStorage = nil }
            return sessionStorage
        }
        session?.finishTasksAndInvalidate()
    }

    func send(_ request: URLRequest, limit: Int) async throws -> HTTPResponse {
        let box = TaskBox()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let task = session.dataTask(with: request)
                lock.withLock { exchanges[task.taskIdentifier] = Exchange(continuation: continuation, limit: limit) }
                box.set(task)
                task.resume()
            }
        } onCancel: {
            box.cancel()
        }
    }

    // MARK: URLSessionDataDelegate

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping @Sendable (URLSession.ResponseDisposition) -> Void) {
        let http = response as? HTTPURLResponse
        let proceed = lock.withLock { () -> Bool in
            guard let exchange = exchanges[dataTask.taskIdentifier] else { return true }
            exchange.response = http
            let announced = response.expectedContentLength
            if announced > Int64(exchange.limit) {
                exchange.tooLarge = BodyTooLarge(limit: exchange.limit, length: announced)
                return false
            }
            return true
        }
        completionHandler(proceed ? .allow : .cancel)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        let overflow = lock.withLock { () -> Bool in
            guard let exchange = exchanges[dataTask.taskIdentifier], exchange.tooLarge == nil else { return false }
            if exchange.body.count + data.count > exchange.limit {
                exchange.tooLarge = BodyTooLarge(limit: exchange.limit, length: nil)
                exchange.body = Data()
                return true
            }
            exchange.body.append(data)
            return false
        }
        if overflow { dataTask.cancel() }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void) {
        completionHandler(nil)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        guard let exchange = lock.withLock({ exchanges.removeValue(forKey: task.taskIdentifier) }) else { return }
        if let tooLarge = exchange.tooLarge {
            exchange.continuation.resume(throwing: tooLarge)
        } else if let error {
            exchange.continuation.resume(throwing: error)
        } else if let response = exchange.response {
            var headers: [String: String] = [:]
            for (name, value) in response.allHeaderFields {
                headers["\(name)".lowercased()] = "\(value)"
            }
            // A body shorter than announced means the connection dropped mid-way.
            let announced = response.expectedContentLength
            if announced >= 0, Int64(exchange.body.count) < announced, task.originalRequest?.httpMethod != "HEAD" {
                exchange.continuation.resume(throwing: URLError(.networkConnectionLost))
                return
            }
            exchange.continuation.resume(returning: HTTPResponse(status: response.statusCode, headers: headers, body: exchange.body))
        } else {
            exchange.continuation.resume(throwing: URLError(.badServerResponse))
        }
    }
}

/// Hands the running task to the cancellation handler, which may run before it exists.
private final class TaskBox: @unchecked Sendable {
    private let lock = NSLock()
    private var task: URLSessionTask?
    private var cancelled = false

    func set(_ task: URLSessionTask) {
        let cancelNow = lock.withLock { () -> Bool in
            self.task = task
            return cancelled
        }
        if cancelNow { task.cancel() }
    }

    func cancel() {
        let task = lock.withLock { () -> URLSessionTask? in
            cancelled = true
            return self.task
        }
        task?.cancel()
    }
}
