// Every request gets an id that its log lines carry and its response returns as `x-request-id`:
// the caller's `x-request-id`, else the ALB's `x-amzn-trace-id`, else a new one.
import Foundation
import HTTPTypes
import Hummingbird
import Logging

struct RequestIDMiddleware<Context: RequestContext>: RouterMiddleware {
    static var requestID: HTTPField.Name { HTTPField.Name("x-request-id")! }
    static var traceID: HTTPField.Name { HTTPField.Name("x-amzn-trace-id")! }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let id = Self.usable(request.headers[Self.requestID]) ?? Self.usable(request.headers[Self.traceID]) ?? context.id
        context.logger[metadataKey: "hb.request.id"] = .string(id)
        var response = try await next(request, context)
        response.headers[Self.requestID] = id
        return response
    }

    /// Printable ASCII up to 200 characters: a header value we can echo and log safely.
    static func usable(_ value: String?) -> String? {
        guard let value, !value.isEmpty, value.count <= 200,
              value.unicodeScalars.allSatisfy({ $0.value >= 0x21 && $0.value < 0x7F }) else { return nil }
        return value
    }
}
