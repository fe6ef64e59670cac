// Every endpoint but OPTIONS, `GET /`, the health check and the OpenAPI document needs the API
// key, from `x-api-key` or `Authorization` (with or without "Bearer "). No Origin-based bypass:
// any script can send an Origin header.
import Foundation
import Hummingbird

struct APIKeyMiddleware<Context: RequestContext>: RouterMiddleware {
    let key: [UInt8]

    init(key: String) {
        self.key = Array(key.utf8)
    }

    static func isFree(_ request: Request) -> Bool {
        if request.method == .options { return true }
        guard request.method == .get || request.method == .head else { return false }
        // /metrics has its own optional METRICS_TOKEN.
        return ["/", "/api/v1/health", "/metrics", OpenAPIDocument.path].contains(request.uri.path)
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if Self.isFree(request) { return try await next(request, context) }
        let presented = request.headers[.init("x-api-key")!] ?? request.headers[.authorization].map(Self.stripBearer)
        guard let presented, constantTimeEquals(Array(presented.utf8), key) else {
            throw APIError(.unauthorized, "Invalid or missing API Key")
        }
        return try await next(request, context)
    }

    static func stripBearer(_ value: String) -> String {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        if trimmed.lowercased().hasPrefix("bearer ") {
            return String(trimmed.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        }
        return trimmed
    }
}

/// Compares in time that depends only on the lengths, not on where the bytes differ.
func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    var difference = UInt8(a.count == b.count ? 0 : 1)
    let length = max(a.count, b.count)
    for index in 0..<length {
        let x = index < a.count ? a[index] : 0
        let y = index < b.count ? b[index] : 0
        difference |= x ^ y
    }
    return difference == 0
}
