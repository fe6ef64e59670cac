// One JSON log line per request: request id, method, path, status, milliseconds. Never the body
// or the question text.
import Foundation
import Hummingbird
import Logging

struct RequestLogMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        var status = 500
        defer {
            let elapsed = ContinuousClock.now - started
            let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
            context.logger.info("request", metadata: [
                "method": "\(request.method.rawValue)",
                "path": "\(request.uri.path)",
                "status": .stringConvertible(status),
                "ms": .stringConvertible((milliseconds * 100).rounded() / 100),
            ])
        }
        let response = try await next(request, context)
        status = response.status.code
        return response
    }
}
